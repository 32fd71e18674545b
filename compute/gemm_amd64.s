//go:build amd64 && !purego

#include "textflag.h"

// The two inner loops of gonum's serial Dgemm (blas/gonum/dgemm.go, v0.17.0), four lanes at a
// time, each element seeing the same IEEE double operations in the same order as there: no
// FMA, VMULPD/VADDPD round exactly as MULPD/ADDPD, and the operands keep gonum's order (so even
// a NaN's payload is the same) but in gemmAxpyKernel's multiplies (below). gemm.go explains
// which of gonum's loops each one replaces.

// func gemmAxpyKernel(c, a, b *float64, as, ldb, k, n, m, ars int)
//
// For each of the m rows r of c [m, n], with a's row at a + r·ars (ars, as and ldb counted in
// values), for j in [0, n) and l = 0, 1, ..., k-1 in that order:
//
//	v := a[l*as]
//	if v != 0 { c[j] = b[l*ldb+j]*v + c[j] }
//
// which is what gonum's f64.AxpyUnitary(v, b[l*ldb:], c) does to c[j] (MULPD x*alpha, then
// ADDPD +y), called only for v != 0 as dgemmSerialNotNot and dgemmSerialTransNot do. (The
// vector multiplies take b as their memory operand, v·b: the same product, one instruction
// fewer a vector; only when both v and b are NaN may the NaN's payload differ from gonum's.) The
// columns go 32 at a time (8 accumulators held in Y0-Y7 over the whole l loop), then 4 at a
// time (Y0), then one at a time (X0, scalar VMULSD and VADDSD). The zero test is on the bits: v != 0 unless bits(v) << 1 == 0 (±0); NaN is not 0.
//
// Registers: DI c, SI a (the row's), DX b (the current column block), R8 as*8, R9 ldb*8, R10 k,
// CX the columns left, R11 the a pointer and R12 the b pointer of the l loop, R13 its count, AX
// v's bits, Y8 v broadcast, Y9-Y12 products; R14 the rows left, R15 ars*8.
TEXT ·gemmAxpyKernel(SB), NOSPLIT, $0-72
	MOVQ c+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ as+24(FP), R8
	SHLQ $3, R8
	MOVQ ldb+32(FP), R9
	SHLQ $3, R9
	MOVQ k+40(FP), R10
	MOVQ m+56(FP), R14
	MOVQ ars+64(FP), R15
	SHLQ $3, R15

row: // DI is at the row's start: the previous row ends there
	MOVQ b+16(FP), DX
	MOVQ n+48(FP), CX

block32:
	CMPQ    CX, $32
	JLT     block4
	VMOVUPD 0(DI), Y0
	VMOVUPD 32(DI), Y1
	VMOVUPD 64(DI), Y2
	VMOVUPD 96(DI), Y3
	VMOVUPD 128(DI), Y4
	VMOVUPD 160(DI), Y5
	VMOVUPD 192(DI), Y6
	VMOVUPD 224(DI), Y7
	MOVQ    SI, R11
	MOVQ    DX, R12
	MOVQ    R10, R13
	TESTQ   R13, R13
	JZ      store32

loop32:
	MOVQ         (R11), AX
	ADDQ         AX, AX
	JZ           next32      // v is ±0: skipped
	VBROADCASTSD (R11), Y8
	VMULPD       0(R12), Y8, Y9 // v*b, b read by the multiply
	VMULPD       32(R12), Y8, Y10
	VMULPD       64(R12), Y8, Y11
	VMULPD       96(R12), Y8, Y12
	VADDPD       Y0, Y9, Y0     // v*b + c
	VADDPD       Y1, Y10, Y1
	VADDPD       Y2, Y11, Y2
	VADDPD       Y3, Y12, Y3
	VMULPD       128(R12), Y8, Y9
	VMULPD       160(R12), Y8, Y10
	VMULPD       192(R12), Y8, Y11
	VMULPD       224(R12), Y8, Y12
	VADDPD       Y4, Y9, Y4
	VADDPD       Y5, Y10, Y5
	VADDPD       Y6, Y11, Y6
	VADDPD       Y7, Y12, Y7

next32:
	ADDQ R8, R11
	ADDQ R9, R12
	DECQ R13
	JNZ  loop32

store32:
	VMOVUPD Y0, 0(DI)
	VMOVUPD Y1, 32(DI)
	VMOVUPD Y2, 64(DI)
	VMOVUPD Y3, 96(DI)
	VMOVUPD Y4, 128(DI)
	VMOVUPD Y5, 160(DI)
	VMOVUPD Y6, 192(DI)
	VMOVUPD Y7, 224(DI)
	ADDQ    $256, DI
	ADDQ    $256, DX
	SUBQ    $32, CX
	JMP     block32

block4:
	CMPQ    CX, $4
	JLT     block1
	VMOVUPD (DI), Y0
	MOVQ    SI, R11
	MOVQ    DX, R12
	MOVQ    R10, R13
	TESTQ   R13, R13
	JZ      store4

loop4:
	MOVQ         (R11), AX
	ADDQ         AX, AX
	JZ           next4
	VBROADCASTSD (R11), Y8
	VMULPD       (R12), Y8, Y9
	VADDPD       Y0, Y9, Y0

next4:
	ADDQ R8, R11
	ADDQ R9, R12
	DECQ R13
	JNZ  loop4

store4:
	VMOVUPD Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, DX
	SUBQ    $4, CX
	JMP     block4

block1: // the last n%4 columns, one at a time
	TESTQ  CX, CX
	JZ     done
	VMOVSD (DI), X0
	MOVQ   SI, R11
	MOVQ   DX, R12
	MOVQ   R10, R13
	TESTQ  R13, R13
	JZ     store1

loop1:
	MOVQ   (R11), AX
	ADDQ   AX, AX
	JZ     next1
	VMOVSD (R12), X9
	VMULSD (R11), X9, X9 // b*v
	VADDSD X0, X9, X0    // b*v + c

next1:
	ADDQ R8, R11
	ADDQ R9, R12
	DECQ R13
	JNZ  loop1

store1:
	VMOVSD X0, (DI)
	ADDQ   $8, DI
	ADDQ   $8, DX
	DECQ   CX
	JMP    block1

done:
	ADDQ R15, SI
	DECQ R14
	JNZ  row
	VZEROUPPER
	RET

// func gemmDotKernel(c, a, b *float64, ldb, k, n, m, lda int)
//
// For each of the m rows r of c [m, n], with a's row at a + r·lda (counted in values), for j in
// [0, n): c[j] = c[j] + dot(a[:k], b[j*ldb : j*ldb+k]), the dot product summed as
// gonum's f64.DotUnitary sums it (dot_amd64.s): four lane sums s_r = Σ_q a[4q+r]·b[4q+r] over
// the k/4 whole groups, each starting at +0 and adding a[i]·b[i] (MULPD, then ADDPD acc+prod),
// then the k%4 last products added one at a time to s0, then (s1+s3) + (s0+s2). That is the
// ctmp[j] += alpha * f64.DotUnitary(...) of dgemmSerialNotTrans with alpha = 1, for which
// alpha·dot is dot exactly, and which Go compiles as dot + c (the order only a NaN's payload
// shows). Eight columns j at a time where k%4 is 0 (accumulators Y0-Y7), then four (Y0-Y3),
// then one.
//
// Registers: DI c, SI a, DX b row j, R9 ldb*8, R10 k/4, BX k%4, CX the columns left, R11-R14
// the first four b rows, AX the byte offset in the rows, R15 the loop count; dot4: Y0-Y3 the
// sums, Y4 a's group, Y5-Y8 products, X9-X12 results; dot8: Y0-Y7 the sums, Y8 a's group,
// Y9-Y12 products, R8 the byte offset in rows 4-7 (read as R11-R14 plus 4 rows), X8-X9 scratch.
//
// The rows left and lda*8 live in the frame (0(SP), 8(SP)): the columns' loops use every
// general register.
TEXT ·gemmDotKernel(SB), NOSPLIT, $16-64
	MOVQ c+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ ldb+24(FP), R9
	SHLQ $3, R9
	MOVQ k+32(FP), R10
	MOVQ R10, BX
	ANDQ $3, BX
	SHRQ $2, R10
	MOVQ m+48(FP), AX
	MOVQ AX, 0(SP)
	MOVQ lda+56(FP), AX
	SHLQ $3, AX
	MOVQ AX, 8(SP)

dotrow: // DI is at the row's start: the previous row ends there
	MOVQ b+16(FP), DX
	MOVQ n+40(FP), CX

// DOTROWS4 points R11-R14 at the b rows j .. j+3 and clears the sums Y0-Y3 (dot8 also clears
// Y4-Y7 for rows j+4 .. j+7, which it reads 4 rows further).
#define DOTROWS4 \
	MOVQ   DX, R11         \
	LEAQ   (DX)(R9*1), R12 \
	LEAQ   (DX)(R9*2), R13 \
	LEAQ   (R12)(R9*2), R14 \
	VXORPD Y0, Y0, Y0      \
	VXORPD Y1, Y1, Y1      \
	VXORPD Y2, Y2, Y2      \
	VXORPD Y3, Y3, Y3

// dot8: eight columns at a time where k is a multiple of 4 (no tail), so that each step's
// eight additions fill the adders where dot4's four wait on their latency.
dot8:
	TESTQ  BX, BX
	JNZ    dot4
	CMPQ   CX, $8
	JLT    dot4
	DOTROWS4
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	XORQ   AX, AX        // the offset in a and in rows 0-3
	LEAQ   (R9*4), R8    // the offset in rows 4-7: 4 rows further
	MOVQ   R10, R15
	TESTQ  R15, R15
	JZ     reduce8

loop8d:
	VMOVUPD (SI)(AX*1), Y8
	VMULPD  (R11)(AX*1), Y8, Y9 // a*b
	VADDPD  Y9, Y0, Y0          // acc + a*b
	VMULPD  (R12)(AX*1), Y8, Y10
	VADDPD  Y10, Y1, Y1
	VMULPD  (R13)(AX*1), Y8, Y11
	VADDPD  Y11, Y2, Y2
	VMULPD  (R14)(AX*1), Y8, Y12
	VADDPD  Y12, Y3, Y3
	VMULPD  (R11)(R8*1), Y8, Y9
	VADDPD  Y9, Y4, Y4
	VMULPD  (R12)(R8*1), Y8, Y10
	VADDPD  Y10, Y5, Y5
	VMULPD  (R13)(R8*1), Y8, Y11
	VADDPD  Y11, Y6, Y6
	VMULPD  (R14)(R8*1), Y8, Y12
	VADDPD  Y12, Y7, Y7
	ADDQ    $32, AX
	ADDQ    $32, R8
	DECQ    R15
	JNZ     loop8d

reduce8:
// DOTOUT(Y, X, off) adds the dot product held in Y's four lanes, (s1+s3) + (s0+s2), to the
// c element at off(DI), as reduce4 does. It clobbers X8, X9 and X.
#define DOTOUT(Y, X, off) \
	VEXTRACTF128 $1, Y, X8 \
	VADDPD       X8, X, X  \
	VUNPCKHPD    X, X, X8  \
	VADDSD       X, X8, X8 \
	VMOVSD       off(DI), X9 \
	VADDSD       X9, X8, X9 \
	VMOVSD       X9, off(DI)
	DOTOUT(Y0, X0, 0)
	DOTOUT(Y1, X1, 8)
	DOTOUT(Y2, X2, 16)
	DOTOUT(Y3, X3, 24)
	DOTOUT(Y4, X4, 32)
	DOTOUT(Y5, X5, 40)
	DOTOUT(Y6, X6, 48)
	DOTOUT(Y7, X7, 56)
	ADDQ $64, DI
	LEAQ (DX)(R9*8), DX
	SUBQ $8, CX
	JMP  dot8

dot4:
	CMPQ   CX, $4
	JLT    dot1
	DOTROWS4
	XORQ   AX, AX
	MOVQ   R10, R15
	TESTQ  R15, R15
	JZ     tail4

loop4d:
	VMOVUPD (SI)(AX*1), Y4
	VMOVUPD (R11)(AX*1), Y5
	VMOVUPD (R12)(AX*1), Y6
	VMOVUPD (R13)(AX*1), Y7
	VMOVUPD (R14)(AX*1), Y8
	VMULPD  Y5, Y4, Y5 // a*b
	VMULPD  Y6, Y4, Y6
	VMULPD  Y7, Y4, Y7
	VMULPD  Y8, Y4, Y8
	VADDPD  Y5, Y0, Y0 // acc + a*b
	VADDPD  Y6, Y1, Y1
	VADDPD  Y7, Y2, Y2
	VADDPD  Y8, Y3, Y3
	ADDQ    $32, AX
	DECQ    R15
	JNZ     loop4d

tail4:
	// the k%4 last products into s0; VEX scalar ops keep bits 64-127 and clear the upper
	// half, so the upper halves go aside first
	VEXTRACTF128 $1, Y0, X9
	VEXTRACTF128 $1, Y1, X10
	VEXTRACTF128 $1, Y2, X11
	VEXTRACTF128 $1, Y3, X12
	MOVQ         BX, R15
	TESTQ        R15, R15
	JZ           reduce4

tailloop4:
	VMOVSD (SI)(AX*1), X4
	VMULSD (R11)(AX*1), X4, X5
	VADDSD X5, X0, X0
	VMULSD (R12)(AX*1), X4, X6
	VADDSD X6, X1, X1
	VMULSD (R13)(AX*1), X4, X7
	VADDSD X7, X2, X2
	VMULSD (R14)(AX*1), X4, X8
	VADDSD X8, X3, X3
	ADDQ   $8, AX
	DECQ   R15
	JNZ    tailloop4

reduce4:
	VADDPD    X9, X0, X0    // (s0+s2, s1+s3)
	VUNPCKHPD X0, X0, X9    // s1+s3
	VADDSD    X0, X9, X9    // (s1+s3) + (s0+s2)
	VADDPD    X10, X1, X1
	VUNPCKHPD X1, X1, X10
	VADDSD    X1, X10, X10
	VADDPD    X11, X2, X2
	VUNPCKHPD X2, X2, X11
	VADDSD    X2, X11, X11
	VADDPD    X12, X3, X3
	VUNPCKHPD X3, X3, X12
	VADDSD    X3, X12, X12
	VMOVSD    0(DI), X4
	VADDSD    X4, X9, X4    // dot + c
	VMOVSD    X4, 0(DI)
	VMOVSD    8(DI), X4
	VADDSD    X4, X10, X4
	VMOVSD    X4, 8(DI)
	VMOVSD    16(DI), X4
	VADDSD    X4, X11, X4
	VMOVSD    X4, 16(DI)
	VMOVSD    24(DI), X4
	VADDSD    X4, X12, X4
	VMOVSD    X4, 24(DI)
	ADDQ      $32, DI
	LEAQ      (DX)(R9*4), DX
	SUBQ      $4, CX
	JMP       dot4

dot1:
	TESTQ  CX, CX
	JZ     dotdone
	VXORPD Y0, Y0, Y0
	XORQ   AX, AX
	MOVQ   R10, R15
	TESTQ  R15, R15
	JZ     tail1

loop1d:
	VMOVUPD (SI)(AX*1), Y4
	VMOVUPD (DX)(AX*1), Y5
	VMULPD  Y5, Y4, Y5
	VADDPD  Y5, Y0, Y0
	ADDQ    $32, AX
	DECQ    R15
	JNZ     loop1d

tail1:
	VEXTRACTF128 $1, Y0, X9
	MOVQ         BX, R15
	TESTQ        R15, R15
	JZ           reduce1

tailloop1:
	VMOVSD (SI)(AX*1), X4
	VMULSD (DX)(AX*1), X4, X5
	VADDSD X5, X0, X0
	ADDQ   $8, AX
	DECQ   R15
	JNZ    tailloop1

reduce1:
	VADDPD    X9, X0, X0
	VUNPCKHPD X0, X0, X9
	VADDSD    X0, X9, X9
	VMOVSD    0(DI), X4
	VADDSD    X4, X9, X4
	VMOVSD    X4, 0(DI)
	ADDQ      $8, DI
	ADDQ      R9, DX
	DECQ      CX
	JMP       dot1

dotdone:
	ADDQ 8(SP), SI
	DECQ 0(SP)
	JNZ  dotrow
	VZEROUPPER
	RET

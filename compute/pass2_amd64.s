//go:build amd64 && !purego

#include "textflag.h"

// The per-input loops of pass 2 and pass 1's addRows (pass2.go), four lanes at a time, each element seeing the same
// IEEE double operations in the same order as the Go loops they replace (no FMA; VMULPD,
// VADDPD round exactly as MULSD, ADDSD). The last n%4 elements run the same operations on
// scalars.

// func logitsKernel(logits, direct, le, l0, l1 *float64, aE, a0, a1 float64, n int)
//
// logits[j] = ((direct[j] + aE·le[j]) + a0·l0[j]) + a1·l1[j] for j < n.
TEXT ·logitsKernel(SB), NOSPLIT, $0-72
	MOVQ         logits+0(FP), DI
	MOVQ         direct+8(FP), SI
	MOVQ         le+16(FP), R8
	MOVQ         l0+24(FP), R9
	MOVQ         l1+32(FP), R10
	VBROADCASTSD aE+40(FP), Y13
	VBROADCASTSD a0+48(FP), Y14
	VBROADCASTSD a1+56(FP), Y15
	MOVQ         n+64(FP), CX
	XORQ         AX, AX // byte offset
	MOVQ         CX, BX
	ANDQ         $3, BX
	SHRQ         $2, CX
	JZ           ltail

lloop:
	VMOVUPD (SI)(AX*1), Y0
	VMULPD  (R8)(AX*1), Y13, Y1
	VADDPD  Y1, Y0, Y0
	VMULPD  (R9)(AX*1), Y14, Y2
	VADDPD  Y2, Y0, Y0
	VMULPD  (R10)(AX*1), Y15, Y3
	VADDPD  Y3, Y0, Y0
	VMOVUPD Y0, (DI)(AX*1)
	ADDQ    $32, AX
	DECQ    CX
	JNZ     lloop

ltail:
	TESTQ BX, BX
	JZ    ldone

ltailloop:
	VMOVSD (SI)(AX*1), X0
	VMULSD (R8)(AX*1), X13, X1
	VADDSD X1, X0, X0
	VMULSD (R9)(AX*1), X14, X2
	VADDSD X2, X0, X0
	VMULSD (R10)(AX*1), X15, X3
	VADDSD X3, X0, X0
	VMOVSD X0, (DI)(AX*1)
	ADDQ   $8, AX
	DECQ   BX
	JNZ    ltailloop

ldone:
	VZEROUPPER
	RET

// func backwardKernel(dd, d0, d1, dle, grad, l0, l1, le *float64, a0, a1, aE float64, n int) (s0, s1, sE float64)
//
// For j < n, in order, with g = grad: dd[j] += g[j]; d0[j] += a0·g[j]; d1[j] += a1·g[j]; dle[j] += aE·g[j];
// s0 += g[j]·l0[j]; s1 += g[j]·l1[j]; sE += g[j]·le[j], each sum starting at +0 and adding one
// product at a time, left to right (VADDSD lane by lane), as ExampleBackward's loop does.
//
// Registers: X10, X11, X12 the sums s0, s1, sE; Y13, Y14, Y15 a0, a1, aE; Y0 g; AX the byte
// offset; CX the groups of 4 left, BX the remainder.
TEXT ·backwardKernel(SB), NOSPLIT, $0-120
	MOVQ         dd+0(FP), DI
	MOVQ         d0+8(FP), R8
	MOVQ         d1+16(FP), R9
	MOVQ         dle+24(FP), R10
	MOVQ         grad+32(FP), SI
	MOVQ         l0+40(FP), R11
	MOVQ         l1+48(FP), R12
	MOVQ         le+56(FP), R13
	VBROADCASTSD a0+64(FP), Y13
	VBROADCASTSD a1+72(FP), Y14
	VBROADCASTSD aE+80(FP), Y15
	MOVQ         n+88(FP), CX
	VXORPD       X10, X10, X10
	VXORPD       X11, X11, X11
	VXORPD       X12, X12, X12
	XORQ         AX, AX
	MOVQ         CX, BX
	ANDQ         $3, BX
	SHRQ         $2, CX
	JZ           btail

// SUM4(p, s) adds the four lanes of Y<p> to X<s>'s low lane, lane 0 first. It clobbers X<p>
// and X9.
#define SUM4(pY, pX, sX) \
	VADDSD       pX, sX, sX \
	VPERMILPD    $1, pX, X9 \
	VADDSD       X9, sX, sX \
	VEXTRACTF128 $1, pY, pX \
	VADDSD       pX, sX, sX \
	VPERMILPD    $1, pX, pX \
	VADDSD       pX, sX, sX

bloop:
	VMOVUPD (SI)(AX*1), Y0
	VADDPD  (DI)(AX*1), Y0, Y1 // dd + g
	VMOVUPD Y1, (DI)(AX*1)
	VMULPD  Y0, Y13, Y1        // a0·g
	VADDPD  (R8)(AX*1), Y1, Y1
	VMOVUPD Y1, (R8)(AX*1)
	VMULPD  Y0, Y14, Y2        // a1·g
	VADDPD  (R9)(AX*1), Y2, Y2
	VMOVUPD Y2, (R9)(AX*1)
	VMULPD  Y0, Y15, Y3        // aE·g
	VADDPD  (R10)(AX*1), Y3, Y3
	VMOVUPD Y3, (R10)(AX*1)
	VMULPD  (R11)(AX*1), Y0, Y4 // g·l0
	VMULPD  (R12)(AX*1), Y0, Y5 // g·l1
	VMULPD  (R13)(AX*1), Y0, Y6 // g·le
	SUM4(Y4, X4, X10)
	SUM4(Y5, X5, X11)
	SUM4(Y6, X6, X12)
	ADDQ    $32, AX
	DECQ    CX
	JNZ     bloop

btail:
	TESTQ BX, BX
	JZ    bdone

btailloop:
	VMOVSD (SI)(AX*1), X0
	VADDSD (DI)(AX*1), X0, X1
	VMOVSD X1, (DI)(AX*1)
	VMULSD X0, X13, X1
	VADDSD (R8)(AX*1), X1, X1
	VMOVSD X1, (R8)(AX*1)
	VMULSD X0, X14, X2
	VADDSD (R9)(AX*1), X2, X2
	VMOVSD X2, (R9)(AX*1)
	VMULSD X0, X15, X3
	VADDSD (R10)(AX*1), X3, X3
	VMOVSD X3, (R10)(AX*1)
	VMULSD (R11)(AX*1), X0, X4
	VADDSD X4, X10, X10
	VMULSD (R12)(AX*1), X0, X5
	VADDSD X5, X11, X11
	VMULSD (R13)(AX*1), X0, X6
	VADDSD X6, X12, X12
	ADDQ   $8, AX
	DECQ   BX
	JNZ    btailloop

bdone:
	VMOVSD X10, s0+96(FP)
	VMOVSD X11, s1+104(FP)
	VMOVSD X12, sE+112(FP)
	VZEROUPPER
	RET

// func addRowsKernel(dst, rows, u, v *float64, nrows, n int)
//
// dst[r*n+j] = (rows[r*n+j] + u[j]) + v[j] for r < nrows and j < n, four columns at a time, then
// one at a time for the last n%4 of each row.
TEXT ·addRowsKernel(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ rows+8(FP), SI
	MOVQ nrows+32(FP), R8

arow:
	MOVQ u+16(FP), R9
	MOVQ v+24(FP), R10
	MOVQ n+40(FP), CX
	MOVQ CX, BX
	ANDQ $3, BX
	SHRQ $2, CX
	JZ   atail

aloop:
	VMOVUPD (SI), Y0
	VADDPD  (R9), Y0, Y0  // rows + u
	VADDPD  (R10), Y0, Y0 // + v
	VMOVUPD Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	ADDQ    $32, R9
	ADDQ    $32, R10
	DECQ    CX
	JNZ     aloop

atail:
	TESTQ BX, BX
	JZ    anext

atailloop:
	VMOVSD (SI), X0
	VADDSD (R9), X0, X0
	VADDSD (R10), X0, X0
	VMOVSD X0, (DI)
	ADDQ   $8, SI
	ADDQ   $8, DI
	ADDQ   $8, R9
	ADDQ   $8, R10
	DECQ   BX
	JNZ    atailloop

anext:
	DECQ R8
	JNZ  arow
	VZEROUPPER
	RET

// func scaleRowsKernel(x *float64, n, r int, k *[4]float64)
//
// x[j*n+i] *= k[j] for the rows j < r and i < n, row after row (scaleByGo's operation).
TEXT ·scaleRowsKernel(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), DI
	MOVQ r+16(FP), DX
	MOVQ k+24(FP), SI

srrow:
	VBROADCASTSD (SI), Y15
	MOVQ         n+8(FP), CX
	MOVQ         CX, BX
	ANDQ         $3, BX
	SHRQ         $2, CX
	JZ           srtail

srloop:
	VMULPD  (DI), Y15, Y0
	VMOVUPD Y0, (DI)
	ADDQ    $32, DI
	DECQ    CX
	JNZ     srloop

srtail:
	TESTQ BX, BX
	JZ    srnext

srtailloop:
	VMULSD (DI), X15, X0
	VMOVSD X0, (DI)
	ADDQ   $8, DI
	DECQ   BX
	JNZ    srtailloop

srnext:
	ADDQ $8, SI
	DECQ DX
	JNZ  srrow
	VZEROUPPER
	RET

// func argmaxKernel(x *float64, n int) (i int, ok bool)
//
// For n >= 1: i is the first index of the largest of x[:n], and ok is true, unless some x[j]
// is NaN (then ok is false and i is not valid). The first pass takes the maximum m (VMAXPD;
// which of ±0 it keeps does not matter, as the second pass compares with ==), and ORs the
// unordered masks; the second finds the first x[i] == m, which is the index a scalar
// "if x[i] > x[best] { best = i }" loop ends on.
TEXT ·argmaxKernel(SB), NOSPLIT, $0-25
	MOVQ         x+0(FP), DI
	MOVQ         n+8(FP), CX
	VBROADCASTSD (DI), Y0 // the running maximum, from x[0]
	VXORPD       Y1, Y1, Y1 // the OR of the NaN masks
	XORQ         AX, AX
	MOVQ         CX, BX
	ANDQ         $3, BX
	MOVQ         CX, DX
	SHRQ         $2, DX
	JZ           mtail

mloop:
	VMOVUPD (DI)(AX*8), Y2
	VCMPPD  $3, Y2, Y2, Y3 // unordered: NaN
	VORPD   Y3, Y1, Y1
	VMAXPD  Y2, Y0, Y0
	ADDQ    $4, AX
	DECQ    DX
	JNZ     mloop

mtail:
	TESTQ BX, BX
	JZ    mreduce

mtailloop:
	VMOVSD  (DI)(AX*8), X2
	VCMPPD  $3, X2, X2, X3
	VORPD   Y3, Y1, Y1
	VBROADCASTSD X2, Y2
	VMAXPD  Y2, Y0, Y0
	INCQ    AX
	DECQ    BX
	JNZ     mtailloop

mreduce:
	VMOVMSKPD    Y1, DX
	TESTQ        DX, DX
	JNZ          mnan
	VEXTRACTF128 $1, Y0, X2
	VMAXPD       X2, X0, X0
	VPERMILPD    $1, X0, X2
	VMAXPD       X2, X0, X0
	VBROADCASTSD X0, Y0 // m in every lane

	// the first i with x[i] == m: 4 at a time while 4 are left, then one at a time
	XORQ AX, AX
	MOVQ CX, DX
	SUBQ $4, DX

mfind4:
	CMPQ      AX, DX
	JGT       mfind1
	VCMPPD    $0, (DI)(AX*8), Y0, Y2 // EQ_OQ
	VMOVMSKPD Y2, R8
	TESTQ     R8, R8
	JNZ       mfound4
	ADDQ      $4, AX
	JMP       mfind4

mfound4:
	BSFQ R8, R8
	ADDQ R8, AX
	JMP  mdone

mfind1:
	VUCOMISD (DI)(AX*8), X0
	JEQ      mdone // ZF set: equal (never unordered here)
	INCQ     AX
	JMP      mfind1

mdone:
	MOVQ AX, i+16(FP)
	MOVB $1, ok+24(FP)
	VZEROUPPER
	RET

mnan:
	MOVQ $0, i+16(FP)
	MOVB $0, ok+24(FP)
	VZEROUPPER
	RET

// func adamWKernel(p, grad, m, v *float64, n int, k *[8]float64)
//
// Optimizer.Update's AdamW loop for i < n, with k = [decay, b1, 1-b1, b2, 1-b2, bc2Sqrt, eps,
// stepSize], in the Go loop's order of operations (VSQRTPD is correctly rounded, as math.Sqrt):
//
//	p = p·decay;  m = b1·m + (1-b1)·g;  v = b2·v + ((1-b2)·g)·g
//	p = p - (stepSize·m) / (sqrt(v)/bc2Sqrt + eps)
TEXT ·adamWKernel(SB), NOSPLIT, $0-48
	MOVQ         p+0(FP), DI
	MOVQ         grad+8(FP), SI
	MOVQ         m+16(FP), R8
	MOVQ         v+24(FP), R9
	MOVQ         n+32(FP), CX
	MOVQ         k+40(FP), R10
	VBROADCASTSD 0(R10), Y8  // decay
	VBROADCASTSD 8(R10), Y9  // b1
	VBROADCASTSD 16(R10), Y10 // 1-b1
	VBROADCASTSD 24(R10), Y11 // b2
	VBROADCASTSD 32(R10), Y12 // 1-b2
	VBROADCASTSD 40(R10), Y13 // bc2Sqrt
	VBROADCASTSD 48(R10), Y14 // eps
	VBROADCASTSD 56(R10), Y15 // stepSize
	XORQ         AX, AX
	MOVQ         CX, BX
	ANDQ         $3, BX
	SHRQ         $2, CX
	JZ           atail

aloop:
	VMOVUPD (SI)(AX*1), Y0 // g
	VMULPD  (DI)(AX*1), Y8, Y1 // p·decay
	VMULPD  (R8)(AX*1), Y9, Y2 // b1·m
	VMULPD  Y0, Y10, Y3        // (1-b1)·g
	VADDPD  Y3, Y2, Y2         // m
	VMOVUPD Y2, (R8)(AX*1)
	VMULPD  (R9)(AX*1), Y11, Y4 // b2·v
	VMULPD  Y0, Y12, Y5         // (1-b2)·g
	VMULPD  Y0, Y5, Y5          // ((1-b2)·g)·g
	VADDPD  Y5, Y4, Y4          // v
	VMOVUPD Y4, (R9)(AX*1)
	VSQRTPD Y4, Y4
	VDIVPD  Y13, Y4, Y4         // sqrt(v)/bc2Sqrt
	VADDPD  Y14, Y4, Y4         // denom
	VMULPD  Y2, Y15, Y2         // stepSize·m
	VDIVPD  Y4, Y2, Y2          // (stepSize·m)/denom
	VSUBPD  Y2, Y1, Y1          // p - that
	VMOVUPD Y1, (DI)(AX*1)
	ADDQ    $32, AX
	DECQ    CX
	JNZ     aloop

atail:
	TESTQ BX, BX
	JZ    adone

atailloop:
	VMOVSD  (SI)(AX*1), X0
	VMULSD  (DI)(AX*1), X8, X1
	VMULSD  (R8)(AX*1), X9, X2
	VMULSD  X0, X10, X3
	VADDSD  X3, X2, X2
	VMOVSD  X2, (R8)(AX*1)
	VMULSD  (R9)(AX*1), X11, X4
	VMULSD  X0, X12, X5
	VMULSD  X0, X5, X5
	VADDSD  X5, X4, X4
	VMOVSD  X4, (R9)(AX*1)
	VSQRTSD X4, X4, X4
	VDIVSD  X13, X4, X4
	VADDSD  X14, X4, X4
	VMULSD  X2, X15, X2
	VDIVSD  X4, X2, X2
	VSUBSD  X2, X1, X1
	VMOVSD  X1, (DI)(AX*1)
	ADDQ    $8, AX
	DECQ    BX
	JNZ     atailloop

adone:
	VZEROUPPER
	RET

// func maxShiftedColsKernel(best, evouT, ppess *float64, m, V int)
//
// maxShiftedCols (cubic.go): for j = 0 .. V-1 but m, with col = evouT[j*(V+1):] and colM =
// evouT[m*(V+1):], best[i] = max(best[i], (col[i] - colM[i]) + ppess[j]) for i <= m (four at a
// time, as maxShiftedKernel), then for i = V, whose running maximum stays in X14 over all j.
// VMAXPD/VMAXSD y, best keep best where !(y > best), as the Go loop's "if y > best" does.
//
// Registers: DI best, R8 colM, R9 ppess[j], R10 col (evouT's row j), R11 j, R12 m, R13 the
// row stride in bytes, R14 V, DX V*8 (the EOS element's offset), Y15 ppess[j], X14 best[V];
// maxShiftedRun takes SI, CX and clobbers AX, BX, CX, Y0, Y1.
TEXT ·maxShiftedColsKernel(SB), NOSPLIT, $0-40
	MOVQ  best+0(FP), DI
	MOVQ  evouT+8(FP), R10
	MOVQ  ppess+16(FP), R9
	MOVQ  m+24(FP), R12
	MOVQ  V+32(FP), R14
	MOVQ  R14, DX
	LEAQ  8(DX*8), R13      // (V+1)*8
	SHLQ  $3, DX            // V*8
	MOVQ  R12, R8
	IMULQ R13, R8
	ADDQ  R10, R8           // colM = evouT + m*(V+1)*8
	VMOVSD (DI)(DX*1), X14  // best[V]
	XORQ  R11, R11          // j

ccol:
	CMPQ         R11, R12
	JEQ          cnext      // j == m
	VBROADCASTSD (R9), Y15  // ppess[j]
	MOVQ         R10, SI    // col
	LEAQ         1(R12), CX // m+1
	CALL         ·maxShiftedRun(SB)

ceos: // the EOS row: y = (col[V] - colM[V]) + pj
	VMOVSD (R10)(DX*1), X0
	VSUBSD (R8)(DX*1), X0, X0
	VADDSD X15, X0, X0
	VMAXSD X14, X0, X14

cnext:
	ADDQ $8, R9
	ADDQ R13, R10
	INCQ R11
	CMPQ R11, R14
	JB   ccol

cdone:
	VMOVSD X14, (DI)(DX*1)
	VZEROUPPER
	RET

// func maxShiftedKernel(best, col, colM *float64, pj float64, n int)
//
// maxShifted (cubic.go): best[i] = max(best[i], (col[i] - colM[i]) + pj), four at a time.
// VMAXPD y, best keeps best where !(y > best), NaN or equal zeros included, as the Go loop's
// "if y > best[i] { best[i] = y }" does, so every result is bit-identical.
TEXT ·maxShiftedKernel(SB), NOSPLIT, $0-40
	MOVQ         best+0(FP), DI
	MOVQ         col+8(FP), SI
	MOVQ         colM+16(FP), R8
	VBROADCASTSD pj+24(FP), Y15
	MOVQ         n+32(FP), CX
	CALL         ·maxShiftedRun(SB)
	VZEROUPPER
	RET

// maxShiftedRun is maxShifted's loop for maxShiftedKernel and maxShiftedColsKernel: best DI,
// col SI, colM R8, pj in every lane of Y15, n in CX. It clobbers AX, BX, CX, Y0 and Y1.
TEXT ·maxShiftedRun(SB), NOSPLIT|NOFRAME, $0-0
	XORQ AX, AX // byte offset
	MOVQ CX, BX
	ANDQ $3, BX
	SHRQ $2, CX
	JZ   mtail

mloop:
	VMOVUPD (SI)(AX*1), Y0
	VSUBPD  (R8)(AX*1), Y0, Y0 // col - colM
	VADDPD  Y15, Y0, Y0        // y = (col - colM) + pj
	VMOVUPD (DI)(AX*1), Y1
	VMAXPD  Y1, Y0, Y1         // y > best ? y : best
	VMOVUPD Y1, (DI)(AX*1)
	ADDQ    $32, AX
	DECQ    CX
	JNZ     mloop

mtail:
	TESTQ BX, BX
	JZ    mdone

mtailloop:
	VMOVSD (SI)(AX*1), X0
	VSUBSD (R8)(AX*1), X0, X0
	VADDSD X15, X0, X0
	VMOVSD (DI)(AX*1), X1
	VMAXSD X1, X0, X1
	VMOVSD X1, (DI)(AX*1)
	ADDQ   $8, AX
	DECQ   BX
	JNZ    mtailloop

mdone:
	RET

// func outerKernel(out, x, y *float64, m, n int)
//
// outer (linalg.go): for each row i < m, axpy(out[i*n:], x[i], y), row after row in one call:
// out[i*n+j] = out[i*n+j] + x[i]·y[j], the product rounded before the sum (axpyGo's operations).
TEXT ·outerKernel(SB), NOSPLIT, $0-40
	MOVQ out+0(FP), DI
	MOVQ x+8(FP), R8
	MOVQ m+24(FP), DX

orow: // DI is at row i: the previous row ends there
	VBROADCASTSD (R8), Y15
	MOVQ         y+16(FP), SI
	MOVQ         n+32(FP), CX
	MOVQ         CX, BX
	ANDQ         $3, BX
	SHRQ         $2, CX
	JZ           otail

oloop:
	VMULPD  (SI), Y15, Y0 // x[i]·y
	VADDPD  (DI), Y0, Y0  // out + x[i]·y
	VMOVUPD Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     oloop

otail:
	TESTQ BX, BX
	JZ    onext

otailloop:
	VMULSD (SI), X15, X0
	VADDSD (DI), X0, X0
	VMOVSD X0, (DI)
	ADDQ   $8, SI
	ADDQ   $8, DI
	DECQ   BX
	JNZ    otailloop

onext:
	ADDQ $8, R8
	DECQ DX
	JNZ  orow
	VZEROUPPER
	RET

// func allFiniteKernel(x *float64, n int) bool
//
// Whether no x[i], i < n, is NaN or infinite: x - x is +0 for a finite x and NaN otherwise,
// and the OR of the unordered compares of those differences with themselves finds any NaN,
// 16 values per step in four independent registers.
TEXT ·allFiniteKernel(SB), NOSPLIT, $0-17
	MOVQ   x+0(FP), SI
	MOVQ   n+8(FP), CX
	VXORPD Y4, Y4, Y4 // the unordered lanes
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	MOVQ   CX, BX
	ANDQ   $15, BX
	SHRQ   $4, CX
	JZ     ftail

floop:
	VMOVUPD (SI), Y0
	VMOVUPD 32(SI), Y1
	VMOVUPD 64(SI), Y2
	VMOVUPD 96(SI), Y3
	VSUBPD  Y0, Y0, Y0
	VSUBPD  Y1, Y1, Y1
	VSUBPD  Y2, Y2, Y2
	VSUBPD  Y3, Y3, Y3
	VCMPPD  $3, Y0, Y0, Y0 // UNORD_Q: NaN
	VCMPPD  $3, Y1, Y1, Y1
	VCMPPD  $3, Y2, Y2, Y2
	VCMPPD  $3, Y3, Y3, Y3
	VORPD   Y0, Y4, Y4
	VORPD   Y1, Y5, Y5
	VORPD   Y2, Y6, Y6
	VORPD   Y3, Y7, Y7
	ADDQ    $128, SI
	DECQ    CX
	JNZ     floop

ftail:
	TESTQ BX, BX
	JZ    fdone

ftailloop:
	VMOVSD  (SI), X0
	VSUBSD  X0, X0, X0
	VCMPPD  $3, X0, X0, X0 // the low lane: NaN; the high one is 0 (VMOVSD clears it)
	VORPD   Y0, Y4, Y4
	ADDQ    $8, SI
	DECQ    BX
	JNZ     ftailloop

fdone:
	VORPD     Y5, Y4, Y4
	VORPD     Y7, Y6, Y6
	VORPD     Y6, Y4, Y4
	VMOVMSKPD Y4, AX
	TESTQ     AX, AX
	SETEQ     ret+16(FP)
	VZEROUPPER
	RET

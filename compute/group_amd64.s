//go:build amd64 && !purego

#include "textflag.h"
#include "exp_amd64.h"

// The kernels of pass 2's groups of 4 inputs (Evaluator.Eval, Analyzer.perInput): lane j of
// every vector is input j, so that the inputs' left-to-right loops run side by side.

// func expShiftedSums4Kernel(dst, x *float64, V int, shift, sums *[4]float64) (slow bool)
//
// expShiftedSum for the four rows x[j*V : (j+1)*V], j < 4, at once, with lane j = row j: the
// rows are independent, so the four left-to-right sums run side by side in one register and no
// addition waits for another of its row's but the one before it (exp.go, expShiftedSums):
//
//	for each column i = 0 .. V-1:
//	    e[j]    = expNonPos(x[j*V+i] - shift[j])                 (lane j, EXPA and EXPB)
//	    sums[j] += e[j]                                          (lane j, column order)
//	    dst[j*V+i] = e[j]
//
// Each lane's sum is the Go loop's. The exponential is exp_amd64.h's (EXPA, EXPB): the same IEEE
// operations as expNonPos's, in the same order. Four columns are loaded from the four rows and
// transposed (VUNPCK*PD, VPERM2F128) into four column vectors, and transposed back to be
// stored; the last V%4 columns are loaded and stored one element at a time. The columns go two
// at a time, the first half of one's exponential, then of the other's, then the second halves:
// one column's chain of dependent operations is long, and the pair gives the CPU's scheduler
// twice the independent work within its window (about 6 % faster here than column after
// column). Lanes where x < -708 or x is NaN need expNonPosTiny: then slow is true and dst and
// sums are not valid.
//
// Registers: Y15 shift, Y14 the sums, Y12 the OR of the slow-lane masks, Y5-Y8 four columns,
// Y0-Y4, Y9, Y11 and Y13 the two exponentials' scratch, SI/DI x and dst at column i of row 0,
// R10 the row stride in bytes, R11 three of it, CX the count of whole groups of 4 columns, BX
// the remainder, R8 exp2Table, R9 expConsts4, R12 and R13 the table's indices.
TEXT ·expShiftedSums4Kernel(SB), NOSPLIT, $0-41
	MOVQ    dst+0(FP), DI
	MOVQ    x+8(FP), SI
	MOVQ    V+16(FP), CX
	MOVQ    shift+24(FP), AX
	VMOVUPD (AX), Y15
	LEAQ    ·exp2Table(SB), R8
	LEAQ    ·expConsts4(SB), R9
	VXORPD  Y14, Y14, Y14 // the sums
	VXORPD  Y12, Y12, Y12 // the slow lanes
	LEAQ    (CX*8), R10   // the row stride
	LEAQ    (R10)(R10*2), R11
	MOVQ    CX, BX
	ANDQ    $3, BX
	SHRQ    $2, CX
	JZ      tail

// PAIR runs EXPA and EXPB on the columns Ca and Cb, interleaved, each x = column - shift first.
#define PAIR(Ca, Cb) \
	VSUBPD Y15, Ca, Ca         \
	VSUBPD Y15, Cb, Cb         \
	EXPA(Ca, Y1, Y2, Y3, Y4, X1, X2, X3)   \
	EXPA(Cb, Y0, Y9, Y11, Y13, X0, X9, X11) \
	EXPB(Ca, Y1, Y2, Y3, Y4)   \
	EXPB(Cb, Y0, Y9, Y11, Y13)

// SUM adds the exponentials in C to the sums.
#define SUM(C) \
	VADDPD C, Y14, Y14

// TRANSPOSE sets Y5-Y8 to the transpose of the 4×4 block in Ya, Yb, Yc, Yd (rows in, columns
// out, or the reverse): Y5 = (a0, b0, c0, d0), ..., Y8 = (a3, b3, c3, d3). It reads all four
// before writing any, so Ya..Yd may be Y5..Y8. It clobbers Y0-Y3.
#define TRANSPOSE(Ya, Yb, Yc, Yd) \
	VUNPCKLPD  Yb, Ya, Y0     /* a0 b0 a2 b2 */ \
	VUNPCKHPD  Yb, Ya, Y1     /* a1 b1 a3 b3 */ \
	VUNPCKLPD  Yd, Yc, Y2     /* c0 d0 c2 d2 */ \
	VUNPCKHPD  Yd, Yc, Y3     /* c1 d1 c3 d3 */ \
	VPERM2F128 $0x20, Y2, Y0, Y5 \
	VPERM2F128 $0x20, Y3, Y1, Y6 \
	VPERM2F128 $0x31, Y2, Y0, Y7 \
	VPERM2F128 $0x31, Y3, Y1, Y8

// LOAD4 sets Y5..Y8 to columns i .. i+3 of the four rows; STORE4 stores the four rows of
// exponentials held as columns in Y5..Y8.
#define LOAD4 \
	VMOVUPD (SI), Y5          /* row 0, columns i .. i+3 */ \
	VMOVUPD (SI)(R10*1), Y6   /* row 1 */ \
	VMOVUPD (SI)(R10*2), Y7   /* row 2 */ \
	VMOVUPD (SI)(R11*1), Y8   /* row 3 */ \
	TRANSPOSE(Y5, Y6, Y7, Y8) /* Y5..Y8: columns i .. i+3 */
#define STORE4 \
	TRANSPOSE(Y5, Y6, Y7, Y8) /* the four rows of exponentials */ \
	VMOVUPD Y5, (DI)          \
	VMOVUPD Y6, (DI)(R10*1)   \
	VMOVUPD Y7, (DI)(R10*2)   \
	VMOVUPD Y8, (DI)(R11*1)

loop:
	LOAD4
	PAIR(Y5, Y6)
	SUM(Y5)
	SUM(Y6)
	PAIR(Y7, Y8)
	SUM(Y7)
	SUM(Y8)
	STORE4
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ  loop

tail: // the last BX < 4 columns, one at a time
	TESTQ BX, BX
	JZ    done

col:
	VMOVSD      (SI), X5
	VMOVHPD     (SI)(R10*1), X5, X5
	VMOVSD      (SI)(R10*2), X6
	VMOVHPD     (SI)(R11*1), X6, X6
	VINSERTF128 $1, X6, Y5, Y5
	VSUBPD      Y15, Y5, Y5
	EXPA(Y5, Y1, Y2, Y3, Y4, X1, X2, X3)
	EXPB(Y5, Y1, Y2, Y3, Y4)
	SUM(Y5)
	VEXTRACTF128 $1, Y5, X6
	VMOVSD      X5, (DI)
	VMOVHPD     X5, (DI)(R10*1)
	VMOVSD      X6, (DI)(R10*2)
	VMOVHPD     X6, (DI)(R11*1)
	ADDQ        $8, SI
	ADDQ        $8, DI
	DECQ        BX
	JNZ         col

done:
	MOVQ      sums+32(FP), AX
	VMOVUPD   Y14, (AX)
	VMOVMSKPD Y12, AX
	TESTQ     AX, AX
	SETNE     slow+40(FP)
	VZEROUPPER
	RET

// func attnKernel(a, s *[12]float64) (slow bool)
//
// AttnForward for 4 inputs of n = 2 data positions at once, lane j = input j, with s holding
// their scores (s[j], s[4+j], s[8+j]: positions 0, 1 and EOS) and a receiving their attention
// (a[j], a[4+j], a[8+j]), in AttnForward's operations and order (model.go):
//
//	mx = max(max(sE, s0), s1)
//	e0, e1, eE = expNonPos(s0 - mx), expNonPos(s1 - mx), expNonPos(sE - mx)    (EXPA, EXPB)
//	sum = ((0 + e0) + e1) + eE;  a = (e0/sum, e1/sum, eE/sum)
//
// VMAXPD differs from Go's max only on NaNs, which take the slow path (their exponential is a
// NaN), and on zeros of both signs, where it may keep -0 for +0: s - mx is then ±0 for a zero s,
// whose exponential is 1 either way. Lanes needing expNonPosTiny are flagged: then slow is true
// and a is not valid.
TEXT ·attnKernel(SB), NOSPLIT, $0-17
	MOVQ     a+0(FP), DI
	MOVQ     s+8(FP), SI
	LEAQ     ·exp2Table(SB), R8
	LEAQ     ·expConsts4(SB), R9
	VXORPD   Y12, Y12, Y12 // the slow lanes
	VMOVUPD  0(SI), Y5     // s0
	VMOVUPD  32(SI), Y6    // s1
	VMOVUPD  64(SI), Y7    // sE
	VMAXPD   Y5, Y7, Y8    // mx = max(sE, s0)
	VMAXPD   Y6, Y8, Y8    // mx = max(mx, s1)
	VSUBPD   Y8, Y5, Y5
	VSUBPD   Y8, Y6, Y6
	VSUBPD   Y8, Y7, Y7
	EXPA(Y5, Y0, Y1, Y2, Y3, X0, X1, X2)
	EXPA(Y6, Y4, Y9, Y10, Y11, X4, X9, X10)
	EXPB(Y5, Y0, Y1, Y2, Y3)    // e0
	EXPB(Y6, Y4, Y9, Y10, Y11)  // e1
	EXPA(Y7, Y0, Y1, Y2, Y3, X0, X1, X2)
	EXPB(Y7, Y0, Y1, Y2, Y3)    // eE
	VXORPD   Y13, Y13, Y13
	VADDPD   Y5, Y13, Y13  // sum = 0 + e0
	VADDPD   Y6, Y13, Y13  // + e1
	VADDPD   Y7, Y13, Y13  // + eE
	VDIVPD   Y13, Y5, Y5
	VDIVPD   Y13, Y6, Y6
	VDIVPD   Y13, Y7, Y7
	VMOVUPD  Y5, 0(DI)
	VMOVUPD  Y6, 32(DI)
	VMOVUPD  Y7, 64(DI)
	VMOVMSKPD Y12, AX
	TESTQ    AX, AX
	SETNE    slow+16(FP)
	VZEROUPPER
	RET

// func top2Kernel(x *float64, V int, im *[4]int, top, second *[4]float64)
//
// top2Rows for the 4 rows x[j*V : (j+1)*V], V >= 1, lane j = row j: the loop of top2Go, the
// same comparisons (ordered: false on NaN, as Go's >) and selections per lane, column by
// column:
//
//	im, top, second = 0, x[0], -Inf
//	for k = 1 .. V-1:  v = x[k]
//	    gt, gs = v > top, v > second
//	    second = gt ? top : (gs ? v : second);  top = gt ? v : top;  im = gt ? k : im
//
// Registers: Y15 top, Y14 second, Y13 im, Y12 the column index k, Y11 -1 in every lane, Y5-Y8
// four columns, Y0-Y3 scratch, SI x at column k of row 0, R10 the row stride in bytes, R11
// three of it, CX the count of whole groups of 4 columns, BX the remainder.
TEXT ·top2Kernel(SB), NOSPLIT, $0-40
	MOVQ        x+0(FP), SI
	MOVQ        V+8(FP), CX
	LEAQ        (CX*8), R10
	LEAQ        (R10)(R10*2), R11
// LOADCOL sets Y to column k of the four rows (XY and XS: Y's X register and a scratch one).
#define LOADCOL(Y, XY, XS) \
	VMOVSD      (SI), XY             \
	VMOVHPD     (SI)(R10*1), XY, XY  \
	VMOVSD      (SI)(R10*2), XS      \
	VMOVHPD     (SI)(R11*1), XS, XS  \
	VINSERTF128 $1, XS, Y, Y

	LOADCOL(Y15, X15, X1)            // top = column 0
	VPCMPEQQ    Y11, Y11, Y11        // -1
	VPSLLQ      $52, Y11, Y14        // second = -Inf (0xfff0000000000000)
	VPXOR       Y13, Y13, Y13        // im = 0
	VPSUBQ      Y11, Y13, Y12        // k = 1
	ADDQ        $8, SI
	DECQ        CX                   // columns 1 .. V-1
	MOVQ        CX, BX
	ANDQ        $3, BX
	SHRQ        $2, CX
	JZ          top2tail

// TOP2 takes column k, held in Yv, into top, second and im, and steps k.
#define TOP2(Yv) \
	VCMPPD    $0x1e, Y15, Yv, Y0  /* gt = v > top (GT_OQ) */ \
	VCMPPD    $0x1e, Y14, Yv, Y1  /* gs = v > second */ \
	VBLENDVPD Y1, Yv, Y14, Y14    /* second = gs ? v : second */ \
	VBLENDVPD Y0, Y15, Y14, Y14   /* second = gt ? top : second */ \
	VBLENDVPD Y0, Yv, Y15, Y15    /* top = gt ? v : top */ \
	VBLENDVPD Y0, Y12, Y13, Y13   /* im = gt ? k : im */ \
	VPSUBQ    Y11, Y12, Y12       /* k++ */

top2loop:
	LOAD4 // columns k .. k+3
	TOP2(Y5)
	TOP2(Y6)
	TOP2(Y7)
	TOP2(Y8)
	ADDQ    $32, SI
	DECQ    CX
	JNZ     top2loop

top2tail: // the last BX < 4 columns, one at a time
	TESTQ BX, BX
	JZ    top2done

top2col:
	LOADCOL(Y5, X5, X6)
	TOP2(Y5)
	ADDQ        $8, SI
	DECQ        BX
	JNZ         top2col

top2done:
	MOVQ    im+16(FP), AX
	VMOVDQU Y13, (AX)
	MOVQ    top+24(FP), AX
	VMOVUPD Y15, (AX)
	MOVQ    second+32(FP), AX
	VMOVUPD Y14, (AX)
	VZEROUPPER
	RET

// func backward4Kernel(dd, dle, le, grad, dL, L *float64, off *[8]int, a, s *[12]float64, n int)
//
// backwardRows4 (pass2.go) for the first n4 = n - n%4 elements of the four inputs k = 0..3 of
// a group, with g_k = g[k*n:], d0_k = dL[off[k]:], d1_k = dL[off[4+k]:], l0_k = L[off[k]:],
// l1_k = L[off[4+k]:] and a0_k, a1_k, aE_k = a[k], a[4+k], a[8+k]. Two passes over the
// columns, four at a time:
//
//	1. for each column j, in input order k = 0..3:  dd[j] += g_k[j];
//	   dle[j] += aE_k·g_k[j];  d0_k[j] += a0_k·g_k[j];  d1_k[j] += a1_k·g_k[j]
//	2. s0_k += g_k[j]·l0_k[j];  s1_k += g_k[j]·l1_k[j];  sE_k += g_k[j]·le[j], j left to right
//
// Pass 1 is backwardRow's accumulation for the four inputs one after the other: every element
// sees its additions in input order, and each row is stored before the next input's load, so
// that inputs sharing a row (the same token at a position) add to it as backwardRow's calls
// do. Pass 2 reads only L, le and g: four columns' products of the four inputs are transposed
// (TRANSPOSE) into lanes = inputs and added column by column, so that each lane's sum is
// backwardRow's, left to right from +0, and the twelve sums run side by side. s gets the sums
// (s0_k, s1_k, sE_k at s[k], s[4+k], s[8+k]).
//
// Registers, pass 1: Y0-Y3 g_0..g_3 at column j, Y4-Y7 a0_k, Y8-Y11 a1_k (aE_k in the frame,
// 32 bytes each), Y13 dd, Y14 dle, Y15 scratch; R8-R11 d0_k and R12-R15 d1_k, DI dd and CX dle,
// each at column n4, AX the byte offset from -n4·8 to 0; SI g_0 at column j, BX the row
// stride n·8, DX three of it. Pass 2: Y9-Y12 g_k, Y13-Y15 the sums s0, s1, sE, Y5-Y8 products
// (TRANSPOSE's, with Y0-Y3), Y4 le; R8-R11 l0_k, R12-R15 l1_k, DI le.
TEXT ·backward4Kernel(SB), NOSPLIT, $128-80
	MOVQ         n+72(FP), CX
	LEAQ         (CX*8), BX       // the row stride
	LEAQ         (BX)(BX*2), DX
	ANDQ         $-4, CX
	SHLQ         $3, CX           // n4·8
	MOVQ         a+56(FP), AX
	VBROADCASTSD 0(AX), Y4
	VBROADCASTSD 8(AX), Y5
	VBROADCASTSD 16(AX), Y6
	VBROADCASTSD 24(AX), Y7
	VBROADCASTSD 32(AX), Y8
	VBROADCASTSD 40(AX), Y9
	VBROADCASTSD 48(AX), Y10
	VBROADCASTSD 56(AX), Y11
	VBROADCASTSD 64(AX), Y12
	VMOVUPD      Y12, 0(SP)
	VBROADCASTSD 72(AX), Y12
	VMOVUPD      Y12, 32(SP)
	VBROADCASTSD 80(AX), Y12
	VMOVUPD      Y12, 64(SP)
	VBROADCASTSD 88(AX), Y12
	VMOVUPD      Y12, 96(SP)

// ROWS points R8-R15 at the rows base + off[i], i = 0..7, each at column n4 (base: SI, off: AX,
// n4·8: CX).
#define ROWS \
	ADDQ CX, SI            \
	MOVQ 0(AX), R8         \
	LEAQ (SI)(R8*8), R8    \
	MOVQ 8(AX), R9         \
	LEAQ (SI)(R9*8), R9    \
	MOVQ 16(AX), R10       \
	LEAQ (SI)(R10*8), R10  \
	MOVQ 24(AX), R11       \
	LEAQ (SI)(R11*8), R11  \
	MOVQ 32(AX), R12       \
	LEAQ (SI)(R12*8), R12  \
	MOVQ 40(AX), R13       \
	LEAQ (SI)(R13*8), R13  \
	MOVQ 48(AX), R14       \
	LEAQ (SI)(R14*8), R14  \
	MOVQ 56(AX), R15       \
	LEAQ (SI)(R15*8), R15

// LOADG sets Ya..Yd to columns j .. j+3 of g_0..g_3.
#define LOADG(Ya, Yb, Yc, Yd) \
	VMOVUPD (SI), Ya        \
	VMOVUPD (SI)(BX*1), Yb  \
	VMOVUPD (SI)(BX*2), Yc  \
	VMOVUPD (SI)(DX*1), Yd

// ROWADD adds Ya·Yg to the row at R, four columns.
#define ROWADD(Yg, Ya, R) \
	VMULPD  Yg, Ya, Y15        \
	VADDPD  (R)(AX*1), Y15, Y15 \
	VMOVUPD Y15, (R)(AX*1)

	MOVQ dL+32(FP), SI
	MOVQ off+48(FP), AX
	ROWS
	MOVQ dd+0(FP), DI
	ADDQ CX, DI
	MOVQ grad+24(FP), SI
	MOVQ CX, AX
	NEGQ AX
	MOVQ dle+8(FP), CX
	SUBQ AX, CX // dle at column n4

bwd1:
	LOADG(Y0, Y1, Y2, Y3)
	VADDPD  (DI)(AX*1), Y0, Y13 // dd + g_0
	VADDPD  Y1, Y13, Y13
	VADDPD  Y2, Y13, Y13
	VADDPD  Y3, Y13, Y13
	VMOVUPD Y13, (DI)(AX*1)
	VMOVUPD (CX)(AX*1), Y14
	VMULPD  0(SP), Y0, Y15      // aE_0·g_0
	VADDPD  Y15, Y14, Y14
	VMULPD  32(SP), Y1, Y15
	VADDPD  Y15, Y14, Y14
	VMULPD  64(SP), Y2, Y15
	VADDPD  Y15, Y14, Y14
	VMULPD  96(SP), Y3, Y15
	VADDPD  Y15, Y14, Y14
	VMOVUPD Y14, (CX)(AX*1)
	ROWADD(Y0, Y4, R8)          // d0_k += a0_k·g_k, input after input
	ROWADD(Y1, Y5, R9)
	ROWADD(Y2, Y6, R10)
	ROWADD(Y3, Y7, R11)
	ROWADD(Y0, Y8, R12)         // d1_k += a1_k·g_k
	ROWADD(Y1, Y9, R13)
	ROWADD(Y2, Y10, R14)
	ROWADD(Y3, Y11, R15)
	ADDQ    $32, SI
	ADDQ    $32, AX
	JNZ     bwd1

	MOVQ   n+72(FP), CX
	ANDQ   $-4, CX
	SHLQ   $3, CX
	MOVQ   L+40(FP), SI
	MOVQ   off+48(FP), AX
	ROWS
	MOVQ   le+16(FP), DI
	ADDQ   CX, DI
	MOVQ   grad+24(FP), SI
	MOVQ   CX, AX
	NEGQ   AX
	VXORPD Y13, Y13, Y13
	VXORPD Y14, Y14, Y14
	VXORPD Y15, Y15, Y15

// DOT4 adds to Ys the products Yg_k·(R_k) of the four inputs, transposed into lanes = inputs,
// column after column.
#define DOT4(Ra, Rb, Rc, Rd, Ys) \
	VMULPD    (Ra)(AX*1), Y9, Y5  \
	VMULPD    (Rb)(AX*1), Y10, Y6 \
	VMULPD    (Rc)(AX*1), Y11, Y7 \
	VMULPD    (Rd)(AX*1), Y12, Y8 \
	TRANSPOSE(Y5, Y6, Y7, Y8)     \
	VADDPD    Y5, Ys, Ys          \
	VADDPD    Y6, Ys, Ys          \
	VADDPD    Y7, Ys, Ys          \
	VADDPD    Y8, Ys, Ys

bwd2:
	LOADG(Y9, Y10, Y11, Y12)
	DOT4(R8, R9, R10, R11, Y13)
	DOT4(R12, R13, R14, R15, Y14)
	VMOVUPD   (DI)(AX*1), Y4
	VMULPD    Y4, Y9, Y5
	VMULPD    Y4, Y10, Y6
	VMULPD    Y4, Y11, Y7
	VMULPD    Y4, Y12, Y8
	TRANSPOSE(Y5, Y6, Y7, Y8)
	VADDPD    Y5, Y15, Y15
	VADDPD    Y6, Y15, Y15
	VADDPD    Y7, Y15, Y15
	VADDPD    Y8, Y15, Y15
	ADDQ      $32, SI
	ADDQ      $32, AX
	JNZ       bwd2

	MOVQ    s+64(FP), AX
	VMOVUPD Y13, (AX)
	VMOVUPD Y14, 32(AX)
	VMOVUPD Y15, 64(AX)
	VZEROUPPER
	RET

// func logits4Kernel(logits, direct, le, L *float64, off *[8]int, a *[12]float64, n int)
//
// logitsRows4 (pass2.go) for the first n4 = n - n%4 columns: for each input k = 0..3 and column
// j < n4, logits[k*n+j] = ((direct[j] + aE_k·le[j]) + a0_k·l0_k[j]) + a1_k·l1_k[j], with
// l0_k = L[off[k]:], l1_k = L[off[4+k]:] and a0_k, a1_k, aE_k = a[k], a[4+k], a[8+k]: logitsRow's
// operations, direct and le loaded once for the four inputs.
//
// Registers: Y4-Y7 aE_k, Y8-Y11 a0_k, Y12-Y15 a1_k, Y0 direct, Y1 le, Y2-Y3 scratch; R8-R15
// the rows l0_k and l1_k, SI direct and CX le, each at column n4, AX the byte offset from
// -n4·8 to 0; DI logits row 0 at column j, BX the row stride n·8, DX three of it.
TEXT ·logits4Kernel(SB), NOSPLIT, $0-56
	MOVQ         n+48(FP), CX
	LEAQ         (CX*8), BX
	LEAQ         (BX)(BX*2), DX
	ANDQ         $-4, CX
	SHLQ         $3, CX
	MOVQ         a+40(FP), AX
	VBROADCASTSD 64(AX), Y4
	VBROADCASTSD 72(AX), Y5
	VBROADCASTSD 80(AX), Y6
	VBROADCASTSD 88(AX), Y7
	VBROADCASTSD 0(AX), Y8
	VBROADCASTSD 8(AX), Y9
	VBROADCASTSD 16(AX), Y10
	VBROADCASTSD 24(AX), Y11
	VBROADCASTSD 32(AX), Y12
	VBROADCASTSD 40(AX), Y13
	VBROADCASTSD 48(AX), Y14
	VBROADCASTSD 56(AX), Y15
	MOVQ         L+24(FP), SI
	MOVQ         off+32(FP), AX
	ROWS
	MOVQ         direct+8(FP), SI
	ADDQ         CX, SI
	MOVQ         logits+0(FP), DI
	MOVQ         CX, AX
	NEGQ         AX
	MOVQ         le+16(FP), CX
	SUBQ         AX, CX

// LOGIT4 stores input k's four logits at (D): ((direct + aE·le) + a0·l0) + a1·l1.
#define LOGIT4(YaE, Ya0, R0, Ya1, R1, D) \
	VMULPD  Y1, YaE, Y2          \
	VADDPD  Y2, Y0, Y2           \
	VMULPD  (R0)(AX*1), Ya0, Y3  \
	VADDPD  Y3, Y2, Y2           \
	VMULPD  (R1)(AX*1), Ya1, Y3  \
	VADDPD  Y3, Y2, Y2           \
	VMOVUPD Y2, D

lg4:
	VMOVUPD (SI)(AX*1), Y0
	VMOVUPD (CX)(AX*1), Y1
	LOGIT4(Y4, Y8, R8, Y12, R12, (DI))
	LOGIT4(Y5, Y9, R9, Y13, R13, (DI)(BX*1))
	LOGIT4(Y6, Y10, R10, Y14, R14, (DI)(BX*2))
	LOGIT4(Y7, Y11, R11, Y15, R15, (DI)(DX*1))
	ADDQ    $32, DI
	ADDQ    $32, AX
	JNZ     lg4
	VZEROUPPER
	RET

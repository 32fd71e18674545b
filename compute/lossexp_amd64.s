//go:build amd64 && !purego

#include "textflag.h"
#include "exp_amd64.h"

// func lossExpRowsKernel(x *float64, n, r int, shift *[4]float64, skip *[4]int, sums *[4]float64) (slow bool)
//
// lossExpSumGo (lossexp.go) for the r rows x[j*n : (j+1)*n], j < r (1 <= r <= 4), one after
// the other, into sums[j], with lane l of every vector summing the row's columns i ≡ l (mod 4):
// for each block of four columns, x = x[i..i+3] - shift[j], the exponential of lossExp in the
// same multiply-adds (VFMADD*PD and VFNMADD231PD round once, as math.FMA does; EXPFA, EXPFB), +0
// in the lane of column skip[j], added to the lane sums; at the end of the row (lane 0 + lane
// 1) + (lane 2 + lane 3). The blocks go two at a time, the first half of each exponential,
// then the second halves, which gives the CPU's scheduler independent work. The last n%4
// columns are loaded with a lane mask (VMASKMOVPD, which touches no memory outside x), and
// their other lanes hold x = 0 and add +0. Lanes where x < -708 or x is NaN need lossExpTiny:
// then slow is true (for any row) and sums is not valid.
//
// Registers: Y15 shift, Y14 the lane sums, Y13 skip, Y12 the OR of the slow-lane masks, Y11 the
// columns of the block (i, i+1, i+2, i+3), Y10 the tail's lane mask, Y0-Y4 and Y5-Y9 the two
// exponentials', DI x at column i, CX the count of pairs of blocks, BX the columns left after
// them, R8 exp2Table, R9 expConsts4, R12 and R13 the table's indices; SI n, R11 the rows left,
// R14, R15 and AX row j's shift, skip and sum.
TEXT ·lossExpRowsKernel(SB), NOSPLIT, $0-49
	MOVQ   x+0(FP), DI
	MOVQ   n+8(FP), SI
	MOVQ   r+16(FP), R11
	MOVQ   shift+24(FP), R14
	MOVQ   skip+32(FP), R15
	MOVQ   sums+40(FP), AX
	LEAQ   ·exp2Table(SB), R8
	LEAQ   ·expConsts4(SB), R9
	VXORPD Y12, Y12, Y12

row:
	VBROADCASTSD (R14), Y15
	VPBROADCASTQ (R15), Y13
	VXORPD       Y14, Y14, Y14
	VMOVDQU      352(R9), Y11 // columns 0, 1, 2, 3
	MOVQ         SI, CX
	MOVQ         CX, BX
	ANDQ         $7, BX
	SHRQ         $3, CX
	JZ           block

// EXPFA and EXPFB set C to the four exponentials lossExp(x) of the arguments x in C, EXPFA up
// to the table lookup and EXPFB after it, with T, K, P and S as scratch (four distinct
// registers, the same in both halves; XT, XK and XP name T's, K's and P's X registers). EXPFA
// ORs into Y12 the mask of the lanes needing lossExpTiny (!(x >= -708): x < -708 or NaN), and
// clobbers R12 and R13 (exp_amd64.h's TABLE4).
#define EXPFA(C, T, K, P, S, XT, XK, XP) \
	VCMPPD       $0x19, 256(R9), C, T /* NGE_UQ: x < -708 or unordered */ \
	VORPD        T, Y12, Y12          \
	VMOVUPD      32(R9), S            \
	VFMADD231PD  0(R9), C, S          /* kd' = fma(x, invLn2N, roundBiased) */ \
	VSUBPD       32(R9), S, K         /* kd = kd' - roundBiased */ \
	VFNMADD231PD 64(R9), K, C         /* fma(-kd, ln2NHi, x) */ \
	VFNMADD231PD 96(R9), K, C         /* r = fma(-kd, ln2NLo, ...) */ \
	VPAND        288(R9), S, K        /* j = bits(kd') & 127 */ \
	VPANDN       S, K, S              /* bits(kd') - j */ \
	VPSLLQ       $45, S, S            /* the scale's bits, 2^e */ \
	TABLE4(T, K, XT, XK, XP)          /* t = exp2Table[j] */
#define EXPFB(C, T, K, P, S) \
	VMOVUPD      160(R9), P           \
	VFMADD231PD  128(R9), C, P        /* q = fma(r, 1/120, 1/24) */ \
	VFMADD213PD  192(R9), C, P        /* q = fma(q, r, 1/6) */ \
	VFMADD213PD  224(R9), C, P        /* q = fma(q, r, 0.5) */ \
	VMULPD       C, C, K              /* r*r */ \
	VFMADD213PD  C, K, P              /* p = fma(r*r, q, r) */ \
	VFMADD213PD  T, T, P              /* fma(t, p, t) */ \
	VMULPD       S, P, C              /* · 2^e */

// LANESUM adds the exponentials in C to the lane sums but in the lane of column skip (+0
// there), and moves Y11 on to the next block. M is scratch.
#define LANESUM(C, M) \
	VPCMPEQQ Y13, Y11, M       /* the lane of column skip */ \
	VPADDQ   320(R9), Y11, Y11 /* the next block's columns */ \
	VANDNPD  C, M, M           /* its term is +0 */ \
	VADDPD   M, Y14, Y14

pair:
	VMOVUPD (DI), Y4
	VMOVUPD 32(DI), Y9
	VSUBPD  Y15, Y4, Y4
	VSUBPD  Y15, Y9, Y9
	EXPFA(Y4, Y0, Y1, Y2, Y3, X0, X1, X2)
	EXPFA(Y9, Y5, Y6, Y7, Y8, X5, X6, X7)
	EXPFB(Y4, Y0, Y1, Y2, Y3)
	EXPFB(Y9, Y5, Y6, Y7, Y8)
	LANESUM(Y4, Y1)
	LANESUM(Y9, Y6)
	ADDQ    $64, DI
	DECQ    CX
	JNZ     pair

block: // one more block of 4 when 4 to 7 columns are left
	CMPQ    BX, $4
	JLT     tail
	VMOVUPD (DI), Y4
	VSUBPD  Y15, Y4, Y4
	EXPFA(Y4, Y0, Y1, Y2, Y3, X0, X1, X2)
	EXPFB(Y4, Y0, Y1, Y2, Y3)
	LANESUM(Y4, Y1)
	ADDQ    $32, DI
	SUBQ    $4, BX

tail: // the last BX < 4 columns
	TESTQ      BX, BX
	JZ         done
	TAILMASK(BX, Y10)       // the first BX lanes
	VMASKMOVPD (DI), Y10, Y4
	VSUBPD     Y15, Y4, Y4
	VANDPD     Y10, Y4, Y4  // x = 0 in the other lanes, which are then not slow
	EXPFA(Y4, Y0, Y1, Y2, Y3, X0, X1, X2)
	EXPFB(Y4, Y0, Y1, Y2, Y3)
	VANDPD     Y10, Y4, Y4  // and add +0
	LANESUM(Y4, Y1)

done: // (lane 0 + lane 1) + (lane 2 + lane 3), then the next row
	VEXTRACTF128 $1, Y14, X1
	VPERMILPD    $1, X14, X0
	VADDSD       X0, X14, X0
	VPERMILPD    $1, X1, X2
	VADDSD       X2, X1, X1
	VADDSD       X1, X0, X0
	VMOVSD       X0, (AX)
	LEAQ         (DI)(BX*8), DI // past the row's last BX columns
	ADDQ         $8, AX
	ADDQ         $8, R14
	ADDQ         $8, R15
	DECQ         R11
	JNZ          row
	VMOVMSKPD    Y12, AX
	TESTQ        AX, AX
	SETNE        slow+48(FP)
	VZEROUPPER
	RET

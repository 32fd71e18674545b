//go:build amd64 && !purego

#include "textflag.h"

// func expShiftedSumKernel(dst, src []float64, shift float64, skip int) (sum float64, slow bool)
//
// Four lanes at a time, each lane runs expNonPos's operations in its order (exp.go), with the
// same IEEE double operations (VSUBPD, VMULPD, VADDPD round exactly as SUBSD, MULSD, ADDSD, and
// no FMA is used because expNonPos has none), so every result is bit-identical:
//
//	x     = src[i] - shift
//	kd    = x*invLn2N + round                 k = bits(kd) - bits(round)   (VPSUBQ)
//	kd    = kd - round
//	r     = (x - kd*ln2NHi) - kd*ln2NLo
//	j     = k & 127                           scale bits = ((k - j) << 45) + (1023 << 52)
//	p     = r + r²·(0.5 + r·(1/6 + r·(1/24 + r·(1/120))))
//	t     = exp2Table[j]                      (VGATHERQPD)
//	dst[i] = (t + t·p) · scale
//
// ((k - j) << 45 is ((k - j)/128) << 52 modulo 2^64, as k - j is a multiple of 128, so the scale
// is the Go code's uint64(e+1023) << 52 for every k.) j is always in [0, 127], so the gather
// stays inside the table even in lanes holding garbage. The lanes where x < -708 or x is NaN
// (expNonPos's math.Exp path) are flagged: then slow is true and the caller redoes everything.
//
// The sum is then dst[0] + dst[1] + ... without dst[skip], one scalar VADDSD at a time, left to
// right, as the Go loop adds. The group of 4 holding skip (R11 counts down to it) takes a slower
// loop, lane by lane. The last len%4 elements use masked loads and stores (VMASKMOVPD), which do
// not touch memory outside the slices.
//
// Registers: Y15 shift, X14 the sum, Y13..Y5 the float constants, AX the OR of the slow-lane
// masks, SI/DI src/dst, CX the count of whole groups of 4, BX the remainder, R11 skip - i,
// R10 and R12 expSumSkipping's lane and lane count.
TEXT ·expShiftedSumKernel(SB), NOSPLIT, $0-73
	MOVQ         dst_base+0(FP), DI
	MOVQ         src_base+24(FP), SI
	MOVQ         src_len+32(FP), CX
	VBROADCASTSD shift+48(FP), Y15
	MOVQ         skip+56(FP), R11
	VXORPD       X14, X14, X14 // the sum
	LEAQ         ·exp2Table(SB), R8
	LEAQ         ·expKernelConsts(SB), R9
	VBROADCASTSD 0(R9), Y13  // invLn2N
	VBROADCASTSD 8(R9), Y12  // round = 0x1.8p52
	VBROADCASTSD 16(R9), Y11 // ln2NHi
	VBROADCASTSD 24(R9), Y10 // ln2NLo
	VBROADCASTSD 32(R9), Y9  // 1/120
	VBROADCASTSD 40(R9), Y8  // 1/24
	VBROADCASTSD 48(R9), Y7  // 1/6
	VBROADCASTSD 56(R9), Y6  // 0.5
	VBROADCASTSD 64(R9), Y5  // -708
	XORQ         AX, AX // the OR of the slow-lane masks
	MOVQ         CX, BX
	ANDQ         $3, BX
	SHRQ         $2, CX
	JZ           tail

// EXP4 sets Y3 to the four exponentials of the arguments x in Y0, and DX to the mask of the
// lanes needing the slow path (bit i set where !(x >= -708), i.e. x < -708 or NaN). It
// clobbers Y0-Y4.
#define EXP4 \
	VCMPPD       $0x19, Y5, Y0, Y1  /* NGE_UQ: x < -708 or unordered */ \
	VMOVMSKPD    Y1, DX             \
	VMULPD       Y13, Y0, Y2        /* x*invLn2N */ \
	VADDPD       Y12, Y2, Y2        /* kd = x*invLn2N + round */ \
	VPSUBQ       Y12, Y2, Y4        /* k = bits(kd) - bits(round) */ \
	VSUBPD       Y12, Y2, Y2        /* kd -= round */ \
	VMULPD       Y11, Y2, Y3        /* kd*ln2NHi */ \
	VSUBPD       Y3, Y0, Y0         /* x - kd*ln2NHi */ \
	VMULPD       Y10, Y2, Y3        /* kd*ln2NLo */ \
	VSUBPD       Y3, Y0, Y0         /* r = (x - kd*ln2NHi) - kd*ln2NLo */ \
	VPBROADCASTQ 72(R9), Y2         /* 127 */ \
	VPAND        Y2, Y4, Y2         /* j = k & 127 */ \
	VPSUBQ       Y2, Y4, Y4         /* k - j */ \
	VPSLLQ       $45, Y4, Y4        /* (k - j) << 45 = e << 52 */ \
	VPBROADCASTQ 80(R9), Y3         /* 1023 << 52 */ \
	VPADDQ       Y3, Y4, Y4         /* scale bits */ \
	VPCMPEQQ     Y3, Y3, Y3         /* the gather's lane mask: all */ \
	VGATHERQPD   Y3, (R8)(Y2*8), Y1 /* t = exp2Table[j]; clears Y3 */ \
	VMULPD       Y9, Y0, Y3         /* r*(1/120) */ \
	VADDPD       Y8, Y3, Y3         /* 1/24 + r*(1/120) */ \
	VMULPD       Y3, Y0, Y3         \
	VADDPD       Y7, Y3, Y3         /* 1/6 + r*(...) */ \
	VMULPD       Y3, Y0, Y3         \
	VADDPD       Y6, Y3, Y3         /* 0.5 + r*(...) */ \
	VMULPD       Y0, Y0, Y2         /* r2 = r*r */ \
	VMULPD       Y3, Y2, Y3         /* r2*(...) */ \
	VADDPD       Y3, Y0, Y3         /* p = r + r2*(...) */ \
	VMULPD       Y3, Y1, Y3         /* t*p */ \
	VADDPD       Y3, Y1, Y3         /* t + t*p */ \
	VMULPD       Y4, Y3, Y3         /* (t + t*p) * scale */

loop:
	VMOVUPD      (SI), Y0
	VSUBPD       Y15, Y0, Y0 // x = src[i] - shift
	EXP4
	ORQ          DX, AX
	VMOVUPD      Y3, (DI)
	CMPQ         R11, $4
	JCS          skipgroup   // 0 <= skip - i < 4
	VADDSD       X3, X14, X14 // sum += dst[i], left to right
	VPERMILPD    $1, X3, X0
	VADDSD       X0, X14, X14
	VEXTRACTF128 $1, Y3, X1
	VADDSD       X1, X14, X14
	VPERMILPD    $1, X1, X1
	VADDSD       X1, X14, X14

next:
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $4, R11
	DECQ CX
	JNZ  loop
	JMP  tail

skipgroup: // the same sum without lane skip - i
	MOVQ $4, R12
	CALL ·expSumSkipping(SB)
	JMP  next

tail: // the last r = BX < 4 elements
	TESTQ      BX, BX
	JZ         done
	LEAQ       ·expTailMasks+24(SB), R10
	MOVQ       BX, DX
	SHLQ       $3, DX
	SUBQ       DX, R10         // &expTailMasks[3-r]
	VMOVDQU    (R10), Y1       // the first r lanes
	VMASKMOVPD (SI), Y1, Y0    // the r arguments, 0 in the other lanes
	VSUBPD     Y15, Y0, Y0     // x = src[i] - shift
	VMOVAPD    Y1, Y15         // the lane mask (the shift is no longer needed)
	EXP4
	VMOVMSKPD  Y15, R10
	ANDQ       R10, DX         // the other lanes hold garbage
	ORQ        DX, AX
	VMASKMOVPD Y3, Y15, (DI)
	MOVQ       BX, R12
	CALL       ·expSumSkipping(SB)

done:
	VMOVSD X14, sum+64(FP)
	TESTQ  AX, AX
	SETNE  slow+72(FP)
	VZEROUPPER
	RET

// expSumSkipping adds dst[0..R12) at DI to X14 in order, but for the element R11 (if in range).
// It clobbers R10.
TEXT ·expSumSkipping(SB), NOSPLIT|NOFRAME, $0-0
	XORQ R10, R10

lane:
	CMPQ   R10, R11
	JEQ    nextlane
	VADDSD (DI)(R10*8), X14, X14

nextlane:
	INCQ R10
	CMPQ R10, R12
	JNE  lane
	RET

//go:build amd64 && !purego

#include "textflag.h"

// func log1p4Kernel(dst, x *[4]float64) (slow bool)
//
// log1pGo (log1p.go: Go's math.Log1p without fused multiply-adds) for four values at once,
// lane j = x[j], with its IEEE double operations in its order (VADDPD, VSUBPD, VMULPD and
// VDIVPD round as ADDSD, SUBSD, MULSD and DIVSD, and there is no FMA), so that every lane's
// result is bit-identical. log1pGo branches on its argument; here every lane computes every
// branch that x in [0, 2^53) can take and keeps its own with blends:
//
//	x < 2^-54:        x
//	x < 2^-29:        x - x*x*0.5
//	x < Sqrt(2)-1:    k = 0, f = x, c = 0
//	else:             u = 1 + x, k = exponent(u), c = (k > 0 ? 1 - (u - x) : x - (u - 1)) / u,
//	                  u normalised into [Sqrt(2)/2, Sqrt(2)) (k += 1 if halved), f = u - 1
//	then              hfsq = 0.5*f*f, s = f/(2 + f), z = s*s, R = z*(Lp1 + z*(... + z*Lp7)),
//	                  k == 0: f - (hfsq - s*(hfsq + R))
//	                  else:   k*Ln2Hi - ((hfsq - (s*(hfsq + R) + (k*Ln2Lo + c))) - f)
//
// k is a small non-negative integer, converted exactly as bits(2^52 + k) - 2^52. Lanes outside
// [0, 2^53) (negative, NaN, huge, infinite) and lanes taking log1pGo's branch for a normalised
// mantissa of 0 (1 + x a power of two, or up to 3 ulps below one) are flagged: then slow is
// true and dst is not valid.
//
// Registers: Y0 x, Y15 zero, Y14 the slow lanes, Y13 1.0, R9 log1pConsts4 (32 bytes a constant:
// 0 one, 32 Sqrt(2)-1, 64 2^-29, 96 2^-54, 128 2^53, 160 0.5, 192 2, 224..416 Lp1..Lp7,
// 448 Ln2Hi, 480 Ln2Lo, 512 the mantissa mask, 544 Sqrt(2)'s mantissa, 576 bits(0.5), 608
// 2^52, 640 bits(2^52), 672 1023).
TEXT ·log1p4Kernel(SB), NOSPLIT, $0-17
	MOVQ    dst+0(FP), DI
	MOVQ    x+8(FP), SI
	LEAQ    ·log1pConsts4(SB), R9
	VMOVUPD (SI), Y0
	VXORPD  Y15, Y15, Y15
	VCMPPD  $0x19, Y15, Y0, Y14    // NGE_UQ: x < 0 or NaN
	VCMPPD  $0x15, 128(R9), Y0, Y1 // NLT_UQ: x >= 2^53 or NaN
	VORPD   Y1, Y14, Y14

	// the general path
	VMOVUPD   0(R9), Y13
	VADDPD    Y0, Y13, Y3      // u = 1.0 + x
	VPSRLQ    $52, Y3, Y4
	VPSUBQ    672(R9), Y4, Y4  // k = (bits(u) >> 52) - 1023
	VSUBPD    Y0, Y3, Y5       // u - x
	VSUBPD    Y5, Y13, Y5      // 1 - (u - x)
	VSUBPD    Y13, Y3, Y6      // u - 1
	VSUBPD    Y6, Y0, Y6       // x - (u - 1)
	VPCMPGTQ  Y15, Y4, Y7      // k > 0
	VBLENDVPD Y7, Y5, Y6, Y5   // c
	VDIVPD    Y3, Y5, Y5       // c /= u
	VPAND     512(R9), Y3, Y6  // m = bits(u) & the mantissa mask
	VMOVDQU   544(R9), Y7
	VPCMPGTQ  Y6, Y7, Y8       // lo = m < Sqrt(2)'s mantissa
	VPOR      0(R9), Y6, Y9    // u normalised to [1, 2)
	VPOR      576(R9), Y6, Y10 // u normalised to [0.5, 1)
	VBLENDVPD Y8, Y9, Y10, Y9
	VMOVDQU   608(R9), Y10
	VPSUBQ    Y6, Y10, Y10
	VPSRLQ    $2, Y10, Y10     // (2^52 - m) >> 2
	VBLENDVPD Y8, Y6, Y10, Y10 // iu = lo ? m : (2^52 - m) >> 2
	VPADDQ    Y8, Y4, Y4       // k - 1 where lo
	VPCMPEQQ  Y11, Y11, Y11
	VPSUBQ    Y11, Y4, Y4      // k + 1: k++ where not lo
	VSUBPD    Y13, Y9, Y9      // f = u - 1.0
	VPCMPEQQ  Y15, Y10, Y10    // iu == 0

	// x < Sqrt(2)-1: k = 0, f = x, c = 0
	VCMPPD    $0x11, 32(R9), Y0, Y12 // LT_OQ
	VANDNPD   Y10, Y12, Y10          // iu == 0 on the general path
	VORPD     Y10, Y14, Y14
	VBLENDVPD Y12, Y0, Y9, Y9        // f
	VPANDN    Y4, Y12, Y4            // k
	VANDNPD   Y5, Y12, Y5            // c

	// the common end
	VMULPD 160(R9), Y9, Y6  // 0.5*f
	VMULPD Y9, Y6, Y6       // hfsq = 0.5*f*f
	VADDPD 192(R9), Y9, Y7  // 2.0 + f
	VDIVPD Y7, Y9, Y7       // s = f / (2.0 + f)
	VMULPD Y7, Y7, Y8       // z = s*s
	VMULPD 416(R9), Y8, Y10 // z*Lp7
	VADDPD 384(R9), Y10, Y10
	VMULPD Y10, Y8, Y10
	VADDPD 352(R9), Y10, Y10
	VMULPD Y10, Y8, Y10
	VADDPD 320(R9), Y10, Y10
	VMULPD Y10, Y8, Y10
	VADDPD 288(R9), Y10, Y10
	VMULPD Y10, Y8, Y10
	VADDPD 256(R9), Y10, Y10
	VMULPD Y10, Y8, Y10
	VADDPD 224(R9), Y10, Y10
	VMULPD Y10, Y8, Y10     // R
	VADDPD Y10, Y6, Y10     // hfsq + R
	VMULPD Y10, Y7, Y10     // t = s*(hfsq + R)
	VSUBPD Y10, Y6, Y11     // hfsq - t
	VSUBPD Y11, Y9, Y11     // k == 0: f - (hfsq - t)
	VPOR   640(R9), Y4, Y12
	VSUBPD 640(R9), Y12, Y12 // float64(k)
	VMULPD 480(R9), Y12, Y1  // k*Ln2Lo
	VADDPD Y5, Y1, Y1        // k*Ln2Lo + c
	VADDPD Y1, Y10, Y1       // t + (k*Ln2Lo + c)
	VSUBPD Y1, Y6, Y1        // hfsq - (...)
	VSUBPD Y9, Y1, Y1        // (...) - f
	VMULPD 448(R9), Y12, Y12 // k*Ln2Hi
	VSUBPD Y1, Y12, Y12      // k != 0: k*Ln2Hi - (...)
	VPCMPEQQ  Y15, Y4, Y2
	VBLENDVPD Y2, Y11, Y12, Y12

	// the small arguments
	VMULPD    Y0, Y0, Y1
	VMULPD    160(R9), Y1, Y1
	VSUBPD    Y1, Y0, Y1            // x - x*x*0.5
	VCMPPD    $0x11, 64(R9), Y0, Y2 // x < 2^-29
	VBLENDVPD Y2, Y1, Y12, Y12
	VCMPPD    $0x11, 96(R9), Y0, Y2 // x < 2^-54
	VBLENDVPD Y2, Y0, Y12, Y12

	VMOVUPD   Y12, (DI)
	VMOVMSKPD Y14, AX
	TESTQ     AX, AX
	SETNE     slow+16(FP)
	VZEROUPPER
	RET

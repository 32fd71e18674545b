package torchrng

import "math"

// One lane of log256_ps and sincos256_ps from ATen/native/cpu/avx_mathfun.h
// (Cephes single-precision polynomials by Julien Pommier, AVX port by Giovanni
// Garberoglio). Every step is float32. PyTorch's x86 builds compile these
// intrinsics with FMA contraction, so some mul/add pairs are fused: fma32 marks
// exactly the pairs that torch 1.13's x86 build fuses
// (checked bit-for-bit against torch); every other product is rounded on its
// own with an explicit float32() so that Go does not fuse it either.

// _ps256_cephes_log_p0 .. _p8
var logP = [9]float32{
	7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
	-1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
}

const (
	logQ1      float32 = -2.12194440e-4            // _ps256_cephes_log_q1
	logQ2      float32 = 0.693359375               // _ps256_cephes_log_q2
	sqrtHF     float32 = 0.707106781186547524      // _ps256_cephes_SQRTHF
	fourOverPi float32 = 1.27323954473516          // _ps256_cephes_FOPI
	minusDP1   float32 = -0.78515625               // _ps256_minus_cephes_DP1
	minusDP2   float32 = -2.4187564849853515625e-4 // _ps256_minus_cephes_DP2
	minusDP3   float32 = -3.77489497744594108e-8   // _ps256_minus_cephes_DP3
	sinP0      float32 = -1.9515295891e-4          // _ps256_sincof_p0
	sinP1      float32 = 8.3321608736e-3           // _ps256_sincof_p1
	sinP2      float32 = -1.6666654611e-1          // _ps256_sincof_p2
	cosP0      float32 = 2.443315711809948e-005    // _ps256_coscof_p0
	cosP1      float32 = -1.388731625493765e-003   // _ps256_coscof_p1
	cosP2      float32 = 4.166664568298827e-002    // _ps256_coscof_p2
)

// log256 is one lane of log256_ps(x) for x > 0 (the caller never passes
// x <= 0; the C code would return NaN there through invalid_mask).
func log256(x float32) float32 {
	// x = _mm256_max_ps(x, _ps256_min_norm_pos): cut off denormals.
	if minNorm := math.Float32frombits(0x00800000); !(x > minNorm) {
		x = minNorm
	}
	bits := math.Float32bits(x)
	imm0 := int32(bits >> 23) // _mm256_srli_epi32(x, 23)
	// keep only the fractional part: x & inv_mant_mask | 0.5
	x = math.Float32frombits(bits&^0x7f800000 | 0x3f000000)
	imm0 -= 0x7f // _pi32_256_0x7f
	e := float32(imm0)
	e = e + 1

	// mask = x < SQRTHF; tmp = x & mask
	var tmp, maskOne float32
	if x < sqrtHF {
		tmp, maskOne = x, 1
	}
	x = x - 1
	e = e - maskOne
	x = x + tmp

	z := float32(x * x)

	// y = p0; y = y*x + p1; ... ; y = y*x + p8 (each pair contracted to an FMA)
	y := logP[0]
	for _, p := range logP[1:] {
		y = fma32(y, x, p)
	}
	y = float32(y * x)
	// y = y*z + e*q1 (fused); y = y - z*0.5 (fused)
	y = fma32(y, z, float32(e*logQ1))
	y = fma32(-z, 0.5, y)
	// x = x + y; x = x + e*q2 (fused)
	x = x + y
	return fma32(e, logQ2, x)
}

// sincos256 is one lane of sincos256_ps(x); it returns (sin x, cos x).
func sincos256(x float32) (sin, cos float32) {
	xbits := math.Float32bits(x)
	signSin := xbits & 0x80000000                 // sign_bit_sin = x & sign_mask
	x = math.Float32frombits(xbits &^ 0x80000000) // x = abs(x)

	// scale by 4/Pi, j = (j+1) & ~1 (cvttps2dq truncates)
	j := int32(float32(x * fourOverPi))
	j = (j + 1) &^ 1
	y := float32(j)

	// sign for the sine: swap when j&4; sign for the cosine: from (j-2)&4
	signSin ^= uint32(j&4) << 29
	signCos := uint32(^(j-2)&4) << 29
	// polynomial selection: the sine polynomial for sin when (j&2) == 0
	sinPoly := j&2 == 0

	// extended precision modular arithmetic: x = ((x - y*DP1) - y*DP2) - y*DP3
	x = fma32(y, minusDP1, x)
	x = fma32(y, minusDP2, x)
	x = fma32(y, minusDP3, x)

	z := float32(x * x)

	// first polynomial (cosine, 0 <= x <= Pi/4):
	// y = ((c0*z + c1)*z + c2)*z*z - 0.5*z + 1
	yc := fma32(cosP0, z, cosP1)
	yc = fma32(yc, z, cosP2)
	yc = fma32(float32(yc*z), z, -float32(z*0.5))
	yc = yc + 1

	// second polynomial (sine): y2 = ((s0*z + s1)*z + s2)*z*x + x
	ys := fma32(sinP0, z, sinP1)
	ys = fma32(ys, z, sinP2)
	ys = fma32(float32(ys*z), x, x)

	// Select with masks and add the zeroed other one, as the C code does
	// (ysin1 + ysin2 and y + y2): adding +0 turns a -0 result into +0.
	if sinPoly {
		sin, cos = ys+0, yc+0
	} else {
		sin, cos = yc+0, ys+0
	}
	sin = math.Float32frombits(math.Float32bits(sin) ^ signSin)
	cos = math.Float32frombits(math.Float32bits(cos) ^ signCos)
	return sin, cos
}

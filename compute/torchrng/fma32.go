package torchrng

import "math"

// fma32 returns a*b+c rounded once to float32 (round to nearest, ties to
// even), like the vfmadd*ps instructions that _mm256_fmadd_ps and the
// compiler's contractions of avx_mathfun.h emit.
//
// float32(math.FMA(float64(a), float64(b), float64(c))) is not enough: it
// rounds the exact value to float64 and then to float32, and when the first
// rounding lands exactly on a float32 halfway point the second one can go the
// wrong way. Instead:
//   - p = a*b is exact in float64 (24+24 significand bits fit in 53, and the
//     exponent range of float32 products is far inside float64's);
//   - TwoSum(p, c) gives s = RN64(p+c) and the exact error e = (p+c) - s;
//   - if e != 0, s is replaced by its round-to-odd neighbour (set the last
//     significand bit by stepping one ulp towards e when s is even). Rounding
//     a 53-bit round-to-odd value to float32 (24 bits, 53 >= 24+2) gives the
//     correctly rounded result (Boldo & Melquiond, "Emulation of FMA and
//     correctly rounded sums: proved algorithms using rounding to odd").
//
// Every intermediate is an exact float64 or an explicit conversion, so Go's
// permission to fuse x*y+z into an FMA cannot change the result.
func fma32(a, b, c float32) float32 {
	p := float64(a) * float64(b) // exact
	cc := float64(c)
	s := p + cc
	if math.IsInf(s, 0) || math.IsNaN(s) {
		// Inf or NaN operands: there is nothing to round twice.
		return float32(s)
	}
	// TwoSum (Knuth): e is the exact rounding error of s = p + cc.
	bb := s - p
	e := (p - (s - bb)) + (cc - bb)
	if e != 0 && math.Float64bits(s)&1 == 0 {
		// s is even and inexact: the exact sum lies strictly between s and
		// its neighbour towards e, which is odd: that is the round-to-odd value.
		s = math.Nextafter(s, math.Copysign(math.Inf(1), e))
	}
	return float32(s)
}

//go:build amd64 && !purego

package compute

import "math"

// log1p4Kernel is log1p4 in AVX2 assembly (log1p_amd64.s). It reports slow if some x[j] is
// outside [0, 2^53) (negative, NaN, huge or infinite) or takes log1pGo's branch for |f| <
// 2^-20 (1 + x a power of two, or up to 3 ulps below one): then dst is not valid.
//
//go:noescape
func log1p4Kernel(dst, x *[4]float64) (slow bool)

// log1pConsts4 are log1p4Kernel's constants, each in 4 lanes so that the kernel reads them as
// memory operands (read-only): the float64 bits of 1, Sqrt(2)-1, 2^-29, 2^-54, 2^53, 0.5, 2,
// Lp1 .. Lp7, Ln2Hi and Ln2Lo, then the integers 2^52-1 (the mantissa mask), Sqrt(2)'s
// mantissa, the bits of 0.5, 2^52, the bits of 2^52 (for the exact int to float conversion
// of small k) and 1023.
var log1pConsts4 = func() (c [22 * 4]uint64) {
	one := [...]uint64{
		math.Float64bits(1), math.Float64bits(log1pSqrt2M1), math.Float64bits(log1pSmall),
		math.Float64bits(log1pTiny), math.Float64bits(log1pTwo53), math.Float64bits(0.5), math.Float64bits(2),
		math.Float64bits(log1pLp1), math.Float64bits(log1pLp2), math.Float64bits(log1pLp3), math.Float64bits(log1pLp4),
		math.Float64bits(log1pLp5), math.Float64bits(log1pLp6), math.Float64bits(log1pLp7),
		math.Float64bits(log1pLn2Hi), math.Float64bits(log1pLn2Lo),
		1<<52 - 1, log1pSqrt2Mant, math.Float64bits(0.5), 1 << 52, math.Float64bits(1 << 52), 1023,
	}
	for i := range c {
		c[i] = one[i/4]
	}
	return c
}()

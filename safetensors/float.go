package safetensors

import "math"

// Binary floating-point formats as (exponent bits, mantissa bits).
const (
	f32Exp, f32Mant   = 8, 23
	f16Exp, f16Mant   = 5, 10
	bf16Exp, bf16Mant = 8, 7
)

// decodeFloat converts the bits of a binary floating-point number with
// expBits exponent bits and mantBits stored mantissa bits (at most 8 and
// 51) to the float64 of exactly the same value. Subnormals, infinities and
// signed zeros convert exactly; a NaN keeps its sign and payload (shifted
// into the top of the float64 mantissa), so encodeFloat gives the original
// bits back.
func decodeFloat(b uint64, expBits, mantBits uint) float64 {
	sign := (b >> (expBits + mantBits)) & 1 << 63
	e := int((b >> mantBits) & (1<<expBits - 1))
	m := b & (1<<mantBits - 1)
	bias := 1<<(expBits-1) - 1
	switch {
	case e == 0:
		// Zero or subnormal: m × 2^(1-bias-mantBits), exact in float64.
		v := math.Ldexp(float64(m), 1-bias-int(mantBits))
		if sign != 0 {
			v = -v
		}
		return v
	case e == 1<<expBits-1:
		// Infinity (m == 0) or NaN (payload kept).
		return math.Float64frombits(sign | 0x7ff<<52 | m<<(52-mantBits))
	default:
		return math.Float64frombits(sign | uint64(e-bias+1023)<<52 | m<<(52-mantBits))
	}
}

// encodeFloat rounds x to the nearest binary floating-point number with
// expBits exponent bits and mantBits stored mantissa bits, ties to even,
// and returns its bits. Values too large for the format become infinities,
// as IEEE 754 round-to-nearest prescribes. A NaN keeps its sign and the top
// of its payload; if that would leave an infinity it becomes a quiet NaN.
// The rounding is done once, directly from float64, so there is no double
// rounding through float32.
func encodeFloat(x float64, expBits, mantBits uint) uint64 {
	b := math.Float64bits(x)
	sign := (b >> 63) << (expBits + mantBits)
	e := int((b >> 52) & 0x7ff)
	mant := b & (1<<52 - 1)
	expMax := uint64(1)<<expBits - 1
	if e == 0x7ff {
		if mant == 0 {
			return sign | expMax<<mantBits
		}
		m := mant >> (52 - mantBits)
		if m == 0 {
			m = 1 << (mantBits - 1)
		}
		return sign | expMax<<mantBits | m
	}
	if e == 0 {
		// Zero or float64 subnormal (< 2^-1022): far below half the
		// smallest subnormal of any target format, so it rounds to zero.
		return sign
	}
	bias := 1<<(expBits-1) - 1
	emin := 1 - bias    // smallest normal exponent of the target
	exp := e - 1023     // unbiased exponent of x
	sig := mant | 1<<52 // x = sig × 2^(exp-52)
	shift := 52 - int(mantBits)
	normal := exp >= emin
	if !normal {
		shift += emin - exp
		if shift > 53 {
			// x < 2^(emin-mantBits-1), half the smallest subnormal.
			return sign
		}
	}
	q := sig >> shift
	rem := sig & (1<<shift - 1)
	half := uint64(1) << (shift - 1)
	if rem > half || rem == half && q&1 == 1 {
		q++
	}
	if !normal {
		// q ≤ 2^mantBits; a carry into bit mantBits makes it the
		// smallest normal number, which has exactly those bits.
		return sign | q
	}
	// q in [2^mantBits, 2^(mantBits+1)]: its leading bit adds one to the
	// exponent field, and a rounding carry adds one more.
	bits := uint64(exp+bias-1)<<mantBits + q
	if bits >= expMax<<mantBits {
		return sign | expMax<<mantBits
	}
	return sign | bits
}

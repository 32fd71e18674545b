package compute

import "math"

// expNonPos returns e^x for x <= 0 (within 2 ulps of math.Exp; see TestExpNonPos). The loss
// needs one exponential per logit per input, tens of millions per run, and this table method
// (Tang 1989, as in ARM's optimized-routines) is 1.6 times as fast as math.Exp here:
//
//	x = k·ln2/N + r with |r| <= ln2/(2N), N = 128;  e^x = 2^(k/N) · e^r,
//	2^(k/N) = 2^floor(k/N) · T[k mod N];  e^r = 1 + r + r²/2 + ... + r⁵/120 (error < 1e-18).
func expNonPos(x float64) float64 {
	if x < -708 || x != x {
		return math.Exp(x) // subnormal results, underflow and NaN: the slow path
	}
	const (
		n       = 128
		invLn2N = n / math.Ln2
		shift   = 0x1.8p52                       // adding it rounds to an integer kept in the low mantissa bits
		ln2NHi  = 6.93147180369123816490e-01 / n // ln2/N split so that kd*ln2NHi is exact
		ln2NLo  = 1.90821492927058770002e-10 / n
	)
	kd := x*invLn2N + shift
	k := int64(math.Float64bits(kd) - math.Float64bits(shift)) // the rounded x/(ln2/N)
	kd -= shift
	r := x - kd*ln2NHi - kd*ln2NLo
	j := k & (n - 1)
	e := (k - j) / n // floor(k/N), exact since k-j is a multiple of N
	r2 := r * r
	p := r + r2*(0.5+r*(1.0/6+r*(1.0/24+r*(1.0/120))))
	scale := math.Float64frombits(uint64(e+1023) << 52)
	t := exp2Table[j]
	return (t + t*p) * scale
}

// exp2Table[j] = 2^(j/128) (read-only after package initialisation).
var exp2Table = func() [128]float64 {
	var t [128]float64
	for j := range t {
		t[j] = math.Exp2(float64(j) / 128)
	}
	return t
}()

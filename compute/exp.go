package compute

import "math"

// expNonPos returns e^x for x <= 0 (within 2 ulps of math.Exp; see TestExpNonPos). The loss
// needs one exponential per logit per input, tens of millions per run, and this table method
// (Tang 1989, as in ARM's optimized-routines) is 1.6 times as fast as math.Exp here:
//
//	x = k·ln2/N + r with |r| <= ln2/(2N), N = 128;  e^x = 2^(k/N) · e^r,
//	2^(k/N) = 2^floor(k/N) · T[k mod N];  e^r = 1 + r + r²/2 + ... + r⁵/120 (error < 1e-18).
//
// Every product is converted to float64 explicitly so that no compiler setting may fuse it
// into a multiply-add: the AVX2 kernels (exp_amd64.h) repeat these operations lane by lane and
// must round exactly as this does.
func expNonPos(x float64) float64 {
	if x < expSlowBelow || x != x {
		return math.Exp(x) // subnormal results, underflow and NaN: the slow path
	}
	kd := float64(x*expInvLn2N) + expRound
	k := int64(math.Float64bits(kd) - math.Float64bits(expRound)) // the rounded x/(ln2/N)
	kd -= expRound
	r := (x - float64(kd*expLn2NHi)) - float64(kd*expLn2NLo)
	j := k & (expN - 1)
	e := (k - j) / expN // floor(k/N), exact since k-j is a multiple of N
	r2 := float64(r * r)
	p := r + float64(r2*(0.5+float64(r*(1.0/6+float64(r*(1.0/24+float64(r*(1.0/120))))))))
	scale := math.Float64frombits(uint64(e+1023) << 52)
	t := exp2Table[j]
	return float64((t + float64(t*p)) * scale)
}

// The constants of expNonPos.
const (
	expN         = 128
	expInvLn2N   = expN / math.Ln2
	expRound     = 0x1.8p52                          // adding it rounds to an integer kept in the low mantissa bits
	expLn2NHi    = 6.93147180369123816490e-01 / expN // ln2/N split so that kd*expLn2NHi is exact
	expLn2NLo    = 1.90821492927058770002e-10 / expN
	expSlowBelow = -708 // below it e^x is within a factor 2 of the smallest normal: math.Exp
)

// exp2Table[j] = 2^(j/128) (read-only after package initialisation).
var exp2Table = func() [expN]float64 {
	var t [expN]float64
	for j := range t {
		t[j] = math.Exp2(float64(j) / expN)
	}
	return t
}()

// expShiftedSum sets dst[i] = expNonPos(src[i] - shift) for every i < len(src) and returns the
// sum of every dst[i] but dst[skip] (skip < 0: none), added left to right, as the loop
//
//	s := 0.0
//	for i, v := range src { dst[i] = expNonPos(v - shift); if i != skip { s += dst[i] } }
//
// does, bit for bit, on every CPU: on amd64 with AVX2 four lanes at a time (exp_amd64.s),
// elsewhere that loop (expShiftedSumGo). len(dst) must be at least len(src), and dst must not
// overlap src.
func expShiftedSum(dst, src []float64, shift float64, skip int) float64 {
	dst = dst[:len(src)]
	if haveExpKernel {
		if sum, slow := expShiftedSumKernel(dst, src, shift, skip); !slow {
			return sum
		}
		// some argument is below -708 or NaN (never in a healthy run): redo all in Go
	}
	return expShiftedSumGo(dst, src, shift, skip)
}

// expShiftedSumGo is expShiftedSum's portable form, and its definition.
func expShiftedSumGo(dst, src []float64, shift float64, skip int) float64 {
	dst = dst[:len(src)]
	s := 0.0
	for i, v := range src {
		e := expNonPos(v - shift)
		dst[i] = e
		if i != skip {
			s += e
		}
	}
	return s
}

// expShiftedSums is expShiftedSum for r <= 4 independent rows at once: for each row j < r of
// x [r, V] (row-major), dst[j*V+i] = expNonPos(x[j*V+i] - shift[j]) and
//
//	sums[j] = expShiftedSum(dst[j*V:(j+1)*V], x[j*V:(j+1)*V], shift[j], skip[j])
//
// bit for bit. With keep false the caller does not need dst (it is then scratch, in any
// state). On amd64 with AVX2 a group of 4 rows runs in one kernel whose lanes are the rows
// (group_amd64.s): each row's sum is still added left to right, but the four sums' additions
// are independent, where one row's 64 dependent additions bound expShiftedSum. dst must
// hold r·V values and not overlap x.
func expShiftedSums(dst, x []float64, V, r int, shift *[4]float64, skip *[4]int, sums *[4]float64, keep bool) {
	x, dst = x[:r*V], dst[:r*V]
	if r == 4 && V > 0 && haveExpKernel {
		if !expShiftedSums4Kernel(&dst[0], &x[0], V, shift, skip, sums, keep) {
			return
		}
		// some argument is below -708 or NaN (never in a healthy run): redo the rows one by one
	}
	for j := range r {
		sums[j] = expShiftedSum(dst[j*V:(j+1)*V], x[j*V:(j+1)*V], shift[j], skip[j])
	}
}

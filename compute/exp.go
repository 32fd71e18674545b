package compute

import "math"

// expNonPos returns e^x for x <= 0 (within 2 ulps of math.Exp and of e^x; see TestExpNonPos).
// The loss needs one exponential per logit per input, tens of millions per run, and this table
// method (Tang 1989, as in ARM's optimized-routines) is 1.6 times as fast as math.Exp here:
//
//	x = k·ln2/N + r with |r| <= ln2/(2N), N = 128;  e^x = 2^(k/N) · e^r,
//	2^(k/N) = 2^floor(k/N) · T[k mod N];  e^r = 1 + r + r²/2 + ... + r⁵/120 (error < 1e-18).
//
// Every product is converted to float64 explicitly so that no compiler setting may fuse it
// into a multiply-add: the AVX2 kernels (exp_amd64.h) repeat these operations lane by lane and
// must round exactly as this does.
func expNonPos(x float64) float64 {
	if !(x >= expSlowBelow) {
		return expNonPosTiny(x)
	}
	y, e := expNonPosParts(x)
	return float64(y * math.Float64frombits(uint64(e+1023)<<52))
}

// expNonPosParts returns expNonPos's t + t·p, in (1/2, 2), and e, its scale's exponent.
func expNonPosParts(x float64) (y float64, e int64) {
	kd := float64(x*expInvLn2N) + expRound
	k := int64(math.Float64bits(kd) - math.Float64bits(expRound)) // the rounded x/(ln2/N)
	kd -= expRound
	r := (x - float64(kd*expLn2NHi)) - float64(kd*expLn2NLo)
	j := k & (expN - 1)
	r2 := float64(r * r)
	p := r + float64(r2*(0.5+float64(r*(1.0/6+float64(r*(1.0/24+float64(r*(1.0/120))))))))
	t := exp2Table[j]
	return t + float64(t*p), (k - j) / expN // floor(k/N), exact since k-j is a multiple of N
}

// expNonPosTiny is expNonPos below -708 (subnormal results and underflow) and for NaN, which
// the kernels leave to it: the same operations, scaled by scaleTiny.
func expNonPosTiny(x float64) float64 {
	if v, ok := expEdge(x); ok {
		return v
	}
	return scaleTiny(expNonPosParts(x))
}

// expEdge returns e^x and true for NaN (NaN) and below expZeroBelow (0), where the exponentials
// compute nothing.
func expEdge(x float64) (float64, bool) {
	switch {
	case x != x:
		return x, true
	case x < expZeroBelow:
		return 0, true
	}
	return 0, false
}

// scaleTiny returns y·2^e, for y in (1/2, 2) and e in [-1077, -1022], rounded once: y·2^(e+200)
// is exact, and the product with 2^-200 rounds into the subnormals. The exponentials use it
// below -708 rather than math.Exp, whose bits differ between CPUs.
func scaleTiny(y float64, e int64) float64 {
	return float64(y*math.Float64frombits(uint64(e+200+1023)<<52)) * 0x1p-200
}

// The constants of expNonPos.
const (
	expN         = 128
	expInvLn2N   = expN / math.Ln2
	expRound     = 0x1.8p52                          // adding it rounds to an integer kept in the low mantissa bits
	expLn2NHi    = 6.93147180369123816490e-01 / expN // ln2/N split so that kd*expLn2NHi is exact
	expLn2NLo    = 1.90821492927058770002e-10 / expN
	expSlowBelow = -708 // below it e^x is within a factor 2 of the smallest normal: expNonPosTiny
	expZeroBelow = -746 // below it e^x is less than half the smallest subnormal: 0
)

// expRoundBiased is the kernels' rounding constant (and lossExp's): expRound + 1023·N, an even integer in
// expRound's binade, so that x·invLn2N + expRoundBiased rounds to the same kd as with expRound
// (plus 1023·N: ties go to the same even neighbour), subtracting it gives expNonPos's kd
// exactly, and its bits are bits(expRound) + k + 1023·N. The scale's bits are then those bits
// with the low 7 (j = k mod N) cleared and shifted left by 45, ((k-j)/N + 1023) << 52, in two
// instructions where k itself would take three more.
const expRoundBiased = expRound + 1023*expN

// exp2Table[j] = 2^(j/128) within 1 ulp (TestExp2Table): math.Exp2's values on amd64, written
// as literals so that every architecture and compiler setting has the same bits (math.Exp2 is
// assembly on some, and may be compiled with fused multiply-adds on others), read-only.
var exp2Table = [expN]float64{
	0x1p+00, 0x1.0163da9fb3335p+00, 0x1.02c9a3e778061p+00, 0x1.04315e86e7f85p+00,
	0x1.059b0d3158574p+00, 0x1.0706b29ddf6dep+00, 0x1.0874518759bc8p+00, 0x1.09e3ecac6f383p+00,
	0x1.0b5586cf9890fp+00, 0x1.0cc922b7247f7p+00, 0x1.0e3ec32d3d1a2p+00, 0x1.0fb66affed31bp+00,
	0x1.11301d0125b51p+00, 0x1.12abdc06c31ccp+00, 0x1.1429aaea92dep+00, 0x1.15a98c8a58e51p+00,
	0x1.172b83c7d517bp+00, 0x1.18af9388c8deap+00, 0x1.1a35beb6fcb75p+00, 0x1.1bbe084045cd4p+00,
	0x1.1d4873168b9aap+00, 0x1.1ed5022fcd91dp+00, 0x1.2063b88628cd6p+00, 0x1.21f49917ddc96p+00,
	0x1.2387a6e756238p+00, 0x1.251ce4fb2a63fp+00, 0x1.26b4565e27cddp+00, 0x1.284dfe1f56381p+00,
	0x1.29e9df51fdee1p+00, 0x1.2b87fd0dad99p+00, 0x1.2d285a6e4030bp+00, 0x1.2ecafa93e2f56p+00,
	0x1.306fe0a31b715p+00, 0x1.32170fc4cd831p+00, 0x1.33c08b26416ffp+00, 0x1.356c55f929ff1p+00,
	0x1.371a7373aa9cbp+00, 0x1.38cae6d05d866p+00, 0x1.3a7db34e59ff7p+00, 0x1.3c32dc313a8e4p+00,
	0x1.3dea64c123422p+00, 0x1.3fa4504ac801cp+00, 0x1.4160a21f72e2ap+00, 0x1.431f5d950a897p+00,
	0x1.44e086061892dp+00, 0x1.46a41ed1d0058p+00, 0x1.486a2b5c13cdp+00, 0x1.4a32af0d7d3dep+00,
	0x1.4bfdad5362a27p+00, 0x1.4dcb299fddd0dp+00, 0x1.4f9b2769d2ca7p+00, 0x1.516daa2cf6642p+00,
	0x1.5342b569d4f82p+00, 0x1.551a4ca5d920fp+00, 0x1.56f4736b527dap+00, 0x1.58d12d497c7fdp+00,
	0x1.5ab07dd485429p+00, 0x1.5c9268a5946b7p+00, 0x1.5e76f15ad2148p+00, 0x1.605e1b976dc09p+00,
	0x1.6247eb03a5584p+00, 0x1.6434634ccc32p+00, 0x1.6623882552224p+00, 0x1.68155d44ca973p+00,
	0x1.6a09e667f3bccp+00, 0x1.6c012750bdabfp+00, 0x1.6dfb23c651a2fp+00, 0x1.6ff7df9519484p+00,
	0x1.71f75e8ec5f74p+00, 0x1.73f9a48a58174p+00, 0x1.75feb564267c9p+00, 0x1.780694fde5d4p+00,
	0x1.7a11473eb0187p+00, 0x1.7c1ed0130c132p+00, 0x1.7e2f336cf4e62p+00, 0x1.80427543e1a12p+00,
	0x1.82589994cce12p+00, 0x1.8471a4623c7adp+00, 0x1.868d99b4492ecp+00, 0x1.88ac7d98a669ap+00,
	0x1.8ace5422aa0dcp+00, 0x1.8cf3216b5448cp+00, 0x1.8f1ae99157736p+00, 0x1.9145b0b91ffc6p+00,
	0x1.93737b0cdc5e5p+00, 0x1.95a44cbc8520fp+00, 0x1.97d829fde4e5p+00, 0x1.9a0f170ca07bap+00,
	0x1.9c49182a3f09p+00, 0x1.9e86319e32323p+00, 0x1.a0c667b5de565p+00, 0x1.a309bec4a2d34p+00,
	0x1.a5503b23e255cp+00, 0x1.a799e1330b358p+00, 0x1.a9e6b5579fdbfp+00, 0x1.ac36bbfd3f37ap+00,
	0x1.ae89f995ad3aep+00, 0x1.b0e07298db666p+00, 0x1.b33a2b84f15fbp+00, 0x1.b59728de5593ap+00,
	0x1.b7f76f2fb5e47p+00, 0x1.ba5b030a1064ap+00, 0x1.bcc1e904bc1d2p+00, 0x1.bf2c25bd71e08p+00,
	0x1.c199bdd85529cp+00, 0x1.c40ab5fffd07ap+00, 0x1.c67f12e57d14bp+00, 0x1.c8f6d9406e7b5p+00,
	0x1.cb720dcef9069p+00, 0x1.cdf0b555dc3fap+00, 0x1.d072d4a07897cp+00, 0x1.d2f87080d89f2p+00,
	0x1.d5818dcfba487p+00, 0x1.d80e316c98398p+00, 0x1.da9e603db3286p+00, 0x1.dd321f301b46p+00,
	0x1.dfc97337b9b5fp+00, 0x1.e264614f5a129p+00, 0x1.e502ee78b3ff6p+00, 0x1.e7a51fbc74c83p+00,
	0x1.ea4afa2a490dap+00, 0x1.ecf482d8e67f1p+00, 0x1.efa1bee615a27p+00, 0x1.f252b376bba97p+00,
	0x1.f50765b6e454p+00, 0x1.f7bfdad9cbe14p+00, 0x1.fa7c1819e90d8p+00, 0x1.fd3c22b8f71f1p+00,
}

// expShiftedSum sets dst[i] = expNonPos(src[i] - shift) for every i < len(src) and returns the
// sum of every dst[i], added left to right, as the loop
//
//	s := 0.0
//	for i, v := range src { dst[i] = expNonPos(v - shift); s += dst[i] }
//
// does, bit for bit, on every CPU: on amd64 with AVX2 four lanes at a time (exp_amd64.s),
// elsewhere that loop (expShiftedSumGo). len(dst) must be at least len(src), and dst must not
// overlap src. These are the softmax's exponentials for the gradient (Evaluator.Eval with grad).
func expShiftedSum(dst, src []float64, shift float64) float64 {
	dst = dst[:len(src)]
	if haveExpKernel {
		if sum, slow := expShiftedSumKernel(dst, src, shift); !slow {
			return sum
		}
		// some argument is below -708 or NaN (never in a healthy run): redo all in Go
	}
	return expShiftedSumGo(dst, src, shift)
}

// expShiftedSumGo is expShiftedSum's portable form, and its definition.
func expShiftedSumGo(dst, src []float64, shift float64) float64 {
	dst = dst[:len(src)]
	s := 0.0
	for i, v := range src {
		e := expNonPos(v - shift)
		dst[i] = e
		s += e
	}
	return s
}

// expShiftedSums is expShiftedSum for r <= 4 independent rows at once: for each row j < r of
// x [r, V] (row-major), dst[j*V+i] = expNonPos(x[j*V+i] - shift[j]) and
//
//	sums[j] = expShiftedSum(dst[j*V:(j+1)*V], x[j*V:(j+1)*V], shift[j])
//
// bit for bit. On amd64 with AVX2 a group of 4 rows runs in one kernel whose lanes are the rows
// (group_amd64.s): each row's sum is still added left to right, but the four sums' additions
// are independent, where one row's 64 dependent additions bound expShiftedSum. dst must
// hold r·V values and not overlap x.
func expShiftedSums(dst, x []float64, V, r int, shift, sums *[4]float64) {
	x, dst = x[:r*V], dst[:r*V]
	if r == 4 && V > 0 && haveExpKernel {
		if !expShiftedSums4Kernel(&dst[0], &x[0], V, shift, sums) {
			return
		}
		// some argument is below -708 or NaN (never in a healthy run): redo the rows one by one
	}
	for j := range r {
		sums[j] = expShiftedSum(dst[j*V:(j+1)*V], x[j*V:(j+1)*V], shift[j])
	}
}

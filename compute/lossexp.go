package compute

import (
	"fmt"
	"math"
)

// The exponentials of the losses that take no gradient: the test loss, and the training loss
// at checkpoints, of Evaluator.Eval without grad and of Analyzer.perInput. Their sums need each
// term to about an ulp, not expNonPos's exact operations, which training keeps so that its
// trajectory does not move: here the same table method runs in multiply-adds (one rounding
// each, math.FMA), and each row is summed four columns at a time, so that a kernel needs no
// transposes and fewer, shorter chains of operations.

// lossExp returns e^x for x <= 0, within an ulp of it (TestLossExp), with expNonPos's table
// (exp.go) and its reduction done in multiply-adds:
//
//	kd' = fma(x, N/ln2, roundBiased);  kd = kd' - roundBiased  (k = kd, rounded x·N/ln2)
//	r   = fma(-kd, ln2NLo, fma(-kd, ln2NHi, x))
//	q   = fma(fma(fma(r, 1/120, 1/24), r, 1/6), r, 1/2)
//	p   = fma(r·r, q, r)                                  (e^r - 1, error below 1e-18)
//	e^x = fma(t, p, t) · 2^e   with t = 2^(j/N), k = e·N + j
//
// The scale's bits come from kd' as in the kernels (expRoundBiased). Below -708 and for NaN it
// goes to lossExpTiny. lossExpRowsKernel (lossexp_amd64.s) runs the same operations four lanes
// at a time, bit for bit.
func lossExp(x float64) float64 {
	if !(x >= expSlowBelow) {
		return lossExpTiny(x)
	}
	y, bits := lossExpParts(x)
	return float64(y * math.Float64frombits(bits&^(expN-1)<<45))
}

// lossExpParts returns lossExp's fma(t, p, t), in (1/2, 2), and the bits of kd', which are
// bits(roundBiased) + k.
func lossExpParts(x float64) (y float64, bits uint64) {
	kd := math.FMA(x, expInvLn2N, expRoundBiased)
	bits = math.Float64bits(kd)
	kd -= expRoundBiased
	r := math.FMA(-kd, expLn2NHi, x)
	r = math.FMA(-kd, expLn2NLo, r)
	q := math.FMA(r, 1.0/120, 1.0/24)
	q = math.FMA(q, r, 1.0/6)
	q = math.FMA(q, r, 0.5)
	p := math.FMA(float64(r*r), q, r)
	t := exp2Table[bits&(expN-1)]
	return math.FMA(t, p, t), bits
}

// lossExpTiny is lossExp below -708 and for NaN: the same operations, scaled by scaleTiny.
func lossExpTiny(x float64) float64 {
	if v, ok := expEdge(x); ok {
		return v
	}
	y, bits := lossExpParts(x)
	k := int64(bits - math.Float64bits(expRoundBiased))
	return scaleTiny(y, (k-k&(expN-1))/expN)
}

// lossExpSumGo returns the sum of lossExp(v - shift) over the values v of x but x[skip]
// (skip < 0 or >= len(x): none), added four columns at a time: lane l sums the columns
// i ≡ l (mod 4) in order, and the sum is (lane 0 + lane 1) + (lane 2 + lane 3), the order of
// lossExpRowsKernel, on every CPU. It is lossExpSums' definition for one row.
func lossExpSumGo(x []float64, shift float64, skip int) float64 {
	var lane [4]float64
	for i, v := range x {
		if i != skip {
			lane[i%4] += lossExp(v - shift)
		}
	}
	return (lane[0] + lane[1]) + (lane[2] + lane[3])
}

// lossExpSums sets sums[j] = lossExpSumGo(x[j*V:(j+1)*V], shift[j], skip[j]) for the r <= 4
// rows of x [r, V], as Evaluator.Eval and Analyzer.perInput take them: in one kernel call
// where the CPU has it (lossExpRowsKernel), else, or when an argument needs lossExpTiny, with
// lossExpSumGo.
func lossExpSums(x []float64, V, r int, shift *[4]float64, skip *[4]int, sums *[4]float64) {
	if r < 0 || r > 4 {
		panic(fmt.Sprintf("compute: lossExpSums: %d rows, at most 4", r))
	}
	x = x[:r*V]
	if haveLossKernel && V > 0 && r > 0 {
		if !lossExpRowsKernel(&x[0], V, r, shift, skip, sums) {
			return
		}
		// some argument is below -708 or NaN: redo the rows in Go
	}
	for j := range r {
		sums[j] = lossExpSumGo(x[j*V:(j+1)*V], shift[j], skip[j])
	}
}

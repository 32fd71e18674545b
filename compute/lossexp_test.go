package compute

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// bigPrec is the precision of the reference exponentials.
const bigPrec = 256

// bigLn2 returns ln 2 to bigPrec bits.
func bigLn2() *big.Float {
	ln2, _, err := big.ParseFloat("0.69314718055994530941723212145817656807550013436025525412068000949339362196969471560586332699641868754", 10, bigPrec, big.ToNearestEven)
	if err != nil {
		panic(err)
	}
	return ln2
}

// expBigF returns e^x to about bigPrec bits: x = k·ln2 + r, a Taylor series for e^r.
func expBigF(x *big.Float) *big.Float {
	ln2 := bigLn2()
	kf, _ := new(big.Float).Quo(x, ln2).Float64()
	k := math.Round(kf)
	r := new(big.Float).SetPrec(bigPrec).Sub(x, new(big.Float).SetPrec(bigPrec).Mul(ln2, big.NewFloat(k)))
	sum := new(big.Float).SetPrec(bigPrec).SetInt64(1)
	term := new(big.Float).SetPrec(bigPrec).SetInt64(1)
	for n := int64(1); n < 60; n++ {
		term.Mul(term, r)
		term.Quo(term, new(big.Float).SetInt64(n))
		sum.Add(sum, term)
	}
	return sum.SetMantExp(sum, int(k))
}

// expBig returns e^x rounded to float64 (subnormals included): the reference for lossExp.
func expBig(x float64) float64 {
	f, _ := expBigF(new(big.Float).SetPrec(bigPrec).SetFloat64(x)).Float64()
	return f
}

// pow2Big returns 2^x rounded to float64.
func pow2Big(x *big.Float) float64 {
	f, _ := expBigF(new(big.Float).SetPrec(bigPrec).Mul(x, bigLn2())).Float64()
	return f
}

// TestLossExp checks lossExp against e^x computed exactly (expBig) and against math.Exp:
// exact at the special points, and within 1 ulp of e^x everywhere on (-inf, 0], the subnormal
// results of lossExpTiny included (there an ulp is the smallest subnormal).
func TestLossExp(t *testing.T) {
	for _, tc := range []struct{ x, want float64 }{
		{0, 1}, {math.Copysign(0, -1), 1}, {-1e-300, 1}, {math.Inf(-1), 0}, {-746.5, 0}, {-800, 0}, {-1e300, 0},
	} {
		if got := lossExp(tc.x); got != tc.want {
			t.Errorf("lossExp(%g) = %g, want %g", tc.x, got, tc.want)
		}
	}
	if got := lossExp(math.NaN()); !math.IsNaN(got) {
		t.Errorf("lossExp(NaN) = %g, want NaN", got)
	}
	r := rand.New(rand.NewPCG(11, 12))
	n := 50_000
	if testing.Short() {
		n = 10_000
	}
	worst := int64(0)
	for i := range n {
		x := expTestArg(r, i)
		got, want := lossExp(x), expBig(x)
		if u := ulps(got, want); u > worst {
			worst = u
			if u > 1 {
				t.Fatalf("lossExp(%v) = %v, e^x = %v: %d ulps apart", x, got, want, u)
			}
		}
		if u := ulps(got, math.Exp(x)); u > 2 {
			t.Fatalf("lossExp(%v) = %v, math.Exp = %v: %d ulps apart", x, got, math.Exp(x), u)
		}
	}
	t.Logf("largest difference from e^x: %d ulp", worst)
}

// lossExpSum is lossExpSums for the one row x.
func lossExpSum(x []float64, shift float64, skip int) float64 {
	var sums [4]float64
	lossExpSums(x, len(x), 1, &[4]float64{shift}, &[4]int{skip}, &sums)
	return sums[0]
}

// TestLossExpSum checks lossExpSum (the AVX2 and FMA kernel where the CPU has them, else
// lossExpSumGo itself) against lossExpSumGo, its definition, bit for bit: on every length 0..17 and
// longer runs, at every alignment, with and without a shift, skipping no element, the first,
// the last or any, on arguments in range and on the edge arguments (a NaN or one below -708
// sends the row to lossExpTiny).
func TestLossExpSum(t *testing.T) {
	t.Logf("assembly kernel: %v", haveLossKernel)
	xs := expEdgeArgs()
	buf := make([]float64, 80)
	r := rand.New(rand.NewPCG(13, 14))
	for _, tc := range []struct {
		name  string
		shift float64
		fast  bool // every argument in [-708, 0]: the kernel's own path
	}{
		{"edges", 0, false},
		{"in range", 0, true},
		{"shifted", 12.375, true},
		{"shifted edges", -3.5, false},
	} {
		for n := range 72 {
			if n > 17 && n%8 != 0 && n != 67 {
				continue
			}
			for off := range 4 {
				for trial := range 40 {
					x := buf[off : off+n]
					for i := range x {
						v := xs[r.IntN(len(xs))]
						if tc.fast {
							v = max(-r.Float64()*708, -708)
						}
						x[i] = v + tc.shift
					}
					skip := []int{-1, 0, n - 1, n, r.IntN(n + 1)}[trial%5] // n: none
					got, want := lossExpSum(x, tc.shift, skip), lossExpSumGo(x, tc.shift, skip)
					if !same(got, want) {
						t.Fatalf("%s n=%d off=%d skip=%d: sum %v, lossExpSumGo %v", tc.name, n, off, skip, got, want)
					}
				}
			}
		}
	}
}

// TestLossExpSums checks lossExpSums on groups of 1 to 4 rows (the kernel's row loop, where the
// CPU has it) against lossExpSumGo row by row, bit for bit, on every row length 1..70, each row
// with its own shift and skipped column, in range and with an edge argument in one row (which
// sends the group to Go).
func TestLossExpSums(t *testing.T) {
	xs := expEdgeArgs()
	r := rand.New(rand.NewPCG(27, 28))
	for _, edge := range []bool{false, true} {
		for V := 1; V <= 70; V++ {
			for rows := 1; rows <= 4; rows++ {
				x := make([]float64, rows*V)
				var shift [4]float64
				var skip [4]int
				for j := range rows {
					shift[j] = r.NormFloat64() * 10
					skip[j] = r.IntN(V+2) - 1 // -1 and V: none
					for i := range V {
						x[j*V+i] = shift[j] - r.Float64()*700
					}
				}
				if edge {
					x[r.IntN(len(x))] = xs[r.IntN(len(xs))]
				}
				var sums [4]float64
				lossExpSums(x, V, rows, &shift, &skip, &sums)
				for j := range rows {
					if want := lossExpSumGo(x[j*V:(j+1)*V], shift[j], skip[j]); !same(sums[j], want) {
						t.Fatalf("V=%d rows=%d edge=%v: row %d sum %v, lossExpSumGo %v", V, rows, edge, j, sums[j], want)
					}
				}
				if !haveLossKernel {
					continue
				}
				// the kernel itself: it flags exactly the groups with an argument below -708 or
				// NaN, in any row and column (a skipped one too)
				wantSlow := false
				for j := range rows {
					for _, v := range x[j*V : (j+1)*V] {
						if d := v - shift[j]; !(d >= -708) {
							wantSlow = true
						}
					}
				}
				var ks [4]float64
				if slow := lossExpRowsKernel(&x[0], V, rows, &shift, &skip, &ks); slow != wantSlow {
					t.Fatalf("V=%d rows=%d edge=%v: slow = %v, want %v", V, rows, edge, slow, wantSlow)
				} else if !slow && ks != sums {
					t.Fatalf("V=%d rows=%d edge=%v: kernel sums %v, lossExpSums %v", V, rows, edge, ks, sums)
				}
			}
		}
	}
}

// TestLossExpKernelEdges runs the kernel itself (not its Go fallback) with every edge argument
// at every position of rows of 1 to 12 values (pairs of blocks, a single block and a tail):
// it must flag exactly the arguments below -708 and NaN (in the skipped column too), and
// otherwise give lossExpSumGo's sum bit for bit.
func TestLossExpKernelEdges(t *testing.T) {
	if !haveLossKernel {
		t.Skip("no loss exponential kernel on this CPU or architecture")
	}
	xs := expEdgeArgs()[:40]
	for n := 1; n <= 12; n++ {
		for pos := range n {
			for _, v := range xs {
				x := make([]float64, n)
				for i := range x {
					x[i] = -float64(i%5) - 0.375
				}
				x[pos] = v
				skip := (pos + 1) % (n + 1)
				var sums [4]float64
				slow := lossExpRowsKernel(&x[0], n, 1, &[4]float64{}, &[4]int{skip}, &sums)
				sum := sums[0]
				if wantSlow := v < -708 || v != v; slow != wantSlow { // the skipped column's too
					t.Fatalf("n=%d x[%d] = %v: slow = %v, want %v", n, pos, v, slow, wantSlow)
				}
				if slow {
					continue
				}
				if want := lossExpSumGo(x, 0, skip); !same(sum, want) {
					t.Fatalf("n=%d x[%d] = %v skip=%d: kernel %v, Go %v", n, pos, v, skip, sum, want)
				}
			}
		}
	}
}

// BenchmarkLossExpSum measures 64 exponentials and their sum but one, as the loss without a
// gradient needs per input at the default vocab: the dispatching kernel and the portable loop.
func BenchmarkLossExpSum(b *testing.B) {
	x := make([]float64, 64)
	r := rand.New(rand.NewPCG(7, 8))
	for i := range x {
		x[i] = r.NormFloat64() * 5
	}
	for _, bc := range []struct {
		name string
		f    func(x []float64, shift float64, skip int) float64
	}{{"kernel", lossExpSum}, {"go", lossExpSumGo}} {
		b.Run(bc.name, func(b *testing.B) {
			s := 0.0
			for b.Loop() {
				s += bc.f(x, 20, 37)
			}
			_ = s
		})
	}
}

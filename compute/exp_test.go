package compute

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// expTestArg returns the i-th argument of the exponentials' accuracy tests, drawn from r in
// turn over the whole range [-746, 0], near 0, below -708 (the subnormal results of
// expNonPosTiny and lossExpTiny) and among tiny arguments.
func expTestArg(r *rand.Rand, i int) float64 {
	switch i % 4 {
	case 0:
		return -r.Float64() * 746
	case 1:
		return -r.Float64() * 2
	case 2:
		return -708 - r.Float64()*38
	default:
		return -math.Exp(-r.Float64() * 40)
	}
}

// ulps returns the distance between a and b in units in the last place.
func ulps(a, b float64) int64 {
	d := int64(math.Float64bits(a)) - int64(math.Float64bits(b))
	if d < 0 {
		d = -d
	}
	return d
}

// TestExpNonPos checks the fast exponential against math.Exp and against e^x computed exactly
// (expBig): within 2 ulps of each everywhere on (-inf, 0], expNonPosTiny's subnormal results
// below -708 included, and exact at the special points.
func TestExpNonPos(t *testing.T) {
	for _, tc := range []struct{ x, want float64 }{
		{0, 1}, {math.Inf(-1), 0}, {-800, 0}, {-1e-300, 1},
	} {
		if got := expNonPos(tc.x); got != tc.want {
			t.Errorf("expNonPos(%g) = %g, want %g", tc.x, got, tc.want)
		}
	}
	if got := expNonPos(math.NaN()); !math.IsNaN(got) {
		t.Errorf("expNonPos(NaN) = %g, want NaN", got)
	}
	r := rand.New(rand.NewPCG(1, 2))
	worst, worstExact := int64(0), int64(0)
	for i := range 2_000_000 {
		x := expTestArg(r, i)
		got, want := expNonPos(x), math.Exp(x)
		if u := ulps(got, want); u > worst {
			worst = u
			if u > 2 {
				t.Fatalf("expNonPos(%v) = %v, math.Exp = %v: %d ulps apart", x, got, want, u)
			}
		}
		if i%100 == 0 { // the exact reference is slow
			if exact := expBig(x); ulps(got, exact) > worstExact {
				worstExact = ulps(got, exact)
				if worstExact > 2 {
					t.Fatalf("expNonPos(%v) = %v, e^x = %v: %d ulps apart", x, got, exact, worstExact)
				}
			}
		}
	}
	t.Logf("largest difference from math.Exp: %d ulp, from e^x: %d ulp", worst, worstExact)
}

func BenchmarkExpNonPos(b *testing.B) {
	s, x := 0.0, -3.0
	for b.Loop() {
		s += expNonPos(x)
		x -= 1e-9
	}
	_ = s
}

// expEdgeArgs are arguments x for the exponential kernels: the edges of expNonPos's range and of
// its slow path, then random values over [-750, 0] and a few outside its domain (x > 0), where
// the kernels must still agree.
func expEdgeArgs() []float64 {
	xs := []float64{
		0, math.Copysign(0, -1), -5e-324, -1e-300, -1e-17, -1e-9, -0.5, -1, -math.Ln2 / 256,
		-math.Ln2 / 256 * 3, -700, -707.9999999, -708, math.Nextafter(-708, 0), math.Nextafter(-708, -1000),
		-708.5, -709, -709.78, -730, -744.44, -745, -745.13, -745.14, -746, -1000, -1e300,
		-math.MaxFloat64, math.Inf(-1), math.NaN(), 1e-300, 0.5, 3, 700, 710, math.Inf(1),
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 4000 {
		xs = append(xs, -r.Float64()*750, -r.Float64()*2, -math.Exp(-r.Float64()*40))
	}
	return xs
}

// same reports whether a and b have the same bits.
func same(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }

// TestExpShiftedSum checks expShiftedSum (the AVX2 kernel where the CPU has it) against
// expShiftedSumGo and against the scalar expNonPos bit for bit: on every length 0..17 and
// longer runs, at every alignment of both slices, with and without a shift, on the edge
// arguments (a NaN or one below -708 in a batch sends it to the slow path).
func TestExpShiftedSum(t *testing.T) {
	t.Logf("assembly kernel: %v", haveExpKernel)
	xs := expEdgeArgs()
	buf := make([]float64, 80)
	want, got := make([]float64, 80), make([]float64, 80)
	r := rand.New(rand.NewPCG(5, 6))
	for _, tc := range []struct {
		name  string
		shift float64
		fast  bool // the arguments are all in [-708, 0]: the kernel's own path
	}{
		{"edges", 0, false},
		{"in range", 0, true},
		{"shifted", 12.375, true},
		{"shifted edges", -3.5, false},
	} {
		for n := range 64 {
			if n > 17 && n%7 != 0 {
				continue
			}
			for off := range 4 {
				for range 40 {
					src := buf[off : off+n]
					for i := range src {
						x := xs[r.IntN(len(xs))]
						if tc.fast {
							x = max(-r.Float64()*708, -708)
						}
						src[i] = x + tc.shift
					}
					dst, ref := got[3-off:3-off+n+1], want[:n+1]
					dst[n], ref[n] = 42, 42 // the element after the slice must stay untouched
					sum := expShiftedSum(dst, src, tc.shift)
					sumGo := expShiftedSumGo(ref, src, tc.shift)
					sumScalar := 0.0
					for i, v := range src {
						e := expNonPos(v - tc.shift)
						sumScalar += e
						if !same(dst[i], e) || !same(ref[i], e) {
							t.Fatalf("%s n=%d off=%d: exp(%v - %v) = %v (kernel), %v (Go), expNonPos %v",
								tc.name, n, off, v, tc.shift, dst[i], ref[i], e)
						}
					}
					if !same(sum, sumGo) || !same(sum, sumScalar) || dst[n] != 42 {
						t.Fatalf("%s n=%d off=%d: sum %v (kernel), %v (Go), %v (scalar), dst[n] = %v",
							tc.name, n, off, sum, sumGo, sumScalar, dst[n])
					}
				}
			}
		}
	}
}

// TestExpKernelEdges runs the assembly kernel itself (not its Go fallback) on every edge
// argument in every lane: where it does not flag the slow path, its results must be
// expNonPos's bit for bit; it must flag exactly the arguments below -708 and NaN.
func TestExpKernelEdges(t *testing.T) {
	if !haveExpKernel {
		t.Skip("no assembly kernel on this CPU or architecture")
	}
	xs := expEdgeArgs()
	for lane := range 5 {
		for _, x := range xs {
			src := []float64{-1, -2, -3, -4, -5}[:lane+1]
			src[lane] = x
			dst := make([]float64, len(src))
			sum, slow := expShiftedSumKernel(dst, src, 0)
			wantSlow := x < -708 || x != x
			if slow != wantSlow {
				t.Fatalf("x = %v in lane %d: slow = %v, want %v", x, lane, slow, wantSlow)
			}
			if slow {
				continue
			}
			s := 0.0
			for i, v := range src {
				e := expNonPos(v)
				s += e
				if !same(dst[i], e) {
					t.Fatalf("x = %v in lane %d: kernel %v, expNonPos %v", v, lane, dst[i], e)
				}
			}
			if !same(sum, s) {
				t.Fatalf("x = %v in lane %d: sum %v, want %v", x, lane, sum, s)
			}
		}
	}
}

// BenchmarkExpShiftedSum measures 64 exponentials and their sum, as the gradient needs per input
// at the default vocab: the dispatching kernel and the portable loop.
func BenchmarkExpShiftedSum(b *testing.B) {
	src, dst := make([]float64, 64), make([]float64, 64)
	r := rand.New(rand.NewPCG(7, 8))
	for i := range src {
		src[i] = r.NormFloat64() * 5
	}
	for _, bc := range []struct {
		name string
		f    func(dst, src []float64, shift float64) float64
	}{{"kernel", expShiftedSum}, {"go", expShiftedSumGo}} {
		b.Run(bc.name, func(b *testing.B) {
			s := 0.0
			for b.Loop() {
				s += bc.f(dst, src, 20)
			}
			_ = s
		})
	}
}

// TestExpShiftedSums checks expShiftedSums (four rows at once in the AVX2 kernel where the CPU
// has it) against expShiftedSumGo row by row and against the scalar expNonPos, bit for bit: for
// every row count r <= 4 (r < 4: a group's tail), widths 0..17 and longer, on arguments in range
// and on edge arguments in one row (a NaN or one below -708 sends the group to the slow path). The values
// after the r rows must stay untouched.
func TestExpShiftedSums(t *testing.T) {
	xs := expEdgeArgs()
	r := rand.New(rand.NewPCG(9, 10))
	for _, tc := range []struct {
		name  string
		edges int // the row holding edge arguments (-1: none, every argument in [-708, 0])
	}{{"in range", -1}, {"edges in row 0", 0}, {"edges in row 3", 3}, {"edges in row 1", 1}} {
		for V := range 70 {
			if V > 17 && V%4 != 0 && V != 67 {
				continue
			}
			for rows := 1; rows <= 4; rows++ {
				for trial := range 12 {
					x := make([]float64, rows*V+1)
					var shift [4]float64
					for j := range rows {
						shift[j] = []float64{0, 12.375, -3.5, 1e3}[(j+trial)%4]
						for i := range V {
							v := max(-r.Float64()*708, -708)
							if j == tc.edges {
								v = xs[r.IntN(len(xs))]
							}
							x[j*V+i] = v + shift[j]
						}
					}
					dst := make([]float64, rows*V+1)
					for i := range dst {
						dst[i] = 42
					}
					var sums [4]float64
					expShiftedSums(dst, x, V, rows, &shift, &sums)
					if dst[rows*V] != 42 {
						t.Fatalf("%s V=%d r=%d: wrote past the rows", tc.name, V, rows)
					}
					for j := range rows {
						row := x[j*V : (j+1)*V]
						ref := make([]float64, V)
						sumGo := expShiftedSumGo(ref, row, shift[j])
						sumScalar := 0.0
						for i, v := range row {
							e := expNonPos(v - shift[j])
							sumScalar += e
							if !same(ref[i], e) || !same(dst[j*V+i], e) {
								t.Fatalf("%s V=%d r=%d row %d: exp(%v - %v) = %v (rows), %v (Go), expNonPos %v",
									tc.name, V, rows, j, v, shift[j], dst[j*V+i], ref[i], e)
							}
						}
						if !same(sums[j], sumGo) || !same(sums[j], sumScalar) {
							t.Fatalf("%s V=%d r=%d row %d: sum %v (rows), %v (Go), %v (scalar)",
								tc.name, V, rows, j, sums[j], sumGo, sumScalar)
						}
					}
				}
			}
		}
	}
}

// TestExpSums4KernelEdges runs the four-row assembly kernel itself (not its fallback) with
// every edge argument in every row and column of a 4×5 block (a whole group of columns and a
// tail column): where it does not flag the slow path, its exponentials and sums must be
// expNonPos's bit for bit; it must flag exactly the arguments below -708 and NaN.
func TestExpSums4KernelEdges(t *testing.T) {
	if !haveExpKernel {
		t.Skip("no assembly kernel on this CPU or architecture")
	}
	const V = 5
	xs := expEdgeArgs()[:40]
	for pos := range 4 * V {
		for _, v := range xs {
			x := make([]float64, 4*V)
			for i := range x {
				x[i] = -float64(i%7) - 0.25
			}
			x[pos] = v
			shift := [4]float64{}
			var sums [4]float64
			dst := make([]float64, 4*V)
			slow := expShiftedSums4Kernel(&dst[0], &x[0], V, &shift, &sums)
			if wantSlow := v < -708 || v != v; slow != wantSlow {
				t.Fatalf("x = %v at %d: slow = %v, want %v", v, pos, slow, wantSlow)
			}
			if slow {
				continue
			}
			for j := range 4 {
				s := 0.0
				for i := range V {
					e := expNonPos(x[j*V+i])
					s += e
					if !same(dst[j*V+i], e) {
						t.Fatalf("x = %v at %d: [%d, %d] = %v, expNonPos %v", v, pos, j, i, dst[j*V+i], e)
					}
				}
				if !same(sums[j], s) {
					t.Fatalf("x = %v at %d: row %d sum %v, want %v", v, pos, j, sums[j], s)
				}
			}
		}
	}
}

// BenchmarkExpShiftedSums measures the exponentials and sums of 4 inputs at the default vocab
// (V = 64), as four calls of expShiftedSum and as one of expShiftedSums.
func BenchmarkExpShiftedSums(b *testing.B) {
	const V = 64
	x, dst := make([]float64, 4*V), make([]float64, 4*V)
	r := rand.New(rand.NewPCG(7, 8))
	for i := range x {
		x[i] = r.NormFloat64() * 5
	}
	shift := [4]float64{20, 20, 20, 20}
	b.Run("rows", func(b *testing.B) {
		var sums [4]float64
		for b.Loop() {
			for j := range 4 {
				sums[j] = expShiftedSum(dst[j*V:(j+1)*V], x[j*V:(j+1)*V], shift[j])
			}
		}
	})
	b.Run("group", func(b *testing.B) {
		var sums [4]float64
		for b.Loop() {
			expShiftedSums(dst, x, V, 4, &shift, &sums)
		}
	})
}

// TestExp2Table checks the table of the exponentials against 2^(j/128) computed in 256-bit
// arithmetic (pow2Big): every entry within 1 ulp. (The entries are math.Exp2's values on amd64,
// which are not all correctly rounded; training's trajectory depends on them bit for bit.)
func TestExp2Table(t *testing.T) {
	off := 0
	for j, v := range exp2Table {
		x := new(big.Float).SetPrec(bigPrec).Quo(big.NewFloat(float64(j)), big.NewFloat(expN))
		want := pow2Big(x)
		if u := ulps(v, want); u > 1 {
			t.Errorf("exp2Table[%d] = %v, 2^(%d/128) rounds to %v: %d ulps apart", j, v, j, want, u)
		} else if u == 1 {
			off++
		}
	}
	t.Logf("%d of %d entries 1 ulp from 2^(j/128) rounded, the others equal to it", off, expN)
}

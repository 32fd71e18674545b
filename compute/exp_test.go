package compute

import (
	"math"
	"math/rand/v2"
	"testing"
)

// ulps returns the distance between a and b in units in the last place.
func ulps(a, b float64) int64 {
	d := int64(math.Float64bits(a)) - int64(math.Float64bits(b))
	if d < 0 {
		d = -d
	}
	return d
}

// TestExpNonPos checks the fast exponential against math.Exp: within 2 ulps (each is within 1 ulp of e^x) everywhere on
// (-inf, 0], and exact at the special points.
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
	worst := int64(0)
	for i := range 2_000_000 {
		var x float64
		switch i % 3 {
		case 0:
			x = -r.Float64() * 720
		case 1:
			x = -r.Float64() * 2
		default:
			x = -math.Exp(-r.Float64() * 40) // tiny arguments
		}
		got, want := expNonPos(x), math.Exp(x)
		if u := ulps(got, want); u > worst {
			worst = u
			if u > 2 {
				t.Fatalf("expNonPos(%v) = %v, math.Exp = %v: %d ulps apart", x, got, want, u)
			}
		}
	}
	t.Logf("largest difference from math.Exp: %d ulp", worst)
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
// longer runs, at every alignment of both slices, with and without a shift, skipping no element,
// the first, the last or any, on the edge arguments (a NaN or one below -708 in a batch sends it
// to the slow path).
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
				for trial := range 40 {
					src := buf[off : off+n]
					for i := range src {
						x := xs[r.IntN(len(xs))]
						if tc.fast {
							x = max(-r.Float64()*708, -708)
						}
						src[i] = x + tc.shift
					}
					skip := []int{-1, 0, n - 1, n, r.IntN(n + 1)}[trial%5] // n: none
					dst, ref := got[3-off:3-off+n+1], want[:n+1]
					dst[n], ref[n] = 42, 42 // the element after the slice must stay untouched
					sum := expShiftedSum(dst, src, tc.shift, skip)
					sumGo := expShiftedSumGo(ref, src, tc.shift, skip)
					sumScalar := 0.0
					for i, v := range src {
						e := expNonPos(v - tc.shift)
						if i != skip {
							sumScalar += e
						}
						if !same(dst[i], e) || !same(ref[i], e) {
							t.Fatalf("%s n=%d off=%d: exp(%v - %v) = %v (kernel), %v (Go), expNonPos %v",
								tc.name, n, off, v, tc.shift, dst[i], ref[i], e)
						}
					}
					if !same(sum, sumGo) || !same(sum, sumScalar) || dst[n] != 42 {
						t.Fatalf("%s n=%d off=%d skip=%d: sum %v (kernel), %v (Go), %v (scalar), dst[n] = %v",
							tc.name, n, off, skip, sum, sumGo, sumScalar, dst[n])
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
			sum, slow := expShiftedSumKernel(dst, src, 0, -1)
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

// BenchmarkExpShiftedSum measures 64 exponentials and their sum but one, as logSoftmaxAt needs
// per input at the default vocab: the dispatching kernel and the portable loop.
func BenchmarkExpShiftedSum(b *testing.B) {
	src, dst := make([]float64, 64), make([]float64, 64)
	r := rand.New(rand.NewPCG(7, 8))
	for i := range src {
		src[i] = r.NormFloat64() * 5
	}
	for _, bc := range []struct {
		name string
		f    func(dst, src []float64, shift float64, skip int) float64
	}{{"kernel", expShiftedSum}, {"go", expShiftedSumGo}} {
		b.Run(bc.name, func(b *testing.B) {
			s := 0.0
			for b.Loop() {
				s += bc.f(dst, src, 20, 37)
			}
			_ = s
		})
	}
}

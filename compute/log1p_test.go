package compute

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestLog1p4 compares log1p4 (the AVX2 kernel where the CPU has it) with log1pGo bit for bit,
// and log1pGo with math.Log1p where the standard library is not compiled with fused
// multiply-adds: on every branch of math.Log1p (below 2^-54, below 2^-29, below Sqrt(2)-1,
// around the normalisation at Sqrt(2)'s mantissa, 1+x a power of two or a few ulps below one),
// on the values the loss sees (sums of exponentials, 0 to 64 and tiny ones), and on those the
// kernel hands back (negative, NaN, infinite, from 2^53 on), in every lane.
func TestLog1p4(t *testing.T) {
	edges := []float64{
		0, math.Copysign(0, -1), 5e-324, 1e-300, 0x1p-60, 0x1p-54, math.Nextafter(0x1p-54, 0), 0x1p-40,
		0x1p-29, math.Nextafter(0x1p-29, 0), 1e-9, 0.1, log1pSqrt2M1, math.Nextafter(log1pSqrt2M1, 0),
		math.Nextafter(log1pSqrt2M1, 1), 0.5, 1, 3, 7, 63, 64, math.Nextafter(1, 0), math.Nextafter(1, 2),
		math.Sqrt2 - 1 + 1e-16, 2*math.Sqrt2 - 1, math.Nextafter(2*math.Sqrt2-1, 0), 1e10, 0x1p52,
		math.Nextafter(0x1p53, 0), 0x1p53, 1e300, math.Inf(1), math.NaN(), -0.5, -1, -2, math.Inf(-1),
		math.MaxFloat64, math.SmallestNonzeroFloat64, 1 - 0x1p-52, 3 - 0x1p-51, 3 - 0x1p-50, 7 - 0x1p-50,
		math.Nextafter(2*math.Sqrt2-1, 3), 0x1p52 - 1,
	}
	r := rand.New(rand.NewPCG(3, 4))
	xs := append([]float64(nil), edges...)
	for range 400_000 {
		var x float64
		switch r.IntN(5) {
		case 0:
			x = r.Float64() * 64
		case 1:
			x = math.Exp(-r.Float64() * 80)
		case 2:
			x = r.Float64() * 0.5
		case 3:
			x = math.Float64frombits(r.Uint64() >> 1) // any non-negative float64 or NaN
		default:
			x = math.Ldexp(r.Float64()+0.5, r.IntN(120)-60)
		}
		xs = append(xs, x)
	}
	if haveExpKernel { // the kernel itself takes the loss's values (log1p4 would hide a fallback)
		var got [4]float64
		for _, x := range [][4]float64{{0, 1e-20, 1e-9, 0.3}, {0.5, 2, 40, 63.5}, {1e-5, 0x1p-29, log1pSqrt2M1, 1e10}} {
			if log1p4Kernel(&got, &x) {
				t.Errorf("log1p4Kernel(%v) hands them back to math.Log1p", x)
			}
		}
	}
	same := func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) || (a != a && b != b) }
	for i := 0; i+4 <= len(xs); i++ { // every value in every lane
		var x, got [4]float64
		copy(x[:], xs[i:i+4])
		log1p4(&got, &x)
		for j := range 4 {
			if want := log1pGo(x[j]); !same(got[j], want) {
				t.Fatalf("log1p4 lane %d: Log1p(%v) = %v, log1pGo %v", j, x[j], got[j], want)
			}
		}
		if want := math.Log1p(x[0]); stdUnfused && !same(log1pGo(x[0]), want) {
			t.Fatalf("log1pGo(%v) = %v, math.Log1p %v", x[0], log1pGo(x[0]), want)
		}
	}
}

func BenchmarkLog1p(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	xs := make([]float64, 4096)
	for i := range xs {
		xs[i] = math.Exp(r.Float64()*12 - 8) // the loss's sums, 3e-4 to 55
	}
	b.Run("math.Log1p", func(b *testing.B) {
		var s float64
		for b.Loop() {
			for _, x := range xs {
				s += math.Log1p(x)
			}
		}
	})
	b.Run("log1pGo", func(b *testing.B) {
		var s float64
		for b.Loop() {
			for _, x := range xs {
				s += log1pGo(x)
			}
		}
	})
	b.Run("log1p4", func(b *testing.B) {
		var out [4]float64
		for b.Loop() {
			for i := 0; i < len(xs); i += 4 {
				log1p4(&out, (*[4]float64)(xs[i:i+4]))
			}
		}
	})
}

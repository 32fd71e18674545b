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

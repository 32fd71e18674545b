package torchrng

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// exactFMA32 is a*b+c computed exactly with big.Float and rounded once to
// float32, ties to even (big.Float.Float32 handles the subnormal range).
func exactFMA32(a, b, c float32) float32 {
	const prec = 1024 // exact for any finite float32 a*b+c (spans < 600 bits)
	x := new(big.Float).SetPrec(prec).SetFloat64(float64(a))
	y := new(big.Float).SetPrec(prec).SetFloat64(float64(b))
	z := new(big.Float).SetPrec(prec).SetFloat64(float64(c))
	x.Mul(x, y)
	x.Add(x, z)
	if x.Sign() == 0 {
		// big.Float has no signed zero sums. IEEE 754 (round to nearest):
		// an exact zero sum is +0 unless a*b and c are both -0.
		prodNeg := math.Signbit(float64(a)) != math.Signbit(float64(b))
		if (a == 0 || b == 0) && prodNeg && c == 0 && math.Signbit(float64(c)) {
			return float32(math.Copysign(0, -1))
		}
		return 0
	}
	f, _ := x.Float32() // keeps the sign when a nonzero sum underflows to 0
	return f
}

// naiveFMA32 is the double-rounding shortcut that fma32 must not be.
func naiveFMA32(a, b, c float32) float32 {
	return float32(math.FMA(float64(a), float64(b), float64(c)))
}

func randFinite32(r *rand.Rand) float32 {
	for {
		f := math.Float32frombits(r.Uint32())
		if !math.IsInf(float64(f), 0) && !math.IsNaN(float64(f)) {
			return f
		}
	}
}

// randNear returns a float32 with a random sign and 24-bit significand, and
// an exponent within span binades around 2^e.
func randNear(r *rand.Rand, e, span int) float32 {
	m := float64(1<<23 | r.IntN(1<<23))
	f := math.Ldexp(m, e-23+r.IntN(2*span+1)-span)
	if r.IntN(2) == 0 {
		f = -f
	}
	return float32(f)
}

// adversarial returns (a, b, c) where a*b is exactly halfway between two
// float32 values (a 25-bit odd product) and c is a float32 far below half a
// float64 ulp of it, or just around that size, so that rounding to float64
// first lands on the float32 tie.
func adversarial(r *rand.Rand) (a, b, c float32) {
	// A odd in [2^24/3, 2^25/3) and B = 3: A*3 is an odd 25-bit integer.
	A := (1<<24)/3 + 1 + 2*r.IntN((1<<24)/3-1)
	if A%2 == 0 {
		A++
	}
	ea := r.IntN(60) - 30
	a = float32(math.Ldexp(float64(A), ea))
	b = float32(math.Ldexp(3, r.IntN(20)-10))
	if r.IntN(2) == 0 {
		b = -b
	}
	p := float64(a) * float64(b)
	_, ep := math.Frexp(p)
	// c is 2^-(50..60) relative to p: around and below the float64 rounding
	// point of p (53 bits), with either sign.
	c = randNear(r, ep-50-r.IntN(11), 0)
	return a, b, c
}

func TestFMA32(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	type gen struct {
		name string
		n    int
		f    func() (a, b, c float32)
	}
	gens := []gen{
		{"random bits", 100000, func() (float32, float32, float32) {
			return randFinite32(r), randFinite32(r), randFinite32(r)
		}},
		{"same scale (cancellation)", 100000, func() (float32, float32, float32) {
			a, b := randNear(r, 0, 4), randNear(r, 0, 4)
			c := randNear(r, 0, 8)
			return a, b, c
		}},
		{"small addend", 100000, func() (float32, float32, float32) {
			a, b := randNear(r, 0, 10), randNear(r, 0, 10)
			return a, b, randNear(r, -30, 30)
		}},
		{"near ties", 100000, func() (float32, float32, float32) { return adversarial(r) }},
		{"subnormal results", 20000, func() (float32, float32, float32) {
			return randNear(r, -70, 6), randNear(r, -70, 6), randNear(r, -135, 15)
		}},
	}
	naiveWrong := 0
	for _, g := range gens {
		bad, checked := 0, 0
		for i := 0; i < g.n; i++ {
			a, b, c := g.f()
			got, want := fma32(a, b, c), exactFMA32(a, b, c)
			if math.IsInf(float64(want), 0) {
				continue // overflow: not exercised by the kernels
			}
			checked++
			if math.Float32bits(got) != math.Float32bits(want) {
				if bad == 0 {
					t.Errorf("%s: fma32(%#08x, %#08x, %#08x) = %#08x, want %#08x", g.name,
						math.Float32bits(a), math.Float32bits(b), math.Float32bits(c),
						math.Float32bits(got), math.Float32bits(want))
				}
				bad++
			}
			if math.Float32bits(naiveFMA32(a, b, c)) != math.Float32bits(want) {
				naiveWrong++
			}
		}
		if bad > 0 {
			t.Errorf("%s: %d of %d wrong", g.name, bad, checked)
		}
		if checked < g.n/2 {
			t.Errorf("%s: only %d of %d inputs were finite cases", g.name, checked, g.n)
		}
		t.Logf("%s: %d inputs checked", g.name, checked)
	}
	// The adversarial inputs must really hit the double-rounding trap.
	if naiveWrong == 0 {
		t.Errorf("no input made float32(math.FMA(...)) round twice: the near-tie generator is broken")
	}
	t.Logf("float32(math.FMA) rounded twice on %d inputs", naiveWrong)
}

func TestFMA32Special(t *testing.T) {
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	negZero := float32(math.Copysign(0, -1))
	tests := []struct {
		a, b, c, want float32
	}{
		{2, 3, 1, 7},
		{inf, 1, 1, inf},
		{1, 1, -inf, -inf},
		{negZero, 1, negZero, negZero}, // -0 + -0 = -0
		{negZero, 1, 0, 0},             // -0 + +0 = +0 (the fmadd with mean 0)
		{1, 1, -1, 0},                  // exact cancellation gives +0
		{math.MaxFloat32, 2, -math.MaxFloat32, math.MaxFloat32}, // no intermediate overflow
	}
	for _, tc := range tests {
		if got := fma32(tc.a, tc.b, tc.c); math.Float32bits(got) != math.Float32bits(tc.want) {
			t.Errorf("fma32(%g, %g, %g) = %g (%#08x), want %g (%#08x)", tc.a, tc.b, tc.c,
				got, math.Float32bits(got), tc.want, math.Float32bits(tc.want))
		}
	}
	if got := fma32(inf, 0, 1); !math.IsNaN(float64(got)) {
		t.Errorf("fma32(inf, 0, 1) = %g, want NaN", got)
	}
	if got := fma32(nan, 1, 1); !math.IsNaN(float64(got)) {
		t.Errorf("fma32(NaN, 1, 1) = %g, want NaN", got)
	}
}

package torchrng

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestMathFns checks logGo, sinGo and cosGo against math.Log, math.Sin and math.Cos bit for bit
// on amd64 (where math.Log is assembly and the others unfused Go), on the normal path's
// arguments (1 - u and 2π·u for uniform u, at the generator's 53-bit resolution) and edges.
func TestMathFns(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("math's own bits differ here; these functions carry amd64's")
	}
	r := rand.New(rand.NewPCG(1, 2))
	edges := []float64{0, math.Copysign(0, -1), 1, 0.5, math.Sqrt2 / 2, math.Nextafter(math.Sqrt2/2, 0), 5e-324, 1e-300, 1e300,
		math.MaxFloat64, math.Inf(1), math.Inf(-1), math.NaN(), -1, math.Pi / 4, math.Pi / 2, math.Pi, 2 * math.Pi, 3, 6.28}
	check := func(name string, got, want, x float64) {
		t.Helper()
		if math.Float64bits(got) != math.Float64bits(want) && !(got != got && want != want) {
			t.Fatalf("%s(%v) = %v (%#x), math %v (%#x)", name, x, got, math.Float64bits(got), want, math.Float64bits(want))
		}
	}
	for i := range 2_000_000 {
		u := float64(r.Uint64()>>11) * 0x1p-53
		x := 1 - u
		if i < len(edges) {
			x = edges[i]
		}
		check("logGo", logGo(x), math.Log(x), x)
		theta := 2 * math.Pi * u
		if i < len(edges) {
			theta = edges[i]
		}
		check("sinGo", sinGo(theta), math.Sin(theta), theta)
		check("cosGo", cosGo(theta), math.Cos(theta), theta)
		check("sinGo", sinGo(-theta), math.Sin(-theta), -theta)
		check("cosGo", cosGo(-theta), math.Cos(-theta), -theta)
	}
}

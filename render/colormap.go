package render

import (
	"image/color"
	"math"
)

// divergingStops are the colours of Diverging at t = -1, -0.8, ..., 0.8, 1: ColorBrewer's RdBu
// (red for negative, blue for positive, like plotly's Picnic_r that the notebook uses) with a
// pure white centre.
var divergingStops = [...]color.RGBA{
	{0x67, 0x00, 0x1f, 0xff},
	{0xb2, 0x18, 0x2b, 0xff},
	{0xd6, 0x60, 0x4d, 0xff},
	{0xf4, 0xa5, 0x82, 0xff},
	{0xfd, 0xdb, 0xc7, 0xff},
	{0xff, 0xff, 0xff, 0xff},
	{0xd1, 0xe5, 0xf0, 0xff},
	{0x92, 0xc5, 0xde, 0xff},
	{0x43, 0x93, 0xc3, 0xff},
	{0x21, 0x66, 0xac, 0xff},
	{0x05, 0x30, 0x61, 0xff},
}

// Diverging maps t in [-1, 1] to an opaque colour of a diverging blue–white–red map centred at
// 0: -1 is dark red, 0 white, 1 dark blue, with the lightness of t and -t nearly equal. Values
// outside [-1, 1] are clamped; NaN gives the neutral white. Heatmaps use Diverging(v / ZMax)
// with ZMax = -ZMin, so a value of 0 is always white.
func Diverging(t float64) color.RGBA {
	if math.IsNaN(t) {
		t = 0
	}
	t = math.Max(-1, math.Min(1, t))
	n := len(divergingStops) - 1
	x := (t + 1) / 2 * float64(n)
	i := int(x)
	if i >= n {
		return divergingStops[n]
	}
	f := x - float64(i)
	a, b := divergingStops[i], divergingStops[i+1]
	mix := func(p, q uint8) uint8 { return uint8(math.Round(float64(p) + f*(float64(q)-float64(p)))) }
	return color.RGBA{mix(a.R, b.R), mix(a.G, b.G), mix(a.B, b.B), 0xff}
}

// DivergingTable samples Diverging at n ≥ 2 evenly spaced points from -1 to 1, as a lookup table
// for a script that colours heatmaps the same way (entry i is Diverging(-1 + 2i/(n-1))).
func DivergingTable(n int) []color.RGBA {
	n = max(n, 2)
	out := make([]color.RGBA, n)
	for i := range out {
		out[i] = Diverging(-1 + 2*float64(i)/float64(n-1))
	}
	return out
}

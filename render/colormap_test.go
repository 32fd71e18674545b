package render

import (
	"image/color"
	"math"
	"testing"
)

// figLuminance is the WCAG relative figLuminance of c.
func figLuminance(c color.RGBA) float64 {
	lin := func(v uint8) float64 {
		x := float64(v) / 255
		if x <= 0.03928 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.R) + 0.7152*lin(c.G) + 0.0722*lin(c.B)
}

func TestDiverging(t *testing.T) {
	white := color.RGBA{255, 255, 255, 255}
	if got := Diverging(0); got != white {
		t.Errorf("Diverging(0) = %v, want white", got)
	}
	if got := Diverging(math.NaN()); got != white {
		t.Errorf("Diverging(NaN) = %v, want white", got)
	}
	if lo, hi := Diverging(-1), Diverging(1); !(lo.R > lo.B && hi.B > hi.R) {
		t.Errorf("Diverging(-1) = %v should be red, Diverging(1) = %v blue", lo, hi)
	}
	if Diverging(-5) != Diverging(-1) || Diverging(7) != Diverging(1) || Diverging(math.Inf(1)) != Diverging(1) {
		t.Error("values outside [-1, 1] are not clamped")
	}
	prev := 1.0
	for i := 0; i <= 100; i++ {
		x := float64(i) / 100
		neg, pos := Diverging(-x), Diverging(x)
		if neg.A != 255 || pos.A != 255 {
			t.Fatalf("Diverging(±%g) not opaque", x)
		}
		// symmetric: t and -t are equally light, on opposite hues
		ln, lp := figLuminance(neg), figLuminance(pos)
		if math.Abs(ln-lp) > 0.07 {
			t.Errorf("Diverging(±%g): figLuminance %.3f and %.3f", x, ln, lp)
		}
		if x > 0 && !(neg.R > neg.B && pos.B > pos.R) {
			t.Errorf("Diverging(±%g) = %v, %v: wrong hues", x, neg, pos)
		}
		// lightness falls with |t|
		if l := (ln + lp) / 2; l > prev+1e-9 {
			t.Errorf("luminance rises at |t| = %g", x)
		} else {
			prev = l
		}
	}
	// continuous: neighbouring values give close colours
	for i := -1000; i < 1000; i++ {
		a, b := Diverging(float64(i)/1000), Diverging(float64(i+1)/1000)
		if d := math.Abs(float64(a.R)-float64(b.R)) + math.Abs(float64(a.G)-float64(b.G)) + math.Abs(float64(a.B)-float64(b.B)); d > 6 {
			t.Fatalf("jump of %g between %v and %v at %d", d, a, b, i)
		}
	}
}

func TestDivergingTable(t *testing.T) {
	tab := DivergingTable(257)
	if len(tab) != 257 || tab[0] != Diverging(-1) || tab[128] != Diverging(0) || tab[256] != Diverging(1) {
		t.Errorf("DivergingTable(257): %d entries, ends %v %v %v", len(tab), tab[0], tab[128], tab[256])
	}
	if len(DivergingTable(0)) != 2 {
		t.Error("DivergingTable(0) should have two entries")
	}
}

// TestSeriesColors checks the claim that series colours keep a 3:1 contrast on white and #111.
func TestSeriesColors(t *testing.T) {
	dark := figLuminance(color.RGBA{0x11, 0x11, 0x11, 255})
	for _, c := range seriesColors {
		l := figLuminance(c)
		onWhite, onDark := 1.05/(l+0.05), (l+0.05)/(dark+0.05)
		if onWhite < 3 || onDark < 3 {
			t.Errorf("colour %v: contrast %.2f on white, %.2f on #111", c, onWhite, onDark)
		}
	}
}

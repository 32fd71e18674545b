package svgcanvas

import (
	"image"
	"math"
	"testing"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/font/liberation"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
)

func TestSimplify(t *testing.T) {
	var pts [][2]float64
	for i := range 1000 {
		x := float64(i) / 2
		pts = append(pts, [2]float64{x, 100 + 40*math.Sin(x/30)})
	}
	pts[500][1] += 20 // a spike survives
	got := Simplify(pts, SimplifyTolerance)
	if len(got) > 200 || got[0] != pts[0] || got[len(got)-1] != pts[len(pts)-1] {
		t.Errorf("simplified to %d points", len(got))
	}
	found := false
	for _, p := range got {
		found = found || p == pts[500]
	}
	if !found {
		t.Error("spike dropped")
	}
	// every dropped point is within the tolerance of the kept polyline
	for _, p := range pts {
		best := math.Inf(1)
		for i := 0; i+1 < len(got); i++ {
			best = math.Min(best, segDist(p, got[i], got[i+1]))
		}
		if best > SimplifyTolerance+1e-9 {
			t.Fatalf("point %v is %g from the simplified line", p, best)
		}
	}
}

func segDist(p, a, b [2]float64) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	px, py := p[0]-a[0], p[1]-a[1]
	l2 := dx*dx + dy*dy
	t := 0.0
	if l2 > 0 {
		t = math.Max(0, math.Min(1, (px*dx+py*dy)/l2))
	}
	return math.Hypot(px-t*dx, py-t*dy)
}

// TestImageCache draws images on canvases with and without a shared ImageCache: the SVG must be
// the same byte for byte, an image drawn again must come from the cache, and images differing
// in a pixel, in their kind or in their bounds must not share an entry.
func TestImageCache(t *testing.T) {
	rgba := func(w, h int, seed byte) *image.RGBA {
		m := image.NewRGBA(image.Rect(0, 0, w, h))
		for i := range m.Pix {
			m.Pix[i] = byte(i)*7 + seed
		}
		return m
	}
	a := rgba(5, 4, 0)
	b := rgba(5, 4, 0)
	b.Pix[len(b.Pix)-1]++ // one pixel differs
	sub := a.SubImage(image.Rect(1, 1, 4, 3)).(*image.RGBA)
	n := image.NewNRGBA(a.Rect)
	copy(n.Pix, a.Pix) // the same bytes, another kind
	rect := vg.Rectangle{Max: vg.Point{X: 10, Y: 10}}
	draw := func(ic *ImageCache, imgs ...image.Image) string {
		c := New(20, 20, Options{Images: ic})
		for _, m := range imgs {
			c.DrawImage(rect, m)
		}
		return string(c.Bytes("t"))
	}
	for _, tc := range []struct {
		name    string
		imgs    []image.Image
		entries int
	}{
		{"one image twice", []image.Image{a, a}, 1},
		{"equal pixels, two images", []image.Image{a, rgba(5, 4, 0)}, 1},
		{"a pixel differs", []image.Image{a, b}, 2},
		{"a sub-image", []image.Image{a, sub}, 2},
		{"another kind", []image.Image{a, n}, 2},
		{"a kind not cached", []image.Image{image.NewGray(a.Rect), a}, 1},
	} {
		ic := &ImageCache{}
		if got, want := draw(ic, tc.imgs...), draw(nil, tc.imgs...); got != want {
			t.Errorf("%s: the SVG differs with the cache", tc.name)
		}
		if len(ic.png) != tc.entries {
			t.Errorf("%s: %d cache entries, want %d", tc.name, len(ic.png), tc.entries)
		}
	}
}

// TestTextBoxes checks that a TextHandler with TextBoxes measures as Plain does, for texts in
// several fonts and sizes, measured twice (the second time from the memo).
func TestTextBoxes(t *testing.T) {
	plain := text.Plain{Fonts: font.NewCache(liberation.Collection())}
	memo := TextHandler{Plain: plain, Boxes: &TextBoxes{}}
	regular := font.Font{Typeface: "Liberation", Variant: "Sans"}
	bold := regular
	bold.Weight = xfont.WeightBold
	for round := range 2 {
		for _, f := range []font.Font{regular, bold} {
			for _, size := range []vg.Length{9, 11} {
				f.Size = size
				for _, txt := range []string{"", "0", "3000", "test accuracy", "−0.5", "ÅÉ"} {
					w, h, d := memo.Box(txt, f)
					ww, wh, wd := plain.Box(txt, f)
					if w != ww || h != wh || d != wd {
						t.Fatalf("round %d %v %q: box (%v, %v, %v), Plain (%v, %v, %v)", round, f, txt, w, h, d, ww, wh, wd)
					}
				}
			}
		}
	}
	if n := len(memo.Boxes.m); n != 2*2*6 {
		t.Errorf("%d boxes memoised, want %d", n, 2*2*6)
	}
}

package gifanim

import (
	"image/color"
	"testing"

	_ "gonum.org/v1/plot" // registers the Liberation fonts in font.DefaultCache
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// TestRasterizeKerning: text spans the width gonum measures for it at any size, kerned pairs
// included (x/image's unscaled kerning would pile "1111" up at small sizes).
func TestRasterizeKerning(t *testing.T) {
	tests := []struct {
		text string
		size vg.Length
	}{{"11111111", 6}, {"11111111", 14}, {"epoch 1110", 8}, {"AVAVAV", 10}}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			f := font.DefaultCache.Lookup(font.Font{Typeface: "Liberation", Variant: "Sans", Size: tc.size}, tc.size)
			img, err := Rasterize(200, 40, 72, func(c draw.Canvas) error {
				c.FillString(f, vg.Point{X: 10, Y: 10}, tc.text)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			lo, hi := -1, -1
			for x := range 200 {
				for y := range 40 {
					if img.RGBAAt(x, y) != (color.RGBA{255, 255, 255, 255}) {
						if lo < 0 {
							lo = x
						}
						hi = x
						break
					}
				}
			}
			want := float64(f.Width(tc.text))
			if got := float64(hi - lo + 1); got < 0.85*want || got > want+2 {
				t.Errorf("ink spans %v px, the text is %.1f px wide", got, want)
			}
		})
	}
}

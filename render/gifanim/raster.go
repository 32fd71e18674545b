package gifanim

import (
	"fmt"
	"image"

	"git.sr.ht/~sbinet/gg"
	xdraw "golang.org/x/image/draw"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Rasterize returns the w×h pixel image of what fn draws, with gonum's vgimg backend (text
// rasterized with the faces' own outlines), on a white background. Unlike vgimg's default,
// images (heatmaps) are scaled with nearest-neighbour sampling, so their cells stay crisp and
// add no blended colours. The canvas is w·72/dpi by h·72/dpi points: at dpi 96, one pixel is
// a CSS px, so a 640×400 image matches a 480×300 point PDF of the same drawing. The result
// depends only on the drawing.
func Rasterize(w, h, dpi int, fn func(c draw.Canvas) error) (*image.RGBA, error) {
	if w <= 0 || h <= 0 || dpi <= 0 {
		return nil, fmt.Errorf("gifanim: rasterizing at %d×%d px, %d dpi", w, h, dpi)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	// The context NewWith would make, except for the interpolator.
	ctx := gg.NewContextForRGBA(img)
	ctx.SetLineCapButt()
	ctx.InvertY()
	ctx.SetInterpolator(xdraw.NearestNeighbor)
	c := vgimg.NewWith(vgimg.UseImageWithContext(img, ctx), vgimg.UseDPI(dpi)) // white background
	if err := fn(draw.New(kerned{c})); err != nil {
		return nil, fmt.Errorf("gifanim: rasterizing: %w", err)
	}
	return img, nil
}

// kerned is a vgimg canvas drawing text one character at a time, each where gonum's font.Face
// places it. x/image's opentype.Face.Kern, which vgimg's text drawing applies, returns the kerning
// unscaled (the font's units over 64, in pixels, at any size): Liberation Sans's "11" pair
// moves the second 1 by 2.4 px, onto the first at small sizes. font.Face.Width scales it.
type kerned struct{ *vgimg.Canvas }

func (c kerned) FillString(f font.Face, pt vg.Point, s string) {
	for i, r := range s {
		end := i + len(string(r))
		x := pt.X + f.Width(s[:end]) - f.Width(s[i:end])
		c.Canvas.FillString(f, vg.Point{X: x, Y: pt.Y}, string(r))
	}
}

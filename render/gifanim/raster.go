package gifanim

import (
	"fmt"
	"image"

	"git.sr.ht/~sbinet/gg"
	xdraw "golang.org/x/image/draw"
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
	if err := fn(draw.New(c)); err != nil {
		return nil, fmt.Errorf("gifanim: rasterizing: %w", err)
	}
	return img, nil
}

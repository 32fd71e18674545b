package gifanim

import (
	"fmt"
	"image"
	"image/color"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Rasterize returns the w×h pixel image of what fn draws, with gonum's vgimg backend (text
// rasterized with the faces' own outlines), on a white background. The canvas is w·72/dpi by
// h·72/dpi points: at dpi 96, one pixel is a CSS px, so a 640×400 image matches a 480×300
// point PDF of the same drawing. The result depends only on the drawing.
func Rasterize(w, h, dpi int, fn func(c draw.Canvas) error) (*image.RGBA, error) {
	if w <= 0 || h <= 0 || dpi <= 0 {
		return nil, fmt.Errorf("gifanim: rasterizing at %d×%d px, %d dpi", w, h, dpi)
	}
	c := vgimg.NewWith(
		vgimg.UseWH(vg.Length(w)*vg.Inch/vg.Length(dpi), vg.Length(h)*vg.Inch/vg.Length(dpi)),
		vgimg.UseDPI(dpi),
		vgimg.UseBackgroundColor(color.White),
	)
	if err := fn(draw.New(c)); err != nil {
		return nil, fmt.Errorf("gifanim: rasterizing: %w", err)
	}
	img, ok := c.Image().(*image.RGBA)
	if !ok {
		return nil, fmt.Errorf("gifanim: vgimg drew on a %T, not an *image.RGBA", c.Image())
	}
	if s := img.Bounds().Size(); s != image.Pt(w, h) {
		return nil, fmt.Errorf("gifanim: vgimg made a %v image, want %d×%d", s, w, h)
	}
	return img, nil
}

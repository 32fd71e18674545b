package gifanim_test

import (
	"bytes"
	"fmt"
	"image"
	"log"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg/draw"

	"maxgrok/render/gifanim"
)

// An animation of a growing line, rasterized frame by frame.
func Example() {
	const n = 50
	frame := func(i int) (image.Image, error) {
		return gifanim.Rasterize(320, 200, 96, func(c draw.Canvas) error {
			p := plot.New()
			p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, n, 0, n
			l, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: float64(i), Y: float64(i)}})
			if err != nil {
				return err
			}
			p.Add(l)
			p.Draw(c)
			return nil
		})
	}
	var b bytes.Buffer
	if err := gifanim.Encode(&b, n, frame, gifanim.Options{Delay: 4, LastDelay: 100}); err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(b.Bytes()[:6]))
	// Output: GIF89a
}

package pdfcanvas_test

import (
	"bytes"
	"fmt"
	"log"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg/draw"

	"maxgrok/render/pdfcanvas"
)

// A plot drawn on a Canvas and written as PDF.
func Example() {
	p := plot.New()
	p.X.Label.Text, p.Y.Label.Text = "epoch", "loss − baseline"
	c := pdfcanvas.New(480, 300) // points: a 640×400 px figure
	p.Draw(draw.New(c))
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		log.Fatal(err)
	}
	fmt.Println(bytes.HasPrefix(b.Bytes(), []byte("%PDF-1.4")), b.Len() < 60<<10)
	// Output: true true
}

package render

// Heatmaps: a V×V image of one checkpoint's values, the training-pair marks and a colour bar.

import (
	"image"
	"image/color"
	"math"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// heatFigure is a heatmap of V×V values, row a = V-1 at the top (the y axis goes up, as for
// every figure).
type heatFigure struct {
	V                      int
	values                 []float64 // [V*V] row = y, column = x
	z                      float64   // colour range [-z, z]
	gamma                  float64   // colour position sign(v)·|v/z|^gamma
	xlabel, ylabel, zlabel string
	marks                  []bool // [V*V] cells to mark, or nil
}

// Panel sizes of the small multiples, in SVG user units: a square plot area and its axes.
const heatPanelWidth, heatPanelHeight = 300.0, 292.0

// spec returns the heatmap figure; values names its values in tooltips, rows and columns its
// axes, marks the payload array of the marked cells ("" for none).
func (f *heatFigure) spec(title string, values FigureSeries, rows, columns, marks string) *figSpec {
	r := float64(f.V) - 0.5
	return &figSpec{
		title: title, kind: "heatmap", w: heatWidth, h: heatHeight,
		frame: Frame{XMin: -0.5, XMax: r, YMin: -0.5, YMax: r, ZMin: -f.z, ZMax: f.z, ZGamma: f.gamma},
		draw:  func(c draw.Canvas) (vg.Rectangle, error) { return f.drawPanel(c, true) },
		panel: func(c draw.Canvas) (vg.Rectangle, error) { return f.drawPanel(c, false) },
		pw:    heatPanelWidth, ph: heatPanelHeight,
		key: &figKey{
			width: func() vg.Length { return newColorBar(f.z, f.gamma, f.zlabel).width() - barGap + 4 },
			draw: func(c draw.Canvas, span vg.Rectangle) {
				// the bar starts barGap right of the rectangle it is given
				x := c.Min.X - barGap
				newColorBar(f.z, f.gamma, f.zlabel).draw(c, vg.Rectangle{Min: vg.Point{X: x, Y: span.Min.Y}, Max: vg.Point{X: x, Y: span.Max.Y}})
			},
		},
		series: []FigureSeries{values}, axisLabels: []string{rows, columns}, marks: marks,
	}
}

// heatImage returns the V×V image of the values: pixel (x, V-1-y) is cell (row y, column x).
func heatImage(values []float64, V int, z, gamma float64) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, V, V))
	for y := range V {
		for x := range V {
			img.SetRGBA(x, V-1-y, Diverging(colorPosition(values[y*V+x], z, gamma)))
		}
	}
	return img
}

// colorPosition is where value v falls on a colour scale of range [-z, z] and exponent gamma:
// sign(v)·|v/z|^gamma, in [-1, 1] for |v| <= z (templates/app.js computes the same).
func colorPosition(v, z, gamma float64) float64 {
	t := v / z
	if gamma == 0 || gamma == 1 {
		return t
	}
	return math.Copysign(math.Pow(math.Abs(t), gamma), t)
}

// marksImage returns a transparent image with a dark dot at the centre of each marked cell
// (marksScale pixels per cell), or, for a large vocabulary, a V×V image tinting marked cells.
func marksImage(marks []bool, V int) *image.NRGBA {
	k := marksScale
	dot := color.NRGBA{0x10, 0x10, 0x10, 0xc0}
	if V > maxMarkedVocab {
		k, dot = 1, color.NRGBA{0, 0, 0, 0x50}
	}
	img := image.NewNRGBA(image.Rect(0, 0, V*k, V*k))
	for y := range V {
		for x := range V {
			if marks[y*V+x] {
				img.SetNRGBA(x*k+k/2, (V-1-y)*k+k/2, dot)
			}
		}
	}
	return img
}

// drawPanel draws the heatmap in c, with its colour bar right of the plot area if bar is set.
func (f *heatFigure) drawPanel(c draw.Canvas, withBar bool) (vg.Rectangle, error) {
	V := f.V
	p := newPlot(f.xlabel, f.ylabel)
	p.X.Tick.Marker, p.Y.Tick.Marker = intTicks{}, intTicks{}
	r := float64(V) - 0.5
	p.Add(tagged{classData, plotter.NewImage(heatImage(f.values, V, f.z, f.gamma), -0.5, -0.5, r, r)})
	if f.marks != nil {
		p.Add(tagged{classMarks, plotter.NewImage(marksImage(f.marks, V), -0.5, -0.5, r, r)})
	}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = -0.5, r, -0.5, r

	bar := newColorBar(f.z, f.gamma, f.zlabel)
	area := draw.Crop(c, 4, -4, 4, -12)
	if withBar {
		area = draw.Crop(area, 0, -bar.width(), 0, 0)
	}
	// make the plot area square
	dc := p.DataCanvas(area).Rectangle.Size()
	if dc.X > dc.Y {
		area.Max.X -= dc.X - dc.Y
	} else {
		area.Max.Y -= dc.Y - dc.X
	}
	p.Draw(area)
	rect := p.DataCanvas(area).Rectangle
	if withBar {
		bar.draw(c, rect)
	}
	return rect, nil
}

// colorBar is the scale of a heatmap: a vertical gradient from -z to z right of the plot area,

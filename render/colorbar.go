package render

// The colour bar of the heatmaps.

import (
	"cmp"
	"image"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"maxgrok/render/svgcanvas"
)

// colorBar is the scale of a heatmap: a vertical gradient from -z to z right of the plot area,
// with tick values and a label. In SVG, the gradient image has the class classColorBar and its
// tick labels classColorBarTick: the page relabels them for the scale of one epoch.
type colorBar struct {
	z      float64
	gamma  float64
	label  string
	ticks  []plot.Tick
	tick   text.Style
	lstyle text.Style
}

const (
	barGap, barWidth, barTick = 14.0, 13.0, 4.0
)

func newColorBar(z, gamma float64, label string) *colorBar {
	b := &colorBar{z: z, gamma: gamma, label: label}
	ticks := (niceTicks{}).Ticks(-z, z)
	if gamma != 0 && gamma != 1 {
		// A compressed scale has room for the ticks of a tenth of the range too.
		ticks = append(ticks, (niceTicks{}).Ticks(-z/10, z/10)...)
		slices.SortFunc(ticks, func(a, b plot.Tick) int { return cmp.Compare(a.Value, b.Value) })
	}
	// Keep labelled ticks at least 0.12 of the half-bar apart, choosing from 0 outwards on the
	// positive side and mirroring them, so that the scale reads the same both ways.
	last := -1.0
	var pos []plot.Tick
	for _, t := range ticks {
		if p := colorPosition(t.Value, z, gamma); t.Label != "" && t.Value >= 0 && p <= 1 && (last < 0 || p-last > 0.12) {
			pos = append(pos, t)
			last = p
		}
	}
	for i := len(pos) - 1; i >= 0; i-- {
		if pos[i].Value > 0 {
			b.ticks = append(b.ticks, plot.Tick{Value: -pos[i].Value, Label: "-" + pos[i].Label})
		}
	}
	b.ticks = append(b.ticks, pos...)
	b.tick = text.Style{Color: svgcanvas.Foreground, Font: font.From(sansFont, tickFontSize), XAlign: draw.XLeft, YAlign: draw.YCenter, Handler: classedText(classColorBarTick)}
	b.lstyle = text.Style{Color: svgcanvas.Foreground, Font: font.From(sansFont, labelFontSize), XAlign: draw.XCenter, YAlign: draw.YTop, Rotation: math.Pi / 2, Handler: textHandler}
	return b
}

func (b *colorBar) labelsWidth() vg.Length {
	var w vg.Length
	for _, t := range b.ticks {
		w = max(w, b.tick.Width(t.Label))
	}
	return w
}

// width is the horizontal space the colour bar takes right of the plot area.
func (b *colorBar) width() vg.Length {
	return vg.Length(barGap+barWidth+barTick+2) + b.labelsWidth() + 8 + b.lstyle.Height(b.label)
}

// draw draws the bar right of the plot area rect: a gradient image (in SVG, of the class
// classColorBar), a frame, ticks and the label.
func (b *colorBar) draw(c draw.Canvas, rect vg.Rectangle) {
	x0 := rect.Max.X + barGap
	x1 := x0 + barWidth
	h := rect.Max.Y - rect.Min.Y
	const steps = 256
	grad := image.NewRGBA(image.Rect(0, 0, 1, steps))
	for i := range steps {
		grad.SetRGBA(0, steps-1-i, Diverging(-1+2*(float64(i)+0.5)/steps))
	}
	sc := svgcanvas.Of(c.Canvas)
	if sc != nil {
		sc.SetClass(classColorBar)
	}
	c.DrawImage(vg.Rectangle{Min: vg.Point{X: x0, Y: rect.Min.Y}, Max: vg.Point{X: x1, Y: rect.Max.Y}}, grad)
	if sc != nil {
		sc.SetClass("")
	}
	line := draw.LineStyle{Color: svgcanvas.Foreground, Width: 0.8}
	c.StrokeLines(line, []vg.Point{{X: x0, Y: rect.Min.Y}, {X: x1, Y: rect.Min.Y}, {X: x1, Y: rect.Max.Y}, {X: x0, Y: rect.Max.Y}, {X: x0, Y: rect.Min.Y}})
	for _, t := range b.ticks {
		y := rect.Min.Y + vg.Length((colorPosition(t.Value, b.z, b.gamma)+1)/2)*h
		c.StrokeLine2(line, x1, y, x1+barTick, y)
		c.FillText(b.tick, vg.Point{X: x1 + barTick + 2, Y: y}, t.Label)
	}
	lx := x1 + barTick + 2 + b.labelsWidth() + 8
	c.FillText(b.lstyle, vg.Point{X: lx, Y: (rect.Min.Y + rect.Max.Y) / 2}, b.label)
}

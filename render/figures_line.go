package render

// Line, scatter and series figures: the drawing, shared by the builders of figures.go.

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"maxgrok/render/svgcanvas"
)

// indexed returns the points (i, v[i]), dropping non-finite values.
func indexed(v []float64) plotter.XYs {
	xy := make(plotter.XYs, 0, len(v))
	for i, y := range v {
		if !math.IsNaN(y) && !math.IsInf(y, 0) {
			xy = append(xy, plotter.XY{X: float64(i), Y: y})
		}
	}
	return xy
}

// reduce drops non-finite points and, beyond maxSeriesPoints, keeps the first, smallest,
// largest and last point of each of maxSeriesPoints/4 buckets (in x order), which keeps every
// spike of a long series.
func reduce(xy plotter.XYs) plotter.XYs {
	out := make(plotter.XYs, 0, min(len(xy), maxSeriesPoints))
	finite := func(p plotter.XY) bool {
		return !math.IsNaN(p.X) && !math.IsInf(p.X, 0) && !math.IsNaN(p.Y) && !math.IsInf(p.Y, 0)
	}
	if len(xy) <= maxSeriesPoints {
		for _, p := range xy {
			if finite(p) {
				out = append(out, p)
			}
		}
		return out
	}
	buckets := maxSeriesPoints / 4
	for b := range buckets {
		lo, hi := b*len(xy)/buckets, (b+1)*len(xy)/buckets
		idx := []int{-1, -1, -1, -1} // first, min, max, last
		for i := lo; i < hi; i++ {
			if !finite(xy[i]) {
				continue
			}
			if idx[0] < 0 {
				idx[0] = i
			}
			if idx[1] < 0 || xy[i].Y < xy[idx[1]].Y {
				idx[1] = i
			}
			if idx[2] < 0 || xy[i].Y > xy[idx[2]].Y {
				idx[2] = i
			}
			idx[3] = i
		}
		if idx[0] < 0 {
			continue
		}
		if idx[1] > idx[2] {
			idx[1], idx[2] = idx[2], idx[1]
		}
		prev := -1
		for _, i := range idx {
			if i != prev {
				out = append(out, xy[i])
				prev = i
			}
		}
	}
	return out
}

// valueRange is the range of the finite values added to it.
type valueRange struct{ lo, hi float64 }

func newRange() valueRange { return valueRange{math.Inf(1), math.Inf(-1)} }

func (r *valueRange) add(vs ...float64) {
	for _, v := range vs {
		if v >= -math.MaxFloat64 && v <= math.MaxFloat64 { // finite
			if v < r.lo {
				r.lo = v
			}
			if v > r.hi {
				r.hi = v
			}
		}
	}
}

// padded returns the range widened by frac of its width on each side (a unit range around the
// value if it is a single value, [-1, 1] if empty).
func (r valueRange) padded(frac float64) [2]float64 {
	if r.lo > r.hi {
		return [2]float64{-1, 1}
	}
	if r.lo == r.hi {
		return [2]float64{r.lo - 1, r.hi + 1}
	}
	d := float64((r.hi - r.lo) * frac) // rounded: never fused into the sums (the payload's frames)
	return [2]float64{r.lo - d, r.hi + d}
}

// decades returns the range of powers of ten around a range of positive values.
func decades(r valueRange) [2]float64 {
	if r.lo > r.hi || r.lo <= 0 {
		return [2]float64{0.01, 10}
	}
	lo, hi := math.Pow(10, math.Floor(math.Log10(r.lo))), math.Pow(10, math.Ceil(math.Log10(r.hi)))
	if hi <= lo {
		hi = lo * 10
	}
	return [2]float64{lo, hi}
}

// atOrigin draws its glyph at the origin of a coordinate system translated to the glyph's
// position: every glyph of a series is then the same path, which a PDF's compressed content
// stream stores almost for free (the SVG canvas applies the translation itself, so its output
// does not change).
type atOrigin struct{ draw.GlyphDrawer }

func (g atOrigin) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.Push()
	defer c.Pop()
	c.Translate(pt)
	g.GlyphDrawer.DrawGlyph(c, sty, vg.Point{})
}

// xySeries is one series of an xyFigure: what it draws and how the page finds its values.
type xySeries struct {
	name   string       // in the legend
	slider FigureSeries // the payload's values and the tooltips' label
	xy     plotter.XYs
	color  color.RGBA
	line   bool // a line, else glyphs
	dashed bool
	glyph  draw.GlyphDrawer
	radius float64
}

// xyFigure is a line, scatter or series figure.
type xyFigure struct {
	xlabel, ylabel string
	x, y           [2]float64
	logY           bool
	xticks         plot.Ticker // nil: niceTicks
	zero           bool        // draw the line y = 0
	legend         bool
	series         []xySeries
}

// Panel sizes of the small multiples, in SVG user units.
const linePanelWidth, linePanelHeight = 330.0, 230.0

// spec returns the figure of the given kind, its series coloured in order; axis names x in
// tooltips and xCount is the number of values of a series at a checkpoint (line and scatter).
func (f *xyFigure) spec(title, kind, axis string, xCount int) *figSpec {
	s := &figSpec{
		title: title, kind: kind, w: figWidth, h: figHeight,
		frame: Frame{XMin: f.x[0], XMax: f.x[1], YMin: f.y[0], YMax: f.y[1], LogY: f.logY},
		draw:  func(c draw.Canvas) (vg.Rectangle, error) { return f.drawPanel(c, f.legend) },
		panel: func(c draw.Canvas) (vg.Rectangle, error) { return f.drawPanel(c, false) },
		pw:    linePanelWidth, ph: linePanelHeight,
		axisLabels: []string{axis}, xCount: xCount,
	}
	for i := range f.series {
		f.series[i].color = seriesColors[i%len(seriesColors)]
		s.series = append(s.series, f.series[i].slider)
	}
	if f.legend {
		s.key = &figKey{
			width: func() vg.Length { l := f.legendOnly(); return l.Rectangle(draw.Canvas{}).Size().X + 8 },
			draw: func(c draw.Canvas, span vg.Rectangle) {
				l := f.legendOnly()
				l.Draw(draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
					Min: vg.Point{X: c.Min.X, Y: span.Min.Y}, Max: vg.Point{X: c.Max.X, Y: span.Max.Y}}})
			},
		}
	}
	return s
}

// plotters returns the series' plotters and the legend of their thumbnails.
func (f *xyFigure) plotters() ([]plot.Plotter, plot.Legend, error) {
	legend := newLegend()
	var out []plot.Plotter
	for _, s := range f.series {
		var pl plot.Plotter
		var thumb plot.Thumbnailer
		if s.line {
			l, err := plotter.NewLine(s.xy)
			if err != nil {
				return nil, legend, fmt.Errorf("series %s: %w", s.name, err)
			}
			l.LineStyle = draw.LineStyle{Color: s.color, Width: 1.6}
			if s.dashed {
				l.LineStyle.Dashes = []vg.Length{5, 3}
			}
			pl, thumb = l, l
		} else {
			sc, err := plotter.NewScatter(s.xy)
			if err != nil {
				return nil, legend, fmt.Errorf("series %s: %w", s.name, err)
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: s.color, Radius: vg.Length(s.radius), Shape: atOrigin{s.glyph}}
			pl, thumb = sc, sc
		}
		out = append(out, pl)
		legend.Add(s.name, thumb)
	}
	return out, legend, nil
}

// legendOnly is the legend of the series (their plotters are not drawn; an error making them
// leaves the legend without the failing series, and drawPanel reports it).
func (f *xyFigure) legendOnly() plot.Legend {
	_, l, _ := f.plotters()
	return l
}

// drawPanel draws the figure in c, with its legend right of the plot area if legend is set.
func (f *xyFigure) drawPanel(c draw.Canvas, legend bool) (vg.Rectangle, error) {
	p := newPlot(f.xlabel, f.ylabel)
	if f.xticks != nil {
		p.X.Tick.Marker = f.xticks
	}
	if f.logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = decadeTicks{}
	}
	grid := plotter.NewGrid()
	grid.Vertical = draw.LineStyle{Color: svgcanvas.Grid, Width: 0.8}
	grid.Horizontal = grid.Vertical
	p.Add(grid)
	if f.zero && f.y[0] < 0 && f.y[1] > 0 {
		p.Add(hline{y: 0, style: draw.LineStyle{Color: svgcanvas.Zero, Width: 1}, class: classZero})
	}
	pls, leg, err := f.plotters()
	if err != nil {
		return vg.Rectangle{}, err
	}
	for _, pl := range pls {
		p.Add(tagged{classData, pl})
	}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = f.x[0], f.x[1], f.y[0], f.y[1]

	area := draw.Crop(c, 4, -14, 4, -12)
	if legend {
		lw := leg.Rectangle(area).Size().X
		area = draw.Crop(area, 0, -(lw + 18), 0, 0)
	}
	p.Draw(area)
	rect := p.DataCanvas(area).Rectangle
	if legend {
		lc := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: rect.Max.X + 18, Y: rect.Min.Y},
			Max: vg.Point{X: c.Max.X - 4, Y: rect.Max.Y},
		}}
		leg.Draw(lc)
	}
	return rect, nil
}

// newPlot returns a plot styled for the report: no background, sans-serif text in the theme's
// colour, no padding between the axes and the plot area, its texts measured once each (a
// TextBoxes of its own: a plot is drawn on one goroutine).
func newPlot(xlabel, ylabel string) *plot.Plot {
	boxes := &svgcanvas.TextBoxes{}
	text := plotText("", boxes)
	p := plot.New()
	p.BackgroundColor = nil
	p.TextHandler = text
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Padding = 0
		ax.LineStyle = draw.LineStyle{Color: svgcanvas.Foreground, Width: 0.8}
		ax.Tick.LineStyle = draw.LineStyle{Color: svgcanvas.Foreground, Width: 0.8}
		ax.Tick.Length = 4
		ax.Tick.Marker = niceTicks{}
		ax.Tick.Label.Color = svgcanvas.Foreground
		ax.Tick.Label.Font = font.From(sansFont, tickFontSize)
		ax.Tick.Label.Handler = text
		ax.Label.TextStyle.Color = svgcanvas.Foreground
		ax.Label.TextStyle.Font = font.From(sansFont, labelFontSize)
		ax.Label.TextStyle.Handler = text
		ax.Label.Padding = 4
	}
	p.Y.Tick.Label.Handler = plotText(classTickY, boxes)
	p.X.Label.Text, p.Y.Label.Text = xlabel, ylabel
	return p
}

func newLegend() plot.Legend {
	l := plot.NewLegend()
	l.TextStyle = text.Style{Color: svgcanvas.Foreground, Font: font.From(sansFont, tickFontSize), Handler: textHandler}
	l.Top, l.Left = true, true
	l.ThumbnailWidth = 18
	l.Padding = 5
	return l
}

// tagged draws a plotter inside <g class="...">; it hides the plotter's data range and glyph
// boxes, so that the plot area depends on the figure's fixed ranges only.
type tagged struct {
	class string
	plot.Plotter
}

func (t tagged) Plot(c draw.Canvas, p *plot.Plot) {
	if sc := svgcanvas.Of(c.Canvas); sc != nil {
		sc.OpenGroup(t.class)
		defer sc.CloseGroup()
	}
	t.Plotter.Plot(c, p)
}

// hline is a horizontal line across the plot area, of the class class in SVG.
type hline struct {
	y     float64
	style draw.LineStyle
	class string
}

func (h hline) Plot(c draw.Canvas, p *plot.Plot) {
	if sc := svgcanvas.Of(c.Canvas); sc != nil {
		defer sc.SetClass(sc.SetClass(h.class))
	}
	_, trY := p.Transforms(&c)
	y := trY(h.y)
	c.StrokeLine2(h.style, c.Min.X, y, c.Max.X, y)
}

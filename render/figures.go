package render

// Figures of the report, drawn with gonum/plot.
//
// The SVGs are not written by gonum/plot's vgsvg backend but by svgCanvas below, a vg.Canvas that
// gonum/plot draws on like any other. It writes compact, deterministic SVG made for a page with a
// light and a dark theme:
//
//   - the root <svg> has viewBox="0 0 W H" (user units are CSS px at the natural size, e.g.
//     640×400), width="100%" and no height, so it scales with its container and keeps its aspect
//     ratio; cap it with CSS (e.g. max-width: 640px). There is no XML prolog, no id and no <defs>,
//     so several SVGs can be inlined in one HTML page as they are; the title is its aria-label
//     (not a <title>, whose tooltip would cover the page's own hover tooltips);
//   - there is no background: the figure is transparent;
//   - text, axes and ticks use currentColor (the root has fill="currentColor"), grid and zero
//     lines currentColor at a low opacity, so the page's CSS color applies in either theme;
//     the series colours have a luminance between 0.12 and 0.30, which keeps a contrast of at
//     least 3:1 against both white and #111;
//   - text is real <text> in a sans-serif family that is metric compatible with the Liberation
//     Sans that gonum/plot measures with ("Liberation Sans, Arimo, Arial, Helvetica,
//     sans-serif"), anchored with text-anchor so that a different fallback font still aligns;
//   - heatmaps are one V×V PNG <image> with preserveAspectRatio="none" and
//     style="image-rendering:pixelated", row a = V-1 at the top (the y axis goes up, as for every
//     figure: Frame's YMin is at the bottom);
//   - the data of the selected epoch is inside <g class="data">; FrameSVG is the same document
//     without that group. The training-pair marks of the margin heatmap, which do not change
//     with the epoch, are an <image> in <g class="marks"> after the data, in SVG and FrameSVG;
//   - long polylines are simplified (Douglas–Peucker, tolerance 0.3 px) and coordinates are
//     rounded to 0.01 px.

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"image"
	"image/color"
	imgdraw "image/draw"
	"image/png"
	"math"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"sync"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgpdf"

	"maxgrok/compute"
)

// Figure geometry, in SVG user units (CSS px at the natural size) and PDF points.
const (
	figWidth, figHeight   = 640.0, 400.0 // line, scatter and series figures
	heatWidth, heatHeight = 560.0, 460.0 // heatmaps: a square plot area and a colour bar
	tickFontSize          = 10.5         // tick labels, legend (the root's font-size)
	labelFontSize         = 12.0         // axis labels
	fontFamily            = "Liberation Sans, Arimo, Arial, Helvetica, sans-serif"
	simplifyTolerance     = 0.3   // px: polyline points closer than this to the simplified line are dropped
	maxSeriesPoints       = 4000  // longer series are reduced to the min and max of each bucket first
	marksScale            = 3     // margin marks: a dot of 1/marksScale of a cell at its centre
	maxMarkedVocab        = 256   // above this, training cells are tinted instead of dotted
	pdfHeatPixels         = 448.0 // heatmap images in PDF are upscaled to at most about this many pixels
)

// Sentinel colours: svgCanvas writes them as currentColor, the PDF theme uses real colours.
var (
	fgSentinel   = color.RGBA{1, 2, 3, 255}
	gridSentinel = color.RGBA{4, 5, 6, 255}
	zeroSentinel = color.RGBA{7, 8, 9, 255}
)

type theme struct{ fg, grid, zero color.Color }

var (
	svgTheme = theme{fg: fgSentinel, grid: gridSentinel, zero: zeroSentinel}
	pdfTheme = theme{fg: color.Black, grid: color.Gray{Y: 0xe0}, zero: color.Gray{Y: 0x80}}
)

// seriesColors read on white and on #111 alike (relative luminance 0.12–0.30).
var seriesColors = []color.RGBA{
	{0x2f, 0x7f, 0xd0, 0xff}, // blue
	{0xd9, 0x73, 0x0d, 0xff}, // orange
	{0x2e, 0x9a, 0x48, 0xff}, // green
	{0xc0, 0x4b, 0xb0, 0xff}, // magenta
	{0x8c, 0x7a, 0x3a, 0xff}, // olive
	{0x1f, 0x9e, 0xa8, 0xff}, // teal
}

var seriesGlyphs = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.PyramidGlyph{}, draw.BoxGlyph{}, diamondGlyph{}}

// diamondGlyph is a filled diamond (gonum/plot's outline glyphs are too thin to see).
type diamondGlyph struct{}

func (diamondGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	r := sty.Radius * 1.25
	var p vg.Path
	p.Move(vg.Point{X: pt.X, Y: pt.Y + r})
	p.Line(vg.Point{X: pt.X + r, Y: pt.Y})
	p.Line(vg.Point{X: pt.X, Y: pt.Y - r})
	p.Line(vg.Point{X: pt.X - r, Y: pt.Y})
	p.Close()
	c.SetColor(sty.Color)
	c.Fill(p)
}

var sansFont = font.Font{Typeface: "Liberation", Variant: "Sans"}

// Figures draws the report's figures for a run whose Analyses are set (one per checkpoint), in
// this order: qk, ov_centered, ov, pos_qk, irrelevant, margin, loss, accuracy, l2_norm. Animated
// kinds show the final checkpoint and have a FrameSVG; every figure has a Frame whose ranges
// hold every checkpoint. With withPDF, each figure also gets a PDF. The output depends only on
// the run: the same run gives the same bytes.
func Figures(r *compute.Run, withPDF bool) ([]Figure, error) {
	specs, err := figureSpecs(r)
	if err != nil {
		return nil, fmt.Errorf("figures: %w", err)
	}
	figs := make([]Figure, len(specs))
	errs := make([]error, len(specs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))
	for i, s := range specs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			figs[i], errs[i] = s.render(withPDF)
			if errs[i] != nil {
				errs[i] = fmt.Errorf("figure %s: %w", s.name, errs[i])
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return figs, nil
}

// figSpec is one figure before rendering: draw draws it on a canvas (with or without the data)
// and returns the plot area in the canvas's coordinates (origin bottom left).
type figSpec struct {
	name, title, kind string
	w, h              float64
	frame             Frame // ranges; the geometry is filled in by render
	draw              func(c draw.Canvas, th theme, data bool) (vg.Rectangle, error)
}

func (s *figSpec) animated() bool { return s.kind != "series" }

func (s *figSpec) render(withPDF bool) (f Figure, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("drawing failed: %v", v)
		}
	}()
	f = Figure{Name: s.name, Title: s.title, Kind: s.kind, Frame: s.frame}
	svg, rect, err := s.svg(true)
	if err != nil {
		return f, err
	}
	f.SVG = svg
	f.Frame.Width, f.Frame.Height = s.w, s.h
	f.Frame.X0, f.Frame.X1 = float64(rect.Min.X), float64(rect.Max.X)
	f.Frame.Y0, f.Frame.Y1 = s.h-float64(rect.Max.Y), s.h-float64(rect.Min.Y)
	if s.animated() {
		frame, frect, err := s.svg(false)
		if err != nil {
			return f, err
		}
		if frect != rect {
			return f, fmt.Errorf("frame plot area %v differs from the figure's %v", frect, rect)
		}
		f.FrameSVG = frame
	}
	if withPDF {
		if f.PDF, err = s.pdf(); err != nil {
			return f, err
		}
	}
	return f, nil
}

func (s *figSpec) svg(data bool) ([]byte, vg.Rectangle, error) {
	sc := newSVGCanvas(s.w, s.h)
	rect, err := s.draw(draw.New(sc), svgTheme, data)
	if err != nil {
		return nil, rect, err
	}
	return sc.bytes(s.title), rect, nil
}

// pdfDate matches the dates fpdf writes (the time of writing); they are replaced by a fixed date
// of the same length, which keeps the cross-reference offsets valid.
var pdfDate = regexp.MustCompile(`/(CreationDate|ModDate) \(D:\d{14}\)`)

func (s *figSpec) pdf() ([]byte, error) {
	pc := vgpdf.New(vg.Length(s.w), vg.Length(s.h))
	if _, err := s.draw(draw.New(pc), pdfTheme, true); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := pc.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("writing PDF: %w", err)
	}
	return pdfDate.ReplaceAll(buf.Bytes(), []byte("/$1 (D:20000101000000)")), nil
}

// ---------------------------------------------------------------------------------------------
// The figures

func figureSpecs(r *compute.Run) ([]*figSpec, error) {
	if err := checkRun(r); err != nil {
		return nil, err
	}
	V, n := r.Config.Vocab, r.Config.SeqLen
	all := r.Analyses
	last := all[len(all)-1]
	tokens := intTicks{}
	tokRange := [2]float64{-0.5, float64(V) - 0.5}

	// 1. qk
	qkY := newRange()
	for _, a := range all {
		qkY.add(a.QK...)
	}
	qkY.add(0)
	qk := &xyFigure{
		xlabel: "input token", ylabel: "attention score (pre-softmax)",
		x: tokRange, y: qkY.padded(0.05), xticks: tokens, zero: true,
		series: []xySeries{{name: "QK", xy: indexed(last.QK), line: true}},
	}

	// 4. pos_qk
	posY := newRange()
	for _, a := range all {
		posY.add(a.PosQK...)
	}
	posY.add(0)
	posQK := &xyFigure{
		xlabel: "position", ylabel: "attention score (pre-softmax)",
		x: [2]float64{-0.5, float64(n) - 0.5}, y: posY.padded(0.08), xticks: tokens, zero: true,
		series: []xySeries{{name: "positional QK", xy: indexed(last.PosQK), glyph: draw.CircleGlyph{}, radius: 4}},
	}

	// 5. irrelevant
	irrY := newRange()
	for _, a := range all {
		irrY.add(a.EOSDirect...)
		irrY.add(a.EOSOV...)
		irrY.add(a.PosOV...)
	}
	irrY.add(0)
	irr := &xyFigure{
		xlabel: "output logit token", ylabel: "logit value",
		x: tokRange, y: irrY.padded(0.05), xticks: tokens, zero: true, legend: true,
		series: []xySeries{
			{name: "EOS direct", xy: indexed(last.EOSDirect)},
			{name: "EOS through OV", xy: indexed(last.EOSOV)},
		},
	}
	for p := range n {
		irr.series = append(irr.series, xySeries{name: fmt.Sprintf("position %d through OV", p), xy: indexed(last.PosOV[p*V : (p+1)*V])})
	}
	for i := range irr.series {
		irr.series[i].glyph = seriesGlyphs[i%len(seriesGlyphs)]
		irr.series[i].radius = 2.6
		irr.series[i].color = seriesColors[i%len(seriesColors)]
	}

	// heatmaps
	heat := func(get func(*compute.Analysis) []float64, xlabel, ylabel, zlabel string, marks []bool) *heatFigure {
		z := 0.0
		for _, a := range all {
			for _, v := range get(a) {
				if v < 0 {
					v = -v
				}
				if v > z && v <= math.MaxFloat64 { // NaN and ±Inf fail
					z = v
				}
			}
		}
		if z == 0 {
			z = 1
		}
		return &heatFigure{V: V, values: get(last), z: z, gamma: 1, xlabel: xlabel, ylabel: ylabel, zlabel: zlabel, marks: marks}
	}
	ovc := heat(func(a *compute.Analysis) []float64 { return a.OVCentered }, "output logit token", "input token", "logit - logit of the input token", nil)
	ov := heat(func(a *compute.Analysis) []float64 { return a.OV }, "output logit token", "input token", "logit contribution", nil)
	mask := compute.TrainMask(r.Config)
	if len(mask) != V*V {
		return nil, fmt.Errorf("training mask has %d entries, want %d", len(mask), V*V)
	}
	margin := heat(func(a *compute.Analysis) []float64 { return a.Margin }, "b (second input token)", "a (first input token)", "margin (logits)", mask)
	// Margins span two orders of magnitude over a run (about 100 while the model memorises, 10
	// to 20 at the end): a square-root colour scale keeps the small ones, which decide
	// correctness, visible.
	margin.gamma = 0.5

	// series over epochs
	lastEpoch := float64(r.Epochs[len(r.Epochs)-1])
	var trainLoss, trainAcc, testLoss, testAcc plotter.XYs
	for _, m := range r.Metrics {
		lastEpoch = math.Max(lastEpoch, float64(m.Epoch))
		trainLoss = append(trainLoss, plotter.XY{X: float64(m.Epoch), Y: m.TrainLoss})
		trainAcc = append(trainAcc, plotter.XY{X: float64(m.Epoch), Y: m.TrainAcc})
		if m.HasTest {
			testLoss = append(testLoss, plotter.XY{X: float64(m.Epoch), Y: m.TestLoss})
			testAcc = append(testAcc, plotter.XY{X: float64(m.Epoch), Y: m.TestAcc})
		}
	}
	var bfAcc, cubic, norm plotter.XYs
	noTest := len(testLoss) == 0 // no test metrics in the rows: use the analyses'
	for i, a := range all {
		e := float64(r.Epochs[i])
		bfAcc = append(bfAcc, plotter.XY{X: e, Y: a.BruteForceAcc})
		cubic = append(cubic, plotter.XY{X: e, Y: a.CubicBound})
		norm = append(norm, plotter.XY{X: e, Y: a.L2Norm})
		if noTest {
			testLoss = append(testLoss, plotter.XY{X: e, Y: a.TestLoss})
			testAcc = append(testAcc, plotter.XY{X: e, Y: a.TestAcc})
		}
	}
	if lastEpoch <= 0 {
		lastEpoch = 1
	}
	epochs := [2]float64{0, lastEpoch}
	lossY := newRange()
	for _, xy := range append(append(plotter.XYs{}, trainLoss...), testLoss...) {
		if xy.Y > 0 {
			lossY.add(xy.Y)
		}
	}
	lossRange := decades(lossY)
	for _, xys := range []plotter.XYs{trainLoss, testLoss} {
		for i := range xys {
			if !(xys[i].Y >= lossRange[0]) { // non-positive or NaN: at the bottom edge
				xys[i].Y = lossRange[0]
			}
		}
	}
	loss := &xyFigure{
		xlabel: "epoch", ylabel: "loss", x: epochs, y: lossRange, logY: true, legend: true,
		series: []xySeries{
			{name: "train", xy: reduce(trainLoss), line: true},
			{name: "test", xy: reduce(testLoss), line: true},
		},
	}
	acc := &xyFigure{
		xlabel: "epoch", ylabel: "accuracy", x: epochs, y: [2]float64{0, 1}, legend: true,
		series: []xySeries{
			{name: "train", xy: reduce(trainAcc), line: true},
			{name: "test", xy: reduce(testAcc), line: true},
			{name: "all pairs (brute force)", xy: reduce(bfAcc), line: true},
			{name: "certified bound (cubic)", xy: reduce(cubic), line: true, dashed: true},
		},
	}
	normY := newRange()
	for _, xy := range norm {
		normY.add(xy.Y)
	}
	normY.add(0)
	l2 := &xyFigure{
		xlabel: "epoch", ylabel: "L2 norm of the weights", x: epochs, y: [2]float64{0, normY.padded(0.06)[1]},
		series: []xySeries{{name: "L2 norm", xy: reduce(norm), line: true}},
	}
	for _, f := range []*xyFigure{qk, posQK, loss, acc, l2} {
		for i := range f.series {
			f.series[i].color = seriesColors[i%len(seriesColors)]
		}
	}

	specs := []*figSpec{
		qk.spec("qk", "QK circuit: the EOS query's attention score for each input token, minus its score for itself (pre-softmax)", "line"),
		ovc.spec("ov_centered", "OV circuit, centred: each input token's contribution to each output logit, minus its contribution to its own logit"),
		ov.spec("ov", "OV circuit: each input token's contribution to each output logit (E + mean P)·V·O·U"),
		posQK.spec("pos_qk", "Positional contribution to the attention score: (P[p] − mean P) against the EOS query", "scatter"),
		irr.spec("irrelevant", "Contributions to the logits that do not depend on the input tokens", "scatter"),
		margin.spec("margin", "Margin of the correct logit over the largest other logit, for every input (a, b); dots mark the training pairs"),
		loss.spec("loss", "Train loss (every epoch) and test loss (every checkpoint)", "series"),
		acc.spec("accuracy", "Accuracy: train, test, all pairs (brute force), and the certified lower bound", "series"),
		l2.spec("l2_norm", "L2 norm of all the weights", "series"),
	}
	return specs, nil
}

func checkRun(r *compute.Run) error {
	if r == nil {
		return errors.New("no run")
	}
	V, n := r.Config.Vocab, r.Config.SeqLen
	if V < 1 || n < 1 {
		return fmt.Errorf("config has vocab %d and seq_len %d", V, n)
	}
	if len(r.Epochs) == 0 || len(r.Analyses) != len(r.Epochs) {
		return fmt.Errorf("run has %d checkpoints and %d analyses, want the same number, at least one", len(r.Epochs), len(r.Analyses))
	}
	for i, a := range r.Analyses {
		if a == nil {
			return fmt.Errorf("checkpoint %d (epoch %d) is not analysed", i, r.Epochs[i])
		}
		for _, c := range []struct {
			name string
			got  int
			want int
		}{
			{"QK", len(a.QK), V}, {"OV", len(a.OV), V * V}, {"OVCentered", len(a.OVCentered), V * V},
			{"PosQK", len(a.PosQK), n}, {"EOSDirect", len(a.EOSDirect), V}, {"EOSOV", len(a.EOSOV), V},
			{"PosOV", len(a.PosOV), n * V}, {"Margin", len(a.Margin), V * V},
		} {
			if c.got != c.want {
				return fmt.Errorf("analysis of epoch %d: %s has %d values, want %d", r.Epochs[i], c.name, c.got, c.want)
			}
		}
	}
	return nil
}

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
	d := (r.hi - r.lo) * frac
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

// ---------------------------------------------------------------------------------------------
// Line, scatter and series figures

type xySeries struct {
	name   string
	xy     plotter.XYs
	color  color.RGBA
	line   bool // a line, else glyphs
	dashed bool
	glyph  draw.GlyphDrawer
	radius float64
}

type xyFigure struct {
	xlabel, ylabel string
	x, y           [2]float64
	logY           bool
	xticks         plot.Ticker // nil: niceTicks
	zero           bool        // draw the line y = 0
	legend         bool
	series         []xySeries
}

func (f *xyFigure) spec(name, title, kind string) *figSpec {
	return &figSpec{
		name: name, title: title, kind: kind, w: figWidth, h: figHeight,
		frame: Frame{XMin: f.x[0], XMax: f.x[1], YMin: f.y[0], YMax: f.y[1], LogY: f.logY},
		draw:  f.draw,
	}
}

func (f *xyFigure) draw(c draw.Canvas, th theme, data bool) (vg.Rectangle, error) {
	p := newPlot(th, f.xlabel, f.ylabel)
	if f.xticks != nil {
		p.X.Tick.Marker = f.xticks
	}
	if f.logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = decadeTicks{}
	}
	grid := plotter.NewGrid()
	grid.Vertical = draw.LineStyle{Color: th.grid, Width: 0.8}
	grid.Horizontal = grid.Vertical
	p.Add(grid)
	if f.zero && f.y[0] < 0 && f.y[1] > 0 {
		p.Add(hline{y: 0, style: draw.LineStyle{Color: th.zero, Width: 1}})
	}
	legend := newLegend(th)
	for _, s := range f.series {
		var pl plot.Plotter
		var thumb plot.Thumbnailer
		if s.line {
			l, err := plotter.NewLine(s.xy)
			if err != nil {
				return vg.Rectangle{}, fmt.Errorf("series %s: %w", s.name, err)
			}
			l.LineStyle = draw.LineStyle{Color: s.color, Width: 1.6}
			if s.dashed {
				l.LineStyle.Dashes = []vg.Length{5, 3}
			}
			pl, thumb = l, l
		} else {
			sc, err := plotter.NewScatter(s.xy)
			if err != nil {
				return vg.Rectangle{}, fmt.Errorf("series %s: %w", s.name, err)
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: s.color, Radius: vg.Length(s.radius), Shape: s.glyph}
			pl, thumb = sc, sc
		}
		if data {
			p.Add(tagged{"data", pl})
		}
		legend.Add(s.name, thumb)
	}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = f.x[0], f.x[1], f.y[0], f.y[1]

	area := draw.Crop(c, 4, -14, 4, -12)
	if f.legend {
		lw := legend.Rectangle(area).Size().X
		area = draw.Crop(area, 0, -(lw + 18), 0, 0)
	}
	p.Draw(area)
	rect := p.DataCanvas(area).Rectangle
	if f.legend {
		lc := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: rect.Max.X + 18, Y: rect.Min.Y},
			Max: vg.Point{X: c.Max.X - 4, Y: rect.Max.Y},
		}}
		legend.Draw(lc)
	}
	return rect, nil
}

// newPlot returns a plot styled for the report: no background, sans-serif text in the theme's
// colour, no padding between the axes and the plot area.
func newPlot(th theme, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.BackgroundColor = nil
	p.TextHandler = textHandler
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Padding = 0
		ax.LineStyle = draw.LineStyle{Color: th.fg, Width: 0.8}
		ax.Tick.LineStyle = draw.LineStyle{Color: th.fg, Width: 0.8}
		ax.Tick.Length = 4
		ax.Tick.Marker = niceTicks{}
		ax.Tick.Label.Color = th.fg
		ax.Tick.Label.Font = font.From(sansFont, tickFontSize)
		ax.Tick.Label.Handler = textHandler
		ax.Label.TextStyle.Color = th.fg
		ax.Label.TextStyle.Font = font.From(sansFont, labelFontSize)
		ax.Label.TextStyle.Handler = textHandler
		ax.Label.Padding = 4
	}
	p.X.Label.Text, p.Y.Label.Text = xlabel, ylabel
	return p
}

func newLegend(th theme) plot.Legend {
	l := plot.NewLegend()
	l.TextStyle = text.Style{Color: th.fg, Font: font.From(sansFont, tickFontSize), Handler: textHandler}
	l.Top, l.Left = true, true
	l.ThumbnailWidth = 18
	l.Padding = 5
	return l
}

// tagged draws a plotter inside <g class="...">; it hides the plotter's data range and glyph
// boxes, so that the plot area is the same with and without it.
type tagged struct {
	class string
	plot.Plotter
}

func (t tagged) Plot(c draw.Canvas, p *plot.Plot) {
	if sc := svgOf(c.Canvas); sc != nil {
		sc.open(t.class)
		defer sc.close()
	}
	t.Plotter.Plot(c, p)
}

// hline is a horizontal line across the plot area.
type hline struct {
	y     float64
	style draw.LineStyle
}

func (h hline) Plot(c draw.Canvas, p *plot.Plot) {
	_, trY := p.Transforms(&c)
	y := trY(h.y)
	c.StrokeLine2(h.style, c.Min.X, y, c.Max.X, y)
}

// niceTicks marks about six round values (1, 2 or 5 times a power of ten) without minor ticks.
type niceTicks struct{}

func (niceTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) {
		return []plot.Tick{{Value: lo, Label: formatTick(lo, 0)}}
	}
	raw := (hi - lo) / 8
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 5} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	decimals := max(0, -int(math.Floor(math.Log10(step)+1e-9)))
	var ticks []plot.Tick
	for k := math.Ceil(lo/step - 1e-9); k*step <= hi+1e-9*step; k++ {
		v := k * step
		ticks = append(ticks, plot.Tick{Value: v, Label: formatTick(v, decimals)})
	}
	return ticks
}

func formatTick(v float64, decimals int) string {
	p := math.Pow(10, float64(decimals))
	v = math.Round(v*p) / p
	if v == 0 {
		v = 0 // no "-0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// decadeTicks marks the powers of ten of a log axis (every other one beyond ten decades), with
// unlabelled minor ticks at 2..9 times them when there are at most four decades.
type decadeTicks struct{}

func (decadeTicks) Ticks(lo, hi float64) []plot.Tick {
	k0, k1 := int(math.Ceil(math.Log10(lo)-1e-9)), int(math.Floor(math.Log10(hi)+1e-9))
	every := 1
	if k1-k0 > 10 {
		every = 2
	}
	var ticks []plot.Tick
	for k := int(math.Floor(math.Log10(lo))); k <= k1; k++ {
		v := math.Pow(10, float64(k))
		if k >= k0 && (k-k0)%every == 0 {
			label := "1e" + strconv.Itoa(k)
			if k >= -4 && k <= 5 {
				label = strconv.FormatFloat(v, 'f', -1, 64)
			}
			ticks = append(ticks, plot.Tick{Value: v, Label: label})
		}
		if k1-k0 <= 4 {
			for m := 2; m <= 9; m++ {
				if w := float64(m) * v; w >= lo && w <= hi {
					ticks = append(ticks, plot.Tick{Value: w})
				}
			}
		}
	}
	return ticks
}

// intTicks marks integers (tokens, positions) with a step of 1, 2, 5, 10, 20, ... so that there
// are at most nine labels.
type intTicks struct{}

func (intTicks) Ticks(lo, hi float64) []plot.Tick {
	first, last := math.Ceil(lo), math.Floor(hi)
	step := 1.0
	for m := 0; (last-first)/step >= 9; m++ {
		step = []float64{2, 5, 10}[m%3] * math.Pow(10, float64(m/3))
	}
	var ticks []plot.Tick
	for v := math.Ceil(first/step) * step; v <= last; v += step {
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.Itoa(int(v))})
	}
	return ticks
}

// ---------------------------------------------------------------------------------------------
// Heatmaps

type heatFigure struct {
	V                      int
	values                 []float64 // [V*V] row = y, column = x
	z                      float64   // colour range [-z, z]
	gamma                  float64   // colour position sign(v)·|v/z|^gamma
	xlabel, ylabel, zlabel string
	marks                  []bool // [V*V] cells to mark, or nil
}

func (f *heatFigure) spec(name, title string) *figSpec {
	r := float64(f.V) - 0.5
	return &figSpec{
		name: name, title: title, kind: "heatmap", w: heatWidth, h: heatHeight,
		frame: Frame{XMin: -0.5, XMax: r, YMin: -0.5, YMax: r, ZMin: -f.z, ZMax: f.z, ZGamma: f.gamma},
		draw:  f.draw,
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

// upscale returns img enlarged k times with nearest-neighbour sampling.
func upscale(img image.Image, k int) *image.NRGBA {
	k = max(k, 1)
	b := img.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, b.Dx()*k, b.Dy()*k))
	for y := range b.Dy() * k {
		for x := range b.Dx() * k {
			out.Set(x, y, img.At(b.Min.X+x/k, b.Min.Y+y/k))
		}
	}
	return out
}

// flipV returns img upside down.
func flipV(img *image.NRGBA) *image.NRGBA {
	b := img.Bounds()
	out := image.NewNRGBA(b)
	for y := range b.Dy() {
		copy(out.Pix[y*out.Stride:y*out.Stride+4*b.Dx()], img.Pix[(b.Dy()-1-y)*img.Stride:])
	}
	return out
}

func (f *heatFigure) draw(c draw.Canvas, th theme, data bool) (vg.Rectangle, error) {
	V := f.V
	p := newPlot(th, f.xlabel, f.ylabel)
	p.X.Tick.Marker, p.Y.Tick.Marker = intTicks{}, intTicks{}
	r := float64(V) - 0.5
	_, pdf := c.Canvas.(*vgpdf.Canvas)
	var marks image.Image
	if f.marks != nil {
		marks = marksImage(f.marks, V)
	}
	switch {
	case pdf:
		// One image, upscaled: fpdf writes several images in map order, and PDF viewers smooth
		// small images.
		mk := 1
		if marks != nil {
			mk = marks.Bounds().Dx() / V
		}
		k := mk * max(1, int(pdfHeatPixels/float64(V*mk)))
		img := upscale(heatImage(f.values, V, f.z, f.gamma), k)
		if marks != nil {
			imgdraw.Draw(img, img.Bounds(), upscale(marks, k/mk), image.Point{}, imgdraw.Over)
		}
		p.Add(plotter.NewImage(flipV(img), -0.5, -0.5, r, r)) // vgpdf draws images upside down
	default:
		if data {
			p.Add(tagged{"data", plotter.NewImage(heatImage(f.values, V, f.z, f.gamma), -0.5, -0.5, r, r)})
		}
		if marks != nil {
			p.Add(tagged{"marks", plotter.NewImage(marks, -0.5, -0.5, r, r)})
		}
	}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = -0.5, r, -0.5, r

	bar := newColorBar(th, f.z, f.gamma, f.zlabel)
	area := draw.Crop(c, 4, -(bar.width() + 4), 4, -12)
	// make the plot area square
	dc := p.DataCanvas(area).Rectangle.Size()
	if dc.X > dc.Y {
		area.Max.X -= dc.X - dc.Y
	} else {
		area.Max.Y -= dc.Y - dc.X
	}
	p.Draw(area)
	rect := p.DataCanvas(area).Rectangle
	bar.draw(c, rect, !pdf)
	return rect, nil
}

// colorBar is the scale of a heatmap: a vertical gradient from -z to z right of the plot area,
// with tick values and a label.
type colorBar struct {
	th     theme
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

func newColorBar(th theme, z, gamma float64, label string) *colorBar {
	b := &colorBar{th: th, z: z, gamma: gamma, label: label}
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
	b.tick = text.Style{Color: th.fg, Font: font.From(sansFont, tickFontSize), XAlign: draw.XLeft, YAlign: draw.YCenter, Handler: textHandler}
	b.lstyle = text.Style{Color: th.fg, Font: font.From(sansFont, labelFontSize), XAlign: draw.XCenter, YAlign: draw.YTop, Rotation: math.Pi / 2, Handler: textHandler}
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

// draw draws the bar right of the plot area rect, as an image or as filled rectangles.
func (b *colorBar) draw(c draw.Canvas, rect vg.Rectangle, asImage bool) {
	x0 := rect.Max.X + barGap
	x1 := x0 + barWidth
	h := rect.Max.Y - rect.Min.Y
	const steps = 256
	if asImage {
		grad := image.NewRGBA(image.Rect(0, 0, 1, steps))
		for i := range steps {
			grad.SetRGBA(0, steps-1-i, Diverging(-1+2*(float64(i)+0.5)/steps))
		}
		c.DrawImage(vg.Rectangle{Min: vg.Point{X: x0, Y: rect.Min.Y}, Max: vg.Point{X: x1, Y: rect.Max.Y}}, grad)
	} else {
		for i := range steps / 2 {
			y0 := rect.Min.Y + h*vg.Length(i)/(steps/2)
			y1 := rect.Min.Y + h*vg.Length(i+1)/(steps/2)
			c.SetColor(Diverging(-1 + 2*(float64(i)+0.5)/(steps/2)))
			c.Fill(vg.Rectangle{Min: vg.Point{X: x0, Y: y0}, Max: vg.Point{X: x1, Y: y1 + 0.3}}.Path())
		}
	}
	line := draw.LineStyle{Color: b.th.fg, Width: 0.8}
	c.StrokeLines(line, []vg.Point{{X: x0, Y: rect.Min.Y}, {X: x1, Y: rect.Min.Y}, {X: x1, Y: rect.Max.Y}, {X: x0, Y: rect.Max.Y}, {X: x0, Y: rect.Min.Y}})
	for _, t := range b.ticks {
		y := rect.Min.Y + vg.Length((colorPosition(t.Value, b.z, b.gamma)+1)/2)*h
		c.StrokeLine2(line, x1, y, x1+barTick, y)
		c.FillText(b.tick, vg.Point{X: x1 + barTick + 2, Y: y}, t.Label)
	}
	lx := x1 + barTick + 2 + b.labelsWidth() + 8
	c.FillText(b.lstyle, vg.Point{X: lx, Y: (rect.Min.Y + rect.Max.Y) / 2}, b.label)
}

// ---------------------------------------------------------------------------------------------
// The SVG canvas

// affine maps (x, y) to (a x + c y + e, b x + d y + f).
type affine struct{ a, b, c, d, e, f float64 }

func (m affine) apply(p vg.Point) (float64, float64) {
	x, y := float64(p.X), float64(p.Y)
	return m.a*x + m.c*y + m.e, m.b*x + m.d*y + m.f
}

// then returns m after n: first n, then m.
func (m affine) then(n affine) affine {
	return affine{
		a: m.a*n.a + m.c*n.b, b: m.b*n.a + m.d*n.b,
		c: m.a*n.c + m.c*n.d, d: m.b*n.c + m.d*n.d,
		e: m.a*n.e + m.c*n.f + m.e, f: m.b*n.e + m.d*n.f + m.f,
	}
}

type svgState struct {
	color  color.Color
	width  vg.Length
	dashes []vg.Length
	offset vg.Length
	m      affine
}

// svgCanvas is a vg.Canvas writing the SVG described at the top of this file. Its user units
// are vg's points; it flips y itself, so the output has no transforms except for rotated text.
type svgCanvas struct {
	w, h  float64
	buf   []byte
	stack []svgState
}

var _ vg.CanvasSizer = (*svgCanvas)(nil)

func newSVGCanvas(w, h float64) *svgCanvas {
	c := &svgCanvas{w: w, h: h, buf: make([]byte, 0, 16<<10)}
	c.stack = []svgState{{m: affine{a: 1, d: -1, f: h}}}
	vg.Initialize(c)
	return c
}

func (c *svgCanvas) top() *svgState { return &c.stack[len(c.stack)-1] }

func (c *svgCanvas) Size() (vg.Length, vg.Length) { return vg.Length(c.w), vg.Length(c.h) }

func (c *svgCanvas) SetLineWidth(w vg.Length) { c.top().width = w }

func (c *svgCanvas) SetLineDash(d []vg.Length, off vg.Length) {
	c.top().dashes, c.top().offset = d, off
}

func (c *svgCanvas) SetColor(col color.Color) { c.top().color = col }

func (c *svgCanvas) Rotate(rad float64) {
	s, co := math.Sincos(rad)
	c.top().m = c.top().m.then(affine{a: co, b: s, c: -s, d: co})
}

func (c *svgCanvas) Translate(p vg.Point) {
	c.top().m = c.top().m.then(affine{a: 1, d: 1, e: float64(p.X), f: float64(p.Y)})
}

func (c *svgCanvas) Scale(x, y float64) { c.top().m = c.top().m.then(affine{a: x, d: y}) }

func (c *svgCanvas) Push() { c.stack = append(c.stack, *c.top()) }

func (c *svgCanvas) Pop() {
	if len(c.stack) > 1 {
		c.stack = c.stack[:len(c.stack)-1]
	}
}

func (c *svgCanvas) open(class string) {
	c.buf = append(c.buf, `<g class="`...)
	c.buf = append(c.buf, class...)
	c.buf = append(c.buf, "\">\n"...)
}

func (c *svgCanvas) close() { c.buf = append(c.buf, "</g>\n"...) }

// num appends x rounded to 0.01.
func (c *svgCanvas) num(x float64) {
	x = math.Round(x*100) / 100
	if x == 0 {
		x = 0 // no "-0"
	}
	c.buf = strconv.AppendFloat(c.buf, x, 'f', -1, 64)
}

func (c *svgCanvas) attr(name string, val string) {
	c.buf = append(c.buf, ' ')
	c.buf = append(c.buf, name...)
	c.buf = append(c.buf, `="`...)
	c.buf = append(c.buf, val...)
	c.buf = append(c.buf, '"')
}

func (c *svgCanvas) numAttr(name string, x float64) {
	c.buf = append(c.buf, ' ')
	c.buf = append(c.buf, name...)
	c.buf = append(c.buf, `="`...)
	c.num(x)
	c.buf = append(c.buf, '"')
}

// paint returns the SVG colour and opacity ("" for opaque) of col.
func paint(col color.Color) (string, string) {
	if col == nil {
		col = color.Black
	}
	switch col {
	case fgSentinel:
		return "currentColor", ""
	case gridSentinel:
		return "currentColor", "0.13"
	case zeroSentinel:
		return "currentColor", "0.45"
	}
	n := color.NRGBAModel.Convert(col).(color.NRGBA)
	hex := fmt.Sprintf("#%02x%02x%02x", n.R, n.G, n.B)
	if n.A == 0xff {
		return hex, ""
	}
	return hex, strconv.FormatFloat(math.Round(float64(n.A)/255*1000)/1000, 'f', -1, 64)
}

func (c *svgCanvas) scale() float64 {
	m := c.top().m
	return math.Sqrt(math.Abs(m.a*m.d - m.b*m.c))
}

func (c *svgCanvas) Stroke(p vg.Path) {
	st := c.top()
	if st.width <= 0 {
		return
	}
	c.buf = append(c.buf, `<path d="`...)
	long := c.pathData(p)
	c.buf = append(c.buf, `" fill="none"`...)
	col, op := paint(st.color)
	c.attr("stroke", col)
	if op != "" {
		c.attr("stroke-opacity", op)
	}
	if w := float64(st.width) * c.scale(); w != 1 {
		c.numAttr("stroke-width", w)
	}
	if len(st.dashes) > 0 {
		c.buf = append(c.buf, ` stroke-dasharray="`...)
		for i, d := range st.dashes {
			if i > 0 {
				c.buf = append(c.buf, ',')
			}
			c.num(float64(d) * c.scale())
		}
		c.buf = append(c.buf, '"')
		if st.offset != 0 {
			c.numAttr("stroke-dashoffset", float64(st.offset)*c.scale())
		}
	}
	if long {
		c.attr("stroke-linejoin", "round")
	}
	c.buf = append(c.buf, "/>\n"...)
}

func (c *svgCanvas) Fill(p vg.Path) {
	c.buf = append(c.buf, `<path d="`...)
	c.pathData(p)
	c.buf = append(c.buf, '"')
	col, op := paint(c.top().color)
	c.attr("fill", col)
	if op != "" {
		c.attr("fill-opacity", op)
	}
	c.buf = append(c.buf, "/>\n"...)
}

func (c *svgCanvas) point(cmd byte, x, y float64) {
	if cmd != 0 {
		c.buf = append(c.buf, cmd)
	}
	c.num(x)
	c.buf = append(c.buf, ',')
	c.num(y)
}

// pathData appends the path's data, simplifying a long polyline; it reports whether it did.
func (c *svgCanvas) pathData(p vg.Path) bool {
	m := c.top().m
	if len(p) >= 16 && p[0].Type == vg.MoveComp {
		poly := true
		for _, comp := range p[1:] {
			if comp.Type != vg.LineComp {
				poly = false
				break
			}
		}
		if poly {
			pts := make([][2]float64, len(p))
			for i, comp := range p {
				pts[i][0], pts[i][1] = m.apply(comp.Pos)
			}
			for i, q := range simplify(pts, simplifyTolerance) {
				if i == 0 {
					c.point('M', q[0], q[1])
				} else {
					c.buf = append(c.buf, ' ')
					c.point(0, q[0], q[1])
				}
			}
			return true
		}
	}
	det := m.a*m.d - m.b*m.c
	var cx, cy float64
	have := false
	for _, comp := range p {
		switch comp.Type {
		case vg.MoveComp:
			cx, cy = m.apply(comp.Pos)
			c.point('M', cx, cy)
			have = true
		case vg.LineComp:
			cx, cy = m.apply(comp.Pos)
			c.point('L', cx, cy)
			have = true
		case vg.ArcComp:
			r := float64(comp.Radius)
			at := func(angle float64) (float64, float64) {
				s, co := math.Sincos(angle)
				return m.apply(vg.Point{X: comp.Pos.X + vg.Length(r*co), Y: comp.Pos.Y + vg.Length(r*s)})
			}
			sx, sy := at(comp.Start)
			if !have {
				c.point('M', sx, sy)
			} else if math.Abs(sx-cx) > 1e-9 || math.Abs(sy-cy) > 1e-9 {
				c.point('L', sx, sy)
			}
			parts := 1
			if math.Abs(comp.Angle) >= 2*math.Pi-1e-9 {
				parts = 2
			}
			step := comp.Angle / float64(parts)
			sweep := "0"
			if (step > 0) == (det > 0) {
				sweep = "1"
			}
			large := "0"
			if math.Abs(step) > math.Pi {
				large = "1"
			}
			rr := r * math.Sqrt(math.Abs(det))
			for i := 1; i <= parts; i++ {
				cx, cy = at(comp.Start + step*float64(i))
				c.buf = append(c.buf, 'A')
				c.num(rr)
				c.buf = append(c.buf, ',')
				c.num(rr)
				c.buf = append(c.buf, " 0 "...)
				c.buf = append(c.buf, large...)
				c.buf = append(c.buf, ',')
				c.buf = append(c.buf, sweep...)
				c.buf = append(c.buf, ' ')
				c.point(0, cx, cy)
			}
			have = true
		case vg.CurveComp:
			if len(comp.Control) == 1 {
				x, y := m.apply(comp.Control[0])
				c.point('Q', x, y)
			} else {
				x, y := m.apply(comp.Control[0])
				c.point('C', x, y)
				x, y = m.apply(comp.Control[1])
				c.buf = append(c.buf, ' ')
				c.point(0, x, y)
			}
			cx, cy = m.apply(comp.Pos)
			c.buf = append(c.buf, ' ')
			c.point(0, cx, cy)
			have = true
		case vg.CloseComp:
			c.buf = append(c.buf, 'Z')
		}
	}
	return false
}

// simplify returns the points of the Douglas–Peucker simplification of a polyline: no dropped
// point is farther than tol from the kept line.
func simplify(pts [][2]float64, tol float64) [][2]float64 {
	if len(pts) < 3 {
		return pts
	}
	keep := make([]bool, len(pts))
	keep[0], keep[len(pts)-1] = true, true
	type span struct{ i, j int }
	stack := []span{{0, len(pts) - 1}}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		a, b := pts[s.i], pts[s.j]
		dx, dy := b[0]-a[0], b[1]-a[1]
		l2 := dx*dx + dy*dy
		worst, at := -1.0, -1
		for k := s.i + 1; k < s.j; k++ {
			px, py := pts[k][0]-a[0], pts[k][1]-a[1]
			var d float64
			if l2 == 0 {
				d = math.Hypot(px, py)
			} else {
				t := math.Max(0, math.Min(1, (px*dx+py*dy)/l2))
				d = math.Hypot(px-t*dx, py-t*dy)
			}
			if d > worst {
				worst, at = d, k
			}
		}
		if worst > tol {
			keep[at] = true
			stack = append(stack, span{s.i, at}, span{at, s.j})
		}
	}
	out := make([][2]float64, 0, len(pts)/4)
	for i, k := range keep {
		if k {
			out = append(out, pts[i])
		}
	}
	return out
}

// FillString draws text at pt with its left end at pt (text drawn through textHandler is
// anchored properly instead).
func (c *svgCanvas) FillString(f font.Face, pt vg.Point, str string) {
	c.text(pt, str, "start", float64(f.Font.Size), c.top().color)
}

// text writes one line of text whose baseline anchor is at pt (canvas coordinates); the text
// runs along the current transform's x direction.
func (c *svgCanvas) text(pt vg.Point, str, anchor string, size float64, col color.Color) {
	m := c.top().m
	x, y := m.apply(pt)
	c.buf = append(c.buf, "<text"...)
	c.numAttr("x", x)
	c.numAttr("y", y)
	if anchor != "start" {
		c.attr("text-anchor", anchor)
	}
	if size != tickFontSize {
		c.numAttr("font-size", size)
	}
	if v, op := paint(col); v != "currentColor" || op != "" {
		c.attr("fill", v)
		if op != "" {
			c.attr("fill-opacity", op)
		}
	}
	if deg := math.Atan2(m.b, m.a) * 180 / math.Pi; math.Abs(deg) > 1e-6 {
		c.buf = append(c.buf, ` transform="rotate(`...)
		c.num(deg)
		c.buf = append(c.buf, ' ')
		c.num(x)
		c.buf = append(c.buf, ' ')
		c.num(y)
		c.buf = append(c.buf, `)"`...)
	}
	c.buf = append(c.buf, '>')
	c.buf = append(c.buf, html.EscapeString(str)...)
	c.buf = append(c.buf, "</text>\n"...)
}

// DrawImage draws img stretched over rect, with crisp pixels.
func (c *svgCanvas) DrawImage(rect vg.Rectangle, img image.Image) {
	m := c.top().m
	x0, y0 := m.apply(rect.Min)
	x1, y1 := m.apply(rect.Max)
	var png bytes.Buffer
	if err := pngEncoder.Encode(&png, img); err != nil {
		panic(fmt.Errorf("encoding image: %w", err))
	}
	c.buf = append(c.buf, "<image"...)
	c.numAttr("x", math.Min(x0, x1))
	c.numAttr("y", math.Min(y0, y1))
	c.numAttr("width", math.Abs(x1-x0))
	c.numAttr("height", math.Abs(y1-y0))
	c.buf = append(c.buf, ` preserveAspectRatio="none" style="image-rendering:pixelated" href="data:image/png;base64,`...)
	c.buf = base64.StdEncoding.AppendEncode(c.buf, png.Bytes())
	c.buf = append(c.buf, "\"/>\n"...)
}

var pngEncoder = png.Encoder{CompressionLevel: png.DefaultCompression}

// bytes returns the SVG document.
func (c *svgCanvas) bytes(title string) []byte {
	var b bytes.Buffer
	b.Grow(len(c.buf) + 512)
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" width="100%%" role="img" aria-label="%s" font-family="%s" font-size="%s" fill="currentColor">`+"\n",
		strconv.FormatFloat(c.w, 'f', -1, 64), strconv.FormatFloat(c.h, 'f', -1, 64), html.EscapeString(title), fontFamily, strconv.FormatFloat(tickFontSize, 'f', -1, 64))
	b.Write(c.buf)
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// svgOf returns the svgCanvas under c (draw.Canvas wraps canvases), or nil.
func svgOf(c vg.Canvas) *svgCanvas {
	for {
		switch v := c.(type) {
		case *svgCanvas:
			return v
		case draw.Canvas:
			c = v.Canvas
		case *draw.Canvas:
			c = v.Canvas
		default:
			return nil
		}
	}
}

// svgText is gonum/plot's plain text handler, except that on an svgCanvas it anchors text with
// text-anchor instead of offsetting it by its measured width, so that the alignment holds
// whichever font the browser substitutes.
type svgText struct{ text.Plain }

var textHandler = svgText{text.Plain{Fonts: font.DefaultCache}}

func (h svgText) Draw(cv vg.Canvas, txt string, sty text.Style, pt vg.Point) {
	c := svgOf(cv)
	if c == nil {
		h.Plain.Draw(cv, txt, sty, pt)
		return
	}
	lines := h.Lines(txt)
	if len(lines) == 0 || txt == "" {
		return
	}
	fnt := h.Fonts.Lookup(sty.Font, sty.Font.Size)
	c.Push()
	if sty.Rotation != 0 {
		c.Rotate(sty.Rotation)
	}
	sin64, cos64 := math.Sincos(sty.Rotation)
	sin, cos := vg.Length(sin64), vg.Length(cos64)
	pt.X, pt.Y = pt.Y*sin+pt.X*cos, pt.Y*cos-pt.X*sin
	pt.Y += sty.Height(txt)*vg.Length(sty.YAlign) - fnt.Extents().Ascent
	for i, line := range lines {
		q := pt.Add(vg.Point{Y: vg.Length(len(lines)-i) * sty.Font.Size})
		anchor := "start"
		switch sty.XAlign {
		case draw.XLeft:
		case draw.XCenter:
			anchor = "middle"
		case draw.XRight:
			anchor = "end"
		default:
			q.X += vg.Length(sty.XAlign) * fnt.Width(line)
		}
		c.text(q, line, anchor, float64(sty.Font.Size), sty.Color)
	}
	c.Pop()
}

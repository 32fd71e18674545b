package render

// The report's figures, drawn with gonum/plot on an svgcanvas.Canvas (and on a PDF canvas with
// -pdf). figureTable lists them, one builder function each; figures_line.go and figures_heat.go
// draw them, colorbar.go and ticks.go hold their parts.
//
// What the page's script updates carries a class, written here and read by templates/app.js
// (the payload header tells it which figure is which kind and draws which series):
//
//	<g class="data">        the data of the selected epoch: one group per series (line, scatter,
//	                        series figures) or the heatmap's image
//	<g class="marks">       the margin heatmap's training-pair marks, which do not change
//	<path class="zero">     the line y = 0 of the line and scatter figures
//	<text class="tick-y">   the y axis's tick labels
//	<image class="cbar">    the colour bar's gradient; <text class="cbar-tick"> its tick labels

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"runtime"
	"sync"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"maxgrok/compute"
	"maxgrok/render/pdfcanvas"
	"maxgrok/render/svgcanvas"
)

// Figure geometry, in SVG user units (CSS px at the natural size) and PDF points.
const (
	figWidth, figHeight   = 640.0, 400.0 // line, scatter and series figures
	heatWidth, heatHeight = 560.0, 460.0 // heatmaps: a square plot area and a colour bar
	tickFontSize          = 10.5         // tick labels, legend (the root's font-size)
	labelFontSize         = 12.0         // axis labels
	fontFamily            = "Liberation Sans, Arimo, Arial, Helvetica, sans-serif"
	maxSeriesPoints       = 4000 // longer series are reduced to the min and max of each bucket first
	marksScale            = 3    // margin marks: a dot of 1/marksScale of a cell at its centre
	maxMarkedVocab        = 256  // above this, training cells are tinted instead of dotted
)

// The classes of the SVG elements the page updates (see the top of this file).
const (
	classData         = "data"
	classMarks        = "marks"
	classZero         = "zero"
	classTickY        = "tick-y"
	classColorBar     = "cbar"
	classColorBarTick = "cbar-tick"
)

// The figure kinds: the page animates the first three with the slider and marks the selected
// epoch on the last.
const (
	kindLine    = "line"    // one polyline per series over the tokens
	kindScatter = "scatter" // one glyph per value
	kindHeatmap = "heatmap" // a V×V image
	kindSeries  = "series"  // curves over the epochs
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

// textHandler draws text anchored, so that it aligns in any fallback font.
var textHandler = classedText("")

// classedText is textHandler giving its text the class class.
func classedText(class string) svgcanvas.TextHandler {
	return svgcanvas.TextHandler{Plain: text.Plain{Fonts: font.DefaultCache}, Class: class}
}

// plotText is classedText(class) memoising its measurements in boxes (one plot's, drawn on one
// goroutine).
func plotText(class string, boxes *svgcanvas.TextBoxes) svgcanvas.TextHandler {
	h := classedText(class)
	h.Boxes = boxes
	return h
}

// figureRow is one figure of the report: its name (file stem, payload, {{figure "NAME"}}), the
// function that prepares it from a run (the animated kinds at the checkpoint in.at), and what
// else is made of it.
type figureRow struct {
	name  string
	build func(in *figInput) *figSpec
	// multiples: figures/NAME-phases.svg (and .pdf), the figure at each of the run's phases
	// (figures_multiples.go); for the kinds that change over training.
	multiples bool
	// gif: figures/NAME.gif with -gif (animations.go), over the checkpoints; a series figure
	// gets a moving epoch marker.
	gif bool
}

// figureTable lists the report's figures in their order. Adding a figure is adding a row.
func figureTable() []figureRow {
	return []figureRow{
		{name: "qk", build: qkFigure, multiples: true, gif: true},
		{name: "ov_centered", build: ovCenteredFigure, multiples: true, gif: true},
		{name: "ov", build: ovFigure, multiples: true},
		{name: "pos_qk", build: posQKFigure, multiples: true},
		{name: "irrelevant", build: irrelevantFigure, multiples: true},
		{name: "margin", build: marginFigure, multiples: true, gif: true},
		{name: "loss", build: lossFigure},
		{name: "accuracy", build: accuracyFigure, gif: true},
		{name: "l2_norm", build: l2NormFigure},
	}
}

// figInput is what the figure builders read: a checked run and its metrics.
type figInput struct {
	run     *compute.Run
	V, n    int
	at      *compute.Analysis // the analyses the animated kinds show: the final checkpoint's, or another's (small multiples, GIF frames)
	metrics metricSeries
	mask    []bool     // [V*V] training pairs
	epochs  [2]float64 // the x range of the series figures
	zRanges *memo      // the heatmaps' colour ranges over the run, by figure
}

// Figures draws the report's figures for a run whose Analyses are set (one per checkpoint), in
// the order of figureTable: qk, ov_centered, ov, pos_qk, irrelevant, margin, loss, accuracy,
// l2_norm. Animated kinds show the final checkpoint; every figure has a Frame whose ranges
// hold every checkpoint. The line, scatter and heatmap figures also get their small multiples
// (Figure.Multiples). With withPDF, each figure and its small multiples also get a PDF. The output depends only on
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

// figureSpecs prepares every figure of figureTable for run r, without drawing.
func figureSpecs(r *compute.Run) ([]*figSpec, error) {
	in, err := newFigInput(r)
	if err != nil {
		return nil, err
	}
	phases := multiplesPanels(Phases(r), r.Epochs)
	var specs []*figSpec
	for _, row := range figureTable() {
		s := row.build(in)
		s.name = row.name
		if row.multiples {
			s.multiples = in.multiples(row, phases)
		}
		specs = append(specs, s)
	}
	return specs, nil
}

// newFigInput checks run r and returns what the figure builders read of it, showing the final
// checkpoint.
func newFigInput(r *compute.Run) (*figInput, error) {
	if err := checkRun(r); err != nil {
		return nil, err
	}
	in := &figInput{run: r, V: r.Config.Vocab, n: r.Config.SeqLen, at: r.Analyses[len(r.Analyses)-1], metrics: runMetrics(r), zRanges: &memo{}}
	in.mask = compute.TrainMask(r.Config)
	if len(in.mask) != in.V*in.V {
		return nil, fmt.Errorf("training mask has %d entries, want %d", len(in.mask), in.V*in.V)
	}
	lastEpoch := float64(r.Epochs[len(r.Epochs)-1])
	if lastEpoch <= 0 {
		lastEpoch = 1
	}
	in.epochs = [2]float64{0, lastEpoch}
	return in, nil
}

// figSpec is one figure before drawing: draw draws it on a canvas and returns the plot area in
// the canvas's coordinates (origin bottom left); the rest is what the page reads of it (see
// Figure).
type figSpec struct {
	name, title, kind string
	w, h              float64
	frame             Frame // ranges; the geometry is filled in by render
	draw              func(c draw.Canvas) (vg.Rectangle, error)
	series            []FigureSeries
	axisLabels        []string
	xCount            int
	marks             string

	// For small multiples: panel draws the figure without what the panels share (the colour
	// bar, the legend), which key draws once; pw×ph is a panel's size.
	panel     func(c draw.Canvas) (vg.Rectangle, error)
	key       *figKey
	pw, ph    float64
	multiples *multiplesSpec // the figure at the run's phases, or nil
}

// figure returns the figure without its drawings.
func (s *figSpec) figure() Figure {
	return Figure{Name: s.name, Title: s.title, Kind: s.kind, Frame: s.frame,
		Series: s.series, AxisLabels: s.axisLabels, XCount: s.xCount, Marks: s.marks}
}

func (s *figSpec) render(withPDF bool) (f Figure, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("drawing failed: %v", v)
		}
	}()
	f = s.figure()
	images := &svgcanvas.ImageCache{} // the figure's and its small multiples' images
	sc := svgcanvas.New(s.w, s.h, svgcanvas.Options{FontFamily: fontFamily, FontSize: tickFontSize, Images: images})
	rect, err := s.draw(draw.New(sc))
	if err != nil {
		return f, err
	}
	f.SVG = sc.Bytes(s.title)
	f.Frame.Width, f.Frame.Height = s.w, s.h
	f.Frame.X0, f.Frame.X1 = float64(rect.Min.X), float64(rect.Max.X)
	f.Frame.Y0, f.Frame.Y1 = s.h-float64(rect.Max.Y), s.h-float64(rect.Min.Y)
	if withPDF {
		if f.PDF, err = s.pdf(); err != nil {
			return f, err
		}
	}
	if s.multiples != nil {
		if f.Multiples, err = s.multiples.render(withPDF, images); err != nil {
			return f, fmt.Errorf("small multiples: %w", err)
		}
	}
	return f, nil
}

// pdf draws the figure on a pdfcanvas.Canvas of w×h points (subset fonts, real text).
func (s *figSpec) pdf() ([]byte, error) {
	return drawPDF(s.w, s.h, s.title, s.draw)
}

// drawPDF returns the one-page PDF of w×h points that fn draws, titled title.
func drawPDF(w, h float64, title string, fn func(c draw.Canvas) (vg.Rectangle, error)) ([]byte, error) {
	pc := pdfcanvas.New(vg.Length(w), vg.Length(h))
	pc.SetTitle(title)
	if _, err := fn(draw.New(pc)); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := pc.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("writing PDF: %w", err)
	}
	return buf.Bytes(), nil
}

// ---------------------------------------------------------------------------------------------
// The builders, one a figure, in the order of figureTable.

func qkFigure(in *figInput) *figSpec {
	f := &xyFigure{
		xlabel: "input token", ylabel: "attention score (pre-softmax)",
		x: in.tokenRange(), y: in.yRange(func(a *compute.Analysis) []float64 { return a.QK }).padded(0.05), xticks: intTicks{}, zero: true,
		series: []xySeries{{name: "QK", slider: FigureSeries{Label: "QK", Array: "qk"}, xy: indexed(in.at.QK), line: true}},
	}
	return f.spec("QK circuit: the EOS query's attention score for each input token, minus its score for itself (pre-softmax)", kindLine, "token", in.V)
}

func ovCenteredFigure(in *figInput) *figSpec {
	f := in.heat("ov_centered", "output logit token", "input token", "logit - logit of the input token", nil)
	return f.spec("OV circuit, centred: each input token's contribution to each output logit, minus its contribution to its own logit",
		FigureSeries{Label: "centred logit", Array: "ov_centered"}, "input token", "output logit", "")
}

func ovFigure(in *figInput) *figSpec {
	f := in.heat("ov", "output logit token", "input token", "logit contribution", nil)
	return f.spec("OV circuit: each input token's contribution to each output logit (E + mean P)·V·O·U",
		FigureSeries{Label: "logit", Array: "ov"}, "input token", "output logit", "")
}

func posQKFigure(in *figInput) *figSpec {
	f := &xyFigure{
		xlabel: "position", ylabel: "attention score (pre-softmax)",
		x: [2]float64{-0.5, float64(in.n) - 0.5}, y: in.yRange(func(a *compute.Analysis) []float64 { return a.PosQK }).padded(0.08), xticks: intTicks{}, zero: true,
		series: []xySeries{{name: "positional QK", slider: FigureSeries{Label: "positional QK", Array: "pos_qk"}, xy: indexed(in.at.PosQK), glyph: draw.CircleGlyph{}, radius: 4}},
	}
	return f.spec("Positional contribution to the attention score: (P[p] − mean P) against the EOS query", kindScatter, "position", in.n)
}

func irrelevantFigure(in *figInput) *figSpec {
	V := in.V
	y := in.yRange(func(a *compute.Analysis) []float64 { return a.EOSDirect })
	for _, a := range in.run.Analyses {
		y.add(a.EOSOV...)
		y.add(a.PosOV...)
	}
	f := &xyFigure{
		xlabel: "output logit token", ylabel: "logit value",
		x: in.tokenRange(), y: y.padded(0.05), xticks: intTicks{}, zero: true, legend: true,
		series: []xySeries{
			{name: "EOS direct", slider: FigureSeries{Array: "eos_direct"}, xy: indexed(in.at.EOSDirect)},
			{name: "EOS through OV", slider: FigureSeries{Array: "eos_ov"}, xy: indexed(in.at.EOSOV)},
		},
	}
	for p := range in.n {
		f.series = append(f.series, xySeries{name: fmt.Sprintf("position %d through OV", p), slider: FigureSeries{Array: "pos_ov", Offset: p * V}, xy: indexed(in.at.PosOV[p*V : (p+1)*V])})
	}
	for i := range f.series {
		f.series[i].slider.Label = f.series[i].name
		f.series[i].glyph = seriesGlyphs[i%len(seriesGlyphs)]
		f.series[i].radius = 2.6
	}
	return f.spec("Contributions to the logits that do not depend on the input tokens", kindScatter, "token", V)
}

func marginFigure(in *figInput) *figSpec {
	f := in.heat("margin", "b (second input token)", "a (first input token)", "margin (logits)", in.mask)
	// Margins span two orders of magnitude over a run (about 100 while the model memorises, 10
	// to 20 at the end): a square-root colour scale keeps the small ones, which decide
	// correctness, visible.
	f.gamma = 0.5
	return f.spec("Margin of the correct logit over the largest other logit, for every input (a, b); dots mark the training pairs",
		FigureSeries{Label: "margin", Array: "margin"}, "a", "b", payloadTrainMask)
}

func lossFigure(in *figInput) *figSpec {
	m := &in.metrics
	train, test := perEpochXYs(m.EpochTrainLoss), in.perCheckpoint(m.TestLoss)
	lossY := newRange()
	for _, xys := range []plotter.XYs{train, test} {
		for _, xy := range xys {
			if xy.Y > 0 {
				lossY.add(xy.Y)
			}
		}
	}
	lossRange := decades(lossY)
	for _, xys := range []plotter.XYs{train, test} {
		for i := range xys {
			if !(xys[i].Y >= lossRange[0]) { // non-positive or NaN: at the bottom edge
				xys[i].Y = lossRange[0]
			}
		}
	}
	f := &xyFigure{
		xlabel: "epoch", ylabel: "loss", x: in.epochs, y: lossRange, logY: true, legend: true,
		series: []xySeries{
			{name: "train", slider: FigureSeries{Label: "train loss", Array: "train_loss"}, xy: reduce(train), line: true},
			{name: "test", slider: FigureSeries{Label: "test loss", Array: "test_loss"}, xy: reduce(test), line: true},
		},
	}
	return f.spec("Train loss (every epoch) and test loss (every checkpoint)", kindSeries, "epoch", 0)
}

func accuracyFigure(in *figInput) *figSpec {
	m := &in.metrics
	f := &xyFigure{
		xlabel: "epoch", ylabel: "accuracy", x: in.epochs, y: [2]float64{0, 1}, legend: true,
		series: []xySeries{
			{name: "train", slider: FigureSeries{Label: "train acc", Array: "train_acc"}, xy: reduce(perEpochXYs(m.EpochTrainAcc)), line: true},
			{name: "test", slider: FigureSeries{Label: "test acc", Array: "test_acc"}, xy: reduce(in.perCheckpoint(m.TestAcc)), line: true},
			{name: "all pairs (brute force)", slider: FigureSeries{Label: "all pairs", Array: "brute_force_acc"},
				xy: reduce(in.analysisSeries(func(a *compute.Analysis) float64 { return a.BruteForceAcc })), line: true},
			{name: "certified bound (cubic)", slider: FigureSeries{Label: "certified", Array: "cubic_bound"},
				xy: reduce(in.analysisSeries(func(a *compute.Analysis) float64 { return a.CubicBound })), line: true, dashed: true},
		},
	}
	return f.spec("Accuracy: train, test, all pairs (brute force), and the certified lower bound", kindSeries, "epoch", 0)
}

func l2NormFigure(in *figInput) *figSpec {
	norm := in.analysisSeries(func(a *compute.Analysis) float64 { return a.L2Norm })
	normY := newRange()
	for _, xy := range norm {
		normY.add(xy.Y)
	}
	normY.add(0)
	f := &xyFigure{
		xlabel: "epoch", ylabel: "L2 norm of the weights", x: in.epochs, y: [2]float64{0, normY.padded(0.06)[1]},
		series: []xySeries{{name: "L2 norm", slider: FigureSeries{Label: "L2 norm", Array: "l2_norm"}, xy: reduce(norm), line: true}},
	}
	return f.spec("L2 norm of all the weights", kindSeries, "epoch", 0)
}

// ---------------------------------------------------------------------------------------------
// What the builders share

// tokenRange is the x range of a per-token figure.
func (in *figInput) tokenRange() [2]float64 { return [2]float64{-0.5, float64(in.V) - 0.5} }

// yRange is the range of get's values over every checkpoint, and 0.
func (in *figInput) yRange(get func(a *compute.Analysis) []float64) valueRange {
	y := newRange()
	for _, a := range in.run.Analyses {
		y.add(get(a)...)
	}
	y.add(0)
	return y
}

// heat returns the heatmap of the analysis called name at checkpoint in.at, its colour range
// that of every checkpoint (the largest |value|, AnalysisSpec.MaxAbs, taken once per name: the
// small multiples and the GIF frames build the figure again for each checkpoint they show).
func (in *figInput) heat(name string, xlabel, ylabel, zlabel string, marks []bool) *heatFigure {
	spec := compute.AnalysisByName(name)
	z := in.zRanges.get(name, func() float64 {
		z := 0.0
		for _, a := range in.run.Analyses {
			z = max(z, spec.MaxAbs(a))
		}
		if z == 0 {
			z = 1
		}
		return z
	})
	return &heatFigure{V: in.V, values: spec.Values(in.at), z: z, gamma: 1, xlabel: xlabel, ylabel: ylabel, zlabel: zlabel, marks: marks}
}

// memo holds values computed once, by key; it is safe for concurrent use.
type memo struct {
	mu sync.Mutex
	m  map[string]float64
}

func (m *memo) get(key string, compute func() float64) float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.m[key]
	if !ok {
		if m.m == nil {
			m.m = map[string]float64{}
		}
		v = compute()
		m.m[key] = v
	}
	return v
}

// perCheckpoint returns the points (r.Epochs[i], v[i]).
func (in *figInput) perCheckpoint(v []float64) plotter.XYs {
	xy := make(plotter.XYs, len(v))
	for i, y := range v {
		xy[i] = plotter.XY{X: float64(in.run.Epochs[i]), Y: y}
	}
	return xy
}

// analysisSeries returns the points (r.Epochs[i], get(analysis i)).
func (in *figInput) analysisSeries(get func(a *compute.Analysis) float64) plotter.XYs {
	return in.perCheckpoint(func() []float64 {
		v := make([]float64, len(in.run.Analyses))
		for i, a := range in.run.Analyses {
			v[i] = get(a)
		}
		return v
	}())
}

// perEpochXYs returns the points (e, v[e]) of a per-epoch series, non-finite ones included
// (reduce drops them).
func perEpochXYs(v []float64) plotter.XYs {
	xy := make(plotter.XYs, len(v))
	for e, y := range v {
		xy[e] = plotter.XY{X: float64(e), Y: y}
	}
	return xy
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
		if err := a.Check(compute.DimsOf(r.Config), false, false); err != nil {
			return err
		}
	}
	return nil
}

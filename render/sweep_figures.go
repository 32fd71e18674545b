package render

// The sweep page's figures, drawn with gonum/plot on the svgcanvas like the report's:
//
//	phases       two axes besides a seed axis: one cell per pair of values, coloured by the
//	             share of its runs in each phase, labelled with the median grokked epoch; in
//	             the page each cell links to a run and is a <g class="cell" data-cell="K">
//	             whose <text class="acc"> the slider rewrites
//	grok_vs      one axis besides a seed axis: the grokked epoch of every run against the
//	             value, the median a line, "never" drawn in a band above the epochs
//	ecdf         a seed axis: the share of runs grokked by each epoch, with the share never
//	curves       every run's test accuracy, one <g class="curve r-K"> per run K
//
// The slider draws a line.marker on the figures over epochs (ecdf, curves). With -pdf each
// figure is drawn again on a pdfcanvas (the page's links are added to its SVG copy only); with
// -gif the phase diagram is drawn at each epoch (phaseGrid.viewAt, sweep_animations.go).

import (
	"fmt"
	"image/color"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"maxgrok/render/svgcanvas"
)

// sweepFig is one figure of the sweep page.
type sweepFig struct {
	name, title, caption string
	svg                  []byte                                    // figures/NAME.svg
	pdf                  []byte                                    // figures/NAME.pdf (with -pdf): drawn as svg, without the page's links
	inline               []byte                                    // the SVG in the page (the phase diagram's cells link to runs)
	draw                 func(c draw.Canvas) (vg.Rectangle, error) // draws the figure (for the GIF)
	grid                 *phaseGrid                                // phases: to draw it at other epochs
	frame                Frame
	overEpochs           bool    // x is the epoch: the slider marks it
	cells                [][]int // phases: the runs of each cell
}

// sweepLayout is how the axes of a sweep are shown.
type sweepLayout struct {
	seed   int   // the seed axis, or -1
	others []int // the other axes, in order
	index  [][]int
}

func layoutOf(d SweepData) sweepLayout {
	l := sweepLayout{seed: -1}
	for i, a := range d.Axes {
		if a.Seed && l.seed < 0 {
			l.seed = i
		} else {
			l.others = append(l.others, i)
		}
	}
	l.index = make([][]int, len(d.Runs))
	for r, run := range d.Runs {
		l.index[r] = make([]int, len(d.Axes))
		for k, a := range d.Axes {
			l.index[r][k] = slices.Index(a.Values, run.Values[k])
		}
	}
	return l
}

func lastEpoch(d SweepData) float64 {
	e := 1.0
	for _, r := range d.Runs {
		if n := len(r.Epochs); n > 0 {
			e = max(e, float64(r.Epochs[n-1]))
		}
	}
	return e
}

// sweepFigures draws the sweep's figures (those its axes call for, in the page's order); with
// withPDF each also as PDF.
func sweepFigures(d SweepData, withPDF bool) ([]sweepFig, error) {
	l := layoutOf(d)
	var figs []sweepFig
	add := func(f sweepFig, err error) error {
		if err != nil {
			return fmt.Errorf("figure %s: %w", f.name, err)
		}
		if f.inline == nil {
			f.inline = f.svg
		}
		f.inline = svgProlog.ReplaceAll(f.inline, nil)
		figs = append(figs, f)
		return nil
	}
	if len(l.others) == 2 {
		if err := add(phaseDiagram(d, l, withPDF)); err != nil {
			return nil, err
		}
	}
	if len(l.others) == 1 {
		if err := add(grokVsValue(d, l, withPDF)); err != nil {
			return nil, err
		}
	}
	if l.seed >= 0 {
		if err := add(grokECDF(d, l, withPDF)); err != nil {
			return nil, err
		}
	}
	if err := add(accuracyCurves(d, withPDF)); err != nil {
		return nil, err
	}
	return figs, nil
}

// labelTicks marks the integers 0..n-1 with labels.
type labelTicks []string

func (t labelTicks) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	step := max(1, len(t)/16)
	for i, s := range t {
		if i%step == 0 {
			out = append(out, plot.Tick{Value: float64(i), Label: s})
		}
	}
	return out
}

// renderFig draws f with drawf on a w×h SVG (and, withPDF, a PDF of w×h points), setting its
// svg, pdf, frame and draw.
func renderFig(f *sweepFig, w, h float64, frame Frame, withPDF bool, drawf func(c draw.Canvas) (vg.Rectangle, error)) error {
	s := &figSpec{name: f.name, title: f.title, w: w, h: h, frame: frame, draw: drawf}
	fig, err := s.render(withPDF)
	f.svg, f.pdf, f.frame, f.draw = fig.SVG, fig.PDF, fig.Frame, drawf
	return err
}

func phaseColor(p string, alpha float64) color.NRGBA {
	c, ok := phaseColors[p]
	if !ok {
		c = phaseColors["failed"]
	}
	return color.NRGBA{c[0], c[1], c[2], uint8(math.Round(alpha * 255))}
}

// grokKey orders grokked epochs with never (-1) last.
func grokKey(e int) float64 {
	if e < 0 {
		return math.Inf(1)
	}
	return float64(e)
}

// medianGrok is the lower median of the runs' grokked epochs, never counting as the latest (-1
// if the median run never groks).
func medianGrok(d SweepData, runs []int) int {
	g := make([]int, len(runs))
	for i, r := range runs {
		g[i] = d.Runs[r].Grokked
	}
	sort.Slice(g, func(a, b int) bool { return grokKey(g[a]) < grokKey(g[b]) })
	return g[(len(g)-1)/2]
}

// cellAnchor is the id of the list of cell k's runs on the sweep page.
func cellAnchor(k int) string { return fmt.Sprintf("cell-%d", k) }

// cellRuns lists, for a phase diagram whose cells hold several runs, each cell's runs: the
// targets of the cells' links on the page.
func cellRuns(d SweepData, g *phaseGrid) []cellRunsView {
	// Within a cell, the runs differ in the other axes (the seed's): name them by those.
	var rest []int
	for a := range d.Axes {
		if d.Axes[a].Key != g.ax.Key && d.Axes[a].Key != g.ay.Key {
			rest = append(rest, a)
		}
	}
	var out []cellRunsView
	for k, runs := range g.cells {
		if len(runs) < 2 {
			continue
		}
		i, j := k/g.nx, k%g.nx
		v := cellRunsView{ID: cellAnchor(k), Label: fmt.Sprintf("%s = %s, %s = %s", g.ay.Key, g.ay.Values[i], g.ax.Key, g.ax.Values[j])}
		for _, r := range runs {
			run := d.Runs[r]
			grok := "never groks"
			if run.Grokked >= 0 {
				grok = fmt.Sprintf("groks at %d", run.Grokked)
			}
			var name []string
			for _, a := range rest {
				name = append(name, d.Axes[a].Key+"="+run.Values[a])
			}
			v.Runs = append(v.Runs, cellRunView{Name: strings.Join(name, ","), Href: run.Href, Phase: run.Phase, Grok: grok})
		}
		out = append(out, v)
	}
	return out
}

// cellRunsView is one cell's runs, as the sweep page lists them.
type cellRunsView struct {
	ID, Label string
	Runs      []cellRunView
}

type cellRunView struct {
	Name, Href, Phase, Grok string
}

var cellOpen = regexp.MustCompile(`<g class="cell cell-(\d+)">\n`)

// phaseGrid is the phase diagram before drawing: its axes, its cells (the runs of each) and
// its geometry. draw draws it showing a cellView: the static figure shows the final phases
// (finalView), the GIF's frames the phases so far at each epoch (viewAt).
type phaseGrid struct {
	d        *SweepData
	ay, ax   SweepAxis // rows (y) and columns (x)
	nx, ny   int
	cells    [][]int // the runs of cell i*nx+j (row i, column j)
	title    string
	w, h     float64
	frame    Frame
	epochs   []int // the slider's epochs
	lastSeen int   // the sweep's last checkpoint epoch
}

// cellView is what the phase diagram shows: each run's phase (its stripe's colour), each
// cell's label ("grok N", "never", "not yet") and its test accuracy line, and the phases the
// legend lists.
type cellView struct {
	phase  []string // by run
	label  []string // by cell
	acc    []string // by cell, e.g. "test 97%"
	legend []string
}

func newPhaseGrid(d *SweepData, l sweepLayout) *phaseGrid {
	g := &phaseGrid{d: d, ay: d.Axes[l.others[0]], ax: d.Axes[l.others[1]]}
	g.ny, g.nx = len(g.ay.Values), len(g.ax.Values)
	g.cells = make([][]int, g.nx*g.ny)
	for r := range d.Runs {
		i, j := l.index[r][l.others[0]], l.index[r][l.others[1]]
		g.cells[i*g.nx+j] = append(g.cells[i*g.nx+j], r)
	}
	g.title = fmt.Sprintf("Phase diagram: %s against %s", g.ay.Key, g.ax.Key)
	g.w = figWidth
	g.h = math.Min(640, math.Max(280, 110+56*float64(g.ny)))
	g.frame = Frame{XMin: -0.5, XMax: float64(g.nx) - 0.5, YMin: -0.5, YMax: float64(g.ny) - 0.5}
	g.epochs = unionEpochs(d.Runs)
	if n := len(g.epochs); n > 0 {
		g.lastSeen = g.epochs[n-1]
	}
	return g
}

// legendOf lists the phases of sweepPhases that phases holds.
func legendOf(phases ...[]string) []string {
	present := map[string]bool{}
	for _, ps := range phases {
		for _, p := range ps {
			present[p] = true
		}
	}
	var out []string
	for _, p := range sweepPhases {
		if present[p] {
			out = append(out, p)
		}
	}
	return out
}

// finalView is the static figure's view: each run's phase, the median grokked epoch and the
// mean final test accuracy of each cell.
func (g *phaseGrid) finalView() cellView {
	v := cellView{phase: make([]string, len(g.d.Runs)), label: make([]string, len(g.cells)), acc: make([]string, len(g.cells))}
	for r, run := range g.d.Runs {
		v.phase[r] = run.Phase
	}
	for k, runs := range g.cells {
		if len(runs) == 0 {
			continue
		}
		v.label[k] = "never"
		if m := medianGrok(*g.d, runs); m >= 0 {
			v.label[k] = "grok " + strconv.Itoa(m)
		}
		mean, n := 0.0, 0
		for _, r := range runs {
			if a := g.d.Runs[r].FinalTestAcc; !math.IsNaN(a) {
				mean += a
				n++
			}
		}
		v.acc[k] = "test –"
		if n > 0 {
			v.acc[k] = "test " + pct(mean/float64(n))
		}
	}
	v.legend = g.legendOver(g.epochs, v.phase)
	return v
}

// legendOver lists the phases of sweepPhases that some run is in at one of the epochs (its
// phase so far), or that final holds: the legend of a diagram shown at each of those epochs (by
// the page's slider, the GIF's frames), so that it stays put.
func (g *phaseGrid) legendOver(epochs []int, final []string) []string {
	seen := slices.Clone(final)
	for r := range g.d.Runs {
		prev := ""
		for _, e := range epochs {
			if ph := phaseSoFar(&g.d.Runs[r], e); ph != prev {
				seen, prev = append(seen, ph), ph
			}
		}
	}
	return legendOf(seen)
}

// phaseSoFar is run's phase as far as its metrics up to epoch e tell: confusion until it fits,
// memorization until it groks, then its phase (diverged and failed runs, which have no
// metrics, keep theirs).
func phaseSoFar(run *SweepRun, e int) string {
	switch {
	case run.Phase == "diverged" || run.Phase == "failed":
		return run.Phase
	case run.Memorised < 0 || run.Memorised > e:
		return "confusion"
	case run.Grokked < 0 || run.Grokked > e:
		return "memorization"
	}
	return run.Phase
}

// viewAt is the view at slider epoch e: each run's phase so far, the median of the grokked
// epochs reached by e ("not yet" if the median run has not grokked by then, "never" at the
// last epoch), and each cell's test accuracy at e as the page's slider writes it (the mean of
// its runs' quantised accuracies).
func (g *phaseGrid) viewAt(e int) cellView {
	v := cellView{phase: make([]string, len(g.d.Runs)), label: make([]string, len(g.cells)), acc: make([]string, len(g.cells))}
	for r := range g.d.Runs {
		v.phase[r] = phaseSoFar(&g.d.Runs[r], e)
	}
	for k, runs := range g.cells {
		if len(runs) == 0 {
			continue
		}
		grok := make([]int, len(runs))
		sum, n := 0.0, 0
		for i, r := range runs {
			run := &g.d.Runs[r]
			grok[i] = run.Grokked
			if grok[i] > e {
				grok[i] = -1
			}
			if a := accAt(run, e); !math.IsNaN(a) {
				sum += math.Round(math.Max(0, math.Min(1, a))*sweepLevels) / sweepLevels
				n++
			}
		}
		sort.Slice(grok, func(a, b int) bool { return grokKey(grok[a]) < grokKey(grok[b]) })
		switch m := grok[(len(grok)-1)/2]; {
		case m >= 0:
			v.label[k] = "grok " + strconv.Itoa(m)
		case e >= g.lastSeen:
			v.label[k] = "never"
		default:
			v.label[k] = "not yet"
		}
		v.acc[k] = "test –"
		if n > 0 {
			v.acc[k] = "test " + pct(sum/float64(n))
		}
	}
	return v
}

// swatch is a legend entry's thumbnail: a box of a phase's colour at the cells' opacity.
type swatch struct{ col color.Color }

func (s swatch) Thumbnail(c *draw.Canvas) {
	h := c.Max.Y - c.Min.Y
	y0 := c.Min.Y + h*0.1
	c.SetColor(s.col)
	c.Fill(rectPath(c.Min.X, y0, c.Max.X, y0+h*0.8))
}

// draw returns the function drawing the diagram as v shows it; in SVG each cell is a
// <g class="cell cell-K"> and its accuracy line a <text class="acc">.
func (g *phaseGrid) draw(v cellView) func(c draw.Canvas) (vg.Rectangle, error) {
	return func(c draw.Canvas) (vg.Rectangle, error) {
		p := newPlot(g.ax.Key, g.ay.Key)
		p.X.Tick.Marker = labelTicks(mapStrings(g.ax.Values, shortValue))
		p.Y.Tick.Marker = labelTicks(mapStrings(g.ay.Values, shortValue))
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = g.frame.XMin, g.frame.XMax, g.frame.YMin, g.frame.YMax
		legend := newLegend()
		legend.ThumbnailWidth = 14
		for _, ph := range v.legend {
			legend.Add(ph, swatch{phaseColor(ph, 0.5)})
		}
		rect := drawBesideLegend(c, p, legend)
		dc := draw.Canvas{Canvas: c.Canvas, Rectangle: rect}
		trX, trY := p.Transforms(&dc)
		sc := svgcanvas.Of(c.Canvas)
		for k, runs := range g.cells {
			if len(runs) == 0 {
				continue
			}
			i, j := k/g.nx, k%g.nx
			x0, x1 := trX(float64(j)-0.5)+1, trX(float64(j)+0.5)-1
			y0, y1 := trY(float64(i)-0.5)+1, trY(float64(i)+0.5)-1
			if sc != nil {
				sc.OpenGroup("cell cell-" + strconv.Itoa(k))
			}
			x := x0
			for _, ph := range sweepPhases {
				n := 0
				for _, r := range runs {
					if v.phase[r] == ph {
						n++
					}
				}
				if n == 0 {
					continue
				}
				wd := (x1 - x0) * vg.Length(n) / vg.Length(len(runs))
				c.SetColor(phaseColor(ph, 0.5))
				c.Fill(rectPath(x, y0, x+wd, y1))
				x += wd
			}
			cw, ch := float64(x1-x0), float64(y1-y0)
			size := math.Min(14, math.Min(ch/3.2, cw/7.5))
			if size >= 5 {
				cx, cy := (x0+x1)/2, (y0+y1)/2
				sty := text.Style{Color: svgcanvas.Foreground, Font: font.From(sansFont, vg.Length(size)), Handler: textHandler, XAlign: draw.XCenter, YAlign: draw.YCenter}
				c.FillText(sty, vg.Point{X: cx, Y: cy + vg.Length(size*0.65)}, v.label[k])
				sty.Handler = classedText("acc")
				sty.Font.Size = vg.Length(size * 0.9)
				c.FillText(sty, vg.Point{X: cx, Y: cy - vg.Length(size*0.7)}, v.acc[k])
			}
			if sc != nil {
				sc.CloseGroup()
			}
		}
		return rect, nil
	}
}

func phaseDiagram(d SweepData, l sweepLayout, withPDF bool) (sweepFig, error) {
	g := newPhaseGrid(&d, l)
	f := sweepFig{name: "phases", cells: g.cells, title: g.title, grid: g}
	seeds := ""
	if l.seed >= 0 {
		seeds = fmt.Sprintf(" over the %d values of %s (each cell's colours are the share of its runs in each phase)", len(d.Axes[l.seed].Values), d.Axes[l.seed].Key)
	}
	f.caption = "Each cell is coloured by phase" + seeds + " at the selected epoch, as far as the metrics up to it tell (confusion until train accuracy reaches 1.0, memorization until test accuracy reaches 99%, then the run's phase), and labelled with the median epoch at which test accuracy reaches 99% by then (\"not yet\" if the median run has not, \"never\" at the last epoch); its second line is the test accuracy at the selected epoch (the mean over its runs). A cell links to its run's report, or, with several runs, to the list of its runs below."
	if err := renderFig(&f, g.w, g.h, g.frame, withPDF, g.draw(g.finalView())); err != nil {
		return f, err
	}
	svg := f.svg
	// The page's copy: each cell in a link to its run's report, or, for a cell of several runs
	// (a seed axis), to the list of its runs under the figure (cellRuns).
	inline := cellOpen.ReplaceAllFunc(svg, func(m []byte) []byte {
		k, _ := strconv.Atoi(string(cellOpen.FindSubmatch(m)[1]))
		href := ""
		switch runs := f.cells[k]; {
		case len(runs) > 1:
			href = "#" + cellAnchor(k)
		case len(runs) == 1 && d.Runs[runs[0]].Href != "":
			href = d.Runs[runs[0]].Href + "index.html"
		}
		g := fmt.Sprintf(`<g class="cell" data-cell="%d">`+"\n", k)
		if href == "" {
			return []byte(`<a>` + g)
		}
		return []byte(`<a href="` + href + `">` + g)
	})
	// close each cell's link after its group (cells hold no nested group)
	var out []byte
	rest := inline
	for {
		at := strings.Index(string(rest), `<g class="cell" data-cell=`)
		if at < 0 {
			out = append(out, rest...)
			break
		}
		end := strings.Index(string(rest[at:]), "</g>\n")
		out = append(out, rest[:at+end+5]...)
		out = append(out[:len(out)-1], "</a>\n"...)
		rest = rest[at+end+5:]
	}
	f.inline = out
	return f, nil
}

func mapStrings(xs []string, f func(string) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

func rectPath(x0, y0, x1, y1 vg.Length) vg.Path {
	var p vg.Path
	p.Move(vg.Point{X: x0, Y: y0})
	p.Line(vg.Point{X: x1, Y: y0})
	p.Line(vg.Point{X: x1, Y: y1})
	p.Line(vg.Point{X: x0, Y: y1})
	p.Close()
	return p
}

// numericValues returns the axis's values as numbers, if they all are.
func numericValues(vals []string) ([]float64, bool) {
	out := make([]float64, len(vals))
	for i, v := range vals {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, false
		}
		out[i] = x
	}
	return out, true
}

func grokVsValue(d SweepData, l sweepLayout, withPDF bool) (sweepFig, error) {
	a := d.Axes[l.others[0]]
	f := sweepFig{name: "grok_vs", title: fmt.Sprintf("Grokked epoch against %s", a.Key)}
	f.caption = fmt.Sprintf("The first checkpoint with test accuracy ≥ 99%% of each run (a point each) against its %s; the line joins the medians. Runs that never reach it are drawn in the band \"never\", above the epochs.", a.Key)
	xs, numeric := numericValues(a.Values)
	logX := false
	if numeric {
		lo, hi := slices.Min(xs), slices.Max(xs)
		logX = lo > 0 && hi/lo >= 10
	} else {
		xs = make([]float64, len(a.Values))
		for i := range xs {
			xs[i] = float64(i)
		}
	}
	maxE := lastEpoch(d)
	never := maxE * 1.1
	var pts, never0 plotter.XYs
	var med plotter.XYs
	groups := make([][]int, len(a.Values))
	for r := range d.Runs {
		k := l.index[r][l.others[0]]
		groups[k] = append(groups[k], r)
	}
	for k, runs := range groups {
		for _, r := range runs {
			if g := d.Runs[r].Grokked; g >= 0 {
				pts = append(pts, plotter.XY{X: xs[k], Y: float64(g)})
			} else {
				never0 = append(never0, plotter.XY{X: xs[k], Y: never})
			}
		}
		if len(runs) > 0 {
			m := never
			if g := medianGrok(d, runs); g >= 0 {
				m = float64(g)
			}
			med = append(med, plotter.XY{X: xs[k], Y: m})
		}
	}
	sort.SliceStable(med, func(i, j int) bool { return med[i].X < med[j].X })
	xr := newRange()
	xr.add(xs...)
	var xlim [2]float64
	if logX {
		l0, l1 := math.Log10(xr.lo), math.Log10(xr.hi)
		pad := (l1 - l0) * 0.06
		xlim = [2]float64{math.Pow(10, l0-pad), math.Min(math.MaxFloat64, math.Pow(10, l1+pad))}
	} else if numeric {
		xlim = xr.padded(0.06)
	} else {
		xlim = [2]float64{-0.5, float64(len(xs)) - 0.5}
	}
	frame := Frame{XMin: xlim[0], XMax: xlim[1], YMin: 0, YMax: maxE * 1.16}
	err := renderFig(&f, figWidth, figHeight, frame, withPDF, func(c draw.Canvas) (vg.Rectangle, error) {
		p := newPlot(a.Key, "grokked epoch (test acc ≥ 99%)")
		switch {
		case !numeric || len(a.Values) <= 12:
			ticks := valueTicks{xs: xs, labels: mapStrings(a.Values, shortValue)}
			p.X.Tick.Marker = ticks
		case logX:
			p.X.Tick.Marker = decadeTicks{}
		}
		if logX {
			p.X.Scale = plot.LogScale{}
		}
		p.Y.Tick.Marker = neverTicks{max: maxE, never: never}
		grid := plotter.NewGrid()
		grid.Vertical.Color, grid.Horizontal.Color = svgcanvas.Grid, svgcanvas.Grid
		grid.Vertical.Width, grid.Horizontal.Width = 0.8, 0.8
		p.Add(grid)
		p.Add(hline{y: maxE * 1.04, style: draw.LineStyle{Color: svgcanvas.Zero, Width: 0.8, Dashes: []vg.Length{3, 3}}})
		if len(med) > 0 {
			ln, err := plotter.NewLine(med)
			if err != nil {
				return vg.Rectangle{}, err
			}
			ln.LineStyle = draw.LineStyle{Color: seriesColors[1], Width: 1.8}
			p.Add(tagged{"median", ln})
		}
		legend := newLegend()
		for _, s := range []struct {
			name  string
			xy    plotter.XYs
			col   color.Color
			glyph draw.GlyphDrawer
		}{{"a run", pts, seriesColors[0], draw.CircleGlyph{}}, {"a run that never groks", never0, seriesColors[3], diamondGlyph{}}} {
			if len(s.xy) == 0 {
				continue
			}
			sp, err := plotter.NewScatter(s.xy)
			if err != nil {
				return vg.Rectangle{}, err
			}
			sp.GlyphStyle = draw.GlyphStyle{Color: s.col, Radius: 3, Shape: s.glyph}
			p.Add(tagged{classData, sp})
			legend.Add(s.name, sp)
		}
		if len(med) > 0 {
			ln, _ := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}})
			ln.LineStyle = draw.LineStyle{Color: seriesColors[1], Width: 1.8}
			legend.Add("median", ln)
		}
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = frame.XMin, frame.XMax, frame.YMin, frame.YMax
		return drawBesideLegend(c, p, legend), nil
	})
	return f, err
}

// drawBesideLegend draws p with legend on its right, outside the plot area, as the report's
// figures do, and returns the plot area.
func drawBesideLegend(c draw.Canvas, p *plot.Plot, legend plot.Legend) vg.Rectangle {
	area := draw.Crop(c, 4, -14, 4, -12)
	lw := legend.Rectangle(area).Size().X
	area = draw.Crop(area, 0, -(lw + 18), 0, 0)
	p.Draw(area)
	rect := p.DataCanvas(area).Rectangle
	legend.Top, legend.Left = true, true
	legend.Draw(draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
		Min: vg.Point{X: rect.Max.X + 18, Y: rect.Min.Y},
		Max: vg.Point{X: c.Max.X - 4, Y: rect.Max.Y},
	}})
	return rect
}

// valueTicks marks the swept values.
type valueTicks struct {
	xs     []float64
	labels []string
}

func (t valueTicks) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	for i, x := range t.xs {
		out = append(out, plot.Tick{Value: x, Label: t.labels[i]})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Value < out[j].Value })
	return out
}

// neverTicks are niceTicks up to max, and "never" at never.
type neverTicks struct{ max, never float64 }

func (t neverTicks) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	for _, tk := range (niceTicks{}).Ticks(0, t.max) {
		if tk.Value <= t.max {
			out = append(out, tk)
		}
	}
	return append(out, plot.Tick{Value: t.never, Label: "never"})
}

func grokECDF(d SweepData, l sweepLayout, withPDF bool) (sweepFig, error) {
	s := d.Axes[l.seed]
	f := sweepFig{name: "ecdf", title: fmt.Sprintf("Share of runs grokked by each epoch, over %d values of %s", len(s.Values), s.Key), overEpochs: true}
	f.caption = "For each epoch, the share of runs whose test accuracy has reached 99% (the empirical distribution function of the grokked epoch); the legend gives the share that never does."
	type group struct {
		label string
		runs  []int
	}
	groups := []group{{label: "all runs"}}
	if len(l.others) == 1 && len(d.Axes[l.others[0]].Values) <= len(seriesColors) {
		a := d.Axes[l.others[0]]
		groups = nil
		for _, v := range a.Values {
			groups = append(groups, group{label: a.Key + " " + shortValue(v)})
		}
		for r := range d.Runs {
			k := l.index[r][l.others[0]]
			groups[k].runs = append(groups[k].runs, r)
		}
	} else {
		for r := range d.Runs {
			groups[0].runs = append(groups[0].runs, r)
		}
	}
	maxE := lastEpoch(d)
	frame := Frame{XMin: 0, XMax: maxE, YMin: 0, YMax: 1}
	err := renderFig(&f, figWidth, figHeight, frame, withPDF, func(c draw.Canvas) (vg.Rectangle, error) {
		p := newPlot("epoch", "share of runs with test acc ≥ 99%")
		grid := plotter.NewGrid()
		grid.Vertical.Color, grid.Horizontal.Color = svgcanvas.Grid, svgcanvas.Grid
		grid.Vertical.Width, grid.Horizontal.Width = 0.8, 0.8
		p.Add(grid)
		legend := newLegend()
		for gi, g := range groups {
			var ep []float64
			for _, r := range g.runs {
				if e := d.Runs[r].Grokked; e >= 0 {
					ep = append(ep, float64(e))
				}
			}
			sort.Float64s(ep)
			n := float64(max(1, len(g.runs)))
			xy := plotter.XYs{{X: 0, Y: 0}}
			for k, e := range ep {
				xy = append(xy, plotter.XY{X: e, Y: float64(k) / n}, plotter.XY{X: e, Y: float64(k+1) / n})
			}
			xy = append(xy, plotter.XY{X: maxE, Y: float64(len(ep)) / n})
			ln, err := plotter.NewLine(xy)
			if err != nil {
				return vg.Rectangle{}, err
			}
			ln.LineStyle = draw.LineStyle{Color: seriesColors[gi%len(seriesColors)], Width: 1.8}
			p.Add(tagged{classData, ln})
			legend.Add(fmt.Sprintf("%s (never: %s)", g.label, pct(1-float64(len(ep))/n)), ln)
		}
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = frame.XMin, frame.XMax, frame.YMin, frame.YMax
		return drawBesideLegend(c, p, legend), nil
	})
	return f, err
}

func accuracyCurves(d SweepData, withPDF bool) (sweepFig, error) {
	f := sweepFig{name: "curves", title: fmt.Sprintf("Test accuracy of every run (%d), coloured by phase", len(d.Runs)), overEpochs: true}
	f.caption = "Hover a curve to highlight it and name its run; the dashed line is the selected epoch."
	maxE := lastEpoch(d)
	frame := Frame{XMin: 0, XMax: maxE, YMin: 0, YMax: 1}
	err := renderFig(&f, figWidth, figHeight, frame, withPDF, func(c draw.Canvas) (vg.Rectangle, error) {
		p := newPlot("epoch", "test accuracy")
		grid := plotter.NewGrid()
		grid.Vertical.Color, grid.Horizontal.Color = svgcanvas.Grid, svgcanvas.Grid
		grid.Vertical.Width, grid.Horizontal.Width = 0.8, 0.8
		p.Add(grid)
		alpha := math.Max(0.25, math.Min(0.85, 6/math.Sqrt(float64(len(d.Runs)+1))))
		for k, r := range d.Runs {
			if len(r.Epochs) == 0 {
				continue
			}
			xy := make(plotter.XYs, len(r.Epochs))
			for i, e := range r.Epochs {
				xy[i] = plotter.XY{X: float64(e), Y: r.TestAcc[i]}
			}
			ln, err := plotter.NewLine(dropFlat(reduce(xy)))
			if err != nil {
				return vg.Rectangle{}, fmt.Errorf("run %s: %w", r.Name, err)
			}
			ln.LineStyle = draw.LineStyle{Color: phaseColor(r.Phase, alpha), Width: 1.2}
			p.Add(tagged{"curve r-" + strconv.Itoa(k), ln})
		}
		legend := newLegend()
		present := map[string]bool{}
		for _, r := range d.Runs {
			present[r.Phase] = true
		}
		for _, ph := range sweepPhases {
			if present[ph] && ph != "diverged" && ph != "failed" {
				ln, _ := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}})
				ln.LineStyle = draw.LineStyle{Color: phaseColor(ph, 1), Width: 2}
				legend.Add(ph, ln)
			}
		}
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = frame.XMin, frame.XMax, frame.YMin, frame.YMax
		return drawBesideLegend(c, p, legend), nil
	})
	return f, err
}

// dropFlat drops the points of a polyline whose neighbours have the same y (a test accuracy
// stays put for long stretches, at 1 after grokking): the line drawn is the same, the SVG and
// PDF of a large sweep much smaller.
func dropFlat(xy plotter.XYs) plotter.XYs {
	if len(xy) < 3 {
		return xy
	}
	out := plotter.XYs{xy[0]}
	for i := 1; i < len(xy)-1; i++ {
		if xy[i-1].Y != xy[i].Y || xy[i+1].Y != xy[i].Y {
			out = append(out, xy[i])
		}
	}
	return append(out, xy[len(xy)-1])
}

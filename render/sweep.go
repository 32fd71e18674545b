package render

// The sweep page: a grid of runs compared (README.md, "Sweeps"). Its figures are drawn in
// sweep_figures.go, its payload in sweep_payload.go; the page is templates/sweep.html and its
// script templates/sweep.js (after templates/slider.js, which it shares with the run report).

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// SweepAxis is one axis of a sweep: its config key and values, in sweep order.
type SweepAxis struct {
	Key    string
	Values []string
	Seed   bool // a seed axis (model_seed or seed): repetitions, not a parameter
}

// SweepRun is what the sweep page shows of one run.
type SweepRun struct {
	Name   string   // the run's name, e.g. "lr=0.001,weight_decay=0.3"
	Href   string   // its report's folder, relative to the sweep page ("" if it has none)
	Values []string // its value on each axis
	Phase  string   // diverged, confusion, memorization, comprehension, grokking or failed
	// First epoch with train accuracy 1.0 and first checkpoint with test accuracy >= 0.99; -1
	// if never.
	Memorised, Grokked int
	FinalTrainAcc      float64 // NaN without metrics
	FinalTestAcc       float64
	FinalBound         float64
	Epochs             []int     // checkpoint epochs
	TestAcc            []float64 // test accuracy at each
}

// SweepData is everything the sweep page shows.
type SweepData struct {
	Title     string
	Axes      []SweepAxis
	Runs      []SweepRun // in sweep order
	PhaseRule string     // the phases' rule, one paragraph of plain text
}

// phaseColors are the phases' colours, readable on white and on #111 at the cells' opacity.
var phaseColors = map[string][3]uint8{
	"comprehension": {0x2e, 0x9a, 0x48}, // green
	"grokking":      {0x2f, 0x7f, 0xd0}, // blue
	"memorization":  {0xd9, 0x73, 0x0d}, // orange
	"confusion":     {0x8c, 0x8c, 0x8c}, // grey
	"diverged":      {0xc0, 0x3b, 0x3b}, // red
	"failed":        {0x55, 0x55, 0x55},
}

// sweepPhases lists the phases in the legend's order.
var sweepPhases = []string{"comprehension", "grokking", "memorization", "confusion", "diverged", "failed"}

// SweepPayloadScript is the sweep page's payload script, relative to the page.
const SweepPayloadScript = "data/sweep.gz.js"

// sweepView is what templates/sweep.html is executed with.
type sweepView struct {
	SweepData
	Figures    []sweepFigureView
	Columns    []string
	Rows       []sweepRowView
	Epochs     []int
	LastIndex  int
	FinalEpoch int
	Phases     []phaseCount
	Payload    string
	GIFs       []string // the stems of the GIFs written (figures/STEM.gif)
}

// SweepOptions say what else the sweep page gets.
type SweepOptions struct {
	PDF bool // figures/NAME.pdf for every figure
	GIF bool // figures/phases.gif, or figures/curves.gif without a phase diagram (sweep_animations.go)
}

type sweepFigureView struct {
	Name, Title, Caption string
	Inline               template.HTML
	HasPDF, HasGIF       bool           // figures/NAME.pdf, figures/NAME.gif were written
	Cells                []cellRunsView // the phase diagram's cells of several runs, which link here
}

type sweepCell struct {
	Text, Sort string
}

type sweepRowView struct {
	Index int
	Name  string
	Href  string
	Phase string
	Cells []sweepCell
}

type phaseCount struct {
	Phase string
	Count int
	Color string
}

// SweepSite renders the sweep page and its files, keyed by slash-separated path:
// index.html, figures/*.svg (and *.pdf, *.gif as o asks), data/sweep.gz.js and the shared
// assets (assets/style.css, assets/slider.js for every page, assets/app.js for the run
// reports, assets/sweep.js). templates holds sweep.html, sweep.js, style.css, slider.js and
// app.js. The output depends only on d and o.
func SweepSite(d SweepData, templates fs.FS, o SweepOptions) (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, name := range []string{"style.css", "slider.js", "app.js", "sweep.js"} {
		b, err := fs.ReadFile(templates, name)
		if err != nil {
			return nil, fmt.Errorf("templates: %w", err)
		}
		files["assets/"+name] = b
	}
	figs, err := sweepFigures(d, o.PDF)
	if err != nil {
		return nil, fmt.Errorf("sweep figures: %w", err)
	}
	var gifs []string
	if o.GIF {
		anims, infos, err := sweepAnimations(d, figs)
		if err != nil {
			return nil, err
		}
		maps.Copy(files, anims)
		for _, in := range infos {
			gifs = append(gifs, in.Name)
		}
	}
	epochs := unionEpochs(d.Runs)
	payload, err := encodeSweepPayload(d, epochs, figs)
	if err != nil {
		return nil, err
	}
	gz, err := PayloadScript(payload)
	if err != nil {
		return nil, err
	}
	files[SweepPayloadScript] = bytes.Replace(gz, []byte("window.MAXGROK_PAYLOAD="), []byte("window.MAXGROK_SWEEP="), 1)
	v := sweepView{SweepData: d, Epochs: epochs, Payload: SweepPayloadScript, GIFs: gifs}
	v.LastIndex = max(0, len(epochs)-1)
	if len(epochs) > 0 {
		v.FinalEpoch = epochs[len(epochs)-1]
	}
	for _, f := range figs {
		files["figures/"+f.name+".svg"] = f.svg
		if o.PDF {
			files["figures/"+f.name+".pdf"] = f.pdf
		}
		fv := sweepFigureView{Name: f.name, Title: f.title, Caption: f.caption, Inline: template.HTML(f.inline), HasPDF: o.PDF, HasGIF: slices.Contains(gifs, f.name)}
		if f.grid != nil {
			fv.Cells = cellRuns(d, f.grid)
		}
		if fv.HasGIF && f.grid != nil {
			fv.Caption += " The GIF colours each run by its phase so far at each epoch: confusion until it fits, memorization until it groks, then its phase."
		}
		v.Figures = append(v.Figures, fv)
	}
	counts := map[string]int{}
	for _, r := range d.Runs {
		counts[r.Phase]++
	}
	for _, p := range sweepPhases {
		if counts[p] > 0 {
			c := phaseColors[p]
			v.Phases = append(v.Phases, phaseCount{p, counts[p], fmt.Sprintf("#%02x%02x%02x", c[0], c[1], c[2])})
		}
	}
	for _, a := range d.Axes {
		v.Columns = append(v.Columns, a.Key)
	}
	v.Columns = append(v.Columns, "memorised", "grokked", "final train acc", "final test acc", "final bound", "phase")
	for i, r := range d.Runs {
		row := sweepRowView{Index: i, Name: r.Name, Href: r.Href, Phase: r.Phase}
		for _, val := range r.Values {
			row.Cells = append(row.Cells, sweepCell{val, sortKey(val)})
		}
		ep := func(e int) sweepCell {
			if e < 0 {
				return sweepCell{"never", "Infinity"}
			}
			return sweepCell{strconv.Itoa(e), strconv.Itoa(e)}
		}
		num := func(x float64) sweepCell {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return sweepCell{"–", "-Infinity"}
			}
			return sweepCell{strconv.FormatFloat(x, 'f', 4, 64), strconv.FormatFloat(x, 'g', -1, 64)}
		}
		row.Cells = append(row.Cells, ep(r.Memorised), ep(r.Grokked), num(r.FinalTrainAcc), num(r.FinalTestAcc), num(r.FinalBound), sweepCell{r.Phase, r.Phase})
		v.Rows = append(v.Rows, row)
	}
	src, err := fs.ReadFile(templates, "sweep.html")
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	t, err := template.New("sweep.html").Parse(string(src))
	if err != nil {
		return nil, fmt.Errorf("sweep page: %w", err)
	}
	var page bytes.Buffer
	if err := t.Execute(&page, v); err != nil {
		return nil, fmt.Errorf("sweep page: %w", err)
	}
	files["index.html"] = page.Bytes()
	files[".nojekyll"] = []byte{}
	return files, nil
}

// sortKey is a table cell's sort key: the value itself (sweep.js compares numbers as numbers).
func sortKey(v string) string { return v }

// unionEpochs is every checkpoint epoch of any run, increasing: the slider's positions.
func unionEpochs(runs []SweepRun) []int {
	seen := map[int]bool{}
	var out []int
	for _, r := range runs {
		for _, e := range r.Epochs {
			if !seen[e] {
				seen[e] = true
				out = append(out, e)
			}
		}
	}
	sort.Ints(out)
	return out
}

// accAt is run r's test accuracy at epoch e: at its last checkpoint at or before e (NaN if it
// has none).
func accAt(r *SweepRun, e int) float64 {
	i := sort.SearchInts(r.Epochs, e+1) - 1
	if i < 0 || i >= len(r.TestAcc) {
		return math.NaN()
	}
	return r.TestAcc[i]
}

// pct formats an accuracy as a whole percentage.
func pct(x float64) string {
	if math.IsNaN(x) {
		return "–"
	}
	return strconv.Itoa(int(math.Floor(x*100+1e-9))) + "%"
}

// shortValue keeps axis values short in figures.
func shortValue(v string) string {
	if len(v) > 12 {
		return v[:11] + "…"
	}
	return strings.ReplaceAll(v, ",", ", ")
}

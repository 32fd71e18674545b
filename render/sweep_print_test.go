package render

import (
	"bytes"
	"image/gif"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot/plotter"
)

// sweepLayouts are the three layouts of the sweep page, each a fake sweep of T checkpoints:
// two axes and seeds (a phase diagram), one axis and seeds, seeds only.
func sweepLayouts(T int) []struct {
	name string
	d    SweepData
	gif  string // the GIF -gif writes
} {
	one := fakeSweep(1, 4, 3, T)
	one.Axes = []SweepAxis{one.Axes[1], one.Axes[2]}
	for i := range one.Runs {
		one.Runs[i].Values = one.Runs[i].Values[1:]
	}
	seeds := fakeSweep(1, 1, 8, T)
	seeds.Axes = seeds.Axes[2:]
	for i := range seeds.Runs {
		seeds.Runs[i].Values = seeds.Runs[i].Values[2:]
	}
	return []struct {
		name string
		d    SweepData
		gif  string
	}{{"grid", fakeSweep(3, 4, 2, T), "phases"}, {"one axis", one, "curves"}, {"seeds", seeds, "curves"}}
}

// sweepPDFTexts are texts pdftotext must find in each sweep figure's PDF: its axis labels.
var sweepPDFTexts = map[string][]string{
	"phases":  {"weight_decay", "training_ratio", "grok ", "test ", "memorization"},
	"grok_vs": {"training_ratio", "grokked epoch (test acc ≥ 99%)", "never", "median"},
	"ecdf":    {"epoch", "share of runs with test acc ≥ 99%", "never:"},
	"curves":  {"epoch", "test accuracy", "grokking"},
}

// TestSweepPDF: with PDF, every figure of each layout is a light PDF (figCheckPDF: size,
// structure, embedded subset fonts, its labels as text) without the page's links, linked from
// the page, and the same bytes from two renderings.
func TestSweepPDF(t *testing.T) {
	for _, tc := range sweepLayouts(60) {
		t.Run(tc.name, func(t *testing.T) {
			files, err := SweepSite(tc.d, os.DirFS(templatesDir), SweepOptions{PDF: true})
			if err != nil {
				t.Fatal(err)
			}
			again, err := SweepSite(tc.d, os.DirFS(templatesDir), SweepOptions{PDF: true})
			if err != nil {
				t.Fatal(err)
			}
			page := string(files["index.html"])
			n := 0
			for name, pdf := range files {
				stem, ok := strings.CutSuffix(strings.TrimPrefix(name, "figures/"), ".pdf")
				if !ok {
					continue
				}
				n++
				want, ok := sweepPDFTexts[stem]
				if !ok {
					t.Errorf("%s: no texts to look for in sweepPDFTexts", stem)
				}
				figCheckPDF(t, stem, pdf, 0, want)
				if bytes.Contains(pdf, []byte("/Link")) || bytes.Contains(pdf, []byte("/URI")) {
					t.Errorf("%s: the PDF has links", stem)
				}
				if !bytes.Equal(pdf, again[name]) {
					t.Errorf("%s: two renderings differ", stem)
				}
				if !strings.Contains(page, `<a href="figures/`+stem+`.pdf" download>PDF</a>`) {
					t.Errorf("the page does not link %s", name)
				}
				if _, ok := files["figures/"+stem+".svg"]; !ok {
					t.Errorf("%s without its SVG", name)
				}
				t.Logf("%-8s %6d B", stem, len(pdf))
			}
			if n != strings.Count(page, `<figure class="fig"`) {
				t.Errorf("%d PDFs for %d figures", n, strings.Count(page, `<figure class="fig"`))
			}
			if _, err := SweepSite(tc.d, os.DirFS(templatesDir), SweepOptions{}); err != nil {
				t.Fatal(err)
			}
		})
	}
	files, err := SweepSite(fakeSweep(2, 2, 2, 20), os.DirFS(templatesDir), SweepOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for name := range files {
		if strings.HasSuffix(name, ".pdf") || strings.HasSuffix(name, ".gif") {
			t.Errorf("%s written without PDF or GIF", name)
		}
	}
	if strings.Contains(string(files["index.html"]), ">PDF</a>") {
		t.Error("the page links a PDF it does not have")
	}
}

// TestSweepAnimations: with GIF, the phase diagram (or, without one, the curves) as a GIF of
// every slider epoch, looping, within MaxGIFBytes, linked from the page, and the same bytes
// with GOMAXPROCS 1 and 2.
func TestSweepAnimations(t *testing.T) {
	const T = 55 // at least MinGIFFrames
	for _, tc := range sweepLayouts(T) {
		t.Run(tc.name, func(t *testing.T) {
			render := func(procs int) map[string][]byte {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				files, err := SweepSite(tc.d, os.DirFS(templatesDir), SweepOptions{GIF: true})
				if err != nil {
					t.Fatal(err)
				}
				return files
			}
			files := render(2)
			var gifs []string
			for name := range files {
				if strings.HasSuffix(name, ".gif") {
					gifs = append(gifs, name)
				}
			}
			name := "figures/" + tc.gif + ".gif"
			if !slices.Equal(gifs, []string{name}) {
				t.Fatalf("GIFs %q, want %s", gifs, name)
			}
			b := files[name]
			g, err := gif.DecodeAll(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if len(g.Image) != T || g.LoopCount != 0 || len(b) > MaxGIFBytes {
				t.Errorf("%d frames (want %d), LoopCount %d, %d bytes", len(g.Image), T, g.LoopCount, len(b))
			}
			if g.Config.Width != int(figWidth) || g.Config.Height < 280 {
				t.Errorf("%d×%d px", g.Config.Width, g.Config.Height)
			}
			page := string(files["index.html"])
			for _, link := range []string{`<a href="` + name + `" download>GIF (animated)</a>`, `Animations: <a href="` + name + `">`} {
				if !strings.Contains(page, link) {
					t.Errorf("the page lacks %s", link)
				}
			}
			if again := render(1); !bytes.Equal(b, again[name]) {
				t.Error("the GIF differs between GOMAXPROCS 2 and 1")
			}
			t.Logf("%s: %d frames, %d×%d px, %d B", name, len(g.Image), g.Config.Width, g.Config.Height, len(b))
			if dir := os.Getenv("FIGURES_OUT"); dir != "" { // for looking at them
				os.WriteFile(filepath.Join(dir, "sweep-"+strings.ReplaceAll(tc.name, " ", "_")+"-"+tc.gif+".gif"), b, 0o644)
			}
		})
	}
}

// TestPhaseSoFar: a run is in confusion until it fits, in memorization until it groks, then in
// its phase; diverged and failed runs keep theirs.
func TestPhaseSoFar(t *testing.T) {
	tests := []struct {
		name  string
		run   SweepRun
		epoch int
		want  string
	}{
		{name: "before fitting", run: SweepRun{Phase: "grokking", Memorised: 100, Grokked: 300}, epoch: 50, want: "confusion"},
		{name: "fitted", run: SweepRun{Phase: "grokking", Memorised: 100, Grokked: 300}, epoch: 100, want: "memorization"},
		{name: "grokked", run: SweepRun{Phase: "grokking", Memorised: 100, Grokked: 300}, epoch: 300, want: "grokking"},
		{name: "grokked before fitting", run: SweepRun{Phase: "comprehension", Memorised: 200, Grokked: 100}, epoch: 150, want: "confusion"},
		{name: "then fitted", run: SweepRun{Phase: "comprehension", Memorised: 200, Grokked: 100}, epoch: 200, want: "comprehension"},
		{name: "never fits", run: SweepRun{Phase: "confusion", Memorised: -1, Grokked: -1}, epoch: 1000, want: "confusion"},
		{name: "never groks", run: SweepRun{Phase: "memorization", Memorised: 10, Grokked: -1}, epoch: 1000, want: "memorization"},
		{name: "diverged", run: SweepRun{Phase: "diverged", Memorised: -1, Grokked: -1}, epoch: 0, want: "diverged"},
		{name: "failed", run: SweepRun{Phase: "failed", Memorised: -1, Grokked: -1}, epoch: 0, want: "failed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := phaseSoFar(&tc.run, tc.epoch); got != tc.want {
				t.Errorf("at epoch %d: %s, want %s", tc.epoch, got, tc.want)
			}
		})
	}
}

// TestPhaseViewAt: the GIF's view at the last epoch is the static figure's but for the
// accuracies, which are the slider's (quantised); earlier, cells whose median run has not
// grokked say "not yet".
func TestPhaseViewAt(t *testing.T) {
	d := fakeSweep(3, 4, 2, 60)
	g := newPhaseGrid(&d, layoutOf(d))
	final, last := g.finalView(), g.viewAt(g.lastSeen)
	if !slices.Equal(final.phase, last.phase) || !slices.Equal(final.label, last.label) {
		t.Errorf("at the last epoch: phases %q labels %q, want %q %q", last.phase, last.label, final.phase, final.label)
	}
	for k, runs := range g.cells {
		sum := 0.0
		for _, r := range runs {
			sum += float64(int(d.Runs[r].TestAcc[59]*sweepLevels+0.5)) / sweepLevels
		}
		if want := "test " + pct(sum/float64(len(runs))); last.acc[k] != want {
			t.Errorf("cell %d: %q, want %q", k, last.acc[k], want)
		}
	}
	first := g.viewAt(0)
	for k, l := range first.label {
		if l != "not yet" || first.acc[k] == "" {
			t.Errorf("cell %d at epoch 0: %q, %q", k, l, first.acc[k])
		}
	}
	for r, p := range first.phase {
		if p != "confusion" {
			t.Errorf("run %d at epoch 0: %s", r, p)
		}
	}
}

// TestDropFlat: the points inside a flat stretch go, the line's shape stays.
func TestDropFlat(t *testing.T) {
	xy := func(ys ...float64) plotter.XYs {
		out := make(plotter.XYs, len(ys))
		for i, y := range ys {
			out[i] = plotter.XY{X: float64(i), Y: y}
		}
		return out
	}
	tests := []struct {
		name   string
		in     plotter.XYs
		wantXs []float64
	}{
		{"empty", xy(), nil},
		{"two", xy(1, 1), []float64{0, 1}},
		{"rising", xy(0, 0.5, 1), []float64{0, 1, 2}},
		{"flat tail", xy(0.2, 0.6, 1, 1, 1, 1), []float64{0, 1, 2, 5}},
		{"plateau", xy(0.1, 0.5, 0.5, 0.5, 0.9), []float64{0, 1, 3, 4}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var xs []float64
			for _, p := range dropFlat(tc.in) {
				xs = append(xs, p.X)
			}
			if !slices.Equal(xs, tc.wantXs) {
				t.Errorf("kept x %v, want %v", xs, tc.wantXs)
			}
		})
	}
}

package render

import (
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"maxgrok/compute"
)

// phaseRun builds a run whose test accuracy follows acc at checkpoints every 10 epochs, train
// accuracy reaching 1 at epoch trainAt, and a bound peaking at the middle checkpoint.
func phaseRun(acc []float64, trainAt int) *compute.Run {
	c := compute.DefaultConfig()
	c.Epochs = 10 * (len(acc) - 1)
	r := &compute.Run{Config: c}
	for i, a := range acc {
		bound := 0.1
		if i == len(acc)/2 {
			bound = 0.5
		}
		r.Epochs = append(r.Epochs, 10*i)
		r.Analyses = append(r.Analyses, &compute.Analysis{Epoch: 10 * i, TestAcc: a, CubicBound: bound})
	}
	for e := 0; e <= c.Epochs; e++ {
		ta := 0.5
		if e >= trainAt {
			ta = 1
		}
		r.Metrics = append(r.Metrics, compute.MetricRow{Epoch: e, TrainAcc: ta})
	}
	return r
}

func TestPhases(t *testing.T) {
	for _, tc := range []struct {
		name    string
		acc     []float64
		trainAt int
		want    string // key@epoch, in order
	}{
		{"grokking", []float64{0, 0.5, 0.8, 0.7, 0.6, 0.65, 0.9, 0.995, 1}, 43,
			"start@0 early_peak@20 plateau@40 bound_peak@40 memorised@50 grokked@70 final@80"},
		{"no dip, no grokking", []float64{0, 0.3, 0.5, 0.6, 0.7}, 1000,
			"start@0 bound_peak@20 final@40"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, p := range Phases(phaseRun(tc.acc, tc.trainAt)) {
				got = append(got, p.Key+"@"+strconv.Itoa(p.Epoch))
			}
			if g := strings.Join(got, " "); g != tc.want {
				t.Errorf("Phases = %s\nwant     %s", g, tc.want)
			}
		})
	}
}

// TestRenderContent renders Markdown with template fields, functions, a figure marker and math.
func TestRenderContent(t *testing.T) {
	r := phaseRun([]float64{0, 0.5, 0.8, 0.7, 0.6, 0.65, 0.9, 0.995, 1}, 43)
	data := NewContentData(r)
	dir := fstest.MapFS{
		"01-intro.md": {Data: []byte("# Intro to {{.Config.Vocab}}\n\nGrokked at {{epoch (.Phase \"grokked\").Epoch}}, " +
			"accuracy {{pct (.At 25).TestAcc}}, {{list .Config.ForceAdjacent}}.\n\n$x_2 W_U$\n\n{{figure \"qk\"}}\n")},
		"02-more.md": {Data: []byte("# More\n\ntext\n")},
	}
	secs, err := RenderContent(dir, data)
	if err != nil {
		t.Fatal(err)
	}
	if len(secs) != 2 || secs[0].ID != "intro" || secs[0].Title != "Intro to 64" || secs[1].ID != "more" {
		t.Fatalf("sections: %+v", secs)
	}
	html := string(secs[0].HTML)
	for _, want := range []string{
		`<a href="#epoch=70">epoch 70</a>`, // the phase link
		"accuracy 80.0%",                   // .At 25 is the checkpoint at 20 (the earlier on a tie)
		"0, 1, 2 and 17",
		"<math", "<msub>",
		"<!--figure:qk-->",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("rendered section lacks %q:\n%s", want, html)
		}
	}
}

// TestRenderContentErrors checks that every error names the file and, for math, the line of
// the file.
func TestRenderContentErrors(t *testing.T) {
	r := phaseRun([]float64{0, 1}, 5)
	data := NewContentData(r)
	for _, tc := range []struct{ src, want string }{
		{"# T\n\n{{.Nope}}\n", `content template: a.md:3:2: executing "a.md" at <.Nope>: can't evaluate field Nope`},
		{"# T\n\n{{if}}\n", `content template: a.md:3: missing value for if`},
		{"# T\n\ntext\n\n$\\foo{x}$\n", `content a.md: mathml: line 5: unsupported command \foo`},
		{"no heading\n", `content a.md: expected a first-level heading (# Title)`},
	} {
		_, err := RenderContent(fstest.MapFS{"a.md": {Data: []byte(tc.src)}}, data)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("RenderContent(%q) error = %v, want it to contain %q", tc.src, err, tc.want)
		}
	}
	if _, err := RenderContent(fstest.MapFS{}, data); err == nil {
		t.Error("an empty content folder was accepted")
	}
}

// TestCheckContent checks a content folder with stand-in data, as the command does before
// training.
func TestCheckContent(t *testing.T) {
	good := fstest.MapFS{"a.md": {Data: []byte("# T\n\n{{if ge (.Phase \"grokked\").Epoch 0}}{{pct .Final.TestAcc}}{{end}} $\\sqrt{2}$\n")}}
	if err := CheckContent(good, compute.DefaultConfig()); err != nil {
		t.Errorf("CheckContent: %v", err)
	}
	bad := fstest.MapFS{"a.md": {Data: []byte("# T\n\n{{.Final.Nope}}\n")}}
	if err := CheckContent(bad, compute.DefaultConfig()); err == nil {
		t.Error("CheckContent accepted a missing field")
	}
}

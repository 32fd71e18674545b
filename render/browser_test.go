package render

// Browser tests: a small site is rendered into a temporary folder and opened in Debian's
// headless Chromium, over file:// and over http://127.0.0.1. Chromium is driven from the command
// line only: a copy of index.html gets testdata/selftest_prelude.js and browser_selftest.js as
// its first scripts, which check the page once the slider is ready and write a JSON report
// into <pre id="selftest">;
// `chromium --dump-dom` prints the DOM, and the test reads the report from it. Screenshots
// (light, dark, narrow) go to a temporary folder, or to $MAXGROK_SCREENSHOTS when set.
//
// Without /usr/bin/chromium the test is skipped, except in CI (CI=true), where it fails.

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"math"
	"maxgrok/internal/testref"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"maxgrok/compute"
	"maxgrok/internal/filetree"
)

const chromiumPath = "/usr/bin/chromium"

func needChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %s is missing: %v", chromiumPath, err)
		}
		t.Skipf("%s not found; install chromium to run the browser tests", chromiumPath)
	}
}

// writeSite renders run r into dir as the site builder would (index.html, assets, payload
// scripts, figures/*.svg); with selftest, index.html loads testdata/selftest_prelude.js and
// browser_selftest.js first.
func writeSite(t testing.TB, dir string, r *compute.Run, selftest bool) {
	t.Helper()
	figs, err := Figures(r, false)
	if err != nil {
		t.Fatal(err)
	}
	p, err := EncodePayload(r, figs)
	if err != nil {
		t.Fatal(err)
	}
	gz, err := PayloadScript(p)
	if err != nil {
		t.Fatal(err)
	}
	d := pageData(r, figs)
	var page strings.Builder
	if err := RenderPage(&page, os.DirFS(templatesDir), d); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{d.Assets.Payload: gz}
	for _, f := range figs {
		files["figures/"+f.Name+".svg"] = f.SVG
		if f.Multiples != nil {
			files["figures/"+f.Name+"-phases.svg"] = f.Multiples.SVG
		}
	}
	for src, dst := range map[string]string{"style.css": d.Assets.CSS, "slider.js": d.Assets.Slider, "app.js": d.Assets.JS} {
		b, err := os.ReadFile(filepath.Join(templatesDir, src))
		if err != nil {
			t.Fatal(err)
		}
		files[dst] = b
	}
	files["index.html"] = []byte(page.String())
	if selftest {
		injectSelftest(t, files, "index.html", "browser_selftest.js")
	}
	if err := filetree.Write(dir, files); err != nil {
		t.Fatal(err)
	}
}

// injectSelftest makes files[page] load testdata/selftest_prelude.js, then testdata/script, as
// its first scripts, adding both to files.
func injectSelftest(t testing.TB, files map[string][]byte, page, script string) {
	t.Helper()
	tags := ""
	for _, name := range []string{"selftest_prelude.js", script} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = b
		tags += "\n<script src=\"" + name + "\"></script>"
	}
	files[page] = bytes.Replace(files[page], []byte("<head>"), []byte("<head>"+tags), 1)
}

// chromiumFlags are the flags of every run: headless, no sandbox (root in CI), nothing from the
// network, a fresh profile.
func chromiumFlags(t *testing.T) []string {
	return []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-extensions", "--hide-scrollbars", "--user-data-dir=" + t.TempDir()}
}

// runChromium runs headless Chromium with args and returns its standard output.
func runChromium(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromiumPath, append(chromiumFlags(t), args...)...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return stdout.String()
}

type selftestReport struct {
	Errors     []string  `json:"errors"`
	Warnings   []string  `json:"warnings"`
	Resources  []string  `json:"resources"`
	Base       string    `json:"base"`
	Steps      []float64 `json:"steps"`
	StepsLocal []float64 `json:"stepsLocal"` // slider steps with "Scale: this epoch"
	Checks     struct {
		Payload             string               `json:"payload"`
		Checkpoints         int                  `json:"checkpoints"`
		InitialEpoch        string               `json:"initialEpoch"`
		InitialHash         string               `json:"initialHash"`
		ControlsShown       bool                 `json:"controlsShown"`
		Figures             []string             `json:"figures"`
		MovedTo             string               `json:"movedTo"`
		MovedEpoch          string               `json:"movedEpoch"`
		MovedHash           string               `json:"movedHash"`
		Valuetext           string               `json:"valuetext"`
		PixelsChanged       map[string]bool      `json:"pixelsChanged"`
		QKChanged           bool                 `json:"qkChanged"`
		Marker              *string              `json:"marker"`
		AfterKeys           string               `json:"afterKeys"`
		AfterKeysWant       string               `json:"afterKeysWant"`
		AfterHashchange     string               `json:"afterHashchange"`
		AfterHashchangeWant string               `json:"afterHashchangeWant"`
		HeatTip             string               `json:"heatTip"`
		Scrubbed            string               `json:"scrubbed"`
		ScrubbedWant        string               `json:"scrubbedWant"`
		LossTip             string               `json:"lossTip"`
		TipHidden           bool                 `json:"tipHidden"`
		Playing             string               `json:"playing"`
		Played              bool                 `json:"played"`
		CSVLines            int                  `json:"csvLines"`
		CSVHeader           string               `json:"csvHeader"`
		SVGImage            bool                 `json:"svgImage"`
		ScaleShown          bool                 `json:"scaleShown"`
		ScaleLabel          string               `json:"scaleLabel"`
		ScaleDefault        string               `json:"scaleDefault"`
		Scale               map[string]heatCheck `json:"scale"`
		Lines               map[string]lineCheck `json:"lines"`
		QKExtent            []float64            `json:"qkExtent"`
		ScaleHashKept       bool                 `json:"scaleHashKept"`
		ScaleAfterSteps     bool                 `json:"scaleAfterSteps"`
		ScaleState          string               `json:"scaleState"`
	} `json:"checks"`
}

// heatCheck is what the self-test saw of a heatmap at an early checkpoint with the scale of the
// whole run, then of this epoch, then of the whole run again.
type heatCheck struct {
	Changed       bool     `json:"changed"`       // the canvas changed with the range of this epoch
	StrengthRun   float64  `json:"strengthRun"`   // how far the canvas is from white, on average, whole run
	StrengthEpoch float64  `json:"strengthEpoch"` // the same, this epoch
	LabelsRun     []string `json:"labelsRun"`     // the colour bar's tick labels, whole run
	LabelsEpoch   []string `json:"labelsEpoch"`   // the same, this epoch
	NoteRun       string   `json:"noteRun"`       // the caption under the figure, whole run (none)
	NoteEpoch     string   `json:"noteEpoch"`     // the same, this epoch
	SVGLabels     []string `json:"svgLabels"`     // the colour bar's labels in the SVG download, this epoch
	SVGImage      bool     `json:"svgImage"`      // the SVG download carries the canvas, this epoch
	Restored      bool     `json:"restored"`      // back to the whole run: pixels, SVG and caption as before
}

// lineCheck is what the self-test saw of a line or scatter figure at an early checkpoint with the
// scale of the whole run, then of this epoch, then of the whole run again.
type lineCheck struct {
	Frame       []float64 `json:"frame"`       // YMin, YMax, Y0, Y1
	LabelsRun   []string  `json:"labelsRun"`   // the y axis's tick labels, whole run
	LabelsEpoch []string  `json:"labelsEpoch"` // the same, this epoch
	NoteRun     string    `json:"noteRun"`     // the caption under the figure, whole run (none)
	NoteEpoch   string    `json:"noteEpoch"`   // the same, this epoch
	ZeroRun     string    `json:"zeroRun"`     // the zero line's path, whole run
	ZeroEpoch   string    `json:"zeroEpoch"`   // the same, this epoch ("hidden" if hidden)
	Changed     bool      `json:"changed"`     // the data moved with the scale of this epoch
	SVGLabels   []string  `json:"svgLabels"`   // the y labels in the SVG download, this epoch
	SVGData     bool      `json:"svgData"`     // the SVG download has the data as shown, this epoch
	SVGDesc     string    `json:"svgDesc"`     // the SVG download's description, this epoch
	Labels0     []string  `json:"labels0"`     // the y labels at the first checkpoint, this epoch
	Note0       string    `json:"note0"`       // the caption there
	Finite0     bool      `json:"finite0"`     // the data and zero line there have no NaN or infinity
	Restored    bool      `json:"restored"`    // back to the whole run: the SVG exactly as before, no caption
}

var selftestPre = regexp.MustCompile(`(?s)<pre id="selftest">(.*?)</pre>`)

// selftest opens pageURL in Chromium and returns the self-test's report.
func selftest(t *testing.T, pageURL string) selftestReport {
	t.Helper()
	dom := runChromium(t, "--virtual-time-budget=15000", "--window-size=1280,2000", "--dump-dom", pageURL)
	m := selftestPre.FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("no <pre id=\"selftest\"> in the DOM of %s (%d bytes)", pageURL, len(dom))
	}
	var rep selftestReport
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &rep); err != nil {
		t.Fatalf("self-test report: %v\n%s", err, m[1])
	}
	return rep
}

// checkSelftest checks a self-test report; with timed, the step times too (they are real only
// without virtual time).
func checkSelftest(t *testing.T, rep selftestReport, origin string, r *compute.Run, timed bool) {
	t.Helper()
	c := rep.Checks
	for _, e := range rep.Errors {
		t.Errorf("page error: %s", e)
	}
	for _, w := range rep.Warnings {
		t.Errorf("page warning: %s", w)
	}
	if c.Checkpoints != len(r.Epochs) {
		t.Errorf("the page has %d checkpoints, want %d", c.Checkpoints, len(r.Epochs))
	}
	if c.InitialEpoch != "1500" {
		t.Errorf("opened with %s, #epoch shows %q, want 1500", c.InitialHash, c.InitialEpoch)
	}
	if !c.ControlsShown {
		t.Error("the controls are still hidden")
	}
	want := []string{"qk", "ov_centered", "ov", "pos_qk", "irrelevant", "margin", "loss", "accuracy", "l2_norm"}
	if got := slices.Clone(c.Figures); !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))) {
		t.Errorf("animated figures %v, want %v", c.Figures, want)
	}
	if c.MovedEpoch != c.MovedTo || c.MovedHash != "#epoch="+c.MovedTo || c.Valuetext != "epoch "+c.MovedTo {
		t.Errorf("after moving the slider to epoch %s: #epoch %q, hash %q, aria-valuetext %q", c.MovedTo, c.MovedEpoch, c.MovedHash, c.Valuetext)
	}
	for _, name := range []string{"margin", "ov", "ov_centered"} {
		if !c.PixelsChanged[name] {
			t.Errorf("the %s canvas did not change with the slider", name)
		}
	}
	if !c.QKChanged {
		t.Error("the qk line did not change with the slider")
	}
	if c.Marker == nil {
		t.Error("no epoch marker on the loss figure")
	}
	if c.AfterKeys != c.AfterKeysWant {
		t.Errorf("after End, Left, Shift+Left: epoch %s, want %s", c.AfterKeys, c.AfterKeysWant)
	}
	if c.AfterHashchange != c.AfterHashchangeWant {
		t.Errorf("after a hashchange: epoch %s, want %s", c.AfterHashchange, c.AfterHashchangeWant)
	}
	if !regexp.MustCompile(`^a \d+, b \d+\nmargin: -?[0-9.e+-]+ ±[0-9.e+-]+\n(training|test) pair$`).MatchString(c.HeatTip) {
		t.Errorf("margin tooltip %q", c.HeatTip)
	}
	if c.Scrubbed != c.ScrubbedWant || !strings.HasPrefix(c.LossTip, "epoch ") || !strings.Contains(c.LossTip, "train loss: ") {
		t.Errorf("hovering the middle of the loss figure: epoch %s (want %s), tooltip %q", c.Scrubbed, c.ScrubbedWant, c.LossTip)
	}
	if V := r.Config.Vocab; c.CSVLines != V*V+2 || c.CSVHeader != "a,b,margin,train" {
		t.Errorf("margin CSV: %d lines, header %q; want %d lines, a,b,margin,train", c.CSVLines, c.CSVHeader, V*V+2)
	}
	if !c.SVGImage {
		t.Error("the margin SVG download does not carry the selected epoch's image")
	}
	checkScale(t, rep)
	if !c.TipHidden {
		t.Error("the tooltip stays after the pointer leaves")
	}
	if timed && (c.Playing != "true" || !c.Played) {
		t.Errorf("Play: aria-pressed %q, moved %v", c.Playing, c.Played)
	}
	if c.Payload != "data/payload.gz.js" {
		t.Errorf("payload script %q", c.Payload)
	}
	if origin != "" && !strings.HasPrefix(rep.Base, origin) {
		t.Errorf("page base %q is not under %q", rep.Base, origin)
	}
	for _, u := range rep.Resources {
		if !strings.HasPrefix(u, rep.Base) {
			t.Errorf("the page loaded %s, outside the site %s", u, rep.Base)
		}
	}
	if len(rep.Steps) == 0 {
		t.Fatal("no step times")
	}
	if !timed {
		return
	}
	var sum, worst float64
	for _, s := range rep.Steps {
		sum += s
		worst = max(worst, s)
	}
	mean := sum / float64(len(rep.Steps))
	t.Logf("tooltips: %q, %q", c.HeatTip, c.LossTip)
	t.Logf("payload %s; %d slider steps: mean %.2f ms, max %.2f ms", c.Payload, len(rep.Steps), mean, worst)
	sum, worst = 0, 0
	for _, s := range rep.StepsLocal {
		sum += s
		worst = max(worst, s)
	}
	mean = sum / float64(max(1, len(rep.StepsLocal)))
	t.Logf("%d slider steps with the scale of each epoch: mean %.2f ms, max %.2f ms", len(rep.StepsLocal), mean, worst)
}

var (
	heatNote = regexp.MustCompile(`^Colour range ±([0-9.e+-]+) at this epoch \(whole run: ±([0-9.e+-]+)(; coarse: values are stored in steps of [0-9.e+-]+)?\)$`)
	lineNote = regexp.MustCompile(`^y range ([−0-9.e+-]+) to ([−0-9.e+-]+) at this epoch \(whole run: ([−0-9.e+-]+) to ([−0-9.e+-]+)(; coarse: values are stored in steps of [0-9.e+-]+)?\)$`)
)

// checkScale checks the "Scale" control: at an early checkpoint, "this epoch" makes each heatmap
// more saturated, rescales its colour bar's tick labels by the ratio of the ranges, fits each
// line or scatter figure's y axis to the checkpoint's values (data, tick labels and zero line),
// in the page and in the SVG download, and shows the range under the figure; "whole run"
// restores all.
func checkScale(t *testing.T, rep selftestReport) {
	t.Helper()
	c := rep.Checks
	if !c.ScaleShown || c.ScaleDefault != "run" || !strings.HasPrefix(c.ScaleLabel, "Scale ") {
		t.Errorf("scale control: shown %v, label %q, value %q; want shown, \"Scale ...\", \"run\"", c.ScaleShown, c.ScaleLabel, c.ScaleDefault)
		return
	}
	num := func(s string) float64 {
		v, err := strconv.ParseFloat(strings.Replace(s, "\u2212", "-", 1), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			t.Errorf("label %q: %v", s, err)
		}
		return v
	}
	for _, name := range []string{"ov_centered", "ov", "margin"} {
		z, ok := c.Scale[name]
		if !ok {
			t.Errorf("%s: no scale check", name)
			continue
		}
		if !z.Changed || !(z.StrengthEpoch > z.StrengthRun) {
			t.Errorf("%s, scale of this epoch: canvas changed %v, colour strength %.1f -> %.1f; want changed, stronger", name, z.Changed, z.StrengthRun, z.StrengthEpoch)
		}
		m := heatNote.FindStringSubmatch(z.NoteEpoch)
		if z.NoteRun != "" || m == nil {
			t.Errorf("%s: caption %q (whole run), %q (this epoch); want none, then the range", name, z.NoteRun, z.NoteEpoch)
			continue
		}
		ratio := num(m[1]) / num(m[2])
		t.Logf("%s: %q; colour strength %.1f -> %.1f; colour bar labels %q -> %q", name, z.NoteEpoch, z.StrengthRun, z.StrengthEpoch, z.LabelsRun, z.LabelsEpoch)
		if !(ratio > 0 && ratio < 1) {
			t.Errorf("%s: caption %q: the range of an early epoch should be below the run's", name, z.NoteEpoch)
		}
		if len(z.LabelsRun) < 3 || len(z.LabelsEpoch) != len(z.LabelsRun) || slices.Equal(z.LabelsRun, z.LabelsEpoch) {
			t.Errorf("%s: colour bar labels %q (whole run), %q (this epoch)", name, z.LabelsRun, z.LabelsEpoch)
			continue
		}
		for k, s := range z.LabelsRun {
			a, b := num(s), num(z.LabelsEpoch[k])
			if (a == 0) != (b == 0) || a != 0 && math.Abs(b/a/ratio-1) > 0.06 {
				t.Errorf("%s: colour bar label %s became %s, want about %.3g (range ratio %.3g)", name, s, z.LabelsEpoch[k], a*ratio, ratio)
			}
		}
		if !slices.Equal(z.SVGLabels, z.LabelsEpoch) || !z.SVGImage {
			t.Errorf("%s: SVG download with the scale of this epoch: labels %q (want %q), canvas image %v", name, z.SVGLabels, z.LabelsEpoch, z.SVGImage)
		}
		if !z.Restored {
			t.Errorf("%s: back to the whole run's scale, the canvas, SVG or caption differ from before", name)
		}
	}
	for _, name := range []string{"qk", "pos_qk", "irrelevant"} {
		l, ok := c.Lines[name]
		if !ok || len(l.Frame) != 4 {
			t.Errorf("%s: no scale check", name)
			continue
		}
		checkLineScale(t, name, l, num)
	}
	if len(c.QKExtent) != 2 || !(c.QKExtent[1] > 1.5*c.QKExtent[0]) {
		t.Errorf("qk: the line's vertical extent (SVG units) went %v with the scale of this epoch; want it to grow", c.QKExtent)
	} else {
		t.Logf("qk: vertical extent %.1f -> %.1f", c.QKExtent[0], c.QKExtent[1])
	}
	if !c.ScaleHashKept || !c.ScaleAfterSteps || c.ScaleState != "false" {
		t.Errorf("scale: hash kept %v, labels follow the slider %v, state after \"whole run\" local=%s", c.ScaleHashKept, c.ScaleAfterSteps, c.ScaleState)
	}
}

// checkLineScale checks a line or scatter figure with the scale of this epoch: its caption gives
// the checkpoint's value range, the y axis spans it padded by 5% each side, so each tick label
// is the value at its tick's place (the place of its whole-run value), and the zero line is at
// 0 or hidden.
func checkLineScale(t *testing.T, name string, l lineCheck, num func(string) float64) {
	t.Helper()
	yMin, yMax, y0, y1 := l.Frame[0], l.Frame[1], l.Frame[2], l.Frame[3]
	m := lineNote.FindStringSubmatch(l.NoteEpoch)
	if l.NoteRun != "" || m == nil {
		t.Errorf("%s: caption %q (whole run), %q (this epoch); want none, then the range", name, l.NoteRun, l.NoteEpoch)
		return
	}
	t.Logf("%s: %q; y labels %q -> %q; zero line %q -> %q; first checkpoint: %q, %q", name, l.NoteEpoch, l.LabelsRun, l.LabelsEpoch, l.ZeroRun, l.ZeroEpoch, l.Note0, l.Labels0)
	lo, hi, runLo, runHi := num(m[1]), num(m[2]), num(m[3]), num(m[4])
	if !(lo < hi) || lo < runLo || hi > runHi || !(hi-lo < runHi-runLo) {
		t.Errorf("%s: caption %q: want a range inside the run's, and narrower", name, l.NoteEpoch)
		return
	}
	pad := (hi - lo) / 20
	aLo, aHi := lo-pad, hi+pad // the y axis
	if !l.Changed {
		t.Errorf("%s: the data did not move with the scale of this epoch", name)
	}
	if len(l.LabelsRun) < 2 || len(l.LabelsEpoch) != len(l.LabelsRun) || slices.Equal(l.LabelsRun, l.LabelsEpoch) {
		t.Errorf("%s: y labels %q (whole run), %q (this epoch)", name, l.LabelsRun, l.LabelsEpoch)
	} else {
		// the caption's 3 digits and the labels' 2 or 3 (of the gap between ticks) both round
		tol := 0.03*(aHi-aLo) + 0.006*max(math.Abs(lo), math.Abs(hi))
		for k, s := range l.LabelsRun {
			want := aLo + (num(s)-yMin)/(yMax-yMin)*(aHi-aLo)
			if got := num(l.LabelsEpoch[k]); math.Abs(got-want) > tol {
				t.Errorf("%s: y label %s became %s, want about %.3g (the axis spans %.3g to %.3g)", name, s, l.LabelsEpoch[k], want, aLo, aHi)
			}
		}
	}
	// the zero line: at y = 0 on the new axis, or hidden when 0 is off it
	zy := y1 - (0-aLo)/(aHi-aLo)*(y1-y0)
	if l.ZeroRun == "" || l.ZeroRun == "hidden" {
		t.Errorf("%s: no zero line with the scale of the whole run (%q)", name, l.ZeroRun)
	} else if l.ZeroEpoch == "hidden" {
		if zy > y0+0.02*(y1-y0) && zy < y1-0.02*(y1-y0) {
			t.Errorf("%s: the zero line is hidden, but 0 is on the y axis (at %.1f)", name, zy)
		}
	} else if p := regexp.MustCompile(`^M[-\d.]+,([-\d.]+)L[-\d.]+,([-\d.]+)$`).FindStringSubmatch(l.ZeroEpoch); p == nil || p[1] != p[2] || math.Abs(num(p[1])-zy) > 0.02*(y1-y0) {
		t.Errorf("%s: zero line %q with the scale of this epoch, want it at y %.1f or hidden", name, l.ZeroEpoch, zy)
	}
	if !slices.Equal(l.SVGLabels, l.LabelsEpoch) || !l.SVGData || l.SVGDesc != l.NoteEpoch {
		t.Errorf("%s: SVG download with the scale of this epoch: labels %q (want %q), data as shown %v, description %q", name, l.SVGLabels, l.LabelsEpoch, l.SVGData, l.SVGDesc)
	}
	if len(l.Labels0) != len(l.LabelsRun) || !l.Finite0 || l.Note0 == "" {
		t.Errorf("%s, first checkpoint, scale of this epoch: labels %q, caption %q, finite data %v", name, l.Labels0, l.Note0, l.Finite0)
	}
	for _, s := range l.Labels0 {
		num(s)
	}
	if !l.Restored {
		t.Errorf("%s: back to the whole run's scale, the SVG (data, labels, zero line) or caption differ from before", name)
	}
}

func TestBrowser(t *testing.T) {
	needChromium(t)
	r := slidingRun(16, 2000, 50) // 41 checkpoints, vocab 16
	dir := t.TempDir()
	writeSite(t, dir, r, true)

	t.Run("file", func(t *testing.T) {
		u := (&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(dir, "index.html")), Fragment: "epoch=1500"}).String()
		checkSelftest(t, selftest(t, u), "file://"+filepath.ToSlash(dir), r, false)
	})
	t.Run("http", func(t *testing.T) {
		// 1525 is halfway between the checkpoints 1500 and 1550: the earlier one wins.
		checkSelftest(t, httpSelftest(t, dir, "epoch=1525"), "", r, true)
	})
}

// TestBrowserReference times the slider on the reference run (V=64, 301 checkpoints).
func TestBrowserReference(t *testing.T) {
	needChromium(t)
	r := payloadRefRun(t)
	dir := t.TempDir()
	writeSite(t, dir, r, true)
	checkSelftest(t, httpSelftest(t, dir, "epoch=1500"), "", r, true)
}

// httpSelftest serves the site dir under /repo/ of a local server, opens index.html#fragment
// in Chromium in real time (no --virtual-time-budget, so that the step times mean something)
// and returns the report the self-test posts; the browser is stopped then.
func httpSelftest(t *testing.T, dir, fragment string) selftestReport {
	t.Helper()
	b, base := httpSelftestServe(t, dir, fragment)
	var rep selftestReport
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("self-test report: %v\n%s", err, b)
	}
	if !strings.HasPrefix(rep.Base, base) {
		t.Errorf("page base %q is not under %s", rep.Base, base)
	}
	return rep
}

// screenshotDir is where the screenshot tests write: $MAXGROK_SCREENSHOTS when set (to keep
// and look at them), else a temporary folder.
func screenshotDir(t *testing.T) string {
	t.Helper()
	out := os.Getenv("MAXGROK_SCREENSHOTS")
	if out == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestScreenshots renders the site (the reference run when ../shared is present, else the small
// run) in light and dark mode and at a phone's width. Look at the PNGs: set
// MAXGROK_SCREENSHOTS=dir to keep them.
func TestScreenshots(t *testing.T) {
	needChromium(t)
	if testing.Short() {
		t.Skip("screenshots are not checked in -short mode")
	}
	out := screenshotDir(t)
	r := slidingRun(16, 2000, 50)
	if _, ok := testref.Find("reference/default/run"); ok && os.Getenv("MAXGROK_SCREENSHOTS") != "" {
		r = payloadRefRun(t)
	}
	dir := t.TempDir()
	writeSite(t, dir, r, false)
	page := (&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(dir, "index.html")), Fragment: "epoch=1500"}).String()
	for _, s := range []struct {
		name  string
		flags []string
	}{
		{"light", []string{"--window-size=1280,2400", "--blink-settings=preferredColorScheme=1"}},
		{"dark", []string{"--window-size=1280,2400", "--force-dark-mode", "--blink-settings=preferredColorScheme=0"}},
		{"narrow", []string{"--window-size=390,2400", "--blink-settings=preferredColorScheme=1"}},
	} {
		png := filepath.Join(out, "browser-"+s.name+".png")
		runChromium(t, append(s.flags, "--virtual-time-budget=15000", "--screenshot="+png, page)...)
		st, err := os.Stat(png)
		if err != nil || st.Size() < 10_000 {
			t.Errorf("screenshot %s: %v", png, err)
			continue
		}
		t.Logf("%s: %d bytes", png, st.Size())
	}
}

// TestWriteSite writes the test site into $MAXGROK_SITE to look at by hand (the reference run
// with MAXGROK_SITE_REF=1, the self-test with MAXGROK_SITE_SELFTEST=1); without it, it skips.
func TestWriteSite(t *testing.T) {
	d := os.Getenv("MAXGROK_SITE")
	if d == "" {
		t.Skip("set MAXGROK_SITE=dir to write the test site there")
	}
	r := slidingRun(16, 2000, 50)
	if os.Getenv("MAXGROK_SITE_REF") != "" {
		r = payloadRefRun(t)
	}
	writeSite(t, d, r, os.Getenv("MAXGROK_SITE_SELFTEST") != "")
}

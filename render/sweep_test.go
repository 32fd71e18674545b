package render

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"maxgrok/internal/filetree"
)

// fakeSweep is a sweep of two axes (a x b) and seeds, with made-up curves: the test accuracy of
// run k rises from 0.3 to 1 around an epoch depending on its values, or stalls at 0.8.
func fakeSweep(na, nb, seeds, T int) SweepData {
	d := SweepData{Title: "A fake sweep", PhaseRule: "the rule"}
	d.Axes = []SweepAxis{{Key: "weight_decay"}, {Key: "training_ratio"}, {Key: "model_seed", Seed: true}}
	for i := range na {
		d.Axes[0].Values = append(d.Axes[0].Values, strconv.FormatFloat(float64(i+1)/10, 'g', -1, 64))
	}
	for j := range nb {
		d.Axes[1].Values = append(d.Axes[1].Values, strconv.FormatFloat(float64(j+2)/10, 'g', -1, 64))
	}
	for s := range seeds {
		d.Axes[2].Values = append(d.Axes[2].Values, strconv.Itoa(s+1))
	}
	for i := range na {
		for j := range nb {
			for s := range seeds {
				name := fmt.Sprintf("weight_decay=%s,training_ratio=%s,model_seed=%d", d.Axes[0].Values[i], d.Axes[1].Values[j], s+1)
				r := SweepRun{Name: name, Href: "runs/" + name + "/", Values: []string{d.Axes[0].Values[i], d.Axes[1].Values[j], strconv.Itoa(s + 1)}, Memorised: 200 + 10*s}
				mid := 300 + 150*i + 100*j + 37*s
				stall := (i+j+s)%5 == 4
				for t := range T {
					e := t * 10
					acc := 0.3 + 0.7/(1+math.Exp(-float64(e-mid)/40))
					if stall {
						acc = math.Min(acc, 0.8)
					}
					r.Epochs = append(r.Epochs, e)
					r.TestAcc = append(r.TestAcc, acc)
					if r.Grokked < 0 || (r.Grokked == 0 && acc >= 0.99) {
						r.Grokked = e
					}
				}
				if r.Grokked == 0 {
					r.Grokked = -1
				}
				r.FinalTrainAcc, r.FinalTestAcc, r.FinalBound = 1, r.TestAcc[T-1], 0.5
				switch {
				case r.Grokked < 0:
					r.Phase = "memorization"
				case r.Grokked-r.Memorised <= 100:
					r.Phase = "comprehension"
				default:
					r.Phase = "grokking"
				}
				d.Runs = append(d.Runs, r)
			}
		}
	}
	return d
}

func TestSweepJSSize(t *testing.T) {
	_, gz := readGzipped(t, "sweep.js") // slider.js has its limit in TestAppJSSize
	const limit = 8 << 10
	if gz >= limit {
		t.Errorf("sweep.js is %d bytes gzipped, over %d", gz, limit)
	}
}

// TestSweepPageScripts: the sweep page loads slider.js, then sweep.js, and the shared assets
// hold one copy of each script.
func TestSweepPageScripts(t *testing.T) {
	files, err := SweepSite(fakeSweep(2, 2, 1, 20), os.DirFS(templatesDir), SweepOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkScripts(t, string(files["index.html"]), "assets/slider.js", "assets/sweep.js")
	for _, name := range []string{"style.css", "slider.js", "app.js", "sweep.js"} {
		want, err := os.ReadFile(filepath.Join(templatesDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(files["assets/"+name], want) {
			t.Errorf("assets/%s is not templates/%s", name, name)
		}
	}
}

// TestSweepPayloadSize: 1,000 runs of 301 checkpoints fit in 400 KB, and the payload decodes
// to each run's accuracy.
func TestSweepPayloadSize(t *testing.T) {
	d := fakeSweep(10, 10, 10, 301)
	files, err := SweepSite(d, os.DirFS(templatesDir), SweepOptions{})
	if err != nil {
		t.Fatal(err)
	}
	js := files[SweepPayloadScript]
	t.Logf("1000 runs: %s is %d bytes; index.html %d bytes", SweepPayloadScript, len(js), len(files["index.html"]))
	if len(js) >= 400<<10 {
		t.Errorf("the payload script is %d bytes, over 400 KB", len(js))
	}
	m := regexp.MustCompile(`^window\.MAXGROK_SWEEP=\{enc:"gzip",size:(\d+),z85:"([^"]*)"\};\n$`).FindSubmatch(js)
	if m == nil {
		t.Fatalf("payload script %.80q", js)
	}
	raw, err := DecodeZ85(m[2])
	if err != nil {
		t.Fatal(err)
	}
	size, _ := strconv.Atoi(string(m[1]))
	zr, err := gzip.NewReader(bytes.NewReader(raw[:size]))
	if err != nil {
		t.Fatal(err)
	}
	var p bytes.Buffer
	p.ReadFrom(zr)
	b := p.Bytes()
	if string(b[:8]) != sweepMagic {
		t.Fatalf("magic %q", b[:8])
	}
	n := int(b[8]) | int(b[9])<<8 | int(b[10])<<16 | int(b[11])<<24
	var h sweepPayloadHeader
	if err := json.Unmarshal(b[12:12+n], &h); err != nil {
		t.Fatal(err)
	}
	data := b[12+n:]
	T := len(h.Epochs)
	if len(h.Runs) != 1000 || T != 301 || len(data) != 1000*T {
		t.Fatalf("%d runs, %d epochs, %d bytes", len(h.Runs), T, len(data))
	}
	for _, r := range []int{0, 517, 999} {
		q := byte(0)
		for k := range T {
			q += data[r*T+k]
			if want := math.Round(d.Runs[r].TestAcc[k] * sweepLevels); float64(q) != want {
				t.Fatalf("run %d, checkpoint %d: %d, want %v", r, k, q, want)
			}
		}
	}
}

// TestSweepFigures checks which figures a sweep gets from its axes.
func TestSweepFigures(t *testing.T) {
	two := fakeSweep(3, 4, 2, 50)
	one := fakeSweep(1, 4, 3, 50)
	one.Axes = []SweepAxis{one.Axes[1], one.Axes[2]}
	for i := range one.Runs {
		one.Runs[i].Values = one.Runs[i].Values[1:]
	}
	seeds := fakeSweep(1, 1, 8, 50)
	seeds.Axes = seeds.Axes[2:]
	for i := range seeds.Runs {
		seeds.Runs[i].Values = seeds.Runs[i].Values[2:]
	}
	for _, tc := range []struct {
		name string
		d    SweepData
		want []string
	}{
		{"grid", two, []string{"phases", "ecdf", "curves"}},
		{"one axis", one, []string{"grok_vs", "ecdf", "curves"}},
		{"seeds", seeds, []string{"ecdf", "curves"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			figs, err := sweepFigures(tc.d, false)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, f := range figs {
				names = append(names, f.name)
				if !bytes.HasPrefix(f.svg, []byte("<svg")) {
					t.Errorf("%s: %.40q", f.name, f.svg)
				}
			}
			if !slices.Equal(names, tc.want) {
				t.Errorf("figures %q, want %q", names, tc.want)
			}
			if tc.name == "grid" {
				inline := string(figs[0].inline)
				if n := strings.Count(inline, `<g class="cell" data-cell=`); n != 12 || strings.Count(inline, "<a href=") != 12 || strings.Count(inline, "</a>") != 12 {
					t.Errorf("%d cells, %d links", n, strings.Count(inline, "<a href="))
				}
				if strings.Contains(string(figs[0].svg), "<a") {
					t.Error("the standalone SVG has links")
				}
			}
		})
	}
}

// writeSweepSite renders d's sweep page into dir, with a stand-in report in each run folder;
// with selftest, index.html loads testdata/selftest_prelude.js and sweep_selftest.js first.
func writeSweepSite(t *testing.T, dir string, d SweepData, selftest bool) {
	t.Helper()
	files, err := SweepSite(d, os.DirFS(templatesDir), SweepOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range d.Runs {
		files[r.Href+"index.html"] = []byte("<!doctype html><title>" + html.EscapeString(r.Name) + "</title>")
	}
	if selftest {
		injectSelftest(t, files, "index.html", "sweep_selftest.js")
	}
	if err := filetree.Write(dir, files); err != nil {
		t.Fatal(err)
	}
}

type sweepSelftest struct {
	Errors   []string `json:"errors"`
	Warnings []string `json:"warnings"`
	Checks   struct {
		ControlsShown                    bool
		InitialEpoch, InitialHash        string
		CellsFinal, CellsMoved           string
		MarkerInitial, MarkerMoved       *string
		MovedEpoch, MovedWant, HashMoved string
		AfterKeys, AfterKeysWant         string
		AfterHash, AfterHashWant         string
		CellHref                         string
		CellRunLinks                     bool
		SortedAsc, SortedDesc            []string
		AriaSort                         string
		HoverClass, Tip                  string
		StripesStatic, LabelsStatic      string // the phase diagram's cells: stripe colours and labels
		StripesOpen, LabelsOpen          string //   at #epoch=200
		StripesMoved, LabelsMoved        string //   at the slider's third epoch, 20
		StripesEnd, LabelsEnd            string //   at the last epoch
		WidthsMoved, WidthsEnd           bool
		Playing, Paused                  string // over http only
		Played                           bool
	} `json:"checks"`
}

func checkSweepSelftest(t *testing.T, rep sweepSelftest, d SweepData, http bool) {
	t.Helper()
	c := rep.Checks
	for _, e := range append(rep.Errors, rep.Warnings...) {
		t.Errorf("page error: %s", e)
	}
	if !c.ControlsShown || c.InitialEpoch != "200" {
		t.Errorf("controls shown %v, opened at #epoch=200 showing %q", c.ControlsShown, c.InitialEpoch)
	}
	if c.MovedEpoch != c.MovedWant || c.HashMoved != "#epoch="+c.MovedWant {
		t.Errorf("slider: epoch %q hash %q, want %s", c.MovedEpoch, c.HashMoved, c.MovedWant)
	}
	if c.CellsFinal == "" || c.CellsFinal == c.CellsMoved {
		t.Errorf("the cells did not change with the slider: %q -> %q", c.CellsFinal, c.CellsMoved)
	}
	if c.MarkerInitial == nil || c.MarkerMoved == nil || *c.MarkerInitial == *c.MarkerMoved {
		t.Errorf("the curves' marker did not move: %v -> %v", c.MarkerInitial, c.MarkerMoved)
	}
	if c.AfterKeys != c.AfterKeysWant || c.AfterHash != c.AfterHashWant {
		t.Errorf("keys: %s (want %s); #epoch: %s (want %s)", c.AfterKeys, c.AfterKeysWant, c.AfterHash, c.AfterHashWant)
	}
	// A cell of several runs links to the list of its runs (#cell-K), one of one run to its report.
	if ok := strings.HasPrefix(c.CellHref, "#cell-") || strings.HasPrefix(c.CellHref, "runs/") && strings.HasSuffix(c.CellHref, "/index.html"); !ok || !c.CellRunLinks {
		t.Errorf("a cell links to %q (to the table's runs: %v)", c.CellHref, c.CellRunLinks)
	}
	num := func(s string) float64 { f, _ := strconv.ParseFloat(s, 64); return f }
	asc := slices.Clone(c.SortedAsc)
	if len(asc) != len(d.Runs) || !sort.SliceIsSorted(asc, func(i, j int) bool { return num(asc[i]) < num(asc[j]) }) || c.AriaSort != "ascending" {
		t.Errorf("sorted by grokked: %q (%s)", asc, c.AriaSort)
	}
	desc := c.SortedDesc
	if len(desc) != len(d.Runs) || !sort.SliceIsSorted(desc, func(i, j int) bool { return num(desc[i]) > num(desc[j]) }) {
		t.Errorf("sorted again: %q", desc)
	}
	if http && (c.Playing != "true" || c.Paused != "false" || !c.Played) {
		t.Errorf("Play: aria-pressed %q then %q, moved the slider: %v", c.Playing, c.Paused, c.Played)
	}
	if c.HoverClass != "curve r-0 hi" || !strings.HasPrefix(c.Tip, d.Runs[0].Name+"\n") {
		t.Errorf("hovering run 0's curve: class %q, tip %q", c.HoverClass, c.Tip)
	}
	// The phase diagram's cells: each run's phase so far at the selected epoch, as the GIF draws
	// them (viewAt); the static figure and the last epoch show the final phases.
	g := newPhaseGrid(&d, layoutOf(d))
	view := func(v cellView) (stripes, labels string) {
		var cs, ls []string
		for k, runs := range g.cells {
			if len(runs) == 0 {
				continue
			}
			var fills []string
			for _, ph := range sweepPhases {
				for _, r := range runs {
					if v.phase[r] == ph {
						col := phaseColor(ph, 1)
						fills = append(fills, fmt.Sprintf("#%02x%02x%02x", col.R, col.G, col.B))
						break
					}
				}
			}
			cs, ls = append(cs, strings.Join(fills, " ")), append(ls, v.label[k])
		}
		return strings.Join(cs, "|"), strings.Join(ls, "|")
	}
	final, finalLabels := view(g.finalView())
	for _, tc := range []struct {
		when                          string
		stripes, labels, wantS, wantL string
	}{
		{"static", c.StripesStatic, c.LabelsStatic, final, finalLabels},
		{"#epoch=200", c.StripesOpen, c.LabelsOpen, "", ""},
		{"epoch 20", c.StripesMoved, c.LabelsMoved, "", ""},
		{"the last epoch", c.StripesEnd, c.LabelsEnd, final, finalLabels},
	} {
		switch tc.when {
		case "#epoch=200":
			tc.wantS, tc.wantL = view(g.viewAt(200))
		case "epoch 20":
			tc.wantS, tc.wantL = view(g.viewAt(20))
		}
		if tc.stripes != tc.wantS || tc.labels != tc.wantL {
			t.Errorf("phase diagram at %s: stripes %q labels %q, want %q and %q", tc.when, tc.stripes, tc.labels, tc.wantS, tc.wantL)
		}
	}
	if s20, _ := view(g.viewAt(20)); s20 == final {
		t.Error("the fake sweep's phases at epoch 20 are its final ones: the test cannot see the recolouring")
	}
	if !c.WidthsMoved || !c.WidthsEnd {
		t.Errorf("the stripes' widths do not add up to their cells' (epoch 20: %v, last: %v)", c.WidthsMoved, c.WidthsEnd)
	}
}

func TestSweepBrowser(t *testing.T) {
	needChromium(t)
	d := fakeSweep(3, 3, 3, 60)
	dir := t.TempDir()
	writeSweepSite(t, dir, d, true)
	t.Run("file", func(t *testing.T) {
		u := (&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(dir, "index.html")), Fragment: "epoch=200"}).String()
		dom := runChromium(t, "--virtual-time-budget=15000", "--window-size=1280,2000", "--dump-dom", u)
		m := selftestPre.FindStringSubmatch(dom)
		if m == nil {
			t.Fatalf("no self-test report in the DOM (%d bytes)", len(dom))
		}
		var rep sweepSelftest
		if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &rep); err != nil {
			t.Fatal(err)
		}
		checkSweepSelftest(t, rep, d, false)
	})
	t.Run("http", func(t *testing.T) {
		b := httpSelftestRaw(t, dir, "epoch=200")
		var rep sweepSelftest
		if err := json.Unmarshal(b, &rep); err != nil {
			t.Fatal(err)
		}
		checkSweepSelftest(t, rep, d, true)
	})
}

// TestSweepScreenshots renders a seed sweep and a 2-D grid in light and dark mode, into
// $MAXGROK_SCREENSHOTS when set.
func TestSweepScreenshots(t *testing.T) {
	needChromium(t)
	if testing.Short() {
		t.Skip("screenshots are not checked in -short mode")
	}
	out := screenshotDir(t)
	seeds := fakeSweep(1, 1, 32, 100)
	seeds.Axes = seeds.Axes[2:]
	for i := range seeds.Runs {
		seeds.Runs[i].Values = seeds.Runs[i].Values[2:]
	}
	for _, sw := range []struct {
		name string
		d    SweepData
	}{{"seeds", seeds}, {"grid", fakeSweep(4, 5, 3, 100)}} {
		dir := t.TempDir()
		writeSweepSite(t, dir, sw.d, false)
		page := (&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(dir, "index.html")), Fragment: "epoch=500"}).String()
		for _, s := range []struct {
			name  string
			flags []string
		}{
			{"light", []string{"--blink-settings=preferredColorScheme=1"}},
			{"dark", []string{"--force-dark-mode", "--blink-settings=preferredColorScheme=0"}},
		} {
			png := filepath.Join(out, "sweep-"+sw.name+"-"+s.name+".png")
			runChromium(t, append(s.flags, "--window-size=1280,2600", "--virtual-time-budget=15000", "--screenshot="+png, page)...)
			if st, err := os.Stat(png); err != nil || st.Size() < 10_000 {
				t.Errorf("screenshot %s: %v", png, err)
			}
		}
	}
}

// httpSelftestRaw serves dir under /repo/ of a local server, opens index.html#fragment in
// Chromium and returns the report the self-test posts.
func httpSelftestRaw(t *testing.T, dir, fragment string) []byte {
	t.Helper()
	b, _ := httpSelftestServe(t, dir, fragment)
	return b
}

// httpSelftestServe serves dir under /repo/ of a local server, opens index.html#fragment in
// Chromium in real time (no --virtual-time-budget, so that step times mean something) and
// returns the report the self-test posts and the page's base URL; the browser is stopped then.
func httpSelftestServe(t *testing.T, dir, fragment string) ([]byte, string) {
	t.Helper()
	reports := make(chan []byte, 1)
	mux := http.NewServeMux()
	mux.Handle("/repo/", http.StripPrefix("/repo/", http.FileServer(http.Dir(dir))))
	mux.HandleFunc("POST /repo/__selftest", func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		select {
		case reports <- b:
		default:
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromiumPath, append(chromiumFlags(t), "--window-size=1280,2000", srv.URL+"/repo/index.html#"+fragment)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	select {
	case b := <-reports:
		return b, srv.URL + "/repo/"
	case <-ctx.Done():
		t.Fatalf("no self-test report from chromium within 40 s\n%s", stderr.String())
	}
	return nil, ""
}

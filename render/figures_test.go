package render

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"maxgrok/internal/testref"
	"maxgrok/runstore"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"maxgrok/compute"
)

var (
	figRefOnce sync.Once
	figRefRun  *compute.Run
	figRefErr  error
)

// figReference returns the reference run, analysed, or skips the test when it is absent.
func figReference(tb testing.TB) *compute.Run {
	tb.Helper()
	dir := testref.Shared(tb, "reference/default/run")
	figRefOnce.Do(func() {
		figRefRun, figRefErr = runstore.LoadRun(dir, compute.DefaultConfig())
		if figRefErr == nil {
			figRefRun.Analyses = compute.AnalyzeAll(figRefRun.Checkpoints, figRefRun.Epochs, figRefRun.Config, 2)
		}
	})
	if figRefErr != nil {
		tb.Fatal(figRefErr)
	}
	return figRefRun
}

// figSyntheticRun returns a small run with random analyses (vocab V, sequence length 2) whose
// values grow over the checkpoints, and metrics for every epoch.
func figSyntheticRun(V int, seed uint64) *compute.Run {
	c := compute.DefaultConfig()
	c.Vocab, c.Epochs, c.CheckpointEvery = V, 50, 10
	c.ForceAdjacent = []int{0, 1}
	c.TrainingRatio = 0.3
	n := c.SeqLen
	rng := rand.New(rand.NewPCG(seed, 7))
	vec := func(k int, scale float64) []float64 {
		v := make([]float64, k)
		for i := range v {
			v[i] = scale * (2*rng.Float64() - 1)
		}
		return v
	}
	r := &compute.Run{Config: c}
	for e := 0; e <= c.Epochs; e += c.CheckpointEvery {
		s := 1 + float64(e)/10
		a := &compute.Analysis{
			Epoch: e, QK: vec(V, s), OV: vec(V*V, s), OVCentered: vec(V*V, s), PosQK: vec(n, s),
			EOSDirect: vec(V, s), EOSOV: vec(V, s), PosOV: vec(n*V, s), Margin: vec(V*V, s),
			L2Norm: 10 - float64(e)/10, BruteForceAcc: float64(e) / 50, CubicBound: float64(e) / 60,
			TrainLoss: 3 / s, TrainAcc: 0.5, TestLoss: 4 / s, TestAcc: 0.4,
		}
		r.Epochs = append(r.Epochs, e)
		r.Analyses = append(r.Analyses, a)
	}
	for e := 0; e <= c.Epochs; e++ {
		m := compute.MetricRow{Epoch: e, TrainLoss: 3 / (1 + float64(e)) * (1 + 0.1*rng.Float64()), TrainAcc: math.Min(1, float64(e)/30)}
		if e%c.CheckpointEvery == 0 {
			m.TestLoss, m.TestAcc, m.HasTest = 4/(1+float64(e)/10), float64(e)/60, true
		}
		r.Metrics = append(r.Metrics, m)
	}
	return r
}

var figWantOrder = []struct{ name, kind string }{
	{"qk", "line"}, {"ov_centered", "heatmap"}, {"ov", "heatmap"}, {"pos_qk", "scatter"},
	{"irrelevant", "scatter"}, {"margin", "heatmap"}, {"loss", "series"}, {"accuracy", "series"},
	{"l2_norm", "series"},
}

func figMust(t testing.TB, r *compute.Run, withPDF bool) []Figure {
	t.Helper()
	figs, err := Figures(r, withPDF)
	if err != nil {
		t.Fatal(err)
	}
	if len(figs) != len(figWantOrder) {
		t.Fatalf("%d figures, want %d", len(figs), len(figWantOrder))
	}
	for i, f := range figs {
		if f.Name != figWantOrder[i].name || f.Kind != figWantOrder[i].kind {
			t.Errorf("figure %d is %s (%s), want %s (%s)", i, f.Name, f.Kind, figWantOrder[i].name, figWantOrder[i].kind)
		}
		if f.Title == "" {
			t.Errorf("%s: no title", f.Name)
		}
	}
	return figs
}

func TestFiguresDeterministic(t *testing.T) {
	for _, r := range []*compute.Run{figSyntheticRun(8, 1), figSyntheticRun(13, 2)} {
		a := figMust(t, r, true)
		b := figMust(t, r, true)
		for i := range a {
			if !bytes.Equal(a[i].SVG, b[i].SVG) {
				t.Errorf("%s: SVG differs between two renderings", a[i].Name)
			}
			if !bytes.Equal(a[i].PDF, b[i].PDF) {
				t.Errorf("%s: PDF differs between two renderings", a[i].Name)
			}
			if m, n := a[i].Multiples, b[i].Multiples; m != nil && (!bytes.Equal(m.SVG, n.SVG) || !bytes.Equal(m.PDF, n.PDF)) {
				t.Errorf("%s: small multiples differ between two renderings", a[i].Name)
			}
			if !bytes.HasPrefix(a[i].PDF, []byte("%PDF-")) {
				t.Errorf("%s: PDF does not start with %%PDF-", a[i].Name)
			}
			if !bytes.Contains(a[i].PDF, []byte("/FontFile2")) {
				t.Errorf("%s: PDF has no embedded font", a[i].Name)
			}
		}
	}
	for _, f := range figMust(t, figSyntheticRun(8, 1), false) {
		if f.PDF != nil {
			t.Errorf("%s: PDF without withPDF", f.Name)
		}
	}
}

// figNode is a parsed SVG element.
type figNode struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []figNode  `xml:",any"`
	Text     string     `xml:",chardata"`
}

func (n *figNode) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n *figNode) num(t *testing.T, name string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(n.attr(name), 64)
	if err != nil {
		t.Fatalf("<%s %s=%q>: %v", n.XMLName.Local, name, n.attr(name), err)
	}
	return v
}

// walk calls f on n and its descendants with the classes of their <g> ancestors.
func (n *figNode) walk(classes []string, f func(n *figNode, classes []string)) {
	f(n, classes)
	if n.XMLName.Local == "g" && n.attr("class") != "" {
		classes = append(classes[:len(classes):len(classes)], n.attr("class"))
	}
	for i := range n.Children {
		n.Children[i].walk(classes, f)
	}
}

func figParseSVG(t *testing.T, name string, data []byte) *figNode {
	t.Helper()
	var root figNode
	dec := xml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		t.Fatalf("%s: not XML: %v", name, err)
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if cd, ok := tok.(xml.CharData); err != nil || !ok || len(bytes.TrimSpace(cd)) > 0 {
			t.Fatalf("%s: content after the root element (%v)", name, err)
		}
	}
	if root.XMLName.Local != "svg" || root.XMLName.Space != "http://www.w3.org/2000/svg" {
		t.Fatalf("%s: root is %v, want svg", name, root.XMLName)
	}
	return &root
}

func figViewBox(t *testing.T, name string, root *figNode) (w, h float64) {
	t.Helper()
	f := strings.Fields(root.attr("viewBox"))
	if len(f) != 4 || f[0] != "0" || f[1] != "0" {
		t.Fatalf("%s: figViewBox %q", name, root.attr("viewBox"))
	}
	w, _ = strconv.ParseFloat(f[2], 64)
	h, _ = strconv.ParseFloat(f[3], 64)
	return w, h
}

func figNear(a, b float64) bool { return math.Abs(a-b) <= 0.5 }

// figCheck checks the structure of one figure's SVG and FrameSVG against its Frame.
func figCheck(t *testing.T, f Figure) {
	root := figParseSVG(t, f.Name, f.SVG)
	w, h := figViewBox(t, f.Name, root)
	fr := f.Frame
	if w != fr.Width || h != fr.Height {
		t.Errorf("%s: figViewBox %gx%g, Frame %gx%g", f.Name, w, h, fr.Width, fr.Height)
	}
	if root.attr("width") != "100%" {
		t.Errorf("%s: width %q, want 100%%", f.Name, root.attr("width"))
	}
	if !(0 <= fr.X0 && fr.X0 < fr.X1 && fr.X1 <= w && 0 <= fr.Y0 && fr.Y0 < fr.Y1 && fr.Y1 <= h) {
		t.Errorf("%s: Frame rectangle %+v is not inside the %gx%g viewBox", f.Name, fr, w, h)
	}
	if !(fr.XMin < fr.XMax && fr.YMin < fr.YMax) || (fr.LogY && fr.YMin <= 0) {
		t.Errorf("%s: Frame ranges %+v", f.Name, fr)
	}
	if f.Kind == "heatmap" && !(fr.ZMax > 0 && fr.ZMin == -fr.ZMax) {
		t.Errorf("%s: colour range %g..%g, want symmetric", f.Name, fr.ZMin, fr.ZMax)
	}
	if strings.Contains(string(f.SVG), "$") {
		t.Errorf("%s: LaTeX in the SVG", f.Name)
	}
	if n := len(f.SVG); n > 60<<10 && f.Frame.XMax < 100 {
		t.Errorf("%s: SVG is %d bytes", f.Name, n)
	}

	// the data: inside the frame, and heatmap images exactly on it
	var data, texts int
	root.walk(nil, func(n *figNode, classes []string) {
		inData := len(classes) > 0 && classes[len(classes)-1] == "data"
		inMarks := len(classes) > 0 && classes[len(classes)-1] == "marks"
		switch n.XMLName.Local {
		case "text":
			texts++
		case "rect":
			t.Errorf("%s: <rect> (a background?)", f.Name)
		case "image":
			if !inData && !inMarks && f.Kind == "heatmap" && n.num(t, "x") < fr.X1 {
				t.Errorf("%s: image inside the frame outside the data group", f.Name)
			}
			if !strings.Contains(n.attr("style"), "image-rendering:pixelated") || n.attr("preserveAspectRatio") != "none" {
				t.Errorf("%s: image not pixelated/stretched", f.Name)
			}
			if inData || inMarks {
				x, y, iw, ih := n.num(t, "x"), n.num(t, "y"), n.num(t, "width"), n.num(t, "height")
				if !figNear(x, fr.X0) || !figNear(y, fr.Y0) || !figNear(iw, fr.X1-fr.X0) || !figNear(ih, fr.Y1-fr.Y0) {
					t.Errorf("%s: image at %g,%g %gx%g, Frame %+v", f.Name, x, y, iw, ih, fr)
				}
			}
		case "path":
			if !inData {
				return
			}
			for _, p := range figPathPoints(n.attr("d")) {
				if p[0] < fr.X0-6 || p[0] > fr.X1+6 || p[1] < fr.Y0-6 || p[1] > fr.Y1+6 {
					t.Errorf("%s: data point %v outside the frame %+v", f.Name, p, fr)
					return
				}
			}
		}
		if inData {
			data++
		}
	})
	if data == 0 {
		t.Errorf("%s: no data group in the SVG", f.Name)
	}
	if texts < 6 {
		t.Errorf("%s: %d <text> elements", f.Name, texts)
	}

	figCheckClasses(t, f, root)
}

// figCheckClasses checks the classes templates/app.js selects the parts it updates by: a data
// group per series, the zero line, the y tick labels, the colour bar and its tick labels.
func figCheckClasses(t *testing.T, f Figure, root *figNode) {
	count := map[string]int{}
	root.walk(nil, func(n *figNode, classes []string) {
		if c := n.attr("class"); c != "" {
			count[n.XMLName.Local+"."+c]++
		}
	})
	want := map[string]int{"g.data": len(f.Series)}
	switch f.Kind {
	case "line", "scatter":
		if fr := f.Frame; fr.YMin < 0 && fr.YMax > 0 {
			want["path.zero"] = 1
		}
		if f.XCount < 1 || len(f.AxisLabels) != 1 {
			t.Errorf("%s: x_count %d, axis labels %q", f.Name, f.XCount, f.AxisLabels)
		}
	case "heatmap":
		want["image.cbar"] = 1
		want["g.marks"] = count["g.marks"]
		if len(f.Series) != 1 || len(f.AxisLabels) != 2 {
			t.Errorf("%s: series %v, axis labels %q; want one series, two labels", f.Name, f.Series, f.AxisLabels)
		}
		if (f.Marks != "") != (count["g.marks"] == 1) {
			t.Errorf("%s: marks %q, %d marks groups", f.Name, f.Marks, count["g.marks"])
		}
		if count["text.cbar-tick"] < 3 {
			t.Errorf("%s: %d colour bar tick labels", f.Name, count["text.cbar-tick"])
		}
	}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("%s: %d %s, want %d", f.Name, count[k], k, n)
		}
	}
	if f.Kind != "series" || !f.Frame.LogY {
		if count["text.tick-y"] < 2 {
			t.Errorf("%s: %d y tick labels", f.Name, count["text.tick-y"])
		}
	}
	if count["path.zero"] > 1 || count["image.cbar"] > 1 {
		t.Errorf("%s: classes %v", f.Name, count)
	}
}

var figPathNum = regexp.MustCompile(`-?[0-9.]+`)

// figPathPoints returns the coordinate pairs of path data made of M, L and implicit L commands
// (arcs are skipped).
func figPathPoints(d string) [][2]float64 {
	if strings.ContainsAny(d, "AQC") {
		return nil
	}
	nums := figPathNum.FindAllString(d, -1)
	var pts [][2]float64
	for i := 0; i+1 < len(nums); i += 2 {
		x, _ := strconv.ParseFloat(nums[i], 64)
		y, _ := strconv.ParseFloat(nums[i+1], 64)
		pts = append(pts, [2]float64{x, y})
	}
	return pts
}

func TestFiguresStructure(t *testing.T) {
	for _, V := range []int{8, 2, 300} {
		for _, f := range figMust(t, figSyntheticRun(V, 3), V == 2) {
			t.Run(fmt.Sprintf("V%d/%s", V, f.Name), func(t *testing.T) { figCheck(t, f) })
		}
	}
}

func TestFiguresReference(t *testing.T) {
	r := figReference(t)
	figs := figMust(t, r, true)
	total := 0
	for _, f := range figs {
		t.Run(f.Name, func(t *testing.T) {
			figCheck(t, f)
			figCheckPDF(t, f.Name, f.PDF, r.Config.Vocab, figPDFTexts[f.Name])
		})
		total += len(f.SVG)
		t.Logf("%-12s SVG %6d B  PDF %6d B  frame %.1f,%.1f–%.1f,%.1f", f.Name, len(f.SVG), len(f.PDF), f.Frame.X0, f.Frame.Y0, f.Frame.X1, f.Frame.Y1)
	}
	t.Logf("total SVG: %d B", total)
	checkMultiples(t, r, figs)
	for _, f := range figs {
		if m := f.Multiples; m != nil {
			t.Logf("%-12s phases: %d panels, SVG %6d B  PDF %6d B", f.Name, len(m.Panels), len(m.SVG), len(m.PDF))
			figCheckPDF(t, f.Name+"-phases", m.PDF, r.Config.Vocab, append([]string{"grokked · epoch"}, figPDFTexts[f.Name]...))
		}
	}
	if total > 600<<10 {
		t.Errorf("figures take %d bytes", total)
	}
	// the fixed ranges hold every checkpoint
	fig := map[string]Figure{}
	for _, f := range figs {
		fig[f.Name] = f
	}
	for _, a := range r.Analyses {
		for _, c := range []struct {
			name string
			v    []float64
		}{{"qk", a.QK}, {"pos_qk", a.PosQK}, {"irrelevant", a.EOSDirect}, {"irrelevant", a.EOSOV}, {"irrelevant", a.PosOV}} {
			fr := fig[c.name].Frame
			for _, v := range c.v {
				if v < fr.YMin || v > fr.YMax {
					t.Fatalf("%s: epoch %d value %g outside %g..%g", c.name, a.Epoch, v, fr.YMin, fr.YMax)
				}
			}
		}
		for _, c := range []struct {
			name string
			v    []float64
		}{{"ov", a.OV}, {"ov_centered", a.OVCentered}, {"margin", a.Margin}} {
			fr := fig[c.name].Frame
			for _, v := range c.v {
				if math.Abs(v) > fr.ZMax {
					t.Fatalf("%s: epoch %d value %g outside ±%g", c.name, a.Epoch, v, fr.ZMax)
				}
			}
		}
	}
	if dir := os.Getenv("FIGURES_OUT"); dir != "" { // for looking at them
		for _, f := range figs {
			os.WriteFile(filepath.Join(dir, f.Name+".svg"), f.SVG, 0o644)
			os.WriteFile(filepath.Join(dir, f.Name+".pdf"), f.PDF, 0o644)
		}
	}
}

// figToSVG maps a data point to SVG user units with a figure's Frame.
func figToSVG(fr Frame, x, y float64) (float64, float64) {
	sx := fr.X0 + (x-fr.XMin)/(fr.XMax-fr.XMin)*(fr.X1-fr.X0)
	ny := (y - fr.YMin) / (fr.YMax - fr.YMin)
	if fr.LogY {
		ny = math.Log(y/fr.YMin) / math.Log(fr.YMax/fr.YMin)
	}
	return sx, fr.Y1 - ny*(fr.Y1-fr.Y0)
}

// figDataPaths returns the d attributes of the paths of the data group, in order.
func figDataPaths(t *testing.T, f Figure) []string {
	var ds []string
	figParseSVG(t, f.Name, f.SVG).walk(nil, func(n *figNode, classes []string) {
		if n.XMLName.Local == "path" && len(classes) > 0 && classes[len(classes)-1] == "data" {
			ds = append(ds, n.attr("d"))
		}
	})
	return ds
}

// TestFrameMapsData checks that data drawn at data coordinates lands where Frame maps them.
func TestFrameMapsData(t *testing.T) {
	r := figSyntheticRun(8, 11)
	figs := figMust(t, r, false)
	last := r.Analyses[len(r.Analyses)-1]
	byName := map[string]Figure{}
	for _, f := range figs {
		byName[f.Name] = f
	}
	check := func(name string, got [2]float64, x, y float64) {
		t.Helper()
		wx, wy := figToSVG(byName[name].Frame, x, y)
		if !figNear(got[0], wx) || !figNear(got[1], wy) {
			t.Errorf("%s: (%g, %g) drawn at %v, Frame maps it to (%.2f, %.2f)", name, x, y, got, wx, wy)
		}
	}
	// the QK line: its first and last points
	qk := figPathPoints(figDataPaths(t, byName["qk"])[0])
	check("qk", qk[0], 0, last.QK[0])
	check("qk", qk[len(qk)-1], 7, last.QK[7])
	// the loss (log y): train loss at epoch 0 and at the last epoch
	loss := figPathPoints(figDataPaths(t, byName["loss"])[0])
	check("loss", loss[0], 0, r.Metrics[0].TrainLoss)
	check("loss", loss[len(loss)-1], 50, r.Metrics[50].TrainLoss)
	// the accuracy: test accuracy at epoch 0
	acc := figPathPoints(figDataPaths(t, byName["accuracy"])[1])
	check("accuracy", acc[0], 0, r.Metrics[0].TestAcc)
	// pos_qk: a circle of radius 4 starting at angle 0, so its path starts at (x + 4, y)
	d := figDataPaths(t, byName["pos_qk"])[0]
	var cx, cy float64
	if _, err := fmt.Sscanf(d, "M%g,%g", &cx, &cy); err != nil {
		t.Fatalf("pos_qk path %q: %v", d, err)
	}
	check("pos_qk", [2]float64{cx - 4, cy}, 0, last.PosQK[0])
}

func TestFiguresErrors(t *testing.T) {
	if _, err := Figures(nil, false); err == nil {
		t.Error("nil run: no error")
	}
	r := figSyntheticRun(8, 4)
	r.Analyses = r.Analyses[:2]
	if _, err := Figures(r, false); err == nil {
		t.Error("missing analyses: no error")
	}
	r = figSyntheticRun(8, 4)
	r.Analyses[1].Margin = r.Analyses[1].Margin[:5]
	if _, err := Figures(r, false); err == nil || !strings.Contains(err.Error(), `"margin"`) {
		t.Errorf("short margin: error %v", err)
	}
	// non-finite values are drawn without them
	r = figSyntheticRun(8, 5)
	r.Analyses[3].QK[2] = math.NaN()
	r.Analyses[5].Margin[0] = math.Inf(1)
	r.Metrics[7].TrainLoss = 0
	if _, err := Figures(r, true); err != nil {
		t.Errorf("non-finite values: %v", err)
	}
}

func TestGolden(t *testing.T) {
	figs := figMust(t, figSyntheticRun(8, 9), false)
	for _, name := range []string{"qk", "margin"} {
		var got []byte
		for _, f := range figs {
			if f.Name == name {
				got = f.SVG
			}
		}
		path := filepath.Join("testdata", "fig_"+name+".golden")
		if testref.Update() {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -run TestGolden -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s (run go test -run TestGolden -update after checking the change)", name, path)
		}
	}
}

func TestReduce(t *testing.T) {
	r := figSyntheticRun(8, 1)
	r.Metrics = nil
	for e := range 20001 {
		r.Metrics = append(r.Metrics, compute.MetricRow{Epoch: e, TrainLoss: 1, TrainAcc: 0.5})
	}
	r.Metrics[12345].TrainLoss = 50 // a spike
	xy := make([]float64, 0)
	for _, m := range r.Metrics {
		xy = append(xy, m.TrainLoss)
	}
	red := reduce(indexed(xy))
	if len(red) > maxSeriesPoints {
		t.Errorf("reduced to %d points", len(red))
	}
	hasSpike := false
	for _, p := range red {
		hasSpike = hasSpike || p.Y == 50
	}
	if !hasSpike {
		t.Error("spike lost")
	}
	if _, err := Figures(r, false); err != nil {
		t.Error(err)
	}
}

func TestTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		want   string
	}{
		{0, 1, "0 0.2 0.4 0.6 0.8 1"},
		{-0.5, 63.5, "0 10 20 30 40 50 60"},
		{-3.2, 3.2, "-3 -2 -1 0 1 2 3"},
		{0, 3000, "0 500 1000 1500 2000 2500 3000"},
	} {
		var got []string
		for _, tk := range (niceTicks{}).Ticks(c.lo, c.hi) {
			got = append(got, tk.Label)
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("niceTicks(%g, %g) = %v, want %s", c.lo, c.hi, got, c.want)
		}
	}
	for _, c := range []struct {
		lo, hi float64
		want   string
	}{
		{-0.5, 1.5, "0 1"},
		{-0.5, 7.5, "0 1 2 3 4 5 6 7"},
		{-0.5, 63.5, "0 10 20 30 40 50 60"},
		{-0.5, 12.5, "0 2 4 6 8 10 12"},
	} {
		var got []string
		for _, tk := range (intTicks{}).Ticks(c.lo, c.hi) {
			got = append(got, tk.Label)
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("intTicks(%g, %g) = %v, want %s", c.lo, c.hi, got, c.want)
		}
	}
}

func TestDecadeTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		want   string
	}{
		{1e-8, 10, "1e-8 1e-7 1e-6 1e-5 0.0001 0.001 0.01 0.1 1 10"},
		{0.01, 10, "0.01 0.1 1 10"},
		{1e-12, 10, "1e-12 1e-10 1e-8 1e-6 0.0001 0.01 1"},
	} {
		var got []string
		for _, tk := range (decadeTicks{}).Ticks(c.lo, c.hi) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("decadeTicks(%g, %g) = %v, want %s", c.lo, c.hi, got, c.want)
		}
	}
}

func BenchmarkFigures(b *testing.B) {
	r := figReference(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Figures(r, false); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFiguresPDF(b *testing.B) {
	r := figReference(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Figures(r, true); err != nil {
			b.Fatal(err)
		}
	}
}

func ExampleFigures() {
	r := figSyntheticRun(8, 1)
	figs, err := Figures(r, false)
	if err != nil {
		panic(err)
	}
	for _, f := range figs {
		fmt.Println(f.Name, f.Kind, len(f.Series))
	}
	// Output:
	// qk line 1
	// ov_centered heatmap 1
	// ov heatmap 1
	// pos_qk scatter 1
	// irrelevant scatter 4
	// margin heatmap 1
	// loss series 2
	// accuracy series 4
	// l2_norm series 1
}

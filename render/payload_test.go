package render

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math"
	"math/rand/v2"
	"maxgrok/internal/testref"
	"maxgrok/runstore"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"maxgrok/compute"
)

// slidingRun returns a run of vocab V with checkpoints every `every` epochs up to last,
// whose analyses are smooth made-up functions of the epoch (no training), so that every series
// changes from one checkpoint to the next.
func slidingRun(V, last, every int) *compute.Run {
	c := compute.DefaultConfig()
	c.Vocab, c.Epochs, c.CheckpointEvery = V, last, every
	r := &compute.Run{Config: c, Epochs: c.CheckpointEpochs()}
	n := c.SeqLen
	for i, e := range r.Epochs {
		s := float64(e) / float64(max(last, 1)) // 0..1
		a := &compute.Analysis{
			Epoch: e, QK: make([]float64, V), OV: make([]float64, V*V), OVCentered: make([]float64, V*V),
			PosQK: make([]float64, n), EOSDirect: make([]float64, V), EOSOV: make([]float64, V),
			PosOV: make([]float64, n*V), Margin: make([]float64, V*V),
		}
		for x := range V {
			fx := float64(x) / float64(V)
			a.QK[x] = 20 * s * fx * math.Cos(3*fx+s)
			a.EOSDirect[x] = math.Sin(5*fx + 4*s)
			a.EOSOV[x] = 0.5 * math.Cos(7*fx-3*s)
			for p := range n {
				a.PosOV[p*V+x] = (float64(p) - 0.5) * s * math.Sin(9*fx)
			}
			for y := range V {
				fy := float64(y) / float64(V)
				a.OV[x*V+y] = 30*s*math.Exp(-10*(fx-fy)*(fx-fy)) + 3*math.Sin(11*fx*fy+5*s)
				a.Margin[x*V+y] = 8*s - 4 + 3*math.Cos(6*fx-4*fy+2*s)
			}
		}
		for x := range V {
			for y := range V {
				a.OVCentered[x*V+y] = a.OV[x*V+y] - a.OV[x*V+x]
			}
		}
		for p := range n {
			a.PosQK[p] = (float64(p) - 0.5) * 3 * s
		}
		a.L2Norm = 12 + 2*math.Sin(3*s)
		a.BruteForceAcc = math.Min(1, s*1.3)
		a.CubicBound = math.Max(0, s-0.3)
		a.TrainLoss, a.TrainAcc = 4*math.Exp(-8*s), math.Min(1, 3*s)
		a.TestLoss, a.TestAcc = 4*math.Exp(-3*s)+0.01, math.Min(1, s*1.2)
		_ = i
		r.Analyses = append(r.Analyses, a)
	}
	for e := 0; e <= last; e++ {
		s := float64(e) / float64(max(last, 1))
		m := compute.MetricRow{Epoch: e, TrainLoss: 4 * math.Exp(-8*s), TrainAcc: math.Min(1, 3*s)}
		if c.IsCheckpoint(e) {
			m.TestLoss, m.TestAcc, m.HasTest = 4*math.Exp(-3*s)+0.01, math.Min(1, s*1.2), true
		}
		r.Metrics = append(r.Metrics, m)
	}
	return r
}

var payloadRefOnce struct {
	sync.Once
	run *compute.Run
	err error
}

// payloadRefRun loads and analyses the reference run of ../shared (about a second), or skips.
func payloadRefRun(t testing.TB) *compute.Run {
	t.Helper()
	dir := testref.Shared(t, "reference/default/run")
	payloadRefOnce.Do(func() {
		r, err := runstore.LoadRun(dir, compute.DefaultConfig())
		if err == nil {
			r.Analyses = compute.AnalyzeAll(r.Checkpoints, r.Epochs, r.Config, 0)
		}
		payloadRefOnce.run, payloadRefOnce.err = r, err
	})
	if payloadRefOnce.err != nil {
		t.Fatal(payloadRefOnce.err)
	}
	return payloadRefOnce.run
}

func payloadFigures(t testing.TB, r *compute.Run) []Figure {
	t.Helper()
	figs, err := Figures(r, false)
	if err != nil {
		t.Fatal(err)
	}
	return figs
}

// checkRoundTrip decodes the payload of r and compares every series with the run: the 8- and
// 16-bit series within half their quantisation step, the float32 ones to 4 significant digits.
func checkRoundTrip(t *testing.T, r *compute.Run, figs []Figure) *Payload {
	t.Helper()
	b, err := EncodePayload(r, figs)
	if err != nil {
		t.Fatal(err)
	}
	p, err := DecodePayload(b)
	if err != nil {
		t.Fatal(err)
	}
	V, n, T := r.Config.Vocab, r.Config.SeqLen, len(r.Epochs)
	if p.Vocab != V || p.SeqLen != n || p.Checkpoints != T || p.Epochs != r.Epochs[T-1] {
		t.Errorf("header: vocab %d seq_len %d checkpoints %d epochs %d, want %d %d %d %d", p.Vocab, p.SeqLen, p.Checkpoints, p.Epochs, V, n, T, r.Epochs[T-1])
	}
	if len(p.Figures) != len(figs) {
		t.Errorf("%d figures in the header, want %d", len(p.Figures), len(figs))
	}
	for i := range min(len(p.Figures), len(figs)) {
		if p.Figures[i].Name != figs[i].Name || p.Figures[i].Frame != figs[i].Frame {
			t.Errorf("figure %d: %s %+v, want %s %+v", i, p.Figures[i].Name, p.Figures[i].Frame, figs[i].Name, figs[i].Frame)
		}
	}
	get := func(name string, shape ...int) *PayloadArray {
		a := p.Array(name)
		if a == nil {
			t.Fatalf("no array %s", name)
		}
		if fmt.Sprint(a.Shape) != fmt.Sprint(shape) {
			t.Fatalf("%s: shape %v, want %v", name, a.Shape, shape)
		}
		return a
	}
	ep := get("epoch", T)
	for i, e := range r.Epochs {
		if ep.Data[i] != float64(e) {
			t.Fatalf("epoch[%d] = %v, want %d", i, ep.Data[i], e)
		}
	}
	quant := []struct {
		name  string
		shape []int
		get   func(a *compute.Analysis) []float64
	}{
		{"qk", []int{T, V}, func(a *compute.Analysis) []float64 { return a.QK }},
		{"pos_qk", []int{T, n}, func(a *compute.Analysis) []float64 { return a.PosQK }},
		{"eos_direct", []int{T, V}, func(a *compute.Analysis) []float64 { return a.EOSDirect }},
		{"eos_ov", []int{T, V}, func(a *compute.Analysis) []float64 { return a.EOSOV }},
		{"pos_ov", []int{T, n, V}, func(a *compute.Analysis) []float64 { return a.PosOV }},
		{"ov", []int{T, V, V}, func(a *compute.Analysis) []float64 { return a.OV }},
		{"margin", []int{T, V, V}, func(a *compute.Analysis) []float64 { return a.Margin }},
	}
	for _, q := range quant {
		a := get(q.name, q.shape...)
		maxAbs, worst := 0.0, 0.0
		for _, an := range r.Analyses {
			for _, x := range q.get(an) {
				maxAbs = math.Max(maxAbs, math.Abs(x))
			}
		}
		if want := maxAbs / float64(int(1)<<(a.Bits-1)-1); maxAbs > 0 && math.Abs(a.Scale-want) > 1e-12*want {
			t.Errorf("%s: scale %g, want max|x|/%d = %g", q.name, a.Scale, int(1)<<(a.Bits-1)-1, want)
		}
		M := len(a.Data) / T
		for i, an := range r.Analyses {
			for k, x := range q.get(an) {
				d := math.Abs(a.Data[i*M+k] - x)
				worst = math.Max(worst, d)
				if d > a.Scale/2*(1+1e-9) {
					t.Fatalf("%s at epoch %d [%d]: decoded %g, want %g within %g", q.name, r.Epochs[i], k, a.Data[i*M+k], x, a.Scale/2)
				}
			}
		}
		if a.Enc == "q16" && worst > 0.5e-4*maxAbs {
			t.Errorf("%s: worst error %.4g is over 0.5e-4 of max|x| = %.4g: not 4 significant digits", q.name, worst, maxAbs)
		}
		t.Logf("%-10s %-3s %2d bits, scale %.4g, worst error %.4g = %.3g max|x|", q.name, a.Enc, a.Bits, a.Scale, worst, worst/math.Max(maxAbs, math.SmallestNonzeroFloat64))
	}
	// ov_centered, as the page derives it, within two half-steps
	ov := get("ov", T, V, V)
	for i, an := range r.Analyses {
		for x := range V {
			for y := range V {
				got := ov.Data[i*V*V+x*V+y] - ov.Data[i*V*V+x*V+x]
				if d := math.Abs(got - an.OVCentered[x*V+y]); d > ov.Scale*(1+1e-9) {
					t.Fatalf("ov_centered at epoch %d [%d,%d]: derived %g, want %g", r.Epochs[i], x, y, got, an.OVCentered[x*V+y])
				}
			}
		}
	}
	sig4 := func(name string, got, want float64) {
		if math.Abs(got-want) > 5e-5*math.Abs(want) {
			t.Fatalf("%s: decoded %.8g, want %.8g to 4 significant digits", name, got, want)
		}
	}
	for _, s := range []struct {
		name string
		get  func(i int, a *compute.Analysis) float64
	}{
		{"l2_norm", func(_ int, a *compute.Analysis) float64 { return a.L2Norm }},
		{"brute_force_acc", func(_ int, a *compute.Analysis) float64 { return a.BruteForceAcc }},
		{"cubic_bound", func(_ int, a *compute.Analysis) float64 { return a.CubicBound }},
		{"test_loss", func(i int, _ *compute.Analysis) float64 { return r.Metrics[r.Epochs[i]].TestLoss }},
		{"test_acc", func(i int, _ *compute.Analysis) float64 { return r.Metrics[r.Epochs[i]].TestAcc }},
	} {
		a := get(s.name, T)
		for i, an := range r.Analyses {
			sig4(fmt.Sprintf("%s at epoch %d", s.name, r.Epochs[i]), a.Data[i], s.get(i, an))
		}
	}
	tl, ta := get("train_loss", len(r.Metrics)), get("train_acc", len(r.Metrics))
	for e, m := range r.Metrics {
		sig4(fmt.Sprintf("train_loss at epoch %d", e), tl.Data[e], m.TrainLoss)
		sig4(fmt.Sprintf("train_acc at epoch %d", e), ta.Data[e], m.TrainAcc)
	}
	mask := get("train_mask", V, V)
	for k, m := range compute.TrainMask(r.Config) {
		if (mask.Data[k] == 1) != m {
			t.Fatalf("train_mask[%d] = %v, want %v", k, mask.Data[k], m)
		}
	}
	return p
}

func TestPayloadRoundTrip(t *testing.T) {
	for _, c := range []struct{ V, last, every int }{
		{16, 2000, 50}, // 41 checkpoints
		{5, 0, 10},     // one checkpoint, the initial model
		{7, 95, 10},    // the last checkpoint is not a multiple of checkpoint_every
	} {
		t.Run(fmt.Sprintf("V%d-epochs%d-every%d", c.V, c.last, c.every), func(t *testing.T) {
			r := slidingRun(c.V, c.last, c.every)
			checkRoundTrip(t, r, payloadFigures(t, r))
		})
	}
}

func TestPayloadRoundTripReference(t *testing.T) {
	r := payloadRefRun(t)
	checkRoundTrip(t, r, payloadFigures(t, r))
}

func TestPayloadDeterministic(t *testing.T) {
	r := slidingRun(16, 2000, 50)
	figs := payloadFigures(t, r)
	a, err := EncodePayload(r, figs)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := EncodePayload(r, figs)
	if !bytes.Equal(a, b) {
		t.Fatal("two encodings of the same run differ")
	}
	g1, err := PayloadScript(a)
	if err != nil {
		t.Fatal(err)
	}
	g2, _ := PayloadScript(a)
	if !bytes.Equal(g1, g2) {
		t.Fatal("two compressions of the same payload differ")
	}
}

func TestPayloadRejectsNonFinite(t *testing.T) {
	for _, c := range []struct {
		name string
		set  func(r *compute.Run)
		want string
	}{
		{"margin", func(r *compute.Run) { r.Analyses[3].Margin[5] = math.NaN() }, "payload: margin at epoch 150 is NaN"},
		{"qk", func(r *compute.Run) { r.Analyses[40].QK[0] = math.Inf(1) }, "payload: qk at epoch 2000 is +Inf"},
		{"l2", func(r *compute.Run) { r.Analyses[0].L2Norm = math.Inf(-1) }, "payload: l2_norm at epoch 0 is -Inf"},
		{"train_loss", func(r *compute.Run) { r.Metrics[7].TrainLoss = math.NaN() }, "payload: train_loss at epoch 7 is NaN"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := slidingRun(16, 2000, 50)
			c.set(r)
			_, err := EncodePayload(r, nil)
			if err == nil || err.Error() != c.want {
				t.Fatalf("EncodePayload = %v, want %q", err, c.want)
			}
		})
	}
}

func TestZ85(t *testing.T) {
	// the test vector of the Z85 spec (rfc.zeromq.org/spec/32)
	hello := []byte{0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B}
	if got := string(AppendZ85(nil, hello)); got != "HelloWorld" {
		t.Fatalf("AppendZ85(%x) = %q, want HelloWorld", hello, got)
	}
	data := make([]byte, 1001)
	for i := range data {
		data[i] = byte(i*7 + i/256)
	}
	data[0], data[1], data[2], data[3] = 0xff, 0xff, 0xff, 0xff
	back, err := DecodeZ85(AppendZ85(nil, data))
	if err != nil || !bytes.Equal(back[:len(data)], data) || len(back) != 1004 {
		t.Fatalf("round trip: err %v, %d bytes", err, len(back))
	}
}

var scriptRE = regexp.MustCompile(`^window\.MAXGROK_PAYLOAD=\{enc:"gzip",size:(\d+),z85:"([^"\\]*)"\};\n$`)

// unwrapScript returns the payload inside a payload script.
func unwrapScript(t testing.TB, js []byte) []byte {
	t.Helper()
	m := scriptRE.FindSubmatch(js)
	if m == nil {
		t.Fatalf("the script does not match %v: %.100s", scriptRE, js)
	}
	z, err := DecodeZ85(m[2])
	if err != nil {
		t.Fatal(err)
	}
	var size int
	fmt.Sscan(string(m[1]), &size)
	rd, err := gzip.NewReader(bytes.NewReader(z[:size]))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(rd)
	if err != nil {
		t.Fatalf("gzip: %v", err)
	}
	return out
}

// TestPayloadScript checks that the payload script holds the payload, gzip-compressed in Z85.
func TestPayloadScript(t *testing.T) {
	r := slidingRun(16, 2000, 50)
	p, err := EncodePayload(r, payloadFigures(t, r))
	if err != nil {
		t.Fatal(err)
	}
	gz, err := PayloadScript(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := unwrapScript(t, gz); !bytes.Equal(got, p) {
		t.Errorf("the script holds %d bytes that differ from the %d-byte payload", len(got), len(p))
	}
}

// TestPayloadBudget checks that the payload script of the reference run (V=64, 301
// checkpoints, 3001 epochs) stays under 400 KB. BenchmarkPayloadScript times the compression.
func TestPayloadBudget(t *testing.T) {
	const budget = 400_000
	r := payloadRefRun(t)
	p, err := EncodePayload(r, payloadFigures(t, r))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	gz, err := PayloadScript(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("payload %d bytes; payload.gz.js %d bytes (gzip level %d, %v)", len(p), len(gz), GzipLevel, time.Since(start).Round(time.Millisecond))
	if len(gz) >= budget {
		t.Errorf("payload.gz.js is %d bytes, over the budget of %d", len(gz), budget)
	}
	if !bytes.Equal(unwrapScript(t, gz), p) {
		t.Error("the script does not hold the payload")
	}
	if s := string(gz); strings.Contains(s, "\\") {
		t.Error("the gzip script holds a backslash")
	}
}

// BenchmarkPayloadScript times the compression of the reference run's payload and reports the
// size of its script.
func BenchmarkPayloadScript(b *testing.B) {
	r := payloadRefRun(b)
	p, err := EncodePayload(r, payloadFigures(b, r))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(p)))
	var gz []byte
	for b.Loop() {
		if gz, err = PayloadScript(p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(gz)), "gz.js-bytes")
}

// BenchmarkEncodePayload times the encoding of the reference run's payload.
func BenchmarkEncodePayload(b *testing.B) {
	r := payloadRefRun(b)
	figs := payloadFigures(b, r)
	for b.Loop() {
		if _, err := EncodePayload(r, figs); err != nil {
			b.Fatal(err)
		}
	}
}

// TestPayloadCodecs round-trips the array encodings on random data with the extremes: jumps
// across the whole range between checkpoints, predictions that wrap around int16, NaNs.
func TestPayloadCodecs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct{ T, M int }{{1, 1}, {1, 7}, {2, 1}, {6, 1}, {7, 3}, {41, 16}, {301, 5}} {
		for _, lim := range []int{127, 16383, 32767} {
			q := make([]int, c.T*c.M)
			for k := range c.M {
				mode := rng.IntN(4)
				for tt := range c.T {
					j := tt*c.M + k
					switch {
					case tt == 0 || mode == 0: // anywhere
						q[j] = rng.IntN(2*lim+1) - lim
					case mode == 1: // mostly still, small steps
						q[j] = max(-lim, min(lim, q[j-c.M]+[]int{0, 0, 0, 0, 1, -1, 2, -3}[rng.IntN(8)]))
					case mode == 2: // from one end to the other
						q[j] = lim * (1 - 2*(tt%2))
					default: // a steep ramp: the linear prediction overshoots the range
						q[j] = max(-lim, min(lim, q[j-c.M]+lim/3))
					}
				}
			}
			var back []int
			var err error
			if lim == 127 {
				back, err = decodeQ8(encodeQ8(q, c.T, c.M), c.T, c.M)
			} else {
				back, err = decodeQ16(encodeQ16(q, c.T, c.M), c.T, c.M)
			}
			if err != nil {
				t.Fatalf("T %d M %d lim %d: %v", c.T, c.M, lim, err)
			}
			if !slices.Equal(back, q) {
				t.Fatalf("T %d M %d lim %d: decoded %v, want %v", c.T, c.M, lim, back, q)
			}
		}
	}
	// the group bytes: five still checkpoints are a zero byte, steps of one a base-3 byte, any
	// other group the escape byte and its five differences mod 256 at the end
	for _, c := range []struct {
		q    []int
		want []byte
	}{
		{[]int{5, 5, 5, 5, 5, 5, 6, 5, 5, 4, 4}, []byte{5, 0, 1 + 2*3 + 0*9 + 2*27 + 0*81}},
		{[]int{5, 5, 5, 5, 5, 5, 6, 4, -127, 127, 126}, []byte{5, 0, q8Escape, 1, 254, 125, 254, 255}},
		{[]int{-3, -2, -2, -2}, []byte{253, 1}}, // a short last group: zeros after
	} {
		if got := encodeQ8(c.q, len(c.q), 1); !bytes.Equal(got, c.want) {
			t.Errorf("encodeQ8(%v) = %v, want %v", c.q, got, c.want)
		}
	}
	words := []uint32{0, 1, 0xffffffff, math.Float32bits(float32(math.NaN())), 0x80000000, 7}
	if back := decodeWords(encodeWords(words), len(words)); !slices.Equal(back, words) {
		t.Errorf("words: decoded %x, want %x", back, words)
	}
}

// FuzzDecodePayload checks that DecodePayload fails, without panicking, on damaged payloads.
func FuzzDecodePayload(f *testing.F) {
	for _, r := range []*compute.Run{slidingRun(5, 40, 10), slidingRun(3, 0, 10)} {
		p, err := EncodePayload(r, nil)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(p)
		f.Add(p[:len(p)-3])
		f.Add(bytes.Replace(p, []byte(`"enc":"q8"`), []byte(`"enc":"q16"`), 1))
		f.Add(bytes.Replace(p, []byte(`"shape":[5,5,5]`), []byte(`"shape":[5,5,9]`), 1))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		DecodePayload(b)
	})
}

// TestPayloadBrowserDecode opens the small test site in headless Chromium and compares every
// array app.js decodes with DecodePayload's.
func TestPayloadBrowserDecode(t *testing.T) {
	needChromium(t)
	r := slidingRun(16, 2000, 50)
	figs := payloadFigures(t, r)
	p, err := EncodePayload(r, figs)
	if err != nil {
		t.Fatal(err)
	}
	want, err := DecodePayload(p)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeSite(t, dir, r, false)
	check, err := os.ReadFile(filepath.Join("testdata", "payload_check.js"))
	if err != nil {
		t.Fatal(err)
	}
	index, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	index = bytes.Replace(index, []byte("<head>"), []byte("<head>\n<script src=\"payload_check.js\"></script>"), 1)
	for name, b := range map[string][]byte{"payload_check.js": check, "index.html": index} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pre := regexp.MustCompile(`(?s)<pre id="payloadcheck">(.*?)</pre>`)
	u := (&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(dir, "index.html"))}).String()
	m := pre.FindStringSubmatch(runChromium(t, "--virtual-time-budget=15000", "--dump-dom", u))
	if m == nil {
		t.Fatal("no <pre id=\"payloadcheck\"> in the DOM")
	}
	var got struct {
		Errors  []string
		Payload string
		Arrays  map[string][]float64
	}
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &got); err != nil {
		t.Fatal(err)
	}
	for _, e := range got.Errors {
		t.Errorf("page: %s", e)
	}
	if want := "data/payload.gz.js"; got.Payload != want {
		t.Errorf("the page read %s, want %s", got.Payload, want)
	}
	if len(got.Arrays) != len(want.Arrays) {
		t.Errorf("%d arrays decoded, want %d", len(got.Arrays), len(want.Arrays))
	}
	for _, a := range want.Arrays {
		g := got.Arrays[a.Name]
		if len(g) != len(a.Data) {
			t.Errorf("%s: app.js decoded %d values, want %d", a.Name, len(g), len(a.Data))
			continue
		}
		for i := range g {
			if g[i] != a.Data[i] {
				t.Errorf("%s[%d]: app.js decoded %g, want %g", a.Name, i, g[i], a.Data[i])
				break
			}
		}
	}
}

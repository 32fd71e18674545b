package compute

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"maxgrok/internal/testref"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	"maxgrok/safetensors"
)

// Fixtures of the reference run (shared/reference/default), copied into testdata so that these
// tests run in a plain clone:
//
//	testdata/ref_epoch-NNNNN.safetensors   the reference checkpoints of the analysis epochs
//	testdata/analysis_reference.json       analyses.json, compacted: the arrays rounded to 10
//	                                       significant digits (5e-10 relative, far below the
//	                                       tolerances here), the scalars as they were
//	testdata/ref_series.csv                series.csv: l2_norm, brute_force_acc, cubic_bound at
//	                                       every checkpoint
//	testdata/ref_logits-epoch-01500.safetensors   the reference logits at epoch 1500
//
// The checks over all 301 checkpoints and the other logits files read ../../shared and skip
// when it is absent.

// refEpochs are the epochs of analysis_reference.json, each with a checkpoint in testdata.
var refEpochs = []int{0, 10, 300, 1000, 1500, 2000, 3000}

// sharedOrSkip returns the path of a file of the shared reference run, or skips the test.
func sharedOrSkip(t testing.TB, rel string) string {
	t.Helper()
	return testref.Shared(t, "reference/default/"+rel)
}

// refCheckpoint reads the reference checkpoint of an epoch from testdata.
func refCheckpoint(t testing.TB, epoch int) *Params {
	t.Helper()
	p, _, err := readCheckpoint(fmt.Sprintf("testdata/ref_epoch-%05d.safetensors", epoch), DimsOf(DefaultConfig()))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// refAnalysis is one entry of analysis_reference.json (keys as in analyses.json).
type refAnalysis struct {
	Epoch         int         `json:"epoch"`
	L2Norm        float64     `json:"l2_norm"`
	BruteForceAcc float64     `json:"brute_force_acc"`
	CubicBound    float64     `json:"cubic_bound"`
	QK            []float64   `json:"qk"`
	OV            [][]float64 `json:"ov"`
	OVCentered    [][]float64 `json:"ov_centered"`
	PosQK         []float64   `json:"pos_qk"`
	Irrelevant    struct {
		EOSDirect []float64 `json:"eos_direct"`
		EOSOV     []float64 `json:"eos_ov"`
		Pos0OV    []float64 `json:"pos0_ov"`
		Pos1OV    []float64 `json:"pos1_ov"`
	} `json:"irrelevant"`
}

func readRefAnalyses(t testing.TB) map[int]refAnalysis {
	t.Helper()
	b, err := os.ReadFile("testdata/analysis_reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var list []refAnalysis
	if err := json.Unmarshal(b, &list); err != nil {
		t.Fatalf("analysis_reference.json: %v", err)
	}
	out := map[int]refAnalysis{}
	for _, r := range list {
		out[r.Epoch] = r
	}
	return out
}

// refSeries reads ref_series.csv: epoch -> (l2_norm, brute_force_acc, cubic_bound).
func refSeries(t testing.TB) map[int][3]float64 {
	t.Helper()
	f, err := os.Open("testdata/ref_series.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("ref_series.csv: %v", err)
	}
	out := map[int][3]float64{}
	for _, r := range rows[1:] {
		e, err := strconv.Atoi(r[0])
		if err != nil {
			t.Fatalf("ref_series.csv: %v", err)
		}
		var v [3]float64
		for i := range v {
			if v[i], err = strconv.ParseFloat(r[i+1], 64); err != nil {
				t.Fatalf("ref_series.csv: %v", err)
			}
		}
		out[e] = v
	}
	return out
}

func flatten(m [][]float64) []float64 {
	var out []float64
	for _, r := range m {
		out = append(out, r...)
	}
	return out
}

// maxRelDiff returns max |got - want| / max |want|, and the index of the largest difference.
func maxRelDiff(got, want []float64) (float64, int) {
	scale, worst, at := 0.0, 0.0, -1
	for _, w := range want {
		scale = max(scale, math.Abs(w))
	}
	for i := range want {
		if d := math.Abs(got[i] - want[i]); d > worst || at < 0 {
			worst, at = d, i
		}
	}
	return worst / scale, at
}

// TestAnalyzeReference compares every analysis with analyses.json at the reference epochs.
func TestAnalyzeReference(t *testing.T) {
	c := DefaultConfig()
	mask := TrainMask(c)
	refs := readRefAnalyses(t)
	series := refSeries(t)
	az := NewAnalyzer(c, mask)
	for _, epoch := range refEpochs {
		t.Run(fmt.Sprint(epoch), func(t *testing.T) {
			ref, ok := refs[epoch]
			if !ok {
				t.Fatalf("epoch %d missing from analysis_reference.json", epoch)
			}
			a := az.Analyze(refCheckpoint(t, epoch))
			V := c.Vocab
			// The reference computed these in float64 from the same float32 weights, as we
			// do, with other summation orders (~1e-15 relative); the fixture keeps 10
			// significant digits, so the differences seen are ~1e-10. 1e-5 of the tensor's
			// largest value leaves room for both and flags any formula error (a missing
			// term moves values by far more).
			for _, tc := range []struct {
				name      string
				got, want []float64
			}{
				{"qk", a.QK, ref.QK},
				{"ov", a.OV, flatten(ref.OV)},
				{"ov_centered", a.OVCentered, flatten(ref.OVCentered)},
				{"pos_qk", a.PosQK, ref.PosQK},
				{"eos_direct", a.EOSDirect, ref.Irrelevant.EOSDirect},
				{"eos_ov", a.EOSOV, ref.Irrelevant.EOSOV},
				{"pos_ov[0]", a.PosOV[:V], ref.Irrelevant.Pos0OV},
				{"pos_ov[1]", a.PosOV[V:], ref.Irrelevant.Pos1OV},
			} {
				if len(tc.got) != len(tc.want) {
					t.Errorf("%s: %d values, reference %d", tc.name, len(tc.got), len(tc.want))
					continue
				}
				d, at := maxRelDiff(tc.got, tc.want)
				t.Logf("%s: max difference %.2g of the largest value", tc.name, d)
				if d > 1e-5 {
					t.Errorf("%s: off by %.3g of its largest value at %d: %v, reference %v", tc.name, d, at, tc.got[at], tc.want[at])
				}
			}
			// l2_norm: one sum of squares in float64 here, per-tensor sums there; 1e-6
			// relative is far above that rounding.
			if d := math.Abs(a.L2Norm-ref.L2Norm) / ref.L2Norm; d > 1e-6 {
				t.Errorf("l2_norm %v, reference %v", a.L2Norm, ref.L2Norm)
			}
			// Counts of inputs: exactly equal.
			if a.BruteForceAcc != ref.BruteForceAcc {
				t.Errorf("brute_force_acc %v, reference %v", a.BruteForceAcc, ref.BruteForceAcc)
			}
			if a.CubicBound != ref.CubicBound {
				t.Errorf("cubic_bound %v, reference %v", a.CubicBound, ref.CubicBound)
			}
			if s := series[epoch]; a.BruteForceAcc != s[1] || a.CubicBound != s[2] {
				t.Errorf("brute_force_acc, cubic_bound = %v, %v; ref_series.csv %v, %v", a.BruteForceAcc, a.CubicBound, s[1], s[2])
			}
		})
	}
}

// TestAnalyzeSeries checks every checkpoint of the reference run against series.csv.
func TestAnalyzeSeries(t *testing.T) {
	dir := sharedOrSkip(t, "run/checkpoints")
	c := DefaultConfig()
	series := refSeries(t)
	ckpts, epochs := readRunCheckpoints(t, dir, c)
	if len(ckpts) != 301 {
		t.Fatalf("%d checkpoints in %s, want 301", len(ckpts), dir)
	}
	for i, a := range AnalyzeAll(ckpts, epochs, c, 2) {
		s, ok := series[epochs[i]]
		if !ok {
			t.Fatalf("epoch %d missing from ref_series.csv", epochs[i])
		}
		// l2_norm: summation order only (see TestAnalyzeReference); the counts exactly.
		if d := math.Abs(a.L2Norm-s[0]) / s[0]; d > 1e-6 {
			t.Errorf("epoch %d: l2_norm %v, reference %v", a.Epoch, a.L2Norm, s[0])
		}
		if a.BruteForceAcc != s[1] {
			t.Errorf("epoch %d: brute_force_acc %v, reference %v", a.Epoch, a.BruteForceAcc, s[1])
		}
		if a.CubicBound != s[2] {
			t.Errorf("epoch %d: cubic_bound %v, reference %v", a.Epoch, a.CubicBound, s[2])
		}
	}
}

// readRunCheckpoints reads every checkpoint epoch-NNNNN.safetensors of a run folder's
// checkpoints directory, in epoch order.
func readRunCheckpoints(t testing.TB, dir string, c Config) ([]*Params, []int) {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "epoch-*.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	var ckpts []*Params
	var epochs []int
	for _, name := range names { // Glob sorts; the names are zero-padded
		p, epoch, err := readCheckpoint(name, DimsOf(c))
		if err != nil {
			t.Fatal(err)
		}
		ckpts = append(ckpts, p)
		epochs = append(epochs, epoch)
	}
	return ckpts, epochs
}

// TestMarginReference compares the margin map with one derived from the reference logits.
func TestMarginReference(t *testing.T) {
	c := DefaultConfig()
	V := c.Vocab
	mask := TrainMask(c)
	for _, epoch := range []int{0, 1500, 3000} {
		t.Run(fmt.Sprint(epoch), func(t *testing.T) {
			path := fmt.Sprintf("testdata/ref_logits-epoch-%05d.safetensors", epoch)
			if _, err := os.Stat(path); err != nil {
				path = sharedOrSkip(t, fmt.Sprintf("logits-epoch-%05d.safetensors", epoch))
			}
			f, err := safetensors.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			logits, shape, err := f.Float64s("logits")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(shape, []int{V * V, V}) {
				t.Fatalf("logits shape %v, want [%d %d]", shape, V*V, V)
			}
			a := Analyze(refCheckpoint(t, epoch), c, mask)
			worst := 0.0
			for i := range V * V {
				row, y := logits[i*V:(i+1)*V], max(i/V, i%V)
				other := math.Inf(-1)
				for j, v := range row {
					if j != y {
						other = max(other, v)
					}
				}
				worst = max(worst, math.Abs(a.Margin[i]-(row[y]-other)))
			}
			t.Logf("max margin difference %.2g", worst)
			// The reference logits are float32 (PyTorch's forward pass), ~4e-5 from the
			// exact ones; ours are float64. 2e-4 absolute covers that five times over.
			if worst > 2e-4 {
				t.Errorf("margin differs from the reference logits' by up to %.3g", worst)
			}
		})
	}
}

// TestAnalyzeMatchesEvaluator checks that the training and test metrics equal bit for bit
// what the trainer's Evaluator computes, and stay close to PyTorch's float32 metrics.
func TestAnalyzeMatchesEvaluator(t *testing.T) {
	c := DefaultConfig()
	mask := TrainMask(c)
	train, test := Split(c)
	torch := readReferenceMetrics(t)
	for _, epoch := range refEpochs {
		p := refCheckpoint(t, epoch)
		a := Analyze(p, c, mask)
		ev := NewEvaluator(p.Dims, c.UseLog1p)
		TablesForward(ev.Tables, p)
		trainLoss, trainAcc := ev.Eval(train, false)
		testLoss, testAcc := ev.Eval(test, false)
		if a.TrainLoss != trainLoss || a.TrainAcc != trainAcc {
			t.Errorf("epoch %d: train loss, acc = %v, %v; Evaluator %v, %v", epoch, a.TrainLoss, a.TrainAcc, trainLoss, trainAcc)
		}
		if a.TestLoss != testLoss || a.TestAcc != testAcc {
			t.Errorf("epoch %d: test loss, acc = %v, %v; Evaluator %v, %v", epoch, a.TestLoss, a.TestAcc, testLoss, testAcc)
		}
		// PyTorch computed these in float32: ~1e-6 relative on the logits' differences, which
		// the loss inherits (up to ~1e-5 relative once the loss is small). The accuracies may
		// differ by an input whose top two logits are within float32 rounding.
		want, ok := torch[epoch]
		if !ok {
			continue
		}
		for _, tc := range []struct {
			name      string
			got, want float64
			tol       float64
		}{
			{"train_loss", a.TrainLoss, want[0], 1e-4 * want[0]},
			{"train_acc", a.TrainAcc, want[1], 1.5 / float64(len(train.Labels))},
			{"test_loss", a.TestLoss, want[2], 1e-4 * want[2]},
			{"test_acc", a.TestAcc, want[3], 1.5 / float64(len(test.Labels))},
		} {
			if math.Abs(tc.got-tc.want) > tc.tol {
				t.Errorf("epoch %d: %s %v, PyTorch %v", epoch, tc.name, tc.got, tc.want)
			}
		}
	}
}

// readReferenceMetrics reads testdata/reference_metrics.csv (the reference run's metrics.csv)
// at the epochs with test metrics: epoch -> train_loss, train_acc, test_loss, test_acc.
func readReferenceMetrics(t testing.TB) map[int][4]float64 {
	t.Helper()
	f, err := os.Open("testdata/reference_metrics.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("reference_metrics.csv: %v", err)
	}
	out := map[int][4]float64{}
	for _, r := range rows[1:] {
		if r[3] == "" {
			continue
		}
		e, err := strconv.Atoi(r[0])
		if err != nil {
			t.Fatalf("reference_metrics.csv: %v", err)
		}
		var v [4]float64
		for i := range v {
			if v[i], err = strconv.ParseFloat(r[i+1], 64); err != nil {
				t.Fatalf("reference_metrics.csv: %v", err)
			}
		}
		out[e] = v
	}
	return out
}

// smallConfig returns a config of the given vocab with a small model, for property tests.
func smallConfig(vocab, dModel, dHead int) Config {
	c := DefaultConfig()
	c.Vocab, c.DModel, c.DHead = vocab, dModel, dHead
	c.ForceAdjacent = []int{0, 1}
	c.TrainingRatio = 0.4
	return c
}

// randomParams returns weights drawn from N(0, std²) and biases from N(0, biasStd²).
func randomParams(rng *rand.Rand, m Dims, std, biasStd float64) *Params {
	p := NewParams(m)
	nw := m.NumWeights()
	for i := range p.Data {
		s := std
		if i >= nw {
			s = biasStd
		}
		p.Data[i] = s * rng.NormFloat64()
	}
	return p
}

// designedParams returns a model that computes max(a, b) by hand, plus N(0, noise²) on every
// weight and bias: d_model = V+2, d_head = V. Token t < V embeds as the one-hot e_t plus t/V
// in dimension V, EOS as 1 in dimension V+1; the EOS query reads dimension V+1 and the keys
// dimension V, so the largest token gets the attention; V·O copies the one-hot and U reads it
// out as logit t.
func designedParams(rng *rand.Rand, V int, noise float64) (*Params, Config) {
	c := smallConfig(V, V+2, V)
	m := DimsOf(c)
	p := NewParams(m)
	d, h := m.D, m.H
	alpha := 5 * float64(V) * math.Sqrt(float64(h)) // adjacent tokens' scores differ by 5
	const gamma = 5.0
	for tok := range V {
		p.WE[tok*d+tok] = 1
		p.WE[tok*d+V] = float64(tok) / float64(V)
	}
	p.WE[V*d+V+1] = 1
	p.WQ[(V+1)*h+0] = alpha
	p.WK[V*h+0] = 1
	for i := range V {
		p.WV[i*h+i] = 1
		p.WO[i*d+i] = 1
		p.WU[i*V+i] = gamma
	}
	for i := range p.Data {
		p.Data[i] += noise * rng.NormFloat64()
	}
	return p, c
}

// naiveLogits is the forward pass of SEMANTICS.md section 1 written out for one input, all
// positions' residuals, keys and values, with no shortcut: an independent check of Tables.
func naiveLogits(p *Params, a, b int) []float64 {
	V, n, d, h := p.V, p.N, p.D, p.H
	toks := []int{a, b, V}
	res := make([][]float64, n+1)
	for pos, tok := range toks {
		res[pos] = make([]float64, d)
		for i := range d {
			res[pos][i] = p.WE[tok*d+i] + p.WPos[pos*d+i]
		}
	}
	proj := func(x, w, bias []float64, rows, cols int) []float64 {
		out := make([]float64, cols)
		for j := range cols {
			s := bias[j]
			for i := range rows {
				s += x[i] * w[i*cols+j]
			}
			out[j] = s
		}
		return out
	}
	q := proj(res[n], p.WQ, p.BQ, d, h)
	scores := make([]float64, n+1)
	vals := make([][]float64, n+1)
	for pos := range n + 1 {
		k := proj(res[pos], p.WK, p.BK, d, h)
		vals[pos] = proj(res[pos], p.WV, p.BV, d, h)
		for i := range h {
			scores[pos] += q[i] * k[i]
		}
		scores[pos] /= math.Sqrt(float64(h))
	}
	mx := math.Inf(-1)
	for _, s := range scores {
		mx = max(mx, s)
	}
	sum := 0.0
	for pos := range scores {
		scores[pos] = math.Exp(scores[pos] - mx)
		sum += scores[pos]
	}
	z := make([]float64, h)
	for pos := range n + 1 {
		for i := range h {
			z[i] += scores[pos] / sum * vals[pos][i]
		}
	}
	out := proj(z, p.WO, p.BO, h, d)
	post := make([]float64, d)
	for i := range d {
		post[i] = res[n][i] + out[i]
	}
	return proj(post, p.WU, p.BU, d, V)
}

// naiveCircuits computes the weights-only analyses straight from their formulas.
func naiveCircuits(p *Params) (qk, ov, posQK, eosDirect, eosOV, posOV []float64) {
	V, n, d, h := p.V, p.N, p.D, p.H
	zeroH, zeroD, zeroV := make([]float64, h), make([]float64, d), make([]float64, V)
	mul := func(x, w, bias []float64, rows, cols int) []float64 {
		out := make([]float64, cols)
		for j := range cols {
			s := bias[j]
			for i := range rows {
				s += x[i] * w[i*cols+j]
			}
			out[j] = s
		}
		return out
	}
	vou := func(x []float64) []float64 { // x V O U
		return mul(mul(mul(x, p.WV, zeroH, d, h), p.WO, zeroD, h, d), p.WU, zeroV, d, V)
	}
	xq := make([]float64, d)
	pbar := make([]float64, d)
	for i := range d {
		xq[i] = p.WE[V*d+i] + p.WPos[n*d+i]
		for pos := range n {
			pbar[i] += p.WPos[pos*d+i] / float64(n)
		}
	}
	q := mul(xq, p.WQ, zeroH, d, h)
	score := func(y []float64) float64 { // x_eos Q Kᵀ yᵀ
		k := mul(y, p.WK, zeroH, d, h)
		s := 0.0
		for i := range h {
			s += q[i] * k[i]
		}
		return s
	}
	self := score(xq)
	for tok := range V {
		y := make([]float64, d)
		for i := range d {
			y[i] = p.WE[tok*d+i] + pbar[i]
		}
		qk = append(qk, score(y)-self)
		ov = append(ov, vou(y)...)
	}
	for pos := range n {
		y := make([]float64, d)
		for i := range d {
			y[i] = p.WPos[pos*d+i] - pbar[i]
		}
		posQK = append(posQK, score(y))
		posOV = append(posOV, vou(y)...)
	}
	return qk, ov, posQK, mul(xq, p.WU, zeroV, d, V), vou(xq), posOV
}

// propertyCases are random and hand-designed small models, biases included.
func propertyCases() []struct {
	name string
	p    *Params
	c    Config
} {
	var out []struct {
		name string
		p    *Params
		c    Config
	}
	add := func(name string, p *Params, c Config) {
		out = append(out, struct {
			name string
			p    *Params
			c    Config
		}{name, p, c})
	}
	for seed := range uint64(4) {
		for _, V := range []int{8, 16} {
			rng := rand.New(rand.NewPCG(seed, uint64(V)))
			c := smallConfig(V, 8, 4)
			add(fmt.Sprintf("random/V%d/seed%d", V, seed), randomParams(rng, DimsOf(c), 0.8/math.Sqrt(8), 0.3), c)
			for _, noise := range []float64{0.02, 0.1, 0.3} {
				p, c := designedParams(rng, V, noise)
				add(fmt.Sprintf("designed/V%d/seed%d/noise%g", V, seed, noise), p, c)
			}
		}
	}
	return out
}

// TestAnalyzeProperties checks relations that hold for any weights, on random and designed
// models with random biases.
func TestAnalyzeProperties(t *testing.T) {
	positiveBounds := 0
	for _, tc := range propertyCases() {
		t.Run(tc.name, func(t *testing.T) {
			p, c := tc.p, tc.c
			V := c.Vocab
			a := Analyze(p, c, TrainMask(c))

			// The cubic bound is a lower bound on the accuracy; each input it certifies is
			// classified correctly (margin > 0).
			var s cubicScratch
			tables := NewTables(p.Dims)
			TablesForward(tables, p)
			certified := make([]bool, V*V)
			bound := s.bound(p, tables, certified)
			if bound != a.CubicBound {
				t.Errorf("cubic bound %v with certificates, %v without", bound, a.CubicBound)
			}
			if a.CubicBound > a.BruteForceAcc {
				t.Errorf("cubic bound %v > brute-force accuracy %v", a.CubicBound, a.BruteForceAcc)
			}
			nCert := 0
			for i, ok := range certified {
				if ok {
					nCert++
					if a.Margin[i] <= 0 {
						t.Errorf("input (%d, %d) certified but its margin is %v", i/V, i%V, a.Margin[i])
					}
				}
			}
			if float64(nCert)/float64(V*V) != a.CubicBound {
				t.Errorf("%d inputs certified, but the bound is %v", nCert, a.CubicBound)
			}
			if a.CubicBound > 0 {
				positiveBounds++
			}
			t.Logf("cubic bound %v, brute-force accuracy %v", a.CubicBound, a.BruteForceAcc)

			// Without ties, an input is correct exactly when its margin is positive.
			positive, tie := 0, false
			for _, m := range a.Margin {
				tie = tie || m == 0
				if m > 0 {
					positive++
				}
			}
			if !tie && float64(positive)/float64(V*V) != a.BruteForceAcc {
				t.Errorf("%d of %d margins positive, brute-force accuracy %v", positive, V*V, a.BruteForceAcc)
			}

			// The margins against an independent forward pass (biases included); the two
			// differ only by rounding (~1e-15 of the logits' size).
			for i := range V * V {
				lg := naiveLogits(p, i/V, i%V)
				y := max(i/V, i%V)
				other := math.Inf(-1)
				scale := 0.0
				for j, v := range lg {
					scale = max(scale, math.Abs(v))
					if j != y {
						other = max(other, v)
					}
				}
				if d := math.Abs(a.Margin[i] - (lg[y] - other)); d > 1e-12*max(1, scale) {
					t.Fatalf("input (%d, %d): margin %v, naive forward pass %v", i/V, i%V, a.Margin[i], lg[y]-other)
				}
			}

			// The circuits against their formulas (weights only: the biases must not enter).
			qk, ov, posQK, eosDirect, eosOV, posOV := naiveCircuits(p)
			for _, cmp := range []struct {
				name      string
				got, want []float64
			}{
				{"qk", a.QK, qk}, {"ov", a.OV, ov}, {"pos_qk", a.PosQK, posQK},
				{"eos_direct", a.EOSDirect, eosDirect}, {"eos_ov", a.EOSOV, eosOV}, {"pos_ov", a.PosOV, posOV},
			} {
				// Different association orders only: 1e-12 of the largest value.
				if d, at := maxRelDiff(cmp.got, cmp.want); d > 1e-12 {
					t.Errorf("%s: off by %.3g of its largest value at %d", cmp.name, d, at)
				}
			}
			for tok := range V {
				if d := a.OVCentered[tok*V+tok]; d != 0 {
					t.Errorf("ov_centered[%d, %d] = %v, want 0", tok, tok, d)
				}
				for j := range V {
					if a.OVCentered[tok*V+j] != a.OV[tok*V+j]-a.OV[tok*V+tok] {
						t.Fatalf("ov_centered[%d, %d] is not ov[%d, %d] - ov[%d, %d]", tok, j, tok, j, tok, tok)
					}
				}
			}
			if a.L2Norm != p.L2Norm() {
				t.Errorf("l2_norm %v, Params.L2Norm %v", a.L2Norm, p.L2Norm())
			}
		})
	}
	// The designed models must exercise the bound, else the checks above say little about it.
	if positiveBounds < 8 {
		t.Errorf("only %d cases have a positive cubic bound", positiveBounds)
	}
}

// TestAnalyzeAllWorkers checks that the results do not depend on the number of workers, and
// that an Analyzer reused across checkpoints gives what a fresh one does.
func TestAnalyzeAllWorkers(t *testing.T) {
	for _, V := range []int{8, 16} {
		rng := rand.New(rand.NewPCG(7, uint64(V)))
		var ckpts []*Params
		var epochs []int
		var c Config
		for i := range 7 {
			var p *Params
			p, c = designedParams(rng, V, 0.05*float64(i))
			ckpts = append(ckpts, p)
			epochs = append(epochs, 10*i)
		}
		one := AnalyzeAll(ckpts, epochs, c, 1)
		three := AnalyzeAll(ckpts, epochs, c, 3)
		if !reflect.DeepEqual(one, three) {
			t.Errorf("V=%d: AnalyzeAll differs between 1 and 3 workers", V)
		}
		mask := TrainMask(c)
		for i, p := range ckpts {
			a := Analyze(p, c, mask)
			a.Epoch = epochs[i]
			if !reflect.DeepEqual(a, one[i]) {
				t.Errorf("V=%d, checkpoint %d: Analyze differs from AnalyzeAll", V, i)
			}
		}
	}
}

// interpolatedRun returns count checkpoints of the default model along the reference run:
// linear interpolations between consecutive reference checkpoints in testdata (a stand-in for
// the 301 checkpoints when ../shared is absent).
func interpolatedRun(t testing.TB, count int) ([]*Params, []int) {
	t.Helper()
	var refs []*Params
	for _, e := range refEpochs {
		refs = append(refs, refCheckpoint(t, e))
	}
	last := refEpochs[len(refEpochs)-1]
	var ckpts []*Params
	var epochs []int
	for i := range count {
		epoch := i * last / (count - 1)
		k := 0
		for k+2 < len(refEpochs) && refEpochs[k+1] <= epoch {
			k++
		}
		w := float64(epoch-refEpochs[k]) / float64(refEpochs[k+1]-refEpochs[k])
		p := refs[k].Clone()
		for j := range p.Data {
			p.Data[j] = (1-w)*refs[k].Data[j] + w*refs[k+1].Data[j]
		}
		ckpts = append(ckpts, p)
		epochs = append(epochs, epoch)
	}
	return ckpts, epochs
}

// BenchmarkAnalyze analyzes one checkpoint of the default config (mid-grokking).
func BenchmarkAnalyze(b *testing.B) {
	c := DefaultConfig()
	p := refCheckpoint(b, 1500)
	az := NewAnalyzer(c, TrainMask(c))
	for b.Loop() {
		az.Analyze(p)
	}
}

// BenchmarkAnalyzeAll301 analyzes the 301 checkpoints of the default run on 2 workers: the
// reference run's when ../shared is present, else interpolations of the testdata checkpoints.
func BenchmarkAnalyzeAll301(b *testing.B) {
	c := DefaultConfig()
	var ckpts []*Params
	var epochs []int
	if dir, ok := testref.Find("reference/default/run/checkpoints"); ok {
		ckpts, epochs = readRunCheckpoints(b, dir, c)
	} else {
		ckpts, epochs = interpolatedRun(b, 301)
	}
	for b.Loop() {
		AnalyzeAll(ckpts, epochs, c, 2)
	}
}

// TestMaxAbs checks AnalysisSpec.MaxAbs: for an analysis Analyze made, the maximum it took equals
// a pass over the values for every row of the table; for one built by hand, the pass itself,
// which skips NaN and ±Inf.
func TestMaxAbs(t *testing.T) {
	ckpts, _ := interpolatedRun(t, 3)
	c := DefaultConfig()
	az := NewAnalyzer(c, TrainMask(c))
	for _, p := range ckpts {
		a := az.Analyze(p)
		for i := range Analyses {
			s := &Analyses[i]
			want := 0.0
			for _, x := range s.Values(a) {
				if v := math.Abs(x); !math.IsInf(v, 0) && v > want {
					want = v
				}
			}
			if got := s.MaxAbs(a); got != want {
				t.Errorf("%s: MaxAbs %v, want %v", s.Name, got, want)
			}
		}
	}
	a := NewAnalysis(DimsOf(c))
	a.Margin[3], a.Margin[4], a.Margin[5], a.Margin[6] = -7, math.NaN(), math.Inf(-1), 6.5
	if got := AnalysisByName("margin").MaxAbs(a); got != 7 {
		t.Errorf("margin by hand: MaxAbs %v, want 7", got)
	}
	if got := AnalysisByName("ov").MaxAbs(a); got != 0 {
		t.Errorf("zero ov: MaxAbs %v, want 0", got)
	}
}

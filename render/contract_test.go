package render

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"

	"maxgrok/compute"
	"maxgrok/runstore"
)

// TestPayloadArraysFromAnalyses checks the payload header against compute.Analyses: every array
// is a row of the table, encoded as the row says, or a documented extra (epoch, train_mask, and
// the per-epoch train metrics); every row is an array; every figure's series and marks name
// arrays, and each series' array is a row drawn by that figure.
func TestPayloadArraysFromAnalyses(t *testing.T) {
	r := slidingRun(8, 100, 50)
	p := checkRoundTrip(t, r, payloadFigures(t, r))
	T, E, V, n := len(r.Epochs), 101, 8, r.Config.SeqLen
	extras := map[string][]int{payloadEpoch: {T}, payloadTrainMask: {V, V}}
	seen := map[string]bool{}
	for _, a := range p.Arrays {
		if seen[a.Name] {
			t.Errorf("array %s listed twice", a.Name)
		}
		seen[a.Name] = true
		if shape, ok := extras[a.Name]; ok {
			if !slices.Equal(a.Shape, shape) {
				t.Errorf("%s: shape %v, want %v", a.Name, a.Shape, shape)
			}
			continue
		}
		s := compute.AnalysisByName(a.Name)
		if s == nil {
			t.Errorf("array %s is neither a row of compute.Analyses nor a documented extra", a.Name)
			continue
		}
		if a.Enc != s.Encoding.Kind || a.Bits != s.Encoding.Bits {
			t.Errorf("%s: enc %s, %d bits; the table says %s, %d bits", a.Name, a.Enc, a.Bits, s.Encoding.Kind, s.Encoding.Bits)
		}
		want := append([]int{T}, s.Extent.Shape(compute.Dims{V: V, N: n})...)
		if s.PerEpoch {
			want = []int{E}
		}
		if !slices.Equal(a.Shape, want) {
			t.Errorf("%s: shape %v, want %v", a.Name, a.Shape, want)
		}
		if (a.Enc == "derived") != (a.Size == 0 && a.From != "") {
			t.Errorf("%s: enc %s, %d bytes, from %q", a.Name, a.Enc, a.Size, a.From)
		}
	}
	for _, s := range compute.Analyses {
		if !seen[s.Name] {
			t.Errorf("analysis %s is not in the payload", s.Name)
		}
	}
	for _, f := range p.Figures {
		if len(f.Series) == 0 {
			t.Errorf("figure %s: no series", f.Name)
		}
		for _, sr := range f.Series {
			s := compute.AnalysisByName(sr.Array)
			if p.Array(sr.Array) == nil || s == nil || s.Figure != f.Name {
				t.Errorf("figure %s: series %q draws array %q, which is not an analysis of this figure", f.Name, sr.Label, sr.Array)
			}
		}
		if f.Marks != "" && p.Array(f.Marks) == nil {
			t.Errorf("figure %s: marks %q is not an array", f.Name, f.Marks)
		}
	}
	// the other way: every analysis with a figure is drawn by it
	for _, s := range compute.Analyses {
		if s.Figure == "" {
			continue
		}
		found := false
		for _, f := range p.Figures {
			for _, sr := range f.Series {
				found = found || f.Name == s.Figure && sr.Array == s.Name
			}
		}
		if !found {
			t.Errorf("analysis %s: figure %s does not draw it", s.Name, s.Figure)
		}
	}
}

// TestRunMetrics checks the one rule for a run's metrics: metrics.csv's values where it has
// them, else the analyses'.
func TestRunMetrics(t *testing.T) {
	analysed := func() *compute.Run {
		r := slidingRun(8, 100, 50) // checkpoints 0, 50, 100
		for i, a := range r.Analyses {
			a.TrainLoss, a.TrainAcc, a.TestLoss, a.TestAcc = 10+float64(i), 20+float64(i), 30+float64(i), 40+float64(i)
		}
		return r
	}
	for _, c := range []struct {
		name   string
		edit   func(r *compute.Run)
		test   []float64 // test loss at the checkpoints
		train  []float64 // train loss at the checkpoints
		epoch7 float64   // train loss at epoch 7
	}{
		{"metrics.csv", func(r *compute.Run) {}, []float64{4.01, 4*math.Exp(-1.5) + 0.01, 4*math.Exp(-3) + 0.01}, []float64{4, 4 * math.Exp(-4), 4 * math.Exp(-8)}, 4 * math.Exp(-8*0.07)},
		{"no metrics", func(r *compute.Run) { r.Metrics = nil }, []float64{30, 31, 32}, []float64{10, 11, 12}, 10},
		{"no test columns", func(r *compute.Run) {
			for i := range r.Metrics {
				r.Metrics[i].HasTest = false
			}
		}, []float64{30, 31, 32}, []float64{4, 4 * math.Exp(-4), 4 * math.Exp(-8)}, 4 * math.Exp(-8*0.07)},
		{"rows up to epoch 60", func(r *compute.Run) { r.Metrics = r.Metrics[:61] }, []float64{4.01, 4*math.Exp(-1.5) + 0.01, 32}, []float64{4, 4 * math.Exp(-4), 12}, 4 * math.Exp(-8*0.07)},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := analysed()
			c.edit(r)
			m := runMetrics(r)
			near := func(a, b []float64) bool {
				if len(a) != len(b) {
					return false
				}
				for i := range a {
					if math.Abs(a[i]-b[i]) > 1e-12 {
						return false
					}
				}
				return true
			}
			if !near(m.TestLoss, c.test) || !near(m.TrainLoss, c.train) {
				t.Errorf("test loss %v, train loss %v; want %v, %v", m.TestLoss, m.TrainLoss, c.test, c.train)
			}
			if len(m.EpochTrainLoss) != 101 || math.Abs(m.EpochTrainLoss[7]-c.epoch7) > 1e-12 {
				t.Errorf("%d per-epoch values, epoch 7: %g, want 101, %g", len(m.EpochTrainLoss), m.EpochTrainLoss[7], c.epoch7)
			}
			// the payload, the figures and the phases read the same values
			p := checkPayloadOnly(t, r)
			if got := p.Array("test_loss").Data; math.Abs(got[2]-c.test[2]) > 1e-4*math.Abs(c.test[2]) {
				t.Errorf("payload test_loss %v, want %v", got, c.test)
			}
		})
	}
}

func checkPayloadOnly(t *testing.T, r *compute.Run) *Payload {
	t.Helper()
	b, err := EncodePayload(r, payloadFigures(t, r))
	if err != nil {
		t.Fatal(err)
	}
	p, err := DecodePayload(b)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestEstimatePayloadBytes trains runs of several vocabularies and checkpoint spacings and
// compares EstimatePayloadBytes with the size of their payloads.
func TestEstimatePayloadBytes(t *testing.T) {
	for _, c := range []struct {
		vocab, epochs, every int
		long                 bool
	}{
		{7, 3000, 10, false}, {7, 500, 1, false}, {16, 3000, 10, false}, {16, 3000, 100, false},
		{64, 3000, 10, true}, {64, 3000, 50, true}, {64, 3000, 300, true}, {64, 1000, 10, true},
	} {
		t.Run(fmt.Sprintf("V%d-E%d-every%d", c.vocab, c.epochs, c.every), func(t *testing.T) {
			if c.long && testing.Short() {
				t.Skip("trains a vocab-64 run")
			}
			cfg := compute.DefaultConfig()
			cfg.Vocab, cfg.Epochs, cfg.CheckpointEvery = c.vocab, c.epochs, c.every
			if c.vocab <= 17 {
				cfg.ForceAdjacent = []int{0, 1, 2}
			}
			init, err := compute.InitParams(cfg)
			if err != nil {
				t.Fatal(err)
			}
			r, err := runstore.TrainRun(context.Background(), cfg, init, t.TempDir(), nil)
			if err != nil {
				t.Fatal(err)
			}
			b, err := EncodePayload(r, payloadFigures(t, r))
			if err != nil {
				t.Fatal(err)
			}
			est := EstimatePayloadBytes(cfg)
			off := float64(est)/float64(len(b)) - 1
			t.Logf("payload %d bytes, estimate %d (%+.1f%%)", len(b), est, 100*off)
			if math.Abs(off) > 0.10 {
				t.Errorf("estimate %d bytes, payload %d: %+.1f%%, want within 10%%", est, len(b), 100*off)
			}
		})
	}
}

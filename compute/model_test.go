package compute

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"maxgrok/internal/testref"
	"testing"

	"maxgrok/safetensors"
)

// fullSequenceLogits runs the model as TransformerLens does, every position in full (SEMANTICS.md
// section 1), and returns the logits at the last position. It shares no code with the
// table-based forward pass, so agreement checks that pass too.
func fullSequenceLogits(p *Params, toks []int) []float64 {
	V, n, d, h := p.V, p.N, p.D, p.H
	P := n + 1
	seq := append(append([]int{}, toks...), V) // (t_0, ..., t_{n-1}, EOS)
	resid := make([][]float64, P)
	q, k, v := make([][]float64, P), make([][]float64, P), make([][]float64, P)
	for pos := range P {
		resid[pos] = make([]float64, d)
		for i := range d {
			resid[pos][i] = p.WE[seq[pos]*d+i] + p.WPos[pos*d+i]
		}
		q[pos], k[pos], v[pos] = make([]float64, h), make([]float64, h), make([]float64, h)
		for e := range h {
			q[pos][e], k[pos][e], v[pos][e] = p.BQ[e], p.BK[e], p.BV[e]
			for i := range d {
				q[pos][e] += resid[pos][i] * p.WQ[i*h+e]
				k[pos][e] += resid[pos][i] * p.WK[i*h+e]
				v[pos][e] += resid[pos][i] * p.WV[i*h+e]
			}
		}
	}
	last := P - 1 // causal mask: the last query sees every key
	score := make([]float64, P)
	mx := math.Inf(-1)
	for j := range P {
		for e := range h {
			score[j] += q[last][e] * k[j][e]
		}
		score[j] /= math.Sqrt(float64(h))
		mx = math.Max(mx, score[j])
	}
	sum := 0.0
	for j := range P {
		score[j] = math.Exp(score[j] - mx)
		sum += score[j]
	}
	post := append([]float64{}, resid[last]...)
	for i := range d {
		post[i] += p.BO[i]
	}
	for e := range h {
		z := 0.0
		for j := range P {
			z += score[j] / sum * v[j][e]
		}
		for i := range d {
			post[i] += z * p.WO[e*d+i]
		}
	}
	logits := make([]float64, V)
	for j := range V {
		logits[j] = p.BU[j]
		for i := range d {
			logits[j] += post[i] * p.WU[i*V+j]
		}
	}
	return logits
}

func tableLogits(p *Params) []float64 {
	V := p.V
	t := NewTables(p.Dims)
	TablesForward(t, p)
	out := make([]float64, V*V*V)
	attn := make([]float64, p.N+1)
	for a := range V {
		for b := range V {
			toks := []int{a, b}
			AttnForward(attn, t, toks)
			LogitsForward(out[(a*V+b)*V:(a*V+b+1)*V], t, attn, toks)
		}
	}
	return out
}

// TestForwardMatchesNaive checks the two-pass forward pass against a plain full-sequence one on
// random weights with biases: float64 against float64, so the tolerance is rounding (1e-12).
func TestForwardMatchesNaive(t *testing.T) {
	for _, m := range []Dims{{V: 5, N: 2, D: 4, H: 3}, {V: 9, N: 2, D: 6, H: 8}} {
		p := randomParams(rand.New(rand.NewPCG(3, 7)), m, 0.7, 0.7)
		got := tableLogits(p)
		for a := range m.V {
			for b := range m.V {
				want := fullSequenceLogits(p, []int{a, b})
				for j, w := range want {
					if g := got[(a*m.V+b)*m.V+j]; math.Abs(g-w) > 1e-12*(1+math.Abs(w)) {
						t.Fatalf("dims %+v input (%d,%d) logit %d = %v, naive %v", m, a, b, j, g, w)
					}
				}
			}
		}
	}
}

// readFixture opens a test fixture from testdata, or from the shared reference data (a path
// relative to it) when it is not copied there; ok is false when neither exists.
func readFixture(t *testing.T, local, shared string) (*safetensors.File, bool) {
	t.Helper()
	sharedPath, _ := testref.Find(shared)
	for _, path := range []string{local, sharedPath} {
		if path == "" {
			continue
		}
		f, err := safetensors.ReadFile(path)
		if err == nil {
			return f, true
		}
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
	}
	return nil, false
}

// TestLogitsMatchReference compares the last-position logits for all 4096 inputs with the
// PyTorch reference on its own checkpoints. The reference computes in float32 (it is ~4e-5 off
// an exact float64 pass where logits reach 64), hence 1e-4 absolute.
func TestLogitsMatchReference(t *testing.T) {
	const tol = 1e-4
	m := DimsOf(DefaultConfig())
	for _, epoch := range []int{0, 1500, 3000} {
		t.Run(fmt.Sprint("epoch", epoch), func(t *testing.T) {
			name := fmt.Sprintf("logits-epoch-%05d.safetensors", epoch)
			f, ok := readFixture(t, "testdata/ref_"+name, "reference/default/"+name)
			if !ok {
				t.Skipf("fixture %s is in neither testdata/ nor shared/reference/default beside the repository", name)
			}
			ref, shape, err := f.Float64s("logits")
			if err != nil || len(shape) != 2 || shape[0] != 4096 || shape[1] != 64 {
				t.Fatalf("reference logits: shape %v, %v", shape, err)
			}
			p, _, err := readCheckpoint(fmt.Sprintf("testdata/ref_epoch-%05d.safetensors", epoch), m)
			if err != nil {
				t.Fatal(err)
			}
			got := tableLogits(p)
			worst, at := 0.0, 0
			for i := range ref {
				if d := math.Abs(got[i] - ref[i]); d > worst {
					worst, at = d, i
				}
			}
			t.Logf("largest difference %.2g at input (%d,%d) logit %d", worst, at/64/64, at/64%64, at%64)
			if worst > tol {
				t.Errorf("logits differ by %.3g (> %g) at input (%d,%d) logit %d: got %v, reference %v", worst, tol, at/64/64, at/64%64, at%64, got[at], ref[at])
			}
		})
	}
}

// meanLoss is the loss of ds under p, from scratch.
func meanLoss(p *Params, ds Dataset, log1p bool) float64 {
	ev := NewEvaluator(p.Dims, log1p)
	TablesForward(ev.Tables, p)
	l, _ := ev.Eval(ds, false)
	return l
}

// TestGradientFiniteDifferences checks the hand-written backward pass against central finite
// differences in float64 on every parameter tensor, biases included (their gradient is what a
// trainable bias uses; frozen biases simply skip the update, see TestOptimizerFrozenBiases).
// Step 1e-5 leaves a truncation error ~1e-10 and a rounding error ~1e-11 on losses of order 1,
// so 1e-6 relative to each tensor's largest gradient is a tight bound.
func TestGradientFiniteDifferences(t *testing.T) {
	const step, tol = 1e-5, 1e-6
	for _, tc := range []struct {
		name  string
		dims  Dims
		log1p bool
	}{
		{"log1p", Dims{V: 7, N: 2, D: 5, H: 4}, true},
		{"logsoftmax", Dims{V: 7, N: 2, D: 5, H: 4}, false},
		{"wide-head", Dims{V: 6, N: 2, D: 3, H: 8}, true},
		{"three-tokens", Dims{V: 6, N: 3, D: 4, H: 3}, true}, // the general-n path
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := randomParams(rand.New(rand.NewPCG(11, 7)), tc.dims, 0.8, 0.8)
			ds := AllInputs(tc.dims.V).Slice(3, 3+2*tc.dims.V)
			if tc.dims.N != 2 {
				r := rand.New(rand.NewPCG(5, 5))
				ds = Dataset{N: tc.dims.N}
				for range 12 {
					y := 0
					for range tc.dims.N {
						tok := r.IntN(tc.dims.V)
						ds.Toks = append(ds.Toks, tok)
						y = max(y, tok)
					}
					ds.Labels = append(ds.Labels, y)
				}
			}
			ev := NewEvaluator(tc.dims, tc.log1p)
			TablesForward(ev.Tables, p)
			ev.Grad.Zero()
			ev.Eval(ds, true)
			g := NewParams(tc.dims)
			TablesBackward(g, ev.Grad, ev.Tables, p)
			for ti, spec := range tc.dims.Tensors() {
				w, gw := p.Tensor(ti), g.Tensor(ti)
				worst, scale := 0.0, 0.0
				for i := range w {
					old := w[i]
					w[i] = old + step
					up := meanLoss(p, ds, tc.log1p)
					w[i] = old - step
					down := meanLoss(p, ds, tc.log1p)
					w[i] = old
					fd := (up - down) / (2 * step)
					worst = math.Max(worst, math.Abs(fd-gw[i]))
					scale = math.Max(scale, math.Abs(fd))
				}
				// b_K shifts every score equally and softmax ignores that: its gradient is 0, so
				// it gets an absolute bound at the same finite-difference noise level.
				if worst > tol*max(scale, 1e-3) {
					t.Errorf("%s: backward differs from finite differences by %.3g (largest gradient %.3g, tolerance %g relative)", spec.Name, worst, scale, tol)
				}
			}
		})
	}
}

// TestOptimizerMatchesPyTorch compares three steps of AdamW and Adam (weight decay 0.5) with
// torch 1.13's, computed in float64 (torch.optim.AdamW/Adam, lr 0.01, betas (0.9, 0.98)).
func TestOptimizerMatchesPyTorch(t *testing.T) {
	grads := [][]float64{{0.1, -0.2, 0.3, 0.0}, {1.0, 0.5, -0.25, 0.001}, {-0.3, 0.0, 0.7, 2.0}}
	for _, tc := range []struct {
		optimizer string
		want      [][]float64
	}{
		{"AdamW", [][]float64{
			{0.4875000009999999, -1.2337500005, 1.9800000003333333, 0.0},
			{0.4770293153622737, -1.2319881162108066, 1.9697184495497093, -0.007405815411713876},
			{0.47049702800425935, -1.2292512332350987, 1.954180608720881, -0.013699158568031305}}},
		{"Adam", [][]float64{
			{0.4900000002857143, -1.2400000001212121, 1.9900000000769231, 0.0},
			{0.48106003977765127, -1.2322619232012195, 1.9804625714606605, -0.007405815411713876},
			{0.4744171864664757, -1.2236532669529154, 1.9708255346664112, -0.013736192923692433}}},
	} {
		t.Run(tc.optimizer, func(t *testing.T) {
			c := Config{Optimizer: tc.optimizer, LR: 0.01, Betas: [2]float64{0.9, 0.98}, Eps: 1e-8, WeightDecay: 0.5, IncludeBiases: true}
			m := Dims{V: 1, N: 0, D: 1, H: 1} // a tiny model: the test uses the first 4 values of the flat layout
			p, g := NewParams(m), NewParams(m)
			copy(p.Data, []float64{0.5, -1.25, 2.0, 0.0})
			o := NewOptimizer(m)
			for step, gr := range grads {
				clear(g.Data)
				copy(g.Data, gr)
				o.Update(p, g, c)
				for i, w := range tc.want[step] {
					if math.Abs(p.Data[i]-w) > 1e-15*math.Max(1, math.Abs(w)) {
						t.Errorf("step %d param %d = %.17g, torch %.17g", step+1, i, p.Data[i], w)
					}
				}
			}
		})
	}
}

// TestOptimizerFrozenBiases checks that without include_biases the biases neither decay nor move.
func TestOptimizerFrozenBiases(t *testing.T) {
	c := DefaultConfig()
	m := Dims{V: 5, N: 2, D: 4, H: 3}
	p := randomParams(rand.New(rand.NewPCG(1, 7)), m, 1, 1)
	g := randomParams(rand.New(rand.NewPCG(2, 7)), m, 1, 1)
	before := p.Clone()
	NewOptimizer(m).Update(p, g, c)
	for i := m.NumWeights(); i < m.NumParams(); i++ {
		if p.Data[i] != before.Data[i] {
			t.Fatalf("bias value %d moved from %v to %v", i-m.NumWeights(), before.Data[i], p.Data[i])
		}
	}
	c.IncludeBiases = true
	NewOptimizer(m).Update(p, g, c)
	if p.Data[m.NumParams()-1] == before.Data[m.NumParams()-1] {
		t.Fatal("a trainable bias did not move")
	}
}

// TestMatchesPyTorchFloat64 compares the training curve with PyTorch's own float64 run of the
// default config from the same initial weights. Both compute in float64 and differ only in the
// order of rounding, so the curves agree to ~1e-15 at first; the training dynamics then amplify
// the rounding differences exponentially (~1e-11 by epoch 230, 1e-10 at 500, 1e-4 by 700),
// which is why a grokking epoch can only be compared within tens of epochs.
func TestMatchesPyTorchFloat64(t *testing.T) {
	ref, err := readMetricsCSV("testdata/torchrun_f64_default_metrics_0-300.csv")
	if err != nil {
		t.Fatal(err)
	}
	c := DefaultConfig()
	c.Epochs = 300
	init, err := InitParams(c)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := NewTrainer(c, init).Train(context.Background(), true, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		upTo int
		tol  float64
	}{{150, 1e-13}, {300, 1e-10}} {
		worst, at := 0.0, 0
		for e := 0; e <= tc.upTo; e++ {
			if d := math.Abs(ms[e].TrainLoss-ref[e].TrainLoss) / ref[e].TrainLoss; d > worst {
				worst, at = d, e
			}
			if float64(float32(ms[e].TrainAcc)) != ref[e].TrainAcc { // PyTorch's accuracy is a float32 mean

				t.Errorf("epoch %d: train accuracy %v, PyTorch float64 %v", e, ms[e].TrainAcc, ref[e].TrainAcc)
			}
		}
		t.Logf("epochs 0..%d: largest relative train loss difference %.2g (epoch %d)", tc.upTo, worst, at)
		if worst > tc.tol {
			t.Errorf("epochs 0..%d: train loss differs from PyTorch float64 by %.3g relative at epoch %d (> %g)", tc.upTo, worst, at, tc.tol)
		}
	}
}

package compute

import (
	"context"
	"fmt"
	"math"
)

// Evaluator computes the loss and accuracy of a dataset, and optionally the gradient, reusing
// its scratch buffers between calls. It is not safe for concurrent use.
type Evaluator struct {
	dims          Dims
	logits, probs []float64 // [inputGroup, V] (probs: exp(logits - max), then dloss/dlogits)
	attn          []float64 // [inputGroup, n+1]
	dattn         []float64 // [n+1]
	log1p         bool
	Tables        *Tables
	Grad          *TablesGrad
}

// inputGroup is the number of inputs whose exponentials expShiftedSums computes at once: Eval and
// Analyzer.perInput run pass 2 in groups of inputGroup inputs (the last group may be partial).
const inputGroup = 4

// NewEvaluator returns an evaluator for models of the given sizes.
func NewEvaluator(m Dims, log1p bool) *Evaluator {
	return &Evaluator{
		dims: m, logits: make([]float64, inputGroup*m.V), probs: make([]float64, inputGroup*m.V),
		attn: make([]float64, inputGroup*(m.N+1)), dattn: make([]float64, m.N+1), log1p: log1p,
		Tables: NewTables(m), Grad: NewTablesGrad(m),
	}
}

// Eval returns the mean loss and the accuracy over ds for the tables in e.Tables. With grad it
// also accumulates into e.Grad the gradient of the mean loss with respect to the tables.
//
// The inputs run in groups of inputGroup. For n = 2 and a full group, forward4 computes the four
// inputs' attention, logits and argmaxes, one kernel each; else they run input by input
// (AttnForward, LogitsForward, argmax). Then the exponentials of all of them (with grad
// expShiftedSums and the softmax gradients, else only their sums, lossExpSums), the logarithms
// of all of them (logsOnePlus), the losses input by input, and with grad the backward passes
// (exampleBackward4 for a full group of n = 2, else ExampleBackward input by input). Every
// input's result and every sum over the inputs (the loss, the gradient) are the same, in the
// same order, as one input at a time.
func (e *Evaluator) Eval(ds Dataset, grad bool) (loss, acc float64) {
	t := e.Tables
	V, n1 := e.dims.V, e.dims.N+1
	B := ds.Len()
	correct := 0
	inv := 1 / float64(B)
	var im [inputGroup]int
	var shift, second, sums, logs [inputGroup]float64 // second: top2Rows's, not needed
	var a4 [12]float64                                // a group's attention (attn4)
	var off [8]int                                    // a group's logit rows (rows4)
	for lo := 0; lo < B; lo += inputGroup {
		r := min(inputGroup, B-lo)
		group2 := r == 4 && n1 == 3 // n = 2: the group's attention, logits and argmaxes in three kernels
		if group2 {
			forward4(e.logits, t, ds.Toks[lo*2:(lo+4)*2], &off, &a4, &im, &shift, &second)
		} else {
			for j := range r {
				toks := ds.Input(lo + j)
				logits, attn := e.logits[j*V:(j+1)*V], e.attn[j*n1:(j+1)*n1]
				AttnForward(attn, t, toks)
				LogitsForward(logits, t, attn, toks)
				im[j] = argmax(logits)
				shift[j] = logits[im[j]]
			}
		}
		if grad { // the loss is the mean over the batch: dloss/dlogits = (softmax - onehot(y)) / B
			expShiftedSums(e.probs, e.logits, V, r, &shift, &sums) // softmaxGrads takes e[im] = 1 off
			softmaxGrads(e.probs, V, r, ds.Labels[lo:lo+r], &im, &sums, inv)
		} else {
			lossExpSums(e.logits, V, r, &shift, &im, &sums) // but e[im] = 1
		}
		logsOnePlus(&logs, &sums, r, e.log1p)
		for j := range r {
			y := ds.Labels[lo+j]
			if im[j] == y {
				correct++
			}
			loss -= logSoftmaxFromLog(e.logits[j*V:(j+1)*V], y, im[j], logs[j])
			if grad && !group2 {
				ExampleBackward(e.Grad, t, e.probs[j*V:(j+1)*V], e.attn[j*n1:(j+1)*n1], e.dattn, ds.Input(lo+j))
			}
		}
		if grad && group2 { // the four inputs' backward passes in one kernel
			exampleBackward4(e.Grad, t, e.probs, &a4, &off, ds.Toks[lo*2:(lo+4)*2])
		}
	}
	return loss * inv, float64(correct) * inv
}

// Optimizer is PyTorch's AdamW or Adam (docs/math.md, "Optimizer") over a Params layout.
type Optimizer struct {
	M, V *Params // first and second moments
	Step int     // steps taken
}

// NewOptimizer returns an optimizer with zero moments.
func NewOptimizer(m Dims) *Optimizer {
	return &Optimizer{M: NewParams(m), V: NewParams(m)}
}

// Update takes one step on p with gradient g, following
// https://pytorch.org/docs/stable/generated/torch.optim.AdamW.html in PyTorch's op order:
// decay first (AdamW), then the bias-corrected step. Frozen biases are left alone.
func (o *Optimizer) Update(p, g *Params, c Config) {
	o.Step++
	b1, b2 := c.Betas[0], c.Betas[1]
	bc1 := 1 - math.Pow(b1, float64(o.Step))
	bc2 := 1 - math.Pow(b2, float64(o.Step))
	stepSize := c.LR / bc1
	bc2Sqrt := math.Sqrt(bc2)
	decay := 1 - float64(c.LR*c.WeightDecay) // no product here may be fused into a multiply-add
	adamW := c.Optimizer == "AdamW"
	n := len(p.Data)
	if !c.IncludeBiases {
		n = p.nWeights // biases follow the weights in Data
	}
	pd, gd, md, vd := p.Data[:n], g.Data[:n], o.M.Data[:n], o.V.Data[:n]
	if adamW { // adamWStep: the loop below, four parameters at a time where the CPU can
		adamWStep(pd, gd, md, vd, &[8]float64{decay, b1, 1 - b1, b2, 1 - b2, bc2Sqrt, c.Eps, stepSize})
		return
	}
	for i := range pd { // Adam: the weight decay added to the gradient
		gi := gd[i] + float64(c.WeightDecay*pd[i])
		md[i] = float64(b1*md[i]) + float64((1-b1)*gi)
		vd[i] = float64(b2*vd[i]) + float64(float64((1-b2)*gi)*gi)
		denom := math.Sqrt(vd[i])/bc2Sqrt + c.Eps
		pd[i] -= float64(stepSize*md[i]) / denom
	}
}

// EpochMetrics are the training set's loss and accuracy for the weights of one epoch.
type EpochMetrics struct {
	Epoch               int
	TrainLoss, TrainAcc float64
}

// DivergenceError reports a non-finite loss or weight during training.
type DivergenceError struct {
	Epoch  int
	What   string // "loss" or a tensor name
	Config Config
}

// Error names the epoch, what is not finite and the likely cause.
func (e *DivergenceError) Error() string {
	return fmt.Sprintf("training diverged at epoch %d: %s is not finite (lr %g is likely too large)", e.Epoch, e.What, e.Config.LR)
}

// Trainer trains a model one epoch at a time.
type Trainer struct {
	Config Config
	Params *Params
	Grad   *Params
	Opt    *Optimizer
	Epoch  int // epochs completed: Params are the weights of this epoch
	train  Dataset
	ev     *Evaluator
}

// NewTrainer returns a trainer at epoch 0 with initial weights p (which it takes over).
func NewTrainer(c Config, p *Params) *Trainer {
	m := DimsOf(c)
	train, _ := Split(c)
	return &Trainer{Config: c, Params: p, Grad: NewParams(m), Opt: NewOptimizer(m), train: train, ev: NewEvaluator(m, c.UseLog1p)}
}

// gradient sets t.Grad to the gradient of the mean loss over ds and returns the loss and accuracy.
func (t *Trainer) gradient(ds Dataset) (loss, acc float64) {
	TablesForward(t.ev.Tables, t.Params)
	t.ev.Grad.Zero()
	loss, acc = t.ev.Eval(ds, true)
	t.Grad.Zero()
	TablesBackward(t.Grad, t.ev.Grad, t.ev.Tables, t.Params)
	return loss, acc
}

// Metrics returns the training metrics of the current weights.
func (t *Trainer) Metrics() EpochMetrics {
	TablesForward(t.ev.Tables, t.Params)
	loss, acc := t.ev.Eval(t.train, false)
	return EpochMetrics{Epoch: t.Epoch, TrainLoss: loss, TrainAcc: acc}
}

// RunEpoch trains one epoch and returns the training metrics of the weights it started from
// (so the metrics of epoch N are those of the weights after N epochs, as in the reference).
// With full batches the metrics come from the same forward pass as the step.
func (t *Trainer) RunEpoch() (EpochMetrics, error) {
	c := t.Config
	var m EpochMetrics
	if c.FullBatch() {
		loss, acc := t.gradient(t.train)
		m = EpochMetrics{Epoch: t.Epoch, TrainLoss: loss, TrainAcc: acc}
		if err := t.check(m); err != nil {
			return m, err
		}
		t.Opt.Update(t.Params, t.Grad, c)
	} else {
		m = t.Metrics()
		if err := t.check(m); err != nil {
			return m, err
		}
		for lo := 0; lo < t.train.Len(); lo += c.BatchSize {
			t.gradient(t.train.Slice(lo, min(lo+c.BatchSize, t.train.Len())))
			t.Opt.Update(t.Params, t.Grad, c)
		}
	}
	t.Epoch++
	if ok, name := t.Params.Finite(); !ok {
		return m, &DivergenceError{Epoch: t.Epoch, What: name, Config: c}
	}
	return m, nil
}

func (t *Trainer) check(m EpochMetrics) error {
	if math.IsNaN(m.TrainLoss) || math.IsInf(m.TrainLoss, 0) {
		return &DivergenceError{Epoch: m.Epoch, What: "the training loss", Config: t.Config}
	}
	return nil
}

// Train runs c.Epochs epochs from t's current epoch. It calls checkpoint with the weights of
// every checkpoint epoch (including the current one if it is a checkpoint epoch and first is
// true): t.Params itself, which the call must not change and must copy to keep. It returns
// the metrics of every epoch from the current one to c.Epochs included. It stops at ctx's
// cancellation, returning ctx.Err() and the metrics so far.
func (t *Trainer) Train(ctx context.Context, first bool, checkpoint func(epoch int, p *Params) error, progress func(EpochMetrics)) ([]EpochMetrics, error) {
	c := t.Config
	var out []EpochMetrics
	for {
		if first && c.IsCheckpoint(t.Epoch) && checkpoint != nil {
			if err := checkpoint(t.Epoch, t.Params); err != nil {
				return out, err
			}
		}
		first = true
		if t.Epoch == c.Epochs {
			m := t.Metrics()
			if err := t.check(m); err != nil {
				return out, err
			}
			out = append(out, m)
			if progress != nil {
				progress(m)
			}
			return out, nil
		}
		if err := ctx.Err(); err != nil {
			return out, err
		}
		m, err := t.RunEpoch()
		if err != nil {
			return out, err
		}
		out = append(out, m)
		if progress != nil {
			progress(m)
		}
	}
}

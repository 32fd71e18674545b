package compute

import (
	"fmt"
	"runtime"
	"sync"
)

// Analysis holds every analysis of one checkpoint; the table Analyses (series.go) lists them.
// Matrices are row-major. With E = W_E, P = W_pos, Q, K, V, O the head's weights, U = W_U,
// x_eos = E[EOS] + P[n] and Pbar = mean of P[0..n-1]:
type Analysis struct {
	Epoch int // the checkpoint's epoch

	// The notebook's circuits, from the weights only (no biases):
	QK         []float64 // [V]    x_eos Q Kᵀ (E[t] + Pbar)ᵀ - x_eos Q Kᵀ x_eosᵀ (not divided by sqrt(d_head))
	OV         []float64 // [V, V] row t = input token: (E[t] + Pbar) V O U, column = output logit
	OVCentered []float64 // [V, V] OV[t, x] - OV[t, t]
	PosQK      []float64 // [n]    x_eos Q Kᵀ (P[p] - Pbar)ᵀ
	EOSDirect  []float64 // [V]    x_eos U
	EOSOV      []float64 // [V]    x_eos V O U
	PosOV      []float64 // [n, V] (P[p] - Pbar) V O U

	// From the whole model, biases included:
	Margin        []float64 // [V, V] row a, column b: logit of max(a,b) minus the largest other logit for (a, b, EOS); a tie gives 0
	L2Norm        float64   // sqrt of the sum of squares of every parameter
	BruteForceAcc float64   // accuracy over all V² inputs
	CubicBound    float64   // certified lower bound on BruteForceAcc (CubicBound)
	TrainLoss     float64   // mean loss over the training pairs (the config's log-softmax form)
	TrainAcc      float64   // accuracy over the training pairs
	TestLoss      float64   // mean loss over the test pairs
	TestAcc       float64   // accuracy over the test pairs

	// maxAbs[i] is the largest |x| over the finite values of row i of Analyses (an array
	// analysis), which Analyze takes as it finishes, while the values are in cache; nil for an
	// analysis that Analyze did not make (AnalysisSpec.MaxAbs then reads the values).
	maxAbs []float64
}

// Analyzer computes analyses for one config, reusing its scratch buffers between calls. It is
// not safe for concurrent use; use one per goroutine.
type Analyzer struct {
	dims  Dims
	log1p bool
	mask  []bool // [V²] training pairs, index a*V+b

	tables *Tables
	logits []float64 // [inputGroup, V] a group of inputs' logits
	attn   []float64 // [inputGroup, n+1]
	toks   []int     // [inputGroup, n] a group's inputs
	kq     []float64 // [d] Q Kᵀ x_eosᵀ, the weights-only query read out on the residual
	pbar   []float64 // [d]
	pbarM  []float64 // [V] Pbar M
	q      []float64 // [h] x_eos Q
	dp     []float64 // [d] P[p] - Pbar
	cubic  cubicScratch
}

// NewAnalyzer returns an analyzer for checkpoints of config c, whose training pairs are
// mask[a*V+b] (TrainMask(c)). Like Config.Validate, it supports seq_len 2 only.
func NewAnalyzer(c Config, mask []bool) *Analyzer {
	m := DimsOf(c)
	if m.N != 2 {
		panic(fmt.Sprintf("compute: NewAnalyzer: seq_len %d is not supported (only 2)", m.N))
	}
	if len(mask) != m.V*m.V {
		panic(fmt.Sprintf("compute: NewAnalyzer: mask has %d entries, want V² = %d", len(mask), m.V*m.V))
	}
	return &Analyzer{
		dims: m, log1p: c.UseLog1p, mask: mask,
		tables: NewTables(m), logits: make([]float64, inputGroup*m.V),
		attn: make([]float64, inputGroup*(m.N+1)), toks: make([]int, inputGroup*m.N), kq: make([]float64, m.D), pbar: make([]float64, m.D),
		pbarM: make([]float64, m.V), q: make([]float64, m.H), dp: make([]float64, m.D),
	}
}

// Analyze computes every analysis of the checkpoint p of config c with training pairs mask
// (TrainMask(c)). The result's Epoch is 0; the caller sets it.
func Analyze(p *Params, c Config, mask []bool) *Analysis {
	return NewAnalyzer(c, mask).Analyze(p)
}

// Analyze computes every analysis of the checkpoint p, which must have the analyzer's sizes.
// The result's Epoch is 0; the caller sets it.
func (az *Analyzer) Analyze(p *Params) *Analysis {
	if p.Dims != az.dims {
		panic(fmt.Sprintf("compute: Analyze: checkpoint sizes %+v, analyzer sizes %+v", p.Dims, az.dims))
	}
	a := NewAnalysis(az.dims)
	TablesForward(az.tables, p)
	az.circuits(a, p)
	az.perInput(a)
	a.L2Norm = p.L2Norm()
	a.CubicBound = az.cubic.bound(p, az.tables, nil)
	a.maxAbs = make([]float64, len(Analyses))
	for i := range Analyses {
		if s := &Analyses[i]; s.array != nil {
			a.maxAbs[i] = maxAbs(*s.array(a))
		}
	}
	return a
}

// circuits sets the weights-only analyses of a: QK, OV, OVCentered, PosQK, EOSDirect, EOSOV and
// PosOV. It reads the tables' X (x_eos), M (V O U) and EL (E[:V] M), which hold no bias.
func (az *Analyzer) circuits(a *Analysis, p *Params) {
	V, n, d, h := p.V, p.N, p.D, p.H
	t := az.tables
	x, M := t.X, t.M // [d], [d, V]

	// kq = Q Kᵀ x_eosᵀ [d]: x_eos Q Kᵀ y = y·kq for any residual y (no b_Q, no scaling)
	vecmat(az.q, x, p.WQ, d, h, 0)
	matvec(az.kq, p.WK, az.q, d, h, 0)

	// Pbar = mean_p P[p] over the data positions  [d]
	clear(az.pbar)
	for pos := range n {
		axpy(az.pbar, 1, p.WPos[pos*d:(pos+1)*d])
	}
	for i := range az.pbar {
		az.pbar[i] /= float64(n)
	}

	// qk[t] = (E[t] + Pbar)·kq - x_eos·kq
	self := dot(x, az.kq)
	pk := dot(az.pbar, az.kq)
	for tok := range V {
		a.QK[tok] = (dot(p.WE[tok*d:(tok+1)*d], az.kq) + pk) - self
	}
	// ov[t] = E[t] M + Pbar M, with E[:V] M from the tables (EL)
	vecmat(az.pbarM, az.pbar, M, d, V, 0)
	for tok := range V {
		el, ov := t.EL[tok*V:(tok+1)*V], a.OV[tok*V:(tok+1)*V]
		for j := range ov {
			ov[j] = el[j] + az.pbarM[j]
		}
	}
	// ov_centered[t, x] = ov[t, x] - ov[t, t]
	for tok := range V {
		diag := a.OV[tok*V+tok]
		for j := range V {
			a.OVCentered[tok*V+j] = a.OV[tok*V+j] - diag
		}
	}

	// pos_qk[p] = (P[p] - Pbar)·kq;  pos_ov[p] = (P[p] - Pbar) M
	for pos := range n {
		for i := range d {
			az.dp[i] = p.WPos[pos*d+i] - az.pbar[i]
		}
		a.PosQK[pos] = dot(az.dp, az.kq)
		vecmat(a.PosOV[pos*V:(pos+1)*V], az.dp, M, d, V, 0)
	}

	// eos_direct = x_eos U;  eos_ov = x_eos M
	vecmat(a.EOSDirect, x, p.WU, d, V, 0)
	vecmat(a.EOSOV, x, M, d, V, 0)
}

// perInput runs pass 2 of the forward pass (the tables are set) on every input (a, b, EOS) in
// a*V+b order and sets the margin map, the brute-force accuracy and the training and test
// metrics. The losses are summed in that order with the functions compute.Evaluator.Eval uses,
// so they equal bit for bit what it returns for the training and test sets. Like Eval, it
// runs the inputs in groups of inputGroup: the logits of each, then the exponentials of all of them
// (lossExpSums) and their logarithms (logsOnePlus), then the losses in input order.
func (az *Analyzer) perInput(an *Analysis) {
	V, n1 := az.dims.V, az.dims.N+1
	t := az.tables
	toks := az.toks
	var trainLoss, testLoss float64
	var correct, trainCorrect, testCorrect, nTrain int
	var im [inputGroup]int
	var shift, second, sums, logs [inputGroup]float64 // shift: each input's largest logit
	var label [inputGroup]int                         // max(a, b)
	var a4 [12]float64                                // a full group's attention (attn4)
	var off [8]int                                    // and its logit rows (rows4)
	a, b := 0, 0                                      // the next input, lo = a*V + b (no division)
	for lo := 0; lo < V*V; lo += inputGroup {
		r := min(inputGroup, V*V-lo)
		for j := range r {
			toks[2*j], toks[2*j+1], label[j] = a, b, max(a, b) // the input (a, b, EOS)
			if b++; b == V {
				a, b = a+1, 0
			}
		}
		// the logits; im = argmax (the first on ties, as Argmax), top = logits[im], second =
		// the largest of the others (top again on a tie)
		if r == 4 { // as Evaluator.Eval: a full group in three kernels
			forward4(az.logits, t, toks, &off, &a4, &im, &shift, &second)
		} else {
			for j := range r {
				logits, attn := az.logits[j*V:(j+1)*V], az.attn[j*n1:(j+1)*n1]
				AttnForward(attn, t, toks[2*j:2*j+2])
				LogitsForward(logits, t, attn, toks[2*j:2*j+2])
				im[j], shift[j], second[j] = top2Go(logits)
			}
		}
		for j := range r {
			// margin = logits[y] - max_{k != y} logits[k]
			i := lo + j
			if y := label[j]; im[j] == y {
				an.Margin[i] = shift[j] - second[j]
			} else {
				an.Margin[i] = az.logits[j*V+y] - shift[j]
			}
		}
		// sums[j] = Σ_{k != im[j]} exp(logits[j, k] - top), as Evaluator.Eval without grad
		lossExpSums(az.logits, V, r, &shift, &im, &sums)
		logsOnePlus(&logs, &sums, r, az.log1p)
		for j := range r {
			i := lo + j
			y := label[j]
			ls := logSoftmaxFromLog(az.logits[j*V:(j+1)*V], y, im[j], logs[j])
			ok := im[j] == y
			if ok {
				correct++
			}
			if az.mask[i] {
				nTrain++
				trainLoss -= ls
				if ok {
					trainCorrect++
				}
			} else {
				testLoss -= ls
				if ok {
					testCorrect++
				}
			}
		}
	}
	an.BruteForceAcc = float64(correct) / float64(V*V)
	// As Evaluator.Eval: the sums times 1/B (NaN for an empty set).
	invTrain, invTest := 1/float64(nTrain), 1/float64(V*V-nTrain)
	an.TrainLoss, an.TrainAcc = trainLoss*invTrain, float64(trainCorrect)*invTrain
	an.TestLoss, an.TestAcc = testLoss*invTest, float64(testCorrect)*invTest
}

// AnalyzeAll analyzes every checkpoint of config c, ckpts[i] being the weights of epoch
// epochs[i], on up to workers goroutines (GOMAXPROCS if workers < 1). Worker w takes the
// checkpoints w, w+workers, w+2·workers, ...; each analysis depends only on its checkpoint, so
// the results are the same for any number of workers.
func AnalyzeAll(ckpts []*Params, epochs []int, c Config, workers int) []*Analysis {
	if len(ckpts) != len(epochs) {
		panic(fmt.Sprintf("compute: AnalyzeAll: %d checkpoints but %d epochs", len(ckpts), len(epochs)))
	}
	if workers < 1 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, len(ckpts)))
	mask := TrainMask(c)
	out := make([]*Analysis, len(ckpts))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			az := NewAnalyzer(c, mask)
			for i := w; i < len(ckpts); i += workers {
				out[i] = az.Analyze(ckpts[i])
				out[i].Epoch = epochs[i]
			}
		})
	}
	wg.Wait()
	return out
}

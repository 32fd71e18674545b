package compute

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Pass 2 runs its inputs in groups of inputGroup (Evaluator.Eval, Analyzer.perInput). These tests
// compare the grouped code, with its kernels and without (the portable paths), against the
// input-by-input code it replaced, bit for bit.

// evalOneByOne is Evaluator.Eval as it was before the groups: one input at a time.
func evalOneByOne(e *Evaluator, ds Dataset, grad bool) (loss, acc float64) {
	t := e.Tables
	V, n1 := e.dims.V, e.dims.N+1
	logits, probs, attn := e.logits[:V], e.probs[:V], e.attn[:n1]
	B := ds.Len()
	correct := 0
	inv := 1 / float64(B)
	for i := range B {
		toks, y := ds.Input(i), ds.Labels[i]
		AttnForward(attn, t, toks)
		LogitsForward(logits, t, attn, toks)
		im := Argmax(logits)
		if im == y {
			correct++
		}
		loss -= logSoftmaxAtGo(logits, probs, y, im, e.log1p, grad, inv)
		if grad {
			ExampleBackward(e.Grad, t, probs, attn, e.dattn, toks)
		}
	}
	return loss * inv, float64(correct) * inv
}

// logSoftmaxAtGo is log_softmax(x)[y], given im = argmax x, with the portable exponentials, one
// input at a time: with grad the exponentials of all of x (expShiftedSumGo) into e, then set to
// scale·(softmax(x) - onehot(y)) (softmaxGrads' operations, in Go); without, the sum of all
// but e[im] = 1 (lossExpSumGo).
func logSoftmaxAtGo(x, e []float64, y, im int, log1p, grad bool, scale float64) float64 {
	var s float64
	if grad {
		e = e[:len(x)]
		s = expShiftedSumGo(e, x, x[im]) - e[im]
		scaleByGo(e, scale/(1+s))
		e[y] -= scale
	} else {
		s = lossExpSumGo(x, x[im], im)
	}
	return logSoftmaxFromLog(x, y, im, logOnePlus(s, log1p))
}

// perInputOneByOne is Analyzer.perInput's losses, accuracies and margins as they were computed
// before the groups: one input at a time, with logSoftmaxAtGo.
func perInputOneByOne(az *Analyzer, an *Analysis) {
	V := az.dims.V
	t := az.tables
	logits, exps, attn, toks := az.logits[:V], make([]float64, V), az.attn[:az.dims.N+1], az.toks[:2]
	var trainLoss, testLoss float64
	var correct, trainCorrect, testCorrect, nTrain int
	for a := range V {
		for b := range V {
			i, y := a*V+b, max(a, b)
			toks[0], toks[1] = a, b
			AttnForward(attn, t, toks)
			LogitsForward(logits, t, attn, toks)
			im, top, second := 0, logits[0], math.Inf(-1)
			for j, v := range logits[1:] {
				if v > top {
					im, top, second = j+1, v, top
				} else if v > second {
					second = v
				}
			}
			if im == y {
				an.Margin[i] = top - second
			} else {
				an.Margin[i] = logits[y] - top
			}
			ls := logSoftmaxAtGo(logits, exps, y, im, az.log1p, false, 0)
			ok := im == y
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
	invTrain, invTest := 1/float64(nTrain), 1/float64(V*V-nTrain)
	an.TrainLoss, an.TrainAcc = trainLoss*invTrain, float64(trainCorrect)*invTrain
	an.TestLoss, an.TestAcc = testLoss*invTest, float64(testCorrect)*invTest
}

// groupCase is a model for the grouped-pass tests: vocab V, with its weights scaled by scale
// (large scales make logit gaps beyond 708: exponentials that underflow, the slow path) and,
// with edge, tables holding NaN, ±Inf and signed zeros.
type groupCase struct {
	name  string
	V     int
	scale float64
	edge  bool
}

var groupCases = []groupCase{
	{"V=64", 64, 1, false},
	{"V=7 (a partial group)", 7, 1, false},
	{"V=10", 10, 2, false},
	{"V=13, large weights", 13, 40, false},
	{"V=5, edge tables", 5, 1, true},
	{"V=9, edge tables", 9, 3, true},
	{"V=2, edge tables", 2, 1, true},
	{"V=6, edge tables", 6, 1, true},
	{"V=16, edge tables", 16, 1, true},
}

// groupTables returns the config and tables of a group case, seeded.
func groupTables(t *testing.T, gc groupCase, seed uint64) (Config, *Params, *Tables) {
	t.Helper()
	c := DefaultConfig()
	c.Vocab, c.DModel, c.DHead, c.ForceAdjacent = gc.V, 8, 8, []int{0, 1}
	c.TrainingRatio = 0.4
	p, err := InitParams(c)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(seed, 99))
	for i := range p.Data {
		p.Data[i] = (p.Data[i] + 0.3*r.NormFloat64()) * gc.scale
	}
	tb := NewTables(p.Dims)
	TablesForward(tb, p)
	if gc.edge {
		special := []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), -800, 800}
		for range 6 {
			tb.Score[r.IntN(len(tb.Score))] = special[r.IntN(len(special))]
			tb.L[r.IntN(len(tb.L))] = special[r.IntN(len(special))]
		}
		tb.Score[0], tb.Score[gc.V] = 0, math.Copysign(0, -1) // zero scores of both signs
	}
	return c, p, tb
}

// sameAll reports whether a and b hold the same bits (sameBits, NaNs by their bits too).
func sameAll(a, b []float64) bool { return len(a) == len(b) && sameBits(a, b) < 0 }

// sameAllOrNaN is sameAll but for a NaN's payload (pass2.go: the kernels and their Go loops
// may give a NaN another payload).
func sameAllOrNaN(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameOrNaN(a[i], b[i]) {
			return false
		}
	}
	return true
}

// TestEvalGroupsMatchOneByOne checks Evaluator.Eval against the input-by-input evaluation, bit
// for bit: the loss, the accuracy and, with grad, every gradient of the tables (but for a NaN's
// payload: the group's backward kernel and its Go tail give edge tables' NaNs other payloads
// than backwardKernel), on datasets of every size 1..11 (partial last groups) and on the whole
// training set.
func TestEvalGroupsMatchOneByOne(t *testing.T) {
	for _, gc := range groupCases {
		for _, grad := range []bool{false, true} {
			for _, log1p := range []bool{false, true} {
				c, _, tb := groupTables(t, gc, uint64(gc.V))
				train, _ := Split(c)
				sets := []Dataset{train}
				for B := 1; B <= 11 && B <= train.Len(); B++ {
					sets = append(sets, train.Slice(train.Len()-B, train.Len()))
				}
				for _, ds := range sets {
					m := DimsOf(c)
					got, want := NewEvaluator(m, log1p), NewEvaluator(m, log1p)
					got.Tables, want.Tables = tb, tb
					gl, ga := got.Eval(ds, grad)
					wl, wa := evalOneByOne(want, ds, grad)
					if !same(gl, wl) || !same(ga, wa) {
						t.Fatalf("%s grad=%v log1p=%v B=%d: loss %v acc %v, one by one %v %v", gc.name, grad, log1p, ds.Len(), gl, ga, wl, wa)
					}
					g, w := got.Grad, want.Grad
					if !sameAllOrNaN(g.Score, w.Score) || !sameAllOrNaN(g.L, w.L) || !sameAllOrNaN(g.LE, w.LE) ||
						!sameAllOrNaN(g.Direct, w.Direct) || !sameOrNaN(g.ScoreE, w.ScoreE) {
						t.Fatalf("%s grad=%v log1p=%v B=%d: the gradients differ", gc.name, grad, log1p, ds.Len())
					}
				}
			}
		}
	}
}

// TestPerInputGroupsMatchOneByOne checks Analyzer.perInput against the input-by-input pass, bit
// for bit: margins, brute-force accuracy and the training and test metrics.
func TestPerInputGroupsMatchOneByOne(t *testing.T) {
	for _, gc := range groupCases {
		for _, log1p := range []bool{false, true} {
			c, _, tb := groupTables(t, gc, uint64(gc.V)+7)
			c.UseLog1p = log1p
			az := NewAnalyzer(c, TrainMask(c))
			az.tables = tb
			got, want := NewAnalysis(az.dims), NewAnalysis(az.dims)
			az.perInput(got)
			perInputOneByOne(az, want)
			if !sameAll(got.Margin, want.Margin) {
				t.Fatalf("%s log1p=%v: margins differ", gc.name, log1p)
			}
			for _, f := range []struct {
				name      string
				got, want float64
			}{
				{"brute-force accuracy", got.BruteForceAcc, want.BruteForceAcc},
				{"train loss", got.TrainLoss, want.TrainLoss}, {"train accuracy", got.TrainAcc, want.TrainAcc},
				{"test loss", got.TestLoss, want.TestLoss}, {"test accuracy", got.TestAcc, want.TestAcc},
			} {
				if !same(f.got, f.want) && !(f.got != f.got && f.want != f.want) {
					t.Errorf("%s log1p=%v: %s %v, one by one %v", gc.name, log1p, f.name, f.got, f.want)
				}
			}
		}
	}
}

// TestAttn4 checks attn4 (the AVX2 kernel where the CPU has it) against AttnForward input by
// input, bit for bit, on random scores and on edge scores: NaN, ±Inf,
// zeros of both signs, gaps beyond 708 (underflow, the slow path) and equal scores.
func TestAttn4(t *testing.T) {
	const V = 6
	special := []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), -710, 710, 1e300, -1e300, 5e-324}
	r := rand.New(rand.NewPCG(21, 22))
	tb := NewTables(Dims{V: V, N: 2, D: 1, H: 1})
	for trial := range 3000 {
		for i := range tb.Score {
			tb.Score[i] = r.NormFloat64() * []float64{1, 30, 300}[trial%3]
			if trial%2 == 1 && r.IntN(4) == 0 {
				tb.Score[i] = special[r.IntN(len(special))]
			}
		}
		tb.ScoreE = r.NormFloat64()
		if trial%5 == 0 {
			tb.ScoreE = special[r.IntN(len(special))]
		}
		toks := make([]int, 8)
		for i := range toks {
			toks[i] = r.IntN(V)
		}
		var got [12]float64
		attn4(&got, tb, toks)
		for k := range 4 {
			want := make([]float64, 3)
			AttnForward(want, tb, toks[2*k:2*k+2])
			for p := range want {
				if g := got[4*p+k]; !sameOrNaN(g, want[p]) {
					t.Fatalf("trial %d: input %d position %d: attention %v, AttnForward %v (scores %v, EOS %v, toks %v)", trial, k, p, g, want[p], tb.Score, tb.ScoreE, toks)
				}
			}
		}
	}
}

// TestFinite checks Params.Finite against its definition: a NaN or an infinity anywhere, in any
// tensor, is found and named.
func TestFinite(t *testing.T) {
	p := NewParams(Dims{V: 5, N: 2, D: 4, H: 3})
	for i := range p.Data {
		p.Data[i] = float64(i%7) - 3
	}
	if ok, name := p.Finite(); !ok {
		t.Fatalf("finite weights reported not finite (%s)", name)
	}
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		for i := range p.Data {
			old := p.Data[i]
			p.Data[i] = bad
			ok, name := p.Finite()
			off, want := 0, ""
			for _, ts := range p.Dims.Tensors() {
				if i < off+ts.Size() && want == "" {
					want = ts.Name
				}
				off += ts.Size()
			}
			if ok || name != want {
				t.Fatalf("%v at %d: Finite = %v, %q; want false, %q", bad, i, ok, name, want)
			}
			p.Data[i] = old
		}
	}
	for _, v := range []float64{math.MaxFloat64, -math.MaxFloat64, 5e-324, math.Copysign(0, -1)} {
		p.Data[3] = v
		if ok, _ := p.Finite(); !ok {
			t.Fatalf("%v reported not finite", v)
		}
	}
}

// TestTop2Rows checks top2Rows (the AVX2 kernel where the CPU has it) against top2Go row by row,
// bit for bit, on every width 1..70 (whole groups of 4 columns and tails), on random values, on
// few distinct values (ties) and on edge values: NaN, ±Inf, ±0.
func TestTop2Rows(t *testing.T) {
	special := []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), 1, -1, 5e-324}
	r := rand.New(rand.NewPCG(23, 24))
	for V := 1; V <= 70; V++ {
		for trial := range 60 {
			x := make([]float64, 4*V)
			for i := range x {
				switch trial % 3 {
				case 0:
					x[i] = r.NormFloat64()
				case 1:
					x[i] = float64(r.IntN(3)) // ties
				default:
					x[i] = special[r.IntN(len(special))]
				}
			}
			var im [4]int
			var top, second [4]float64
			top2Rows(x, V, &im, &top, &second)
			for j := range 4 {
				row := x[j*V : (j+1)*V]
				wi, wt, ws := top2Go(row)
				if im[j] != wi || !same(top[j], wt) || !same(second[j], ws) {
					t.Fatalf("V=%d row %d %v: (%d, %v, %v), top2Go (%d, %v, %v)", V, j, row, im[j], top[j], second[j], wi, wt, ws)
				}
			}
		}
	}
}

// TestCubicKernels checks the cubic bound's vector steps against their definitions bit for
// bit: maxShifted (the AVX2 kernel where the CPU has it) against maxShiftedGo on every length
// 0..21 at every alignment, and softmax3x4 against softmax3 lane by lane, on random values and
// on edge values (NaN, ±Inf, zeros of both signs, gaps beyond 708).
func TestCubicKernels(t *testing.T) {
	special := []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), -710, 710, 5e-324}
	r := rand.New(rand.NewPCG(25, 26))
	value := func(edge bool) float64 {
		if edge && r.IntN(4) == 0 {
			return special[r.IntN(len(special))]
		}
		return r.NormFloat64() * 3
	}
	for n := range 22 {
		for off := range 4 {
			for trial := range 30 {
				edge := trial%2 == 1
				buf := make([]float64, 3*(n+off)+1)
				col, colM := buf[off:off+n], buf[n+2*off:2*n+2*off]
				for i := range col {
					col[i], colM[i] = value(edge), value(edge)
				}
				got, want := make([]float64, n+1), make([]float64, n+1)
				for i := range got {
					got[i] = value(edge)
					if i%3 == 0 {
						got[i] = math.Inf(-1)
					}
				}
				copy(want, got)
				pj := value(edge)
				maxShifted(got[:n], col, colM, pj)
				maxShiftedGo(want[:n], col, colM, pj)
				if !sameAll(got, want) {
					t.Fatalf("maxShifted n=%d off=%d: %v, Go %v", n, off, got, want)
				}
			}
		}
	}
	for trial := range 5000 {
		var x, p [12]float64
		for i := range x {
			x[i] = value(trial%2 == 1) * []float64{1, 100, 400}[trial%3]
		}
		softmax3x4(&p, &x)
		for j := range 4 {
			w0, w1, w2 := softmax3(x[j], x[4+j], x[8+j])
			if !sameAll([]float64{p[j], p[4+j], p[8+j]}, []float64{w0, w1, w2}) {
				t.Fatalf("softmax3x4 lane %d of %v: (%v, %v, %v), softmax3 (%v, %v, %v)", j, x, p[j], p[4+j], p[8+j], w0, w1, w2)
			}
		}
	}
}

// TestMaxShiftedCols checks maxShiftedCols (one AVX2 kernel call where the CPU has it) against
// maxShiftedColsGo, its definition, bit for bit: every m of several V, on random and edge values
// (NaN, ±Inf, zeros of both signs).
func TestMaxShiftedCols(t *testing.T) {
	special := []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), 5e-324}
	r := rand.New(rand.NewPCG(27, 28))
	value := func(edge bool) float64 {
		if edge && r.IntN(5) == 0 {
			return special[r.IntN(len(special))]
		}
		return r.NormFloat64() * 3
	}
	for _, V := range []int{1, 2, 3, 4, 5, 7, 8, 9, 13, 64} {
		for m := range V {
			for trial := range 6 {
				edge := trial%2 == 1
				evouT, ppess := make([]float64, V*(V+1)), make([]float64, V)
				for i := range evouT {
					evouT[i] = value(edge)
				}
				for i := range ppess {
					ppess[i] = value(edge)
				}
				got := make([]float64, V+2) // one more, which must stay untouched
				for i := range got {
					got[i] = value(edge)
					if i%3 == 0 {
						got[i] = math.Inf(-1)
					}
				}
				want := append([]float64(nil), got...)
				maxShiftedCols(got[:V+1], evouT, ppess, m)
				maxShiftedColsGo(want[:V+1], evouT, ppess, m)
				if !sameAll(got, want) {
					t.Fatalf("V=%d m=%d: %v, Go %v", V, m, got, want)
				}
			}
		}
	}
}

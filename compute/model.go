package compute

import (
	"math"
	"slices"
)

// The model: TransformerLens 1.12.1's attention-only transformer with one layer and one head
// and no normalization (docs/math.md, "The model"), evaluated at the last position only.
//
// Inputs are (t_0, ..., t_{n-1}, EOS) and only position n (the EOS query) feeds the loss, the
// accuracy and every analysis. Its query is the same for every input, and every key, value and
// logit contribution depends only on (token, position). So the forward pass runs in two passes:
//
//	pass 1 (tables, once per step): the EOS query q, the score of every (position, token), the
//	       logits each (position, token) would write if fully attended, and the direct path;
//	pass 2 (per input): softmax over the n+1 scores, then mix the n+1 logit rows.
//
// In full, for one input with residual stream r_p = W_E[t_p] + W_pos[p]:
//
//	q        = r_n·W_Q + b_Q                                 [h]
//	score_p  = (r_p·W_K + b_K)·q / sqrt(h)                   [n+1]
//	a        = softmax(score)                                [n+1]
//	logits   = (r_n + b_O)·W_U + b_U + Σ_p a_p (r_p·W_V + b_V)·W_O·W_U   [V]
//
// which is exactly resid_post[n]·W_U + b_U with resid_post = resid + attn_out (Σ_p a_p = 1).

// Tables holds pass 1 of the forward pass: everything per (position, token) that pass 2 reads,
// and everything the backward pass needs.
type Tables struct {
	Dims
	X      []float64 // [d] r_n = W_E[V] + W_pos[n], the EOS residual
	Q      []float64 // [h] q = X·W_Q + b_Q
	KQ     []float64 // [d] W_K·q / sqrt(h): a residual's score is r·KQ + BKQ
	BKQ    float64   //     b_K·q / sqrt(h)
	Score  []float64 // [n, V] score of token t at position p
	ScoreE float64   //        score of EOS at position n
	VO     []float64 // [d, d] W_V·W_O
	M      []float64 // [d, V] W_V·W_O·W_U, the OV circuit read out in logits
	BVO    []float64 // [d]    b_V·W_O
	C      []float64 // [V]    b_V·W_O·W_U
	L      []float64 // [n, V, V] logits written by token t at position p if fully attended
	LE     []float64 // [V]       the same for EOS at position n
	XO     []float64 // [d]       X + b_O
	Direct []float64 // [V]       XO·W_U + b_U, the residual path
	EL     []float64 // [V, V]    W_E[:V]·M

	scratch arena // TablesForward's temporaries
}

// arena hands out zeroed slices of one buffer, so that a training step allocates nothing.
type arena struct {
	buf []float64
	off int
}

// take returns the next n values, zeroed.
func (a *arena) take(n int) []float64 {
	s := a.buf[a.off : a.off+n : a.off+n]
	clear(s)
	a.off += n
	return s
}

// NewTables allocates tables for the given sizes.
func NewTables(m Dims) *Tables {
	V, n, d, h := m.V, m.N, m.D, m.H
	return &Tables{
		Dims: m, X: make([]float64, d), Q: make([]float64, h), KQ: make([]float64, d),
		Score: make([]float64, n*V), VO: make([]float64, d*d), M: make([]float64, d*V),
		C: make([]float64, V), L: make([]float64, n*V*V), LE: make([]float64, V),
		Direct: make([]float64, V), EL: make([]float64, V*V),
		BVO: make([]float64, d), XO: make([]float64, d), scratch: arena{buf: make([]float64, n+V)},
	}
}

// TablesForward computes pass 1 of the forward pass for parameters p into t.
func TablesForward(t *Tables, p *Params) {
	V, n, d, h := p.V, p.N, p.D, p.H
	t.scratch.off = 0
	// X = W_E[V] + W_pos[n]  [d]
	for i := range d {
		t.X[i] = p.WE[V*d+i] + p.WPos[n*d+i]
	}
	// q = X·W_Q + b_Q  [h]
	copy(t.Q, p.BQ)
	vecmat(t.Q, t.X, p.WQ, d, h, 1)
	// KQ = W_K·q / sqrt(h)  [d];  BKQ = b_K·q / sqrt(h)
	scale := 1 / math.Sqrt(float64(h))
	matvec(t.KQ, p.WK, t.Q, d, h, 0)
	for i := range t.KQ {
		t.KQ[i] *= scale
	}
	t.BKQ = dot(p.BK, t.Q) * scale
	// Score[p,t] = (W_E[t] + W_pos[p])·KQ + BKQ  [n, V]
	ps := t.scratch.take(n) // W_pos[p]·KQ + BKQ
	for pos := range n {
		ps[pos] = dot(p.WPos[pos*d:(pos+1)*d], t.KQ) + t.BKQ
	}
	for tok := range V {
		et := dot(p.WE[tok*d:(tok+1)*d], t.KQ)
		for pos := range n {
			t.Score[pos*V+tok] = et + ps[pos]
		}
	}
	t.ScoreE = dot(t.X, t.KQ) + t.BKQ
	// M = W_V·W_O·W_U  [d, V];  C = b_V·W_O·W_U  [V]
	matmul(t.VO, p.WV, p.WO, d, h, d, 0)
	matmul(t.M, t.VO, p.WU, d, d, V, 0)
	vecmat(t.BVO, p.BV, p.WO, h, d, 0)
	vecmat(t.C, t.BVO, p.WU, d, V, 0)
	// L[p,t] = (W_E[t] + W_pos[p])·M + C  [n, V, V];  LE = X·M + C
	matmul(t.EL, p.WE, t.M, V, d, V, 0)
	pm := t.scratch.take(V)
	for pos := range n {
		vecmat(pm, p.WPos[pos*d:(pos+1)*d], t.M, d, V, 0)
		addRows(t.L[pos*V*V:(pos+1)*V*V], t.EL[:V*V], pm, t.C) // (EL[t] + W_pos[p]·M) + C
	}
	copy(t.LE, t.C)
	vecmat(t.LE, t.X, t.M, d, V, 1)
	// Direct = (X + b_O)·W_U + b_U  [V]
	for i := range d {
		t.XO[i] = t.X[i] + p.BO[i]
	}
	copy(t.Direct, p.BU)
	vecmat(t.Direct, t.XO, p.WU, d, V, 1)
}

// AttnForward sets a[n+1] to the EOS query's attention pattern over (toks..., EOS).
func AttnForward(a []float64, t *Tables, toks []int) {
	n, V := t.N, t.V
	mx := t.ScoreE
	for pos := range n {
		mx = max(mx, t.Score[pos*V+toks[pos]])
	}
	sum := 0.0
	for pos := range n {
		a[pos] = expNonPos(t.Score[pos*V+toks[pos]] - mx)
		sum += a[pos]
	}
	a[n] = expNonPos(t.ScoreE - mx)
	sum += a[n]
	for i := range n + 1 {
		a[i] /= sum
	}
}

// attn4 sets a to the attention patterns of the 4 inputs toks [4, 2] of a group of n = 2, laid
// out [position 0, 1, EOS][input]: (a[k], a[4+k], a[8+k]) = AttnForward(·, t, toks[2k:2k+2]),
// bit for bit. On amd64 with AVX2 the 12 exponentials run in one kernel whose lanes are the
// inputs (attnKernel), else, or when one needs expNonPosTiny, AttnForward runs input by input.
func attn4(a *[12]float64, t *Tables, toks []int) {
	V := t.V
	toks = toks[:8]
	if haveExpKernel {
		var s [12]float64 // the scores, laid out as a
		for k := range 4 {
			s[k], s[4+k], s[8+k] = t.Score[toks[2*k]], t.Score[V+toks[2*k+1]], t.ScoreE
		}
		if !attnKernel(a, &s) {
			return
		}
	}
	var x [3]float64
	for k := range 4 {
		AttnForward(x[:], t, toks[2*k:2*k+2])
		a[k], a[4+k], a[8+k] = x[0], x[1], x[2]
	}
}

// forward4 is pass 2's forward pass for the 4 inputs toks [4, 2] of a full group of n = 2, one
// kernel a step: their logit rows (off, rows4), their attention (a, attn4), their logits [4, V]
// (logitsRows4), and each input's argmax, largest and second largest logit (top2Rows).
func forward4(logits []float64, t *Tables, toks []int, off *[8]int, a *[12]float64, im *[4]int, top, second *[4]float64) {
	rows4(off, t.V, toks)
	attn4(a, t, toks)
	logitsRows4(logits, t, off, a)
	top2Rows(logits, t.V, im, top, second)
}

// LogitsForward sets logits[V] for the input toks (pass 2), given its attention pattern a.
func LogitsForward(logits []float64, t *Tables, a []float64, toks []int) {
	V, n := t.V, t.N
	logits = logits[:V]
	le := t.LE[:V]
	aE := a[n]
	if n == 2 { // the one supported length, in one pass
		l0 := t.L[(0*V+toks[0])*V:][:V]
		l1 := t.L[(1*V+toks[1])*V:][:V]
		logitsRow(logits, t.Direct[:V], le, l0, l1, aE, a[0], a[1])
		return
	}
	for j, dj := range t.Direct[:V] {
		logits[j] = dj + float64(aE*le[j])
	}
	for pos := range n {
		row := t.L[(pos*V+toks[pos])*V:][:V]
		ap := a[pos]
		for j, v := range row {
			logits[j] += float64(ap * v)
		}
	}
}

// Argmax returns the first index of the largest value (as torch.argmax does).
func Argmax(x []float64) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}

// logSoftmaxFromLog is log_softmax(x)[y] given im = argmax x and l = log(1 + s), s the sum of
// exp(x - x[im]) but the one of im: (x[y] - x[im]) - l.
func logSoftmaxFromLog(x []float64, y, im int, l float64) float64 {
	return x[y] - x[im] - l
}

// softmaxGrads sets each of the r <= 4 rows e [r, V] of a group, e = exp(x - x[im]) for its
// input's logits x, to scale·(softmax(x) - onehot(y)), given sums, each row's sum of all of e,
// which it replaces by the sum without e[im] = exp(0) = 1 that the loss takes. The r scalings
// run in one scaleRows call.
func softmaxGrads(e []float64, V, r int, y []int, im *[4]int, sums *[4]float64, scale float64) {
	var k [4]float64
	for j := range r {
		sums[j] -= e[j*V+im[j]]
		k[j] = scale / (1 + sums[j]) // softmax = e / (1 + s) with e[im] = 1
	}
	scaleRows(e[:r*V], V, &k)
	for j := range r {
		e[j*V : (j+1)*V][y[j]] -= scale // a label of the row, or a panic
	}
}

// TablesGrad holds the gradient of the loss with respect to the tables that pass 2 reads.
type TablesGrad struct {
	Score  []float64 // [n, V]
	ScoreE float64
	L      []float64 // [n, V, V]
	LE     []float64 // [V]
	Direct []float64 // [V]
	LSum   []float64 // [V, V] scratch for TablesBackward: Σ_p L[p]
	ones   []float64 // [V]    1s, for TablesBackward's column sums (axpyRows)

	scratch arena // TablesBackward's temporaries
}

// NewTablesGrad allocates a zero gradient for the given sizes.
func NewTablesGrad(m Dims) *TablesGrad {
	return &TablesGrad{
		Score: make([]float64, m.N*m.V), L: make([]float64, m.N*m.V*m.V),
		LE: make([]float64, m.V), Direct: make([]float64, m.V), LSum: make([]float64, m.V*m.V),
		ones:    slices.Repeat([]float64{1}, m.V),
		scratch: arena{buf: make([]float64, 6*m.D+m.D*m.V+2*m.V+m.D*m.D+3*m.H)},
	}
}

// Zero clears the gradient.
func (g *TablesGrad) Zero() {
	clear(g.Score)
	clear(g.L)
	clear(g.LE)
	clear(g.Direct)
	g.ScoreE = 0
}

// ExampleBackward accumulates into dt the gradient of pass 2 for one input, given dlogits[V],
// the input's attention pattern a[n+1] and scratch da[n+1].
func ExampleBackward(dt *TablesGrad, t *Tables, dlogits, a, da []float64, toks []int) {
	V, n := t.V, t.N
	dlogits = dlogits[:V]
	// forward: logits = Direct + Σ_p a_p L[p,t_p] + a_n LE
	// so: dDirect += dlogits; dL[p,t_p] += a_p dlogits; da_p = dlogits·L[p,t_p]
	if n == 2 { // the one supported length, in one pass, its score gradient written out
		t0, t1 := toks[0], toks[1]
		off0, off1 := t0*V, (V+t1)*V
		l0, l1, le := t.L[off0:][:V], t.L[off1:][:V], t.LE[:V]
		d0, d1, dle, dd := dt.L[off0:][:V], dt.L[off1:][:V], dt.LE[:V], dt.Direct[:V]
		a0, a1, aE := a[0], a[1], a[2]
		da0, da1, daE := backwardRow(dd, d0, d1, dle, dlogits, l0, l1, le, a0, a1, aE)
		da[0], da[1], da[2] = da0, da1, daE
		scoreGrad2(dt, t0, t1, a0, a1, aE, da0, da1, daE)
		return
	}
	exampleBackwardRows(dt, t, dlogits, a, da, toks)
	// forward: a = softmax(score), so dscore_j = a_j (da_j - Σ_k a_k da_k)
	// (each product converted to float64 so that no compiler setting fuses it into the sum)
	s := 0.0
	for i := range n + 1 {
		s += float64(a[i] * da[i])
	}
	for pos := range n {
		dt.Score[pos*V+toks[pos]] += float64(a[pos] * (da[pos] - s))
	}
	dt.ScoreE += float64(a[n] * (da[n] - s))
}

// scoreGrad2 is ExampleBackward's last step for n = 2, written out: the gradient of the scores
// of the input (t0, t1, EOS), given its attention a and the gradient da of its attention.
func scoreGrad2(dt *TablesGrad, t0, t1 int, a0, a1, aE, da0, da1, daE float64) {
	// forward: a = softmax(score), so dscore_j = a_j (da_j - Σ_k a_k da_k), as in ExampleBackward
	s := ((0 + float64(a0*da0)) + float64(a1*da1)) + float64(aE*daE)
	V := len(dt.Score) / 2
	score := dt.Score[:2*V]
	score[t0] += float64(a0 * (da0 - s))
	score[V+t1] += float64(a1 * (da1 - s))
	dt.ScoreE += float64(aE * (daE - s))
}

// exampleBackward4 is ExampleBackward for the 4 inputs toks [4, 2] of a group of n = 2, one
// input after the other, bit for bit (but for a NaN's payload, pass2.go), given their dlogits
// [4, V], their attention a (attn4's layout) and their rows off (rows4's): the four inputs'
// logit rows and dot products in one backwardRows4, then their score gradients in input order
// (each touches only the scores, which backwardRows4 does not).
func exampleBackward4(dt *TablesGrad, t *Tables, dlogits []float64, a *[12]float64, off *[8]int, toks []int) {
	V := t.V
	toks = toks[:8]
	var da [12]float64 // [da0, da1, daE][input]
	backwardRows4(dt.Direct[:V], dt.LE[:V], t.LE[:V], dlogits[:4*V], dt.L, t.L, off, a, &da)
	for k := range 4 {
		scoreGrad2(dt, toks[2*k], toks[2*k+1], a[k], a[4+k], a[8+k], da[k], da[4+k], da[8+k])
	}
}

// exampleBackwardRows is ExampleBackward's first step for any n: the gradient of the logit rows
// and of the attention pattern.
func exampleBackwardRows(dt *TablesGrad, t *Tables, dlogits, a, da []float64, toks []int) {
	V, n := t.V, t.N
	axpy(dt.Direct, 1, dlogits)
	for pos := range n {
		off := (pos*V + toks[pos]) * V
		axpy(dt.L[off:off+V], a[pos], dlogits)
		da[pos] = dot(dlogits, t.L[off:off+V])
	}
	axpy(dt.LE, a[n], dlogits)
	da[n] = dot(dlogits, t.LE)
}

// TablesBackward accumulates into g the gradient of the parameters, given the gradient dt of
// the tables that pass 1 computed from p into t. It walks pass 1 in reverse.
func TablesBackward(g *Params, dt *TablesGrad, t *Tables, p *Params) {
	V, n, d, h := p.V, p.N, p.D, p.H
	sc := &dt.scratch
	sc.off = 0
	dX := sc.take(d)

	// forward: Direct = XO·W_U + b_U with XO = X + b_O
	// so: dW_U += XO ⊗ dDirect; db_U += dDirect; dX, db_O += W_U·dDirect
	outer(g.WU, t.XO, dt.Direct, d, V)
	axpy(g.BU, 1, dt.Direct)
	wud := sc.take(d)
	matvec(wud, p.WU, dt.Direct, d, V, 0)
	axpy(dX, 1, wud)
	axpy(g.BO, 1, wud)

	// forward: L[p,t] = (W_E[t] + W_pos[p])·M + C;  LE = X·M + C
	// so: dM = Σ_{p,t} (W_E[t] + W_pos[p]) ⊗ dL[p,t] + X ⊗ dLE
	//        = W_E[:V]ᵀ·(Σ_p dL[p]) + Σ_p W_pos[p] ⊗ colsum(dL[p]) + X ⊗ dLE
	//     dC = Σ_{p,t} dL[p,t] + dLE
	//     dW_E[t] += (Σ_p dL[p,t])·Mᵀ;  dW_pos[p] += colsum(dL[p])·Mᵀ;  dX += dLE·Mᵀ
	dM := sc.take(d * V)
	dLsum := dt.LSum // [V, V]: Σ_p dL[p]
	copy(dLsum, dt.L[:V*V])
	for pos := 1; pos < n; pos++ {
		axpy(dLsum, 1, dt.L[pos*V*V:(pos+1)*V*V])
	}
	matmulTN(dM, p.WE[:V*d], dLsum, V, d, V)
	dC := sc.take(V)
	col := sc.take(V)
	tmp := sc.take(d)
	for pos := range n {
		clear(col)
		axpyRows(col, dt.ones, dt.L[pos*V*V:(pos+1)*V*V]) // col = Σ_t dL[p,t], t in order
		outer(dM, p.WPos[pos*d:(pos+1)*d], col, d, V)
		axpy(dC, 1, col)
		matvec(tmp, t.M, col, d, V, 0)
		axpy(g.WPos[pos*d:(pos+1)*d], 1, tmp)
	}
	outer(dM, t.X, dt.LE, d, V)
	axpy(dC, 1, dt.LE)
	matmulNT(g.WE[:V*d], dLsum, t.M, V, V, d, 1)
	matvec(tmp, t.M, dt.LE, d, V, 0)
	axpy(dX, 1, tmp)

	// forward: M = VO·W_U with VO = W_V·W_O;  C = (b_V·W_O)·W_U
	// so: dW_U += VOᵀ·dM + (b_V·W_O) ⊗ dC;  dVO = dM·W_Uᵀ;  dW_V += dVO·W_Oᵀ;  dW_O += W_Vᵀ·dVO
	//     d(b_V·W_O) = W_U·dC;  db_V += W_O·that;  dW_O += b_V ⊗ that
	matmulTN(g.WU, t.VO, dM, d, d, V)
	outer(g.WU, t.BVO, dC, d, V)
	dVO := sc.take(d * d)
	matmulNT(dVO, dM, p.WU, d, V, d, 0)
	matmulNT(g.WV, dVO, p.WO, d, d, h, 1)
	matmulTN(g.WO, p.WV, dVO, d, h, d)
	dbvo := sc.take(d)
	matvec(dbvo, p.WU, dC, d, V, 0)
	bvGrad := sc.take(h)
	matvec(bvGrad, p.WO, dbvo, h, d, 0)
	axpy(g.BV, 1, bvGrad)
	outer(g.WO, p.BV, dbvo, h, d)

	// forward: Score[p,t] = (W_E[t] + W_pos[p])·KQ + BKQ;  ScoreE = X·KQ + BKQ
	// so: dKQ = Σ_{p,t} dScore[p,t] (W_E[t] + W_pos[p]) + dScoreE X;  dBKQ = Σ dScore + dScoreE
	//     dW_E[t] += (Σ_p dScore[p,t]) KQ;  dW_pos[p] += (Σ_t dScore[p,t]) KQ;  dX += dScoreE KQ
	dKQ := sc.take(d)
	dBKQ := dt.ScoreE
	for pos := range n {
		dScore := dt.Score[pos*V : (pos+1)*V]
		axpyRows(dKQ, dScore, p.WE[:V*d]) // dKQ += dScore[p,t] W_E[t], t in order, skipping zeros
		rowSum := 0.0
		for tok, ds := range dScore {
			if ds == 0 {
				continue
			}
			rowSum += ds
			axpy(g.WE[tok*d:(tok+1)*d], ds, t.KQ)
		}
		axpy(dKQ, rowSum, p.WPos[pos*d:(pos+1)*d])
		axpy(g.WPos[pos*d:(pos+1)*d], rowSum, t.KQ)
		dBKQ += rowSum
	}
	axpy(dKQ, dt.ScoreE, t.X)
	axpy(dX, dt.ScoreE, t.KQ)

	// forward: KQ = W_K·q / sqrt(h);  BKQ = b_K·q / sqrt(h)
	// so: dW_K += dKQ ⊗ q / sqrt(h);  db_K += dBKQ q / sqrt(h);  dq = (W_Kᵀ·dKQ + dBKQ b_K) / sqrt(h)
	scale := 1 / math.Sqrt(float64(h))
	qs := sc.take(h)
	for i := range h {
		qs[i] = t.Q[i] * scale
	}
	outer(g.WK, dKQ, qs, d, h)
	axpy(g.BK, dBKQ, qs)
	dq := sc.take(h)
	vecmat(dq, dKQ, p.WK, d, h, 0)
	axpy(dq, dBKQ, p.BK)
	for i := range dq {
		dq[i] *= scale
	}

	// forward: q = X·W_Q + b_Q
	// so: dW_Q += X ⊗ dq;  db_Q += dq;  dX += W_Q·dq
	outer(g.WQ, t.X, dq, d, h)
	axpy(g.BQ, 1, dq)
	matvec(tmp, p.WQ, dq, d, h, 0)
	axpy(dX, 1, tmp)

	// forward: X = W_E[V] + W_pos[n]
	axpy(g.WE[V*d:(V+1)*d], 1, dX)
	axpy(g.WPos[n*d:(n+1)*d], 1, dX)
}

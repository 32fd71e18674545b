package compute

import (
	"fmt"
	"math"
)

// The cubic proof of Gross et al. 2024, "Compact Proofs of Model Performance via Mechanistic
// Interpretability" (gbmi/exp_max_of_n/verification/cubic.py), specialised to the EOS query: a
// Go port of its EOS-query case, step for step and with the same names, for any vocab V,
// d_model and d_head, and n = 2 data positions; docs/math.md, "The cubic bound", explains it.
//
// For each largest token m it pessimises, per output logit, over everything the proof does not
// fix: the positional contribution of the values (worst position), the direct path's other
// logits, and the values of the other token k. The inputs (m, m, EOS) are certified one at a
// time; for k < m the two orders (m, k, EOS) and (k, m, EOS) are certified together. The
// result is the number of certified inputs divided by V², a lower bound on the accuracy.
//
// It is a count, so it must equal the reference's exactly: the elementwise steps keep numpy's
// order of operations, with products converted to float64 explicitly so that the compiler may
// not fuse them into multiply-adds (numpy does not). The matrix products (EQKE, EVOU and PVOU
// associated differently, to reuse the forward pass's tables) and the exponentials round
// differently from numpy's, by an ulp or so, which could flip only a comparison that close to
// 0: none does on the 301 reference checkpoints (TestCubicBoundReference).

// CubicBound returns the fraction of the V² inputs that the cubic proof certifies as correctly
// classified by the model p (biases included). It panics unless p has n = 2 data positions.
func CubicBound(p *Params) float64 {
	t := NewTables(p.Dims)
	TablesForward(t, p)
	var s cubicScratch
	return s.bound(p, t, nil)
}

// cubicScratch holds the intermediate tables of the cubic bound so that repeated calls (one per
// checkpoint) do not allocate. The zero value is ready to use.
type cubicScratch struct {
	dims   Dims
	xEOS   []float64 // [d]      E[EOS] + P[2]
	qv     []float64 // [h]      the EOS query
	kqv    []float64 // [d]      K·qv
	eqke   []float64 // [V+1]    EQKE
	eqkp   []float64 // [3]      EQKP
	eupu   []float64 // [V]      EUPU
	bias   []float64 // [V]      b_V·O·U + b_O·U + b_U
	evou   []float64 // [V+1, V] EVOU
	evouT  []float64 // [V, V+1] EVOUᵀ
	pvou   []float64 // [3, V]   PVOU
	euc    []float64 // [V]      EUc
	splat  []float64 // [V]      one value of PVOU in every place (maxShifted's colM)
	ppess  []float64 // [V]      Ppess
	eppess []float64 // [V+1]    EPpess
	s0, s1 []float64 // [V]      (EQKE[k] + EQKP[p]) / sqrt(d_head): token k's score at position p
}

// resize (re)allocates the scratch for sizes m.
func (s *cubicScratch) resize(m Dims) {
	if s.dims == m && s.xEOS != nil {
		return
	}
	V, d, h := m.V, m.D, m.H
	*s = cubicScratch{
		dims: m, xEOS: make([]float64, d), qv: make([]float64, h),
		kqv: make([]float64, d), eqke: make([]float64, V+1), eqkp: make([]float64, 3), eupu: make([]float64, V),
		bias: make([]float64, V), evou: make([]float64, (V+1)*V), evouT: make([]float64, V*(V+1)),
		pvou: make([]float64, 3*V),
		euc:  make([]float64, V), splat: make([]float64, V), ppess: make([]float64, V), eppess: make([]float64, V+1),
		s0: make([]float64, V), s1: make([]float64, V),
	}
}

// bound computes CubicBound(p), given the tables t of the forward pass of p (TablesForward),
// whose OV products it reuses. If certified is not nil (length V², index a*V+b), it also sets
// certified[a*V+b] for every input (a, b, EOS) that the proof certifies.
func (s *cubicScratch) bound(p *Params, t *Tables, certified []bool) float64 {
	if p.N != 2 {
		panic(fmt.Sprintf("compute: the cubic bound needs seq_len 2, got %d", p.N))
	}
	s.resize(p.Dims)
	V, d, h := p.V, p.D, p.H
	EOS := V
	E, P := p.WE, p.WPos // [V+1, d], [3, d]
	scale := math.Sqrt(float64(h))

	// qv = (E[EOS] + P[2])·Q + b_Q  [h]
	for i := range d {
		s.xEOS[i] = E[EOS*d+i] + P[2*d+i]
	}
	copy(s.qv, p.BQ)
	vecmat(s.qv, s.xEOS, p.WQ, d, h, 1)
	// EQKE = (E·K + b_K)·qv  [V+1]: the token part of the score seen from the EOS query,
	// computed as E·(K·qv) + b_K·qv (the same products, associated to need no matrix product)
	matvec(s.kqv, p.WK, s.qv, d, h, 0)
	bkqv := dot(p.BK, s.qv)
	for t := range V + 1 {
		s.eqke[t] = dot(E[t*d:(t+1)*d], s.kqv) + bkqv
	}
	// EQKP = (P·K)·qv  [3]: the position part
	for q := range 3 {
		s.eqkp[q] = dot(P[q*d:(q+1)*d], s.kqv)
	}
	// EUPU = (E[EOS] + P[2])·U  [V]: the direct path
	vecmat(s.eupu, s.xEOS, p.WU, d, V, 0)
	// EVOU = ((E·V + b_V)·O + b_O)·U + b_U  [V+1, V] (the biases counted once, here),
	// computed as E·M + (b_V·O·U + b_O·U + b_U) with the tables' M = V·O·U, E[:V]·M (EL)
	// and C = b_V·O·U: the same products, associated differently
	copy(s.bias, t.C)
	vecmat(s.bias, p.BO, p.WU, d, V, 1)
	axpy(s.bias, 1, p.BU)
	copy(s.evou, t.EL[:V*V])
	vecmat(s.evou[V*V:], E[V*d:(V+1)*d], t.M, d, V, 0)
	for tok := range V + 1 {
		axpy(s.evou[tok*V:(tok+1)*V], 1, s.bias)
	}
	for i := range V + 1 {
		for j := range V {
			s.evouT[j*(V+1)+i] = s.evou[i*V+j]
		}
	}
	// PVOU = P·V·O·U = P·M  [3, V]
	matmul(s.pvou, P, t.M, 3, d, V, 0)

	EQKE, EQKP, EUPU, EVOU, PVOU := s.eqke, s.eqkp, s.eupu, s.evou, s.pvou
	EUc, Ppess, EPpess := s.euc, s.ppess, s.eppess
	evc := func(i, j, m int) float64 { return EVOU[i*V+j] - EVOU[i*V+m] } // EVc[i, j]
	qs := (EQKE[EOS] + EQKP[2]) / scale                                   // the EOS key's score
	s0, s1 := s.s0, s.s1                                                  // the tokens' scores, computed once
	for k := range V {
		s0[k], s1[k] = (EQKE[k]+EQKP[0])/scale, (EQKE[k]+EQKP[1])/scale
	}
	count := 0
	for m := range V {
		// EUc = EUPU - EUPU[m];  Ppess[j] = max_p PVc[p, j] (worst position, per output logit),
		// the running maximum over p = 0, 1, 2 for every j at once (maxShifted): its y is
		// (PVOU[p, j] - PVOU[p, m]) + -0, and adding -0 changes no value, -0 included
		for j := range V {
			EUc[j] = EUPU[j] - EUPU[m]
			Ppess[j] = math.Inf(-1)
		}
		for q := range 3 {
			pm, v := s.splat[:V], PVOU[q*V+m]
			for j := range pm {
				pm[j] = v
			}
			maxShifted(Ppess, PVOU[q*V:(q+1)*V], pm, math.Copysign(0, -1))
		}

		// c = 0: input (m, m, EOS)
		pr0, pr1, pr2 := softmax3(s0[m], s1[m], qs)
		worst := math.Inf(-1) // val.max() over j != m
		for j := range V {
			if j == m {
				continue // val[m] = -inf
			}
			val := EUc[j] + Ppess[j] + float64((pr0+pr1)*evc(m, j, m)) + float64(pr2*evc(EOS, j, m))
			if val > worst {
				worst = val
			}
		}
		if worst < 0 {
			count++
			if certified != nil {
				certified[m*V+m] = true
			}
		}
		if m == 0 {
			continue
		}

		// c = 1: inputs (m, k, EOS) and (k, m, EOS), k < m
		EUpess := math.Inf(-1) // max_{j != m} EUc[j]
		for j, x := range EUc {
			if j != m && x > EUpess {
				EUpess = x
			}
		}
		// EPpess[i] = max_{j != m} (EVc[i, j] + Ppess[j]) for the rows read below: i = k < m,
		// m and EOS (the Python computes every row, and reads these). The one step cubic
		// in V: it sweeps EVOUᵀ a column j of EVOU at a time, so that the running maxima are
		// independent (a maximum does not depend on the order it is taken in).
		for i := range EPpess {
			EPpess[i] = math.Inf(-1)
		}
		maxShiftedCols(EPpess, s.evouT, Ppess, m)
		sm0, sm1 := s0[m], s1[m]
		// Two k at a time, their four softmaxes in one softmax3x4: lanes 2c and 2c+1 are the
		// orders (m, k, EOS) and (k, m, EOS) of k = kc[c] (an odd m repeats the last k).
		for k := 0; k < m; k += 2 {
			kc := [2]int{k, min(k+1, m-1)}
			var sc, pr [12]float64 // [score 0, 1, 2][lane]
			for c, kk := range kc {
				sc[2*c], sc[2*c+1] = sm0, s0[kk]
				sc[4+2*c], sc[4+2*c+1] = s1[kk], sm1
				sc[8+2*c], sc[8+2*c+1] = qs, qs
			}
			softmax3x4(&pr, &sc)
			for c, kk := range kc[:min(2, m-k)] {
				pA0, pA1, pA2 := pr[2*c], pr[4+2*c], pr[8+2*c]       // m first
				pB0, pB1, pB2 := pr[2*c+1], pr[4+2*c+1], pr[8+2*c+1] // k first
				vA := float64(pA0*EPpess[m]) + float64(pA1*EPpess[kk]) + float64(pA2*EPpess[EOS])
				vB := float64(pB1*EPpess[m]) + float64(pB0*EPpess[kk]) + float64(pB2*EPpess[EOS])
				if EUpess+max(vA, vB) < 0 {
					count += 2
					if certified != nil {
						certified[m*V+kk], certified[kk*V+m] = true, true
					}
				}
			}
		}
	}
	return float64(count) / float64(V*V)
}

// maxShifted sets best[i] = max(best[i], (col[i] - colM[i]) + pj) for every i: one column j of
// EP = EVc + Ppess, with col = EVOU[:, j], colM = EVOU[:, m] and pj = Ppess[j], or, with pj =
// -0 (whose addition changes no value), one row p of PVc. On amd64 with
// AVX2 a kernel (pass2_amd64.s) does it four at a time, with the same bits.
func maxShifted(best, col, colM []float64, pj float64) {
	best, colM = best[:len(col)], colM[:len(col)]
	if havePass2Kernel && len(col) > 0 {
		maxShiftedKernel(&best[0], &col[0], &colM[0], pj, len(col))
		return
	}
	maxShiftedGo(best, col, colM, pj)
}

// maxShiftedGo is maxShifted's portable form, and its definition.
func maxShiftedGo(best, col, colM []float64, pj float64) {
	best, colM = best[:len(col)], colM[:len(col)]
	for i, x := range col {
		if y := (x - colM[i]) + pj; y > best[i] {
			best[i] = y
		}
	}
}

// maxShiftedCols is the cubic step of the bound for one m: for every column j != m of EVOU
// (evouT's row j, of V+1 values, V = len(ppess)), in order, maxShifted of its first m+1 values
// into best[:m+1], and the same for its last (the EOS row) into best[V]:
//
//	colM := evouT[m*(V+1):]; for j != m { col := evouT[j*(V+1):]
//	    maxShifted(best[:m+1], col[:m+1], colM, ppess[j])
//	    if y := (col[V] - colM[V]) + ppess[j]; y > best[V] { best[V] = y } }
//
// On amd64 with AVX2 one kernel call (pass2_amd64.s) runs it all, with the same bits, where the
// loop made V calls.
func maxShiftedCols(best, evouT, ppess []float64, m int) {
	V := len(ppess)
	if m < 0 || m >= V || len(best) < V+1 || len(evouT) < V*(V+1) {
		panic(fmt.Sprintf("compute: maxShiftedCols: m %d, V %d, best %d, evouT %d", m, V, len(best), len(evouT)))
	}
	if havePass2Kernel {
		maxShiftedColsKernel(&best[0], &evouT[0], &ppess[0], m, V)
		return
	}
	maxShiftedColsGo(best, evouT, ppess, m)
}

// maxShiftedColsGo is maxShiftedCols' portable form, and its definition.
func maxShiftedColsGo(best, evouT, ppess []float64, m int) {
	V := len(ppess)
	colM := evouT[m*(V+1) : (m+1)*(V+1)] // EVOU[:, m]
	for j, pj := range ppess {
		if j != m {
			col := evouT[j*(V+1) : (j+1)*(V+1)] // EVOU[:, j]
			maxShiftedGo(best[:m+1], col[:m+1], colM, pj)
			if y := (col[V] - colM[V]) + pj; y > best[V] {
				best[V] = y
			}
		}
	}
}

// softmax3x4 sets p[j], p[4+j], p[8+j] = softmax3(x[j], x[4+j], x[8+j]) for the four lanes
// j < 4, bit for bit: on amd64 with AVX2 in AttnForward's kernel (attnKernel, whose
// operations are softmax3's: its maximum differs only on NaNs, which take the slow path, and
// on the sign of a zero, which no exponential sees; its sum starts from +0, which adds
// nothing to a positive first term).
func softmax3x4(p, x *[12]float64) {
	if haveExpKernel && !attnKernel(p, x) {
		return
	}
	for j := range 4 {
		p[j], p[4+j], p[8+j] = softmax3(x[j], x[4+j], x[8+j])
	}
}

// softmax3 is the softmax of three scores as numpy computes it: subtract the largest,
// exponentiate, divide each by the sum (summed left to right). The exponentials are
// expNonPos's (their arguments are <= 0), within 2 ulps of math.Exp and faster;
// numpy's own differ from both by an ulp or so.
func softmax3(x0, x1, x2 float64) (p0, p1, p2 float64) {
	mx := max(x0, x1, x2)
	e0, e1, e2 := expNonPos(x0-mx), expNonPos(x1-mx), expNonPos(x2-mx)
	sum := e0 + e1 + e2
	return e0 / sum, e1 / sum, e2 / sum
}

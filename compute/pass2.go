package compute

import (
	"fmt"
	"math"
)

// The inner loops of pass 2 for the one supported length (n = 2 data positions), and pass 1's
// addRows, each as a Go loop that defines it and, on amd64 with AVX2, an assembly kernel
// (pass2_amd64.s) that runs the same IEEE operations in the same order per element, four
// elements per instruction, so that every non-NaN result is bit-identical; TestPass2Kernels checks it on random and edge
// inputs. (A NaN stays a NaN, but its payload may differ: it only arises in a diverging run,
// which stops at the NaN loss before any checkpoint holds it.)

// logitsRow sets logits[j] = ((direct[j] + aE·le[j]) + a0·l0[j]) + a1·l1[j], all [V].
func logitsRow(logits, direct, le, l0, l1 []float64, aE, a0, a1 float64) {
	V := len(logits)
	direct, le, l0, l1 = direct[:V], le[:V], l0[:V], l1[:V]
	if havePass2Kernel && V > 0 {
		logitsKernel(&logits[0], &direct[0], &le[0], &l0[0], &l1[0], aE, a0, a1, V)
		return
	}
	logitsRowGo(logits, direct, le, l0, l1, aE, a0, a1)
}

// logitsRowGo is logitsRow's portable form, and its definition.
func logitsRowGo(logits, direct, le, l0, l1 []float64, aE, a0, a1 float64) {
	V := len(logits)
	direct, le, l0, l1 = direct[:V], le[:V], l0[:V], l1[:V]
	for j, dj := range direct {
		logits[j] = dj + float64(aE*le[j]) + float64(a0*l0[j]) + float64(a1*l1[j])
	}
}

// backwardRow adds to dd, d0, d1, dle [V] the gradient g [V] times 1, a0, a1 and aE, and
// returns the dot products g·l0, g·l1 and g·le, each summed left to right from +0.
func backwardRow(dd, d0, d1, dle, g, l0, l1, le []float64, a0, a1, aE float64) (s0, s1, sE float64) {
	V := len(g)
	dd, d0, d1, dle, l0, l1, le = dd[:V], d0[:V], d1[:V], dle[:V], l0[:V], l1[:V], le[:V]
	if havePass2Kernel && V > 0 {
		return backwardKernel(&dd[0], &d0[0], &d1[0], &dle[0], &g[0], &l0[0], &l1[0], &le[0], a0, a1, aE, V)
	}
	return backwardRowGo(dd, d0, d1, dle, g, l0, l1, le, a0, a1, aE)
}

// backwardRowGo is backwardRow's portable form, and its definition.
func backwardRowGo(dd, d0, d1, dle, g, l0, l1, le []float64, a0, a1, aE float64) (s0, s1, sE float64) {
	return backwardRowFrom(dd, d0, d1, dle, g, l0, l1, le, a0, a1, aE, 0, 0, 0)
}

// backwardRowFrom is backwardRowGo with the three sums starting at s0, s1 and sE instead of +0.
func backwardRowFrom(dd, d0, d1, dle, g, l0, l1, le []float64, a0, a1, aE, s0, s1, sE float64) (float64, float64, float64) {
	V := len(g)
	dd, d0, d1, dle, l0, l1, le = dd[:V], d0[:V], d1[:V], dle[:V], l0[:V], l1[:V], le[:V]
	for j, gj := range g {
		dd[j] += gj
		d0[j] += float64(a0 * gj)
		d1[j] += float64(a1 * gj)
		dle[j] += float64(aE * gj)
		s0 += float64(gj * l0[j])
		s1 += float64(gj * l1[j])
		sE += float64(gj * le[j])
	}
	return s0, s1, sE
}

// backwardRows4 is backwardRow for the 4 inputs of a group, one after the other: for k = 0, 1,
// 2, 3 in order, with V = len(dd),
//
//	s[k], s[4+k], s[8+k] = backwardRow(dd, dL[off[k]:][:V], dL[off[4+k]:][:V], dle, g[k*V:][:V],
//	                                   L[off[k]:][:V], L[off[4+k]:][:V], le, a[k], a[4+k], a[8+k])
//
// bit for bit (but for a NaN's payload, as above). The rows at off[k] of different k may be one
// row (two inputs with the same token at position 0), and so may those at off[4+k]: each
// element still sees its additions in input order. The rows at off[:4] must not overlap those
// at off[4:], and dd, dle, dL and g must not overlap one another. On amd64 with AVX2 one kernel
// (backward4Kernel) runs the first V - V%4 elements of all four inputs, the twelve dot products
// side by side (lanes = inputs) where backwardRow's three wait on their own additions; the last
// V%4 run here.
func backwardRows4(dd, dle, le, g, dL, L []float64, off *[8]int, a, s *[12]float64) {
	V := len(dd)
	dle, le, g = dle[:V], le[:V], g[:4*V]
	checkRows4("backwardRows4", off, V, min(len(dL), len(L)))
	head := 0
	if havePass2Kernel && V >= 4 {
		backward4Kernel(&dd[0], &dle[0], &le[0], &g[0], &dL[0], &L[0], off, a, s, V)
		head = V &^ 3
		if head == V {
			return
		}
	} else {
		*s = [12]float64{}
	}
	for k := range 4 {
		o0, o1 := off[k], off[4+k]
		s[k], s[4+k], s[8+k] = backwardRowFrom(dd[head:], dL[o0+head:o0+V], dL[o1+head:o1+V], dle[head:],
			g[k*V+head:(k+1)*V], L[o0+head:o0+V], L[o1+head:o1+V], le[head:], a[k], a[4+k], a[8+k], s[k], s[4+k], s[8+k])
	}
}

// logitsRows4 is logitsRow for the 4 inputs of a group of n = 2: for k = 0..3, with V = len(t.LE),
//
//	logitsRow(logits[k*V:][:V], t.Direct, t.LE, t.L[off[k]:][:V], t.L[off[4+k]:][:V], a[8+k], a[k], a[4+k])
//
// (off and a as in backwardRows4: rows4's offsets, attn4's attention). On amd64 with AVX2 one
// kernel (logits4Kernel) computes the first V - V%4 columns of the four; the last V%4 run here.
func logitsRows4(logits []float64, t *Tables, off *[8]int, a *[12]float64) {
	V := t.V
	direct, le, logits := t.Direct[:V], t.LE[:V], logits[:4*V]
	checkRows4("logitsRows4", off, V, len(t.L))
	head := 0
	if havePass2Kernel && V >= 4 {
		logits4Kernel(&logits[0], &direct[0], &le[0], &t.L[0], off, a, V)
		head = V &^ 3
		if head == V {
			return
		}
	}
	for k := range 4 {
		o0, o1 := off[k], off[4+k]
		logitsRowGo(logits[k*V+head:(k+1)*V], direct[head:], le[head:], t.L[o0+head:o0+V], t.L[o1+head:o1+V], a[8+k], a[k], a[4+k])
	}
}

// checkRows4 panics, naming the caller fn, unless every row of V values at off lies in a table
// of n values.
func checkRows4(fn string, off *[8]int, V, n int) {
	for _, o := range off {
		if o < 0 || o+V > n {
			panic(fmt.Sprintf("compute: %s: row at %d of %d values outside the table's %d", fn, o, V, n))
		}
	}
}

// rows4 sets off to the offsets in L (and in TablesGrad.L) of the logit rows of the 4 inputs
// toks [4, 2] of a group: off[k] = L[0, t_0] and off[4+k] = L[1, t_1] of input k, which is
// where logitsRows4 and backwardRows4 read them.
func rows4(off *[8]int, V int, toks []int) {
	toks = toks[:8]
	for k := range 4 {
		off[k], off[4+k] = toks[2*k]*V, (V+toks[2*k+1])*V
	}
}

// addRows sets dst[r*V+j] = (rows[r*V+j] + u[j]) + v[j] for every row r of rows [R, V] and
// j < V = len(u): pass 1's L[p] = (E[:V]·M + W_pos[p]·M) + C in TablesForward, n·V² values a
// step. len(rows) must be a multiple of V (none if V is 0).
func addRows(dst, rows, u, v []float64) {
	V := len(u)
	if V == 0 && len(rows) > 0 || V > 0 && len(rows)%V != 0 {
		panic(fmt.Sprintf("compute: addRows: %d values are not rows of %d", len(rows), V))
	}
	dst, v = dst[:len(rows)], v[:V]
	if havePass2Kernel && len(rows) > 0 {
		addRowsKernel(&dst[0], &rows[0], &u[0], &v[0], len(rows)/V, V)
		return
	}
	addRowsGo(dst, rows, u, v)
}

// addRowsGo is addRows' portable form, and its definition.
func addRowsGo(dst, rows, u, v []float64) {
	V := len(u)
	if V == 0 {
		return
	}
	dst, v = dst[:len(rows)], v[:V]
	for r := range len(rows) / V {
		d, x := dst[r*V:(r+1)*V], rows[r*V:(r+1)*V]
		for j, uj := range u {
			d[j] = (x[j] + uj) + v[j]
		}
	}
}

// scaleRows multiplies every x[j*V+i] by k[j], for the len(x)/V <= 4 rows of x [r, V].
func scaleRows(x []float64, V int, k *[4]float64) {
	r := 0
	if V > 0 {
		r = len(x) / V
	}
	if r > 4 || r*V != len(x) {
		panic(fmt.Sprintf("compute: scaleRows: %d values are not at most 4 rows of %d", len(x), V))
	}
	if havePass2Kernel && len(x) > 0 {
		scaleRowsKernel(&x[0], V, r, k)
		return
	}
	for j := range r {
		scaleByGo(x[j*V:(j+1)*V], k[j])
	}
}

// scaleByGo multiplies every x[i] by k: scaleRows' operation on a row, and its definition.
func scaleByGo(x []float64, k float64) {
	for i := range x {
		x[i] *= k
	}
}

// argmax is Argmax, with the kernel where there is one and x holds no NaN.
func argmax(x []float64) int {
	if havePass2Kernel && len(x) > 0 {
		if i, ok := argmaxKernel(&x[0], len(x)); ok {
			return i
		}
	}
	return Argmax(x)
}

// adamWStep is Optimizer.Update's AdamW loop over parameters p with gradient g and moments m, v
// (all of one length), with k = [decay, b1, 1-b1, b2, 1-b2, bc2Sqrt, eps, stepSize]. Each element
// is independent, so the kernel gives the Go loop's bits (VSQRTPD and VDIVPD round as
// math.Sqrt and / do).
func adamWStep(p, g, m, v []float64, k *[8]float64) {
	n := len(p)
	g, m, v = g[:n], m[:n], v[:n]
	if havePass2Kernel && n > 0 {
		adamWKernel(&p[0], &g[0], &m[0], &v[0], n, k)
		return
	}
	adamWStepGo(p, g, m, v, k)
}

// adamWStepGo is adamWStep's portable form, and its definition.
func adamWStepGo(p, g, m, v []float64, k *[8]float64) {
	decay, b1, omb1, b2, omb2, bc2Sqrt, eps, stepSize := k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7]
	n := len(p)
	g, m, v = g[:n], m[:n], v[:n]
	for i, gi := range g {
		p[i] *= decay
		m[i] = float64(b1*m[i]) + float64(omb1*gi)
		v[i] = float64(b2*v[i]) + float64(float64(omb2*gi)*gi)
		denom := float64(math.Sqrt(v[i])/bc2Sqrt) + eps
		p[i] -= float64(stepSize*m[i]) / denom
	}
}

// top2Rows sets, for each of the 4 rows x[j*V:(j+1)*V] (V >= 1), im[j] to the first index of
// the row's largest value (as Argmax), top[j] to that value and second[j] to the largest of
// the others (top[j] again on a tie, -Inf if V = 1), as top2Go does: on amd64 with AVX2 in
// one kernel whose lanes are the rows (group_amd64.s), the same comparisons in the same order.
func top2Rows(x []float64, V int, im *[4]int, top, second *[4]float64) {
	x = x[:4*V]
	if haveExpKernel && V > 0 {
		top2Kernel(&x[0], V, im, top, second)
		return
	}
	for j := range 4 {
		im[j], top[j], second[j] = top2Go(x[j*V : (j+1)*V])
	}
}

// top2Go is top2Rows's portable form for one row, and its definition: one pass for the two
// largest values.
func top2Go(x []float64) (im int, top, second float64) {
	im, top, second = 0, x[0], math.Inf(-1)
	for k, v := range x[1:] {
		if v > top {
			im, top, second = k+1, v, top
		} else if v > second {
			second = v
		}
	}
	return im, top, second
}

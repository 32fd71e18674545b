package compute

import "fmt"

// The matrix products of linalg.go, bit for bit as gonum's Dgemm (v0.17.0, blas/gonum/dgemm.go)
// computes them, but with AVX2 kernels (gemm_amd64.s) where the CPU has them.
//
// For the sizes of this model (every side at most 64, or one side up to 192), Dgemm runs
// serially (dgemmParallel splits into 64×64 blocks only from 4 blocks on), with alpha = 1 and
// beta 0 or 1, as one of three loops:
//
//	NotNot    c[i,:] += a[i,l]·b[l,:]   for i, then l = 0..k-1, skipping a[i,l] == 0
//	TransNot  c[i,:] += a[l,i]·b[l,:]   for l = 0..k-1, then i, skipping a[l,i] == 0
//	NotTrans  c[i,j] += dot(a[i,:], b[j,:])  with f64.DotUnitary's four lane sums
//
// each axpy being f64.AxpyUnitary (per element: y = x·alpha + y, no FMA). Every element of c
// sees its own sequence of operations, in l order, whatever the loop order around it, so
// NotNot and TransNot are both gemmRowsAxpy (the rows of c one after the other, in one kernel
// call), and NotTrans is gemmRowsDot. The kernels repeat exactly those per-element operations,
// four columns per instruction (gemm_amd64.s); where gonum would go parallel, or without AVX2
// (or with -tags purego), the products go to gonum itself. TestGemmMatchesGonum checks the bits.

// gemmBlock and gemmMinParBlock are gonum's blockSize and minParBlock: from
// gemmMinParBlock blocks of gemmBlock×gemmBlock in c on, Dgemm runs dgemmParallel.
const (
	gemmBlock       = 64
	gemmMinParBlock = 4
)

// gemmOwn reports whether the product with an m×n result and the given beta runs here (else
// in gonum): the CPU has the kernels, gonum would run it serially, and beta is 0 or 1.
func gemmOwn(m, n int, beta float64) bool {
	blocks := func(x int) int { return (x + gemmBlock - 1) / gemmBlock }
	return haveGemmKernel && m > 0 && n > 0 && blocks(m)*blocks(n) < gemmMinParBlock && (beta == 0 || beta == 1)
}

// gemmBegin applies beta to out (gonum's "scale c") and reports whether there is a product
// left to add: none when k is 0 and beta is 1 (gonum's quick return).
func gemmBegin(out []float64, k int, beta float64) bool {
	if beta == 0 {
		clear(out)
	}
	return k > 0 || beta != 1
}

// gemmRowAxpy adds to each c[j], for l = 0..k-1 in order and where v = a[l*as] is not 0,
// b[l*ldb+j]·v: one row of c in gonum's dgemmSerialNotNot (as = 1) or dgemmSerialTransNot
// (as = the row length of a).
func gemmRowAxpy(c, a []float64, as int, b []float64, ldb, k int) {
	gemmRowsAxpy(c, len(c), 1, a, as, 0, b, ldb, k)
}

// gemmRowsAxpy is gemmRowAxpy for the m rows of c [m, n], row r reading a from a[r*ars:]: the
// rows of a product in one kernel call.
func gemmRowsAxpy(c []float64, n, m int, a []float64, as, ars int, b []float64, ldb, k int) {
	if n == 0 || m == 0 || k == 0 {
		return
	}
	if n < 0 || m < 0 || k < 0 || len(c) < m*n || len(a) <= (m-1)*ars+(k-1)*as || len(b) < (k-1)*ldb+n || ldb < n || as < 1 || ars < 0 {
		panic(fmt.Sprintf("compute: gemmRowsAxpy: c %d, a %d, b %d values for m %d, n %d, k %d, as %d, ars %d, ldb %d", len(c), len(a), len(b), m, n, k, as, ars, ldb))
	}
	gemmAxpyKernel(&c[0], &a[0], &b[0], as, ldb, k, n, m, ars)
}

// gemmRowsDot adds to each c[r*n+j] of the m rows of c [m, n] the dot product of a[r*lda:][:k]
// and b[j*ldb:j*ldb+k] as gonum's f64.DotUnitary sums it: the rows of gonum's
// dgemmSerialNotTrans in one kernel call. With k = 0 it does nothing: gonum adds +0 there,
// which only a beta of 0 lets happen, to a c of +0.
func gemmRowsDot(c []float64, n, m int, a []float64, lda int, b []float64, ldb, k int) {
	if n == 0 || m == 0 || k == 0 {
		return // the empty dot product is +0, which changes no element of a cleared c
	}
	if n < 0 || m < 0 || k < 0 || len(c) < m*n || len(a) < (m-1)*lda+k || len(b) < (n-1)*ldb+k || ldb < k || lda < 0 {
		panic(fmt.Sprintf("compute: gemmRowsDot: c %d, a %d, b %d values for m %d, n %d, k %d, lda %d, ldb %d", len(c), len(a), len(b), m, n, k, lda, ldb))
	}
	gemmDotKernel(&c[0], &a[0], &b[0], ldb, k, n, m, lda)
}

package compute

import "fmt"

// The matrix products of linalg.go, bit for bit as gonum's Dgemm (v0.17.0, blas/gonum/dgemm.go)
// computes them on amd64 with its assembly, with AVX2 kernels (gemm_amd64.s) where the CPU has
// them and Go definitions of the same operations everywhere else, so that the products, and
// the runs, are the same on every CPU. (gonum's pure-Go fallback, which other architectures
// run, is not: its DotUnitary sums in one chain where its assembly keeps four, and the Go
// compiler may fuse its products into multiply-adds on arm64.)
//
// With alpha = 1 and beta 0 or 1, Dgemm runs one of three loops:
//
//	NotNot    c[i,:] += a[i,l]·b[l,:]   for i, then l = 0..k-1, skipping a[i,l] == 0
//	TransNot  c[i,:] += a[l,i]·b[l,:]   for l = 0..k-1, then i, skipping a[l,i] == 0
//	NotTrans  c[i,j] += dot(a[i,:], b[j,:])  with f64.DotUnitary's four lane sums
//
// each axpy being f64.AxpyUnitary (per element: y = x·alpha + y, no FMA). Every element of c
// sees its own sequence of operations, in l order, whatever the loop order around it, so
// NotNot and TransNot are both gemmRowsAxpy (the rows of c one after the other), and NotTrans
// is gemmRowsDot. From gemmMinParBlock blocks of gemmBlock×gemmBlock in c on, Dgemm splits the
// product into blocks (dgemmParallel) and adds each block of gemmBlock values of the inner
// dimension in turn: the same sequence for an axpy's element, but a dot product per block for
// NotTrans (gemmParallel). TestGemmMatchesGonum checks the bits of both forms.

// gemmBlock and gemmMinParBlock are gonum's blockSize and minParBlock: from
// gemmMinParBlock blocks of gemmBlock×gemmBlock in c on, Dgemm runs dgemmParallel.
const (
	gemmBlock       = 64
	gemmMinParBlock = 4
)

// gemmParallel reports whether gonum's Dgemm runs the product with an m×n result in blocks
// (dgemmParallel).
func gemmParallel(m, n int) bool {
	blocks := func(x int) int { return (x + gemmBlock - 1) / gemmBlock }
	return blocks(m)*blocks(n) >= gemmMinParBlock
}

// gemmBegin applies beta, 0 or 1, to out (gonum's "scale c") and reports whether there is a
// product left to add: none when k is 0 (gonum's quick return when beta is 1; with beta 0 the
// product of an empty sum is the cleared out).
func gemmBegin(out []float64, k int, beta float64) bool {
	switch beta {
	case 0:
		clear(out)
	case 1:
	default:
		panic(fmt.Sprintf("compute: a matrix product with beta %v (only 0 and 1)", beta))
	}
	return k > 0
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
	if haveGemmKernel {
		gemmAxpyKernel(&c[0], &a[0], &b[0], as, ldb, k, n, m, ars)
		return
	}
	gemmRowsAxpyGo(c, n, m, a, as, ars, b, ldb, k)
}

// gemmRowsAxpyGo is gemmRowsAxpy's portable form, and its definition: f64.AxpyUnitary's
// y[j] = x[j]·v + y[j] for each v = a[l*as] != 0 of the row, the product rounded first.
func gemmRowsAxpyGo(c []float64, n, m int, a []float64, as, ars int, b []float64, ldb, k int) {
	for r := range m {
		cr, ar := c[r*n:(r+1)*n], a[r*ars:]
		for l := range k {
			v := ar[l*as]
			if v == 0 {
				continue
			}
			for j, x := range b[l*ldb : l*ldb+n] {
				cr[j] = float64(x*v) + cr[j]
			}
		}
	}
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
	if haveGemmKernel {
		gemmDotKernel(&c[0], &a[0], &b[0], ldb, k, n, m, lda)
		return
	}
	gemmRowsDotGo(c, n, m, a, lda, b, ldb, k)
}

// gemmRowsDotGo is gemmRowsDot's portable form, and its definition.
func gemmRowsDotGo(c []float64, n, m int, a []float64, lda int, b []float64, ldb, k int) {
	for r := range m {
		cr, ar := c[r*n:(r+1)*n], a[r*lda:r*lda+k]
		for j := range cr {
			cr[j] += dotUnitary(ar, b[j*ldb:j*ldb+k])
		}
	}
}

// dotUnitary returns the dot product of x and y[:len(x)] as gonum's f64.DotUnitary sums it on
// amd64: four lane sums, lane i%4 taking the products x[i]·y[i] of the whole groups of four in
// order, the last len(x)%4 products added to lane 0, then (lane 0 + lane 2) + (lane 1 + lane 3).
func dotUnitary(x, y []float64) float64 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += float64(x[i] * y[i])
		s1 += float64(x[i+1] * y[i+1])
		s2 += float64(x[i+2] * y[i+2])
		s3 += float64(x[i+3] * y[i+3])
	}
	for ; i < len(x); i++ {
		s0 += float64(x[i] * y[i])
	}
	return (s0 + s2) + (s1 + s3)
}

package compute

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// Small dense helpers over row-major slices. Each names its shapes; all compute what gonum's
// BLAS computes, bit for bit, whose results do not depend on the number of cores. The matrix
// products run gemm.go's kernels where they can, and gonum's Dgemm otherwise.

func general(rows, cols int, data []float64) blas64.General {
	return blas64.General{Rows: rows, Cols: cols, Stride: cols, Data: data[:rows*cols]}
}

// matmul sets out[m,n] = a[m,k] · b[k,n] (beta 0) or adds to it (beta 1).
func matmul(out, a, b []float64, m, k, n int, beta float64) {
	if gemmOwn(m, n, beta) {
		out, a, b = out[:m*n], a[:m*k], b[:k*n]
		if gemmBegin(out, k, beta) { // gonum's dgemmSerialNotNot, row after row
			gemmRowsAxpy(out, n, m, a, 1, k, b, n, k)
		}
		return
	}
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, general(m, k, a), general(k, n, b), beta, general(m, n, out))
}

// matmulTN adds aᵀ·b to out: out[k,n] += a[m,k]ᵀ · b[m,n].
func matmulTN(out, a, b []float64, m, k, n int) {
	if gemmOwn(k, n, 1) {
		out, a, b = out[:k*n], a[:m*k], b[:m*n]
		if gemmBegin(out, m, 1) { // gonum's dgemmSerialTransNot: row i of out reads column i of a
			gemmRowsAxpy(out, n, k, a, k, 1, b, n, m)
		}
		return
	}
	blas64.Gemm(blas.Trans, blas.NoTrans, 1, general(m, k, a), general(m, n, b), 1, general(k, n, out))
}

// matmulNT sets or adds a·bᵀ: out[m,k] = a[m,n] · b[k,n]ᵀ (+ beta·out).
func matmulNT(out, a, b []float64, m, n, k int, beta float64) {
	if gemmOwn(m, k, beta) {
		out, a, b = out[:m*k], a[:m*n], b[:k*n]
		if gemmBegin(out, n, beta) { // gonum's dgemmSerialNotTrans, row after row
			gemmRowsDot(out, k, m, a, n, b, n, n)
		}
		return
	}
	blas64.Gemm(blas.NoTrans, blas.Trans, 1, general(m, n, a), general(k, n, b), beta, general(m, k, out))
}

// vecmat sets out[n] = x[k] · b[k,n] (+ beta·out).
func vecmat(out, x, b []float64, k, n int, beta float64) {
	blas64.Gemv(blas.Trans, 1, general(k, n, b), blas64.Vector{N: k, Inc: 1, Data: x}, beta, blas64.Vector{N: n, Inc: 1, Data: out})
}

// matvec sets out[k] = b[k,n] · x[n] (+ beta·out).
func matvec(out, b, x []float64, k, n int, beta float64) {
	blas64.Gemv(blas.NoTrans, 1, general(k, n, b), blas64.Vector{N: n, Inc: 1, Data: x}, beta, blas64.Vector{N: k, Inc: 1, Data: out})
}

// outer adds x[m] ⊗ y[n] to out[m,n]: out[i,j] = out[i,j] + x[i]·y[j], as gonum's Dger computes
// it (with alpha 1, x[i]·1 = x[i]): axpy(out[i*n:], x[i], y) for each row i, on amd64 with AVX2
// in one kernel call, else gonum.
func outer(out, x, y []float64, m, n int) {
	if havePass2Kernel && m > 0 && n > 0 {
		out, x, y = out[:m*n], x[:m], y[:n]
		outerKernel(&out[0], &x[0], &y[0], m, n)
		return
	}
	blas64.Ger(1, blas64.Vector{N: m, Inc: 1, Data: x}, blas64.Vector{N: n, Inc: 1, Data: y}, general(m, n, out))
}

// axpyRows adds to y, for each row l < len(a) of x [len(a), len(y)] in order and where a[l] is
// not 0, a[l]·x[l]: the loop
//
//	for l, al := range a { if al != 0 { axpy(y, al, x[l*n:(l+1)*n]) } }
//
// bit for bit (but for a NaN's payload), in one kernel call (gemmRowAxpy) where the CPU has it.
func axpyRows(y, a, x []float64) {
	n := len(y)
	x = x[:len(a)*n]
	if haveGemmKernel && n > 0 && len(a) > 0 {
		gemmRowAxpy(y, a, 1, x, n, len(a))
		return
	}
	for l, al := range a {
		if al != 0 {
			axpy(y, al, x[l*n:(l+1)*n])
		}
	}
}

// dot returns the sum of x[i]·y[i], added left to right.
func dot(x, y []float64) float64 {
	y = y[:len(x)]
	s := 0.0
	for i, v := range x {
		s += float64(v * y[i]) // rounded before the sum: never fused into a multiply-add
	}
	return s
}

// axpy adds a·x to y: y[i] = y[i] + a·x[i], the product rounded first, on amd64 with AVX2 four
// at a time (outerKernel for one row: outer's row is this axpy), else axpyGo.
func axpy(y []float64, a float64, x []float64) {
	y = y[:len(x)]
	if havePass2Kernel && len(x) > 0 {
		outerKernel(&y[0], &a, &x[0], 1, len(x))
		return
	}
	axpyGo(y, a, x)
}

// axpyGo is axpy's portable form, and its definition. The product is converted to float64 so
// that no compiler may fuse it into a multiply-add.
func axpyGo(y []float64, a float64, x []float64) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += float64(a * v)
	}
}

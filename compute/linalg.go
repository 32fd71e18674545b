package compute

import (
	"slices"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// Small dense helpers over row-major slices. Each names its shapes; all compute what gonum's
// BLAS computes on amd64 (with its assembly), bit for bit, whose results do not depend on the
// number of cores: the matrix products through gemm.go (AVX2 kernels where the CPU has them, Go
// definitions elsewhere), the matrix-vector products and outer products here (gonum's own
// assembly for the first where it runs, else their Go definitions). None runs gonum's pure-Go
// fallback, which rounds differently (gemm.go).

// general is the row-major rows×cols matrix data as gonum's type.
func general(rows, cols int, data []float64) blas64.General {
	return blas64.General{Rows: rows, Cols: cols, Stride: cols, Data: data[:rows*cols]}
}

// matmul sets out[m,n] = a[m,k] · b[k,n] (beta 0) or adds to it (beta 1).
func matmul(out, a, b []float64, m, k, n int, beta float64) {
	out, a, b = out[:m*n], a[:m*k], b[:k*n]
	if gemmBegin(out, k, beta) { // gonum's dgemmSerialNotNot, row after row
		gemmRowsAxpy(out, n, m, a, 1, k, b, n, k)
	}
}

// matmulTN adds aᵀ·b to out: out[k,n] += a[m,k]ᵀ · b[m,n].
func matmulTN(out, a, b []float64, m, k, n int) {
	out, a, b = out[:k*n], a[:m*k], b[:m*n]
	if gemmBegin(out, m, 1) { // gonum's dgemmSerialTransNot: row i of out reads column i of a
		gemmRowsAxpy(out, n, k, a, k, 1, b, n, m)
	}
}

// matmulNT sets or adds a·bᵀ: out[m,k] = a[m,n] · b[k,n]ᵀ (+ beta·out).
func matmulNT(out, a, b []float64, m, n, k int, beta float64) {
	out, a, b = out[:m*k], a[:m*n], b[:k*n]
	if !gemmBegin(out, n, beta) {
		return
	}
	if !gemmParallel(m, k) {
		gemmRowsDot(out, k, m, a, n, b, n, n) // gonum's dgemmSerialNotTrans, row after row
		return
	}
	for lo := 0; lo < n; lo += gemmBlock { // dgemmParallel: a dot product per block of n
		gemmRowsDot(out, k, m, a[lo:], n, b[lo:], n, min(gemmBlock, n-lo))
	}
}

// vecmat sets out[n] = x[k] · b[k,n] (beta 0) or adds it to out (beta 1), as gonum's Dgemv
// (transposed) computes it on amd64 (vecmatGo). Where no x[l] is zero, that is a row of the
// matrix products (gemmRowsAxpy, whose skipping of zeros then skips nothing), else gonum's
// assembly where it runs: the AVX2 kernel and gonum several times as fast as the Go loop, the
// kernel about 1.5 times as fast as gonum (-bench Gemv).
func vecmat(out, x, b []float64, k, n int, beta float64) {
	if k > 0 && n > 0 && !slices.Contains(x[:k], 0) {
		out, b = out[:n], b[:k*n]
		gemmBegin(out, k, beta)
		gemmRowsAxpy(out, n, 1, x, 1, 0, b, n, k)
		return
	}
	if gemvGonum {
		blas64.Gemv(blas.Trans, 1, general(k, n, b), blas64.Vector{N: k, Inc: 1, Data: x}, beta, blas64.Vector{N: n, Inc: 1, Data: out})
		return
	}
	vecmatGo(out, x, b, k, n, beta)
}

// vecmatGo is vecmat's portable form, and its definition: out cleared for beta 0, then for
// each row l of b in order, out[j] = out[j] + x[l]·b[l,j]. With k or n 0 it leaves out as it
// is (Dgemv's quick return).
func vecmatGo(out, x, b []float64, k, n int, beta float64) {
	if k == 0 || n == 0 {
		return
	}
	out, x, b = out[:n], x[:k], b[:k*n]
	gemmBegin(out, k, beta)
	for l, v := range x {
		for j, w := range b[l*n : (l+1)*n] {
			out[j] += float64(w * v)
		}
	}
}

// matvec sets out[k] = b[k,n] · x[n] (beta 0) or adds it to out (beta 1), as gonum's Dgemv
// (not transposed) computes it on amd64 (matvecGo), with gonum's assembly where it runs.
func matvec(out, b, x []float64, k, n int, beta float64) {
	if gemvGonum {
		blas64.Gemv(blas.NoTrans, 1, general(k, n, b), blas64.Vector{N: n, Inc: 1, Data: x}, beta, blas64.Vector{N: k, Inc: 1, Data: out})
		return
	}
	matvecGo(out, b, x, k, n, beta)
}

// matvecGo is matvec's portable form, and its definition: each row's products in two lane
// sums, lane 0 taking the even columns and lane 1 the odd ones, in order, then lane 0 + lane 1
// and, for an odd n, the last column's product after them, except in the last row of an odd k
// (gemvN_amd64.s's single-row tail), where it joins lane 0 first. The row's value is then added to +0 (beta
// 0) or to out's (beta 1). With k or n 0 it leaves out as it is (Dgemv's quick return).
func matvecGo(out, b, x []float64, k, n int, beta float64) {
	if k == 0 || n == 0 {
		return
	}
	out, b, x = out[:k], b[:k*n], x[:n]
	gemmBegin(out, n, beta)
	for i := range out {
		row := b[i*n : (i+1)*n]
		var l0, l1 float64
		j := 0
		for ; j+2 <= n; j += 2 {
			l0 += float64(row[j] * x[j])
			l1 += float64(row[j+1] * x[j+1])
		}
		var s float64
		switch {
		case j == n:
			s = l0 + l1
		case i == k-1 && k%2 == 1:
			s = (l0 + float64(row[j]*x[j])) + l1
		default:
			s = (l0 + l1) + float64(row[j]*x[j])
		}
		out[i] += s
	}
}

// outer adds x[m] ⊗ y[n] to out[m,n]: out[i,j] = out[i,j] + x[i]·y[j], as gonum's Dger computes
// it (with alpha 1, x[i]·1 = x[i]): axpy(out[i*n:], x[i], y) for each row i, on amd64 with AVX2
// in one kernel call.
func outer(out, x, y []float64, m, n int) {
	if m == 0 || n == 0 {
		return
	}
	out, x, y = out[:m*n], x[:m], y[:n]
	if havePass2Kernel {
		outerKernel(&out[0], &x[0], &y[0], m, n)
		return
	}
	for i, v := range x {
		axpyGo(out[i*n:(i+1)*n], v, y)
	}
}

// axpyRows adds to y, for each row l < len(a) of x [len(a), len(y)] in order and where a[l] is
// not 0, a[l]·x[l]: the loop
//
//	for l, al := range a { if al != 0 { axpy(y, al, x[l*n:(l+1)*n]) } }
//
// bit for bit (but for a NaN's payload): a row of the matrix products (gemmRowAxpy), in one
// kernel call where the CPU has it.
func axpyRows(y, a, x []float64) {
	n := len(y)
	gemmRowAxpy(y, a, 1, x[:len(a)*n], n, len(a))
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

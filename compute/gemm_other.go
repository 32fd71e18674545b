//go:build !amd64 || purego

package compute

// haveGemmKernel is false: the matrix products run their Go definitions (gemm.go).
const haveGemmKernel = false

// gemmAxpyKernel is never called without an assembly kernel.
func gemmAxpyKernel(c, a, b *float64, as, ldb, k, n, m, ars int) {
	panic("compute: no matrix kernel on this architecture")
}

// gemmDotKernel is never called without an assembly kernel.
func gemmDotKernel(c, a, b *float64, ldb, k, n, m, lda int) {
	panic("compute: no matrix kernel on this architecture")
}

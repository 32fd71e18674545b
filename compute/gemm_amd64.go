//go:build amd64 && !purego

package compute

import "golang.org/x/sys/cpu"

// haveGemmKernel reports whether gemmAxpyKernel and gemmDotKernel may run: they need AVX2
// (see haveExpKernel). Read-only after package initialisation.
var haveGemmKernel = cpu.X86.HasAVX2

// gemmAxpyKernel is gemmRowsAxpy's loop in AVX2 assembly (gemm_amd64.s), for m >= 1 rows: for
// each row r, with ar = a[r*ars:] and cr = c[r*n:], for j < n, cr[j] = b[l*ldb+j]*ar[l*as] +
// cr[j] for l = 0..k-1 in order, skipping ar[l*as] == 0. The caller checks the bounds.
//
//go:noescape
func gemmAxpyKernel(c, a, b *float64, as, ldb, k, n, m, ars int)

// gemmDotKernel is gemmRowsDot in AVX2 assembly (gemm_amd64.s), for m >= 1 rows: for each row
// r, cr[j] += gonum's DotUnitary(a[r*lda:][:k], b[j*ldb:j*ldb+k]) for j < n, with cr =
// c[r*n:]. The caller checks the bounds.
//
//go:noescape
func gemmDotKernel(c, a, b *float64, ldb, k, n, m, lda int)

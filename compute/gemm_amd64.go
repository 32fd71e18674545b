//go:build amd64 && !purego

package compute

import "golang.org/x/sys/cpu"

// haveGemmKernel reports whether gemmAxpyKernel and gemmDotKernel may run: they need AVX2
// (see haveExpKernel). Read-only after package initialisation.
var haveGemmKernel = cpu.X86.HasAVX2

// gemmAxpyKernel is gemmRowAxpy's loop in AVX2 assembly (gemm_amd64.s): for j < n, c[j] = b[l*ldb+j]*a[l*as] + c[j] for l = 0..k-1 in order, skipping
// a[l*as] == 0. The caller checks the bounds.
//
//go:noescape
func gemmAxpyKernel(c, a, b *float64, as, ldb, k, n int)

// gemmDotKernel is gemmRowDot in AVX2 assembly (gemm_amd64.s): c[j] += gonum's
// DotUnitary(a[:k], b[j*ldb:j*ldb+k]) for j < n. The caller checks the bounds.
//
//go:noescape
func gemmDotKernel(c, a, b *float64, ldb, k, n int)

//go:build amd64 && !purego

package compute

import "golang.org/x/sys/cpu"

// havePass2Kernel reports whether pass 2's AVX2 kernels (pass2_amd64.s) may run (see
// haveExpKernel). Read-only after package initialisation.
var havePass2Kernel = cpu.X86.HasAVX2

// logitsKernel is logitsRow in AVX2 assembly. The caller checks the bounds.
//
//go:noescape
func logitsKernel(logits, direct, le, l0, l1 *float64, aE, a0, a1 float64, n int)

// backwardKernel is backwardRow in AVX2 assembly. The caller checks the bounds.
//
//go:noescape
func backwardKernel(dd, d0, d1, dle, grad, l0, l1, le *float64, a0, a1, aE float64, n int) (s0, s1, sE float64)

// backward4Kernel is backwardRows4 in AVX2 assembly (group_amd64.s) for the first n - n%4
// elements, n >= 4, with s receiving the sums so far. The caller checks the bounds.
//
//go:noescape
func backward4Kernel(dd, dle, le, grad, dL, L *float64, off *[8]int, a, s *[12]float64, n int)

// logits4Kernel is logitsRows4 in AVX2 assembly (group_amd64.s) for the first n - n%4 columns,
// n >= 4. The caller checks the bounds.
//
//go:noescape
func logits4Kernel(logits, direct, le, L *float64, off *[8]int, a *[12]float64, n int)

// outerKernel is outer in AVX2 assembly, for m, n >= 1: axpy's loop for each row of out [m, n]
// (and axpy itself, with m = 1). The caller checks the bounds.
//
//go:noescape
func outerKernel(out, x, y *float64, m, n int)

// allFiniteKernel is allFinite in AVX2 assembly. The caller checks the bounds.
//
//go:noescape
func allFiniteKernel(x *float64, n int) bool

// addRowsKernel is addRows in AVX2 assembly, for nrows >= 1 rows of n >= 1 values. The caller
// checks the bounds.
//
//go:noescape
func addRowsKernel(dst, rows, u, v *float64, nrows, n int)

// scaleRowsKernel is scaleRows in AVX2 assembly, for r >= 1 rows of n >= 1 values. The caller
// checks the bounds.
//
//go:noescape
func scaleRowsKernel(x *float64, n, r int, k *[4]float64)

// argmaxKernel is Argmax in AVX2 assembly for n >= 1, or reports ok = false if some x[i] is
// NaN. The caller checks the bounds.
//
//go:noescape
func argmaxKernel(x *float64, n int) (i int, ok bool)

// adamWKernel is adamWStep in AVX2 assembly. The caller checks the bounds.
//
//go:noescape
func adamWKernel(p, grad, m, v *float64, n int, k *[8]float64)

// maxShiftedColsKernel is maxShiftedCols in AVX2 assembly, for 0 <= m < V. The caller checks
// the bounds.
//
//go:noescape
func maxShiftedColsKernel(best, evouT, ppess *float64, m, V int)

// maxShiftedKernel is maxShifted in AVX2 assembly. The caller checks the bounds.
//
//go:noescape
func maxShiftedKernel(best, col, colM *float64, pj float64, n int)

//go:build !amd64 || purego

package compute

// havePass2Kernel is false: pass 2 runs its Go loops.
const havePass2Kernel = false

func logitsKernel(logits, direct, le, l0, l1 *float64, aE, a0, a1 float64, n int) {
	panic("compute: no pass 2 kernel on this architecture")
}

func addRowsKernel(dst, rows, u, v *float64, nrows, n int) {
	panic("compute: no pass 2 kernel on this architecture")
}

func maxShiftedColsKernel(best, evouT, ppess *float64, m, V int) {
	panic("compute: no pass 2 kernel on this architecture")
}

func backwardKernel(dd, d0, d1, dle, grad, l0, l1, le *float64, a0, a1, aE float64, n int) (s0, s1, sE float64) {
	panic("compute: no pass 2 kernel on this architecture")
}

func backward4Kernel(dd, dle, le, grad, dL, L *float64, off *[8]int, a, s *[12]float64, n int) {
	panic("compute: no pass 2 kernel on this architecture")
}

func logits4Kernel(logits, direct, le, L *float64, off *[8]int, a *[12]float64, n int) {
	panic("compute: no pass 2 kernel on this architecture")
}

func outerKernel(out, x, y *float64, m, n int) {
	panic("compute: no pass 2 kernel on this architecture")
}

func allFiniteKernel(x *float64, n int) bool {
	panic("compute: no pass 2 kernel on this architecture")
}

func scaleRowsKernel(x *float64, n, r int, k *[4]float64) {
	panic("compute: no pass 2 kernel on this architecture")
}

func argmaxKernel(x *float64, n int) (int, bool) {
	panic("compute: no pass 2 kernel on this architecture")
}

func adamWKernel(p, grad, m, v *float64, n int, k *[8]float64) {
	panic("compute: no AdamW kernel on this architecture")
}

func maxShiftedKernel(best, col, colM *float64, pj float64, n int) {
	panic("compute: no cubic-bound kernel on this architecture")
}

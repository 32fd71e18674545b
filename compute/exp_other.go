//go:build !amd64 || purego

package compute

// haveExpKernel is false: expShiftedSum runs expShiftedSumGo.
const haveExpKernel = false

// expShiftedSumKernel is never called without an assembly kernel.
func expShiftedSumKernel(dst, src []float64, shift float64) (float64, bool) {
	panic("compute: no exponential kernel on this architecture")
}

// expShiftedSums4Kernel is never called without an assembly kernel.
func expShiftedSums4Kernel(dst, x *float64, V int, shift, sums *[4]float64) bool {
	panic("compute: no exponential kernel on this architecture")
}

// attnKernel is never called without an assembly kernel.
func attnKernel(a, s *[12]float64) bool {
	panic("compute: no exponential kernel on this architecture")
}

// top2Kernel is never called without an assembly kernel.
func top2Kernel(x *float64, V int, im *[4]int, top, second *[4]float64) {
	panic("compute: no group kernel on this architecture")
}

// log1p4Kernel is never called without an assembly kernel.
func log1p4Kernel(dst, x *[4]float64) bool {
	panic("compute: no log1p kernel on this architecture")
}

// haveLossKernel is false: lossExpSums runs lossExpSumGo.
const haveLossKernel = false

// lossExpRowsKernel is never called without an assembly kernel.
func lossExpRowsKernel(x *float64, n, r int, shift *[4]float64, skip *[4]int, sums *[4]float64) bool {
	panic("compute: no loss kernel on this architecture")
}

//go:build !amd64 || purego

package compute

// haveExpKernel is false: expShiftedSum runs expShiftedSumGo.
const haveExpKernel = false

// expShiftedSumKernel is never called without an assembly kernel.
func expShiftedSumKernel(dst, src []float64, shift float64, skip int) (float64, bool) {
	panic("compute: no exponential kernel on this architecture")
}

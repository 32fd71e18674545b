//go:build amd64 && !purego

package compute

import "golang.org/x/sys/cpu"

// haveLossKernel reports whether lossExpRowsKernel may run: it needs AVX2 and FMA (read-only
// after package initialisation).
var haveLossKernel = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// lossExpRowsKernel is lossExpSums in AVX2 and FMA assembly (lossexp_amd64.s) for n >= 1 and
// 1 <= r <= 4 rows x [r, n]: sums[j] = the sum of lossExp(x[j*n+i] - shift[j]) over i < n but
// skip[j], in lossExpSumGo's order. It reports slow if some argument, a skipped one included,
// is below -708 or NaN: those need lossExpTiny, and then sums is not valid. The caller checks
// the bounds.
//
//go:noescape
func lossExpRowsKernel(x *float64, n, r int, shift *[4]float64, skip *[4]int, sums *[4]float64) (slow bool)

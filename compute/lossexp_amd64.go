//go:build amd64 && !purego

package compute

import "golang.org/x/sys/cpu"

// haveLossKernel reports whether lossExpSumKernel may run: it needs AVX2 and FMA (read-only
// after package initialisation).
var haveLossKernel = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// lossExpSumKernel is lossExpSum in AVX2 and FMA assembly (lossexp_amd64.s) for n >= 1: the sum
// of lossExp(x[i] - shift) over i < n but skip, in lossExpSumGo's order. It reports slow if
// some x[i] - shift, the skipped one included, is below -708 or NaN: those need lossExpTiny, and then sum is not valid.
// The caller checks the bounds.
//
//go:noescape
func lossExpSumKernel(x *float64, n int, shift float64, skip int) (sum float64, slow bool)

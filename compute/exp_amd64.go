//go:build amd64 && !purego

package compute

import (
	"math"

	"golang.org/x/sys/cpu"
)

// haveExpKernel reports whether expShiftedSumKernel may run: it needs AVX2, which
// golang.org/x/sys/cpu reports only when both the CPU has it and the OS saves the YMM
// registers (CPUID and XGETBV, which a hand-written stub would have to repeat). Read-only
// after package initialisation.
var haveExpKernel = cpu.X86.HasAVX2

// expShiftedSumKernel is expShiftedSum in AVX2 assembly (exp_amd64.s), 4 lanes at a time, for
// len(dst) == len(src) and dst not overlapping src. It reports slow if some src[i] - shift is
// below -708 or NaN: those lanes need expNonPosTiny, and then dst and sum are not valid.
//
//go:noescape
func expShiftedSumKernel(dst, src []float64, shift float64) (sum float64, slow bool)

// expTailMasks[3-r : 7-r] is the lane mask of the first r of 4 lanes (read-only).
var expTailMasks = [7]int64{-1, -1, -1, 0, 0, 0, 0}

// expShiftedSums4Kernel is expShiftedSums for four rows in AVX2 assembly (group_amd64.s), lane
// j = row j: x and dst are [4, V] row-major, dst is set to the exponentials and sums[j] to row
// j's sum. It reports slow if some x[j*V+i] - shift[j] is below -708 or NaN: then dst and sums
// are not valid. The caller checks the bounds.
//
//go:noescape
func expShiftedSums4Kernel(dst, x *float64, V int, shift, sums *[4]float64) (slow bool)

// expConsts4 are the constants of the kernels' exponentials (exp_amd64.h, lossexp_amd64.s),
// taken from expNonPos's so that they are the same float64 values, each in 4 lanes so that the
// kernels read them as memory operands: invLn2N, roundBiased, ln2NHi, ln2NLo, 1/120, 1/24,
// 1/6, 0.5, -708 as float64 bits, then the integers N-1 and 4 in every lane, and last the
// lanes' indices 0, 1, 2, 3 (read-only). Each entry takes 32 bytes: the indices are at 352.
var expConsts4 = func() (c [12 * 4]uint64) {
	for i, v := range [11]uint64{
		math.Float64bits(expInvLn2N), math.Float64bits(expRoundBiased),
		math.Float64bits(expLn2NHi), math.Float64bits(expLn2NLo),
		math.Float64bits(1.0 / 120), math.Float64bits(1.0 / 24), math.Float64bits(1.0 / 6), math.Float64bits(0.5),
		math.Float64bits(expSlowBelow),
		expN - 1, 4,
	} {
		c[4*i], c[4*i+1], c[4*i+2], c[4*i+3] = v, v, v, v
	}
	c[44], c[45], c[46], c[47] = 0, 1, 2, 3
	return c
}()

// attnKernel is attn4's AVX2 kernel (group_amd64.s): AttnForward for 4 inputs of n = 2,
// scores s and attention a laid out [position 0, 1, EOS][input]. It reports slow if some
// exponential needs expNonPosTiny: then a is not valid.
//
//go:noescape
func attnKernel(a, s *[12]float64) (slow bool)

// top2Kernel is top2Rows in AVX2 assembly (group_amd64.s), for V >= 1. The caller checks the
// bounds.
//
//go:noescape
func top2Kernel(x *float64, V int, im *[4]int, top, second *[4]float64)

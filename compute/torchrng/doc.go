// Package torchrng reproduces, bit for bit, the float32 values that PyTorch's
// CPU generator gives after torch.manual_seed(seed) followed by
// tensor.normal_(0, std) on contiguous float32 tensors, as used to initialise
// the TransformerLens weights (docs/math.md, "Initial weights", describes the
// draws; the tests check this port against torch 1.13 itself).
//
// It mirrors these PyTorch sources (checked against torch 1.13):
// at::mt19937 (ATen/core/MT19937RNGEngine.h), CPUGeneratorImpl::random and
// random64, at::uniform_real_distribution and at::normal_distribution<double>
// (ATen/core/DistributionsHelper.h, TransformationHelper.h), normal_kernel,
// normal_fill_AVX2 and normal_fill_16_AVX2 (ATen/native/cpu/DistributionTemplates.h)
// and log256_ps / sincos256_ps (ATen/native/cpu/avx_mathfun.h), including the
// fused multiply-adds that x86 builds of torch compile them with.
//
// What it does not do:
//   - The non-AVX2 kernel (ATEN_CPU_CAPABILITY=default, ARM builds), which
//     calls the C library's logf/cosf/sinf: its values differ from these.
//   - Any mean other than 0, other dtypes (double, half, bfloat16),
//     non-contiguous tensors, CUDA generators, or other distributions.
//   - The double path for tensors under 16 values calls Go's math.Log, Sin
//     and Cos (their amd64 results on every CPU: mathfn.go) where torch calls
//     glibc's; the float32 results agree except in
//     rare cases where the double result sits within a few float64 ulps of a
//     float32 rounding boundary (see NormalStd64). Tensors of 16 values or
//     more are exact: they use only float32 arithmetic reproduced here.
package torchrng

package torchrng

import (
	"fmt"
	"math"
)

// Normal fills a new contiguous float32 tensor of n values the way
// tensor.normal_(0, std) does on PyTorch's CPU (AVX2 kernel) with this
// generator, and advances the generator exactly as torch does.
//
// std is the value torch receives as a double; Normal(n, std) equals
// NormalStd64(n, float64(std)). For n >= 16 torch rounds std to float32
// anyway; for n < 16 it uses the double, so a caller reproducing Python code
// whose std is not a float32 value (0.8/sqrt(d), say) on such small tensors
// should call NormalStd64 with the Python float.
//
// It returns an error for n < 0 and for std < 0 or NaN (torch's
// "normal expects std >= 0.0").
func (g *MT19937) Normal(n int, std float32) ([]float32, error) {
	return g.NormalStd64(n, float64(std))
}

// NormalStd64 is Normal with the standard deviation given as the double that
// torch's normal_(mean, std) receives. It mirrors
// at::native::templates::cpu::normal_kernel with mean 0:
//   - n >= 16: normal_fill_AVX2 with float32(std) (see normalFillAVX2);
//   - 0 < n < 16: the serial path, at::normal_distribution<double>(0, std)
//     per value, cast to float32 (see normalDouble);
//   - n == 0: no draw.
//
// The n < 16 path calls Go's math.Log, Sin and Cos (as amd64 computes them, on
// every CPU: logGo, sinGo, cosGo) where torch calls glibc's;
// they differ in the last float64 bit now and then, which could change a
// float32 value only with a probability of about 1e-9 per value (see the
// package doc). Against torch 1.13, 661,353 such values agreed bit for bit.
func (g *MT19937) NormalStd64(n int, std float64) ([]float32, error) {
	if n < 0 {
		return nil, fmt.Errorf("torchrng: negative tensor size %d", n)
	}
	if !(std >= 0) { // CHECK_NORMAL_STD
		return nil, fmt.Errorf("torchrng: normal expects std >= 0.0, but found std %v", std)
	}
	out := make([]float32, n)
	if n >= 16 {
		g.normalFillAVX2(out, float32(std))
	} else {
		for i := range out {
			out[i] = float32(g.normalDouble(std))
		}
	}
	return out, nil
}

// normalFillAVX2 mirrors normal_fill_AVX2 (ATen/native/cpu/DistributionTemplates.h)
// with mean 0, for len(data) >= 16.
func (g *MT19937) normalFillAVX2(data []float32, std float32) {
	size := len(data)
	// All the uniforms first.
	for i := range data {
		data[i] = g.uniformFloat32()
	}
	// Then each full block of 16 in place.
	for i := 0; i < size-15; i += 16 {
		normalFill16AVX2(data[i:i+16], std)
	}
	if size%16 != 0 {
		// Recompute the last 16 values from 16 fresh uniforms.
		tail := data[size-16:]
		for i := range tail {
			tail[i] = g.uniformFloat32()
		}
		normalFill16AVX2(tail, std)
	}
}

// twoPi32 is _mm256_set1_ps(2.0f * c10::pi<double>): 2*pi in double, rounded to float32.
var twoPi32 = float32(2 * math.Pi)

// normalFill16AVX2 mirrors normal_fill_16_AVX2 with mean 0 on d[0:16]: Box-Muller
// on the lanes (d[j], d[j+8]), j = 0..7.
func normalFill16AVX2(d []float32, std float32) {
	const mean float32 = 0
	_ = d[15]
	for j := 0; j < 8; j++ {
		u1 := 1 - d[j] // _mm256_sub_ps(one, data): exact, in (0, 1]
		u2 := d[j+8]
		// radius = _mm256_sqrt_ps(_mm256_mul_ps(minus_two, log256_ps(u1))).
		// The float64 square root rounded to float32 is the correctly rounded
		// float32 square root (53 >= 2*24+2), like vsqrtps.
		radius := float32(math.Sqrt(float64(float32(-2 * log256(u1)))))
		theta := float32(twoPi32 * u2) // _mm256_mul_ps(two_pi, u2)
		sin, cos := sincos256(theta)
		n1 := float32(radius * cos)
		n2 := float32(radius * sin)
		// _mm256_fmadd_ps(n, std_v, mean): with mean +0 this is the rounded
		// product, except that a -0 product becomes +0.
		d[j] = fma32(n1, std, mean)
		d[j+8] = fma32(n2, std, mean)
	}
}

// normalDouble mirrors one call of at::normal_distribution<double>(0, std)
// (ATen/core/DistributionsHelper.h) on the CPU generator: Box-Muller on two
// 53-bit uniforms, returning r*cos(theta) and caching r*sin(theta) in the
// generator for the next call (maybe_set_next_double_normal_sample).
//
// torch 1.13 computes r = sqrt(-2*log(1-u2)); later versions use
// log1p(-u2). 1-u2 is exact, so both are the same real number. torch calls
// the C library (glibc) for log/log1p, sin and cos; this calls Go's math
// package, whose results differ from glibc 2.36's in the last float64 bit
// for roughly 7% (log), 23% (sin) and 27% (cos) of such inputs. The float32
// result can only change when the double product lies within about an ulp
// of a float32 rounding boundary, roughly 1e-9 per value: none of 661,353
// values from tensors under 16 values differed from torch 1.13 in a check
// over 3,000 random seeds.
func (g *MT19937) normalDouble(std float64) float64 {
	const mean = 0.0
	if g.hasNextNormal { // maybe_get_next_double_normal_sample
		ret := g.nextNormal
		g.hasNextNormal = false
		// transformation::normal: val*std + mean. With mean 0, fused (as an
		// FMA-contracting compiler may emit it) or not, the result is the
		// same: the rounded product, a -0 product becoming +0. (Written
		// unfused all the same, which TestNoFusedMultiplyAdds checks.)
		return float64(ret*std) + mean
	}
	u1 := g.uniformFloat64()
	u2 := g.uniformFloat64()
	r := math.Sqrt(-2 * logGo(1-u2))
	// static_cast<T>(2.0) * c10::pi<T> * u1: 2*pi is exact in float64 (Go's
	// constant 2*math.Pi rounds to twice the float64 pi), then one rounding.
	theta := 2 * math.Pi * u1
	g.nextNormal = float64(r * sinGo(theta))
	g.hasNextNormal = true
	ret := float64(r * cosGo(theta))
	return float64(ret*std) + mean // transformation::normal
}

// TransformerLensInit seeds one generator with seed (torch.manual_seed) and
// draws Normal(size, std) for each size in order, as TransformerLens 1.12.1
// initialises its weights: for the max-of-2 model the sizes are W_E (V+1)*d,
// W_pos 3*d, W_Q, W_K, W_V, W_O d*h each, W_U d*V, and std is
// float32(0.8/sqrt(d)) (docs/math.md, "Initial weights"). A size under 16 takes
// torch's double path with float64(std), not the Python double 0.8/sqrt(d);
// see Normal.
func TransformerLensInit(seed uint64, sizes []int, std float32) ([][]float32, error) {
	g := NewMT19937(seed)
	out := make([][]float32, len(sizes))
	for i, n := range sizes {
		w, err := g.Normal(n, std)
		if err != nil {
			return nil, fmt.Errorf("torchrng: tensor %d: %w", i, err)
		}
		out[i] = w
	}
	return out, nil
}

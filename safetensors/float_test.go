package safetensors

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestDecodeF16(t *testing.T) {
	for _, tc := range []struct {
		bits uint16
		want float64
	}{
		{0x0000, 0},
		{0x3c00, 1},
		{0xc000, -2},
		{0x3555, 0.333251953125},
		{0x7bff, 65504},                 // largest finite
		{0x0400, 6.103515625e-05},       // smallest normal, 2^-14
		{0x03ff, 6.097555160522461e-05}, // largest subnormal
		{0x0001, 5.960464477539063e-08}, // smallest subnormal, 2^-24
		{0x8001, -5.960464477539063e-08},
		{0x7c00, math.Inf(1)},
		{0xfc00, math.Inf(-1)},
	} {
		got := decodeFloat(uint64(tc.bits), f16Exp, f16Mant)
		if got != tc.want {
			t.Errorf("F16 %#04x = %v, want %v", tc.bits, got, tc.want)
		}
		if back := encodeFloat(got, f16Exp, f16Mant); back != uint64(tc.bits) {
			t.Errorf("F16 %#04x encodes back to %#04x", tc.bits, back)
		}
	}
	if v := decodeFloat(0x8000, f16Exp, f16Mant); v != 0 || !math.Signbit(v) {
		t.Errorf("F16 0x8000 = %v, want -0", v)
	}
	for _, b := range []uint16{0x7e00, 0x7c01, 0xfe00, 0x7fff} {
		v := decodeFloat(uint64(b), f16Exp, f16Mant)
		if !math.IsNaN(v) {
			t.Errorf("F16 %#04x = %v, want NaN", b, v)
		}
		if back := encodeFloat(v, f16Exp, f16Mant); back != uint64(b) {
			t.Errorf("F16 NaN %#04x encodes back to %#04x", b, back)
		}
	}
}

func TestDecodeBF16(t *testing.T) {
	for _, tc := range []struct {
		bits uint16
		want float64
	}{
		{0x3f80, 1},
		{0xc000, -2},
		{0x4049, 3.140625},
		{0x3eab, 0.333984375},
		{0x7f7f, 3.3895313892515355e+38}, // largest finite
		{0x0080, 1.1754943508222875e-38}, // smallest normal, 2^-126
		{0x0001, 9.183549615799121e-41},  // smallest subnormal, 2^-133
		{0x7f80, math.Inf(1)},
		{0xff80, math.Inf(-1)},
	} {
		got := decodeFloat(uint64(tc.bits), bf16Exp, bf16Mant)
		if got != tc.want {
			t.Errorf("BF16 %#04x = %v, want %v", tc.bits, got, tc.want)
		}
		if back := encodeFloat(got, bf16Exp, bf16Mant); back != uint64(tc.bits) {
			t.Errorf("BF16 %#04x encodes back to %#04x", tc.bits, back)
		}
	}
	if v := decodeFloat(0x7fc0, bf16Exp, bf16Mant); !math.IsNaN(v) {
		t.Errorf("BF16 0x7fc0 = %v, want NaN", v)
	}
}

func TestEncodeRounding(t *testing.T) {
	for _, tc := range []struct {
		x        float64
		exp, man uint
		want     uint64
	}{
		{1.0 / 3, f16Exp, f16Mant, 0x3555},
		{1.0 / 3, bf16Exp, bf16Mant, 0x3eab},
		{65504, f16Exp, f16Mant, 0x7bff},
		{65519.99, f16Exp, f16Mant, 0x7bff},      // below the midpoint to infinity
		{65520, f16Exp, f16Mant, 0x7c00},         // the midpoint rounds to even: infinity
		{-1e300, f16Exp, f16Mant, 0xfc00},        // overflow
		{math.Ldexp(1, -25), f16Exp, f16Mant, 0}, // half the smallest subnormal: tie to even 0
		{math.Ldexp(1.0000001, -25), f16Exp, f16Mant, 1},
		{math.Ldexp(3, -25), f16Exp, f16Mant, 2},           // 1.5 subnormal ulps: tie to even 2
		{math.Ldexp(1023.5, -24), f16Exp, f16Mant, 0x0400}, // rounds up into the normals
		{math.Ldexp(1, -30), f16Exp, f16Mant, 0},
		{-math.Ldexp(1, -1074), f16Exp, f16Mant, 0x8000}, // float64 subnormal
		// 1 + 2^-11 + 2^-40 rounds up to 1 + 2^-10 in F16; through float32
		// it would first become 1 + 2^-11, a tie, and round down to 1.
		{1 + math.Ldexp(1, -11) + math.Ldexp(1, -40), f16Exp, f16Mant, 0x3c01},
		{1 + math.Ldexp(1, -11), f16Exp, f16Mant, 0x3c00},
		{1 + 3*math.Ldexp(1, -11), f16Exp, f16Mant, 0x3c02},
		{1 + math.Ldexp(1, -8), bf16Exp, bf16Mant, 0x3f80},
		{1 + 3*math.Ldexp(1, -8), bf16Exp, bf16Mant, 0x3f82},
		{math.MaxFloat32 + math.Ldexp(1, 103) - math.Ldexp(1, 80), f32Exp, f32Mant, 0x7f7fffff},
		{math.MaxFloat32 + math.Ldexp(1, 103), f32Exp, f32Mant, 0x7f800000}, // tie, odd: up
		{math.NaN(), f16Exp, f16Mant, 0x7e00},
		{math.Float64frombits(0x7ff0000000000001), f16Exp, f16Mant, 0x7e00}, // payload lost: quiet NaN
	} {
		if got := encodeFloat(tc.x, tc.exp, tc.man); got != tc.want {
			t.Errorf("encodeFloat(%v, %d, %d) = %#x, want %#x", tc.x, tc.exp, tc.man, got, tc.want)
		}
	}
}

// TestEncodeF32MatchesHardware checks the generic rounding against Go's
// float64 to float32 conversion, which rounds to nearest even.
func TestEncodeF32MatchesHardware(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	check := func(x float64) {
		if math.IsNaN(x) {
			return
		}
		want := uint64(math.Float32bits(float32(x)))
		if got := encodeFloat(x, f32Exp, f32Mant); got != want {
			t.Fatalf("encodeFloat(%v (%#x), F32) = %#x, want %#x", x, math.Float64bits(x), got, want)
		}
	}
	for range 200000 {
		check(math.Float64frombits(r.Uint64()))
		// Values near the float32 range, subnormals and midpoints.
		e := r.IntN(320) - 160
		check(math.Ldexp(1+r.Float64(), e))
		f := math.Float32frombits(r.Uint32())
		check(float64(f) + math.Ldexp(float64(f), -24)) // near a midpoint
		check(float64(f))
	}
}

// TestF16RoundTripAll checks every F16 and BF16 bit pattern decodes and
// encodes back to itself, and that decoding is monotonic.
func TestF16RoundTripAll(t *testing.T) {
	for _, f := range []struct{ exp, man uint }{{f16Exp, f16Mant}, {bf16Exp, bf16Mant}} {
		prev := math.Inf(-1)
		for b := uint64(0); b < 1<<16; b++ {
			v := decodeFloat(b, f.exp, f.man)
			if back := encodeFloat(v, f.exp, f.man); back != b {
				t.Fatalf("(%d,%d) %#x -> %v -> %#x", f.exp, f.man, b, v, back)
			}
			if b < 1<<15 && !math.IsNaN(v) { // positive half, ascending
				if v < prev {
					t.Fatalf("(%d,%d) %#x = %v < previous %v", f.exp, f.man, b, v, prev)
				}
				prev = v
			}
		}
	}
}

// TestF32DecodeMatchesHardware checks decodeFloat for F32 against Go's
// float32 to float64 conversion for non-NaN values.
func TestF32DecodeMatchesHardware(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 200000 {
		b := r.Uint32()
		if r.IntN(4) == 0 {
			b &= 0x807fffff // subnormals
		}
		f := math.Float32frombits(b)
		got := decodeFloat(uint64(b), f32Exp, f32Mant)
		if math.IsNaN(float64(f)) {
			if !math.IsNaN(got) || encodeFloat(got, f32Exp, f32Mant) != uint64(b) {
				t.Fatalf("NaN %#x does not round-trip", b)
			}
			continue
		}
		if math.Float64bits(got) != math.Float64bits(float64(f)) {
			t.Fatalf("decode %#x = %v, want %v", b, got, float64(f))
		}
	}
}

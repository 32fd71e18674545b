package torchrng

// The Mersenne Twister below mirrors at::mt19937 (ATen/core/MT19937RNGEngine.h),
// which PyTorch's CPUGeneratorImpl uses for every CPU random draw.

const (
	mtN       = 624        // MERSENNE_STATE_N
	mtM       = 397        // MERSENNE_STATE_M
	mtMatrixA = 0x9908b0df // MATRIX_A
	mtUMask   = 0x80000000 // UMASK
	mtLMask   = 0x7fffffff // LMASK
)

// MT19937 is PyTorch's CPU generator state: the at::mt19937 engine plus the
// cached second Box-Muller sample that CPUGeneratorImpl keeps for
// at::normal_distribution<double> (next_double_normal_sample_). A zero
// MT19937 is not usable; make one with NewMT19937. A value copy is an
// independent generator in the same state. It is not safe for concurrent use.
type MT19937 struct {
	state [mtN]uint32
	left  int // data_.left_: draws before the next twist, plus one
	next  int // data_.next_: index of the next state word to temper

	// next_double_normal_sample_: set by the double (n < 16) normal path and
	// consumed by its next draw, across tensors, until the generator is reseeded.
	nextNormal    float64
	hasNextNormal bool
}

// NewMT19937 returns the generator that torch.manual_seed(seed) leaves behind:
// CPUGeneratorImpl::set_current_seed clears the cached normal samples and
// builds at::mt19937(seed), whose init_with_uint32 keeps only seed & 0xffffffff
// (the same state as C++ std::mt19937(uint32(seed))).
func NewMT19937(seed uint64) *MT19937 {
	g := &MT19937{}
	// mt19937_engine::init_with_uint32
	g.state[0] = uint32(seed & 0xffffffff)
	for j := 1; j < mtN; j++ {
		prev := g.state[j-1]
		g.state[j] = 1812433253*(prev^(prev>>30)) + uint32(j)
	}
	g.left = 1
	g.next = 0
	return g
}

// twist mirrors mt19937_engine::twist.
func twist(u, v uint32) uint32 {
	mix := (u & mtUMask) | (v & mtLMask) // mix_bits
	t := mix >> 1
	if v&1 != 0 {
		t ^= mtMatrixA
	}
	return t
}

// nextState mirrors mt19937_engine::next_state (regenerates all 624 words).
func (g *MT19937) nextState() {
	s := &g.state
	g.left = mtN
	g.next = 0
	k := 0
	for ; k < mtN-mtM; k++ {
		s[k] = s[k+mtM] ^ twist(s[k], s[k+1])
	}
	for ; k < mtN-1; k++ {
		s[k] = s[k+mtM-mtN] ^ twist(s[k], s[k+1])
	}
	s[mtN-1] = s[mtM-1] ^ twist(s[mtN-1], s[0])
}

// Uint32 returns the next 32-bit output (mt19937_engine::operator(), which
// CPUGeneratorImpl::random() returns unchanged). The sequence equals C++
// std::mt19937's: from seed 5489 the first output is 3499211612.
func (g *MT19937) Uint32() uint32 {
	g.left--
	if g.left == 0 {
		g.nextState()
	}
	y := g.state[g.next]
	g.next++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}

// random64 mirrors CPUGeneratorImpl::random64: two draws, the first one in
// the high half (detail::make64BitsFrom32Bits(hi, lo)).
func (g *MT19937) random64() uint64 {
	hi := g.Uint32()
	lo := g.Uint32()
	return uint64(hi)<<32 | uint64(lo)
}

// uniformFloat32 mirrors at::uniform_real_distribution<float>(0, 1):
// transformation::uniform_real keeps the low 24 bits (digits of float) of one
// 32-bit draw and scales by 2^-24, so the value is exact, in [0, 1).
func (g *MT19937) uniformFloat32() float32 {
	return float32(g.Uint32()&(1<<24-1)) * (1.0 / (1 << 24))
}

// uniformFloat64 mirrors at::uniform_real_distribution<double>(0, 1): the low
// 53 bits of random64() scaled by 2^-53, exact, in [0, 1).
func (g *MT19937) uniformFloat64() float64 {
	return float64(float64(g.random64()&(1<<53-1)) * (1.0 / (1 << 53))) // exact; never fused into 1-u
}

package compute

import (
	"fmt"
	"math"

	"maxgrok/compute/torchrng"
)

// InitParams returns the seeded initial weights of c, drawn exactly as PyTorch (x86, AVX2) and
// TransformerLens 1.12.1 draw them (docs/math.md, "Initial weights"): torch.manual_seed(model_seed), then
// normal_(0, 0.8/sqrt(d_model)) for each weight in Dims.Tensors order. Biases start at zero.
func InitParams(c Config) (*Params, error) {
	m := DimsOf(c)
	p := NewParams(m)
	var sizes []int
	for _, t := range m.Tensors() {
		if !t.Bias {
			sizes = append(sizes, t.Size())
		}
	}
	std := float32(0.8 / math.Sqrt(float64(c.DModel)))
	ws, err := torchrng.TransformerLensInit(c.ModelSeed, sizes, std)
	if err != nil {
		return nil, fmt.Errorf("initial weights: %w", err)
	}
	for i, w := range ws {
		dst := p.Tensor(i)
		for j, v := range w {
			dst[j] = float64(v)
		}
	}
	return p, nil
}

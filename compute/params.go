package compute

import "math"

// Shape letters used throughout this package:
//
//	V = vocab (data tokens 0..V-1; EOS is token V)
//	n = seq_len (data positions; EOS sits at position n)
//	d = d_model, h = d_head, B = batch size

// Dims are a model's sizes.
type Dims struct {
	V, N, D, H int
}

// DimsOf returns the model sizes of a config.
func DimsOf(c Config) Dims { return Dims{V: c.Vocab, N: c.SeqLen, D: c.DModel, H: c.DHead} }

// TensorSpec names one parameter tensor as TransformerLens does and gives its shape.
type TensorSpec struct {
	Name  string
	Shape []int
	Bias  bool // a bias: frozen at zero unless include_biases
}

// Size is the number of values in the tensor.
func (t TensorSpec) Size() int {
	n := 1
	for _, s := range t.Shape {
		n *= s
	}
	return n
}

// Tensors lists the parameters in TransformerLens's named_parameters order: the weights first
// (the order the seeded init draws them in), then the biases. This one list fixes the flat
// layout of Params, gradients and optimizer moments, the checkpoint names and the l2 norm.
func (m Dims) Tensors() []TensorSpec {
	V, n, d, h := m.V, m.N, m.D, m.H
	return []TensorSpec{
		{Name: "embed.W_E", Shape: []int{V + 1, d}},
		{Name: "pos_embed.W_pos", Shape: []int{n + 1, d}},
		{Name: "blocks.0.attn.W_Q", Shape: []int{1, d, h}},
		{Name: "blocks.0.attn.W_K", Shape: []int{1, d, h}},
		{Name: "blocks.0.attn.W_V", Shape: []int{1, d, h}},
		{Name: "blocks.0.attn.W_O", Shape: []int{1, h, d}},
		{Name: "unembed.W_U", Shape: []int{d, V}},
		{Name: "blocks.0.attn.b_Q", Shape: []int{1, h}, Bias: true},
		{Name: "blocks.0.attn.b_K", Shape: []int{1, h}, Bias: true},
		{Name: "blocks.0.attn.b_V", Shape: []int{1, h}, Bias: true},
		{Name: "blocks.0.attn.b_O", Shape: []int{d}, Bias: true},
		{Name: "unembed.b_U", Shape: []int{V}, Bias: true},
	}
}

// NumParams is the total number of values in all tensors, biases included.
func (m Dims) NumParams() int {
	n := 0
	for _, t := range m.Tensors() {
		n += t.Size()
	}
	return n
}

// NumWeights is the number of values in the weight tensors (the biases follow them in Data).
func (m Dims) NumWeights() int {
	n := 0
	for _, t := range m.Tensors() {
		if !t.Bias {
			n += t.Size()
		}
	}
	return n
}

// Params holds every parameter in one flat slice, Data, with a named view per tensor (row-major).
// Gradients and the optimizer moments use the same type, so an update is one loop over Data.
type Params struct {
	Dims
	Data     []float64
	nWeights int // the weights come first in Data, then the biases

	WE   []float64 // [V+1, d] token embedding; row V is EOS
	WPos []float64 // [n+1, d] position embedding; row n is EOS's position
	WQ   []float64 // [d, h]
	WK   []float64 // [d, h]
	WV   []float64 // [d, h]
	WO   []float64 // [h, d]
	WU   []float64 // [d, V] unembedding (EOS is never predicted)
	BQ   []float64 // [h]
	BK   []float64 // [h]
	BV   []float64 // [h]
	BO   []float64 // [d]
	BU   []float64 // [V]
}

// NewParams returns zeroed parameters of the given sizes.
func NewParams(m Dims) *Params {
	p := &Params{Dims: m, Data: make([]float64, m.NumParams()), nWeights: m.NumWeights()}
	views := []*[]float64{&p.WE, &p.WPos, &p.WQ, &p.WK, &p.WV, &p.WO, &p.WU, &p.BQ, &p.BK, &p.BV, &p.BO, &p.BU}
	off := 0
	for i, t := range m.Tensors() {
		*views[i] = p.Data[off : off+t.Size() : off+t.Size()]
		off += t.Size()
	}
	return p
}

// Tensor returns the view of the i-th tensor of Dims.Tensors.
func (p *Params) Tensor(i int) []float64 {
	return [][]float64{p.WE, p.WPos, p.WQ, p.WK, p.WV, p.WO, p.WU, p.BQ, p.BK, p.BV, p.BO, p.BU}[i]
}

// Clone returns a deep copy.
func (p *Params) Clone() *Params {
	q := NewParams(p.Dims)
	copy(q.Data, p.Data)
	return q
}

// Zero sets every value to 0.
func (p *Params) Zero() { clear(p.Data) }

// L2Norm is sqrt of the sum of squares of every parameter, biases included.
func (p *Params) L2Norm() float64 {
	s := 0.0
	for _, x := range p.Data {
		s += float64(x * x) // not fused into a multiply-add, whatever the compiler's settings
	}
	return math.Sqrt(s)
}

// Finite reports whether every parameter is finite, and the first tensor that is not.
func (p *Params) Finite() (bool, string) {
	if allFinite(p.Data) {
		return true, ""
	}
	off := 0
	for _, t := range p.Dims.Tensors() {
		for _, x := range p.Data[off : off+t.Size()] {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return false, t.Name
			}
		}
		off += t.Size()
	}
	return true, ""
}

// allFinite reports whether no x[i] is NaN or infinite (Finite runs after every training
// step): on amd64 with AVX2 in one kernel, else allFiniteGo.
func allFinite(x []float64) bool {
	if havePass2Kernel && len(x) > 0 {
		return allFiniteKernel(&x[0], len(x))
	}
	return allFiniteGo(x)
}

// allFiniteGo is allFinite's portable form: x - x is +0 for a finite x and NaN otherwise, and a
// NaN stays NaN through the sums, four of them so that the additions do not wait for each
// other.
func allFiniteGo(x []float64) bool {
	var s0, s1, s2, s3 float64
	for ; len(x) >= 4; x = x[4:] {
		q := x[:4:4]
		s0 += q[0] - q[0]
		s1 += q[1] - q[1]
		s2 += q[2] - q[2]
		s3 += q[3] - q[3]
	}
	for _, v := range x {
		s0 += v - v
	}
	return (s0+s1)+(s2+s3) == 0
}

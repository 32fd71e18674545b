package compute

import (
	"fmt"
	"math"
	"slices"
)

// TensorSource is a checkpoint file's named tensors, whatever its format (a *safetensors.File
// is one): Shape returns the shape of the tensor called name (ok false if there is none), and
// Float64s its values, row-major, converted to float64, and its shape.
type TensorSource interface {
	Shape(name string) (shape []int, ok bool)
	Float64s(name string) ([]float64, []int, error)
}

// ParamsFrom reads the parameters of sizes m from a checkpoint's tensors. Every weight must be
// present with its exact shape (biases may be absent: zero; a bias may also come without its
// head dimension); other tensors (such as TransformerLens's attention mask buffers) are
// ignored; every value must be finite. Errors name the tensor, the shape found and the shape
// expected. The values of a tensor are read only once its shape is known to be right.
func ParamsFrom(src TensorSource, m Dims) (*Params, error) {
	p := NewParams(m)
	for i, s := range m.Tensors() {
		shape, ok := src.Shape(s.Name)
		if !ok {
			if s.Bias {
				continue // missing biases mean zero
			}
			return nil, fmt.Errorf("missing tensor %q (expected shape %v)", s.Name, s.Shape)
		}
		if !slices.Equal(shape, s.Shape) && !(s.Bias && len(s.Shape) == 2 && slices.Equal(shape, s.Shape[1:])) {
			return nil, fmt.Errorf("tensor %q: shape %v, expected %v", s.Name, shape, s.Shape)
		}
		vals, _, err := src.Float64s(s.Name) // errors name the tensor
		if err != nil {
			return nil, err
		}
		if len(vals) != s.Size() {
			return nil, fmt.Errorf("tensor %q: %d values, expected %d", s.Name, len(vals), s.Size())
		}
		for j, v := range vals {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("tensor %q: value %d is %v (expected finite numbers)", s.Name, j, v)
			}
		}
		copy(p.Tensor(i), vals)
	}
	return p, nil
}

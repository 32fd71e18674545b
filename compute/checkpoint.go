package compute

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strconv"

	"maxgrok/compute/safetensors"
)

// WriteCheckpoint writes p to path as safetensors, atomically, with TransformerLens names, every
// tensor (biases included) as F64 so that a checkpoint reloads bit for bit, and the epoch in
// __metadata__.
func WriteCheckpoint(path string, p *Params, epoch int) error {
	specs := p.Dims.Tensors()
	tensors := make([]safetensors.Tensor, len(specs))
	for i, s := range specs {
		tensors[i] = safetensors.Tensor{Name: s.Name, DType: safetensors.F64, Shape: s.Shape, F64: p.Tensor(i)}
	}
	var b bytes.Buffer
	if err := safetensors.Write(&b, tensors, map[string]string{"epoch": strconv.Itoa(epoch)}); err != nil {
		return err
	}
	// A rename without fsync: an interrupted process leaves the old file or the new one; a run
	// pays for 301 checkpoints, and fsyncs would cost seconds.
	return WriteFileAtomic(path, b.Bytes())
}

// ParamsFromFile reads the parameters of sizes m from a parsed checkpoint. Every weight must be
// present with its exact shape (biases may be absent: zero); other tensors in the file (such as
// TransformerLens's attention mask buffers) are ignored; every value must be finite. Errors
// name the tensor, the shape found and the shape expected.
func ParamsFromFile(f *safetensors.File, m Dims) (*Params, error) {
	p := NewParams(m)
	for i, s := range m.Tensors() {
		info, ok := f.Info(s.Name)
		if !ok {
			if s.Bias {
				continue // missing biases mean zero
			}
			return nil, fmt.Errorf("missing tensor %q (expected shape %v)", s.Name, s.Shape)
		}
		if !slices.Equal(info.Shape, s.Shape) {
			// A bias may also come without its head dimension.
			if !(s.Bias && len(s.Shape) == 2 && slices.Equal(info.Shape, s.Shape[1:])) {
				return nil, fmt.Errorf("tensor %q: shape %v, expected %v", s.Name, info.Shape, s.Shape)
			}
		}
		vals, _, err := f.Float64s(s.Name)
		if err != nil {
			return nil, err
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

// ReadCheckpoint reads a checkpoint of sizes m from path, and the epoch from its metadata (-1
// if absent). Errors name the file.
func ReadCheckpoint(path string, m Dims) (*Params, int, error) {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, 0, err
	}
	p, err := ParamsFromFile(f, m)
	if err != nil {
		return nil, 0, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	epoch := -1
	if s, ok := f.Metadata["epoch"]; ok {
		if epoch, err = strconv.Atoi(s); err != nil || epoch < 0 {
			return nil, 0, fmt.Errorf("checkpoint %s: __metadata__ epoch %q: expected a non-negative integer", path, s)
		}
	}
	return p, epoch, nil
}

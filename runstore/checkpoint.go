package runstore

import (
	"fmt"
	"strconv"

	"maxgrok/compute"
	"maxgrok/internal/atomicfile"
	"maxgrok/internal/inputfile"
	"maxgrok/safetensors"
)

// WriteCheckpoint writes p to path as safetensors, atomically, with TransformerLens names, every
// tensor (biases included) as F64 so that a checkpoint reloads bit for bit, and the epoch in
// __metadata__.
func WriteCheckpoint(path string, p *compute.Params, epoch int) error {
	buf, err := encodeCheckpoint(nil, p, epoch)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, buf)
}

// encodeCheckpoint encodes WriteCheckpoint's file into buf (whose contents it replaces), and
// returns the buffer, so that a caller writing many checkpoints reuses one.
func encodeCheckpoint(buf []byte, p *compute.Params, epoch int) ([]byte, error) {
	specs := p.Dims.Tensors()
	tensors := make([]safetensors.Tensor, len(specs))
	for i, s := range specs {
		tensors[i] = safetensors.Tensor{Name: s.Name, DType: safetensors.F64, Shape: s.Shape, F64: p.Tensor(i)}
	}
	return safetensors.Append(buf[:0], tensors, map[string]string{"epoch": strconv.Itoa(epoch)})
}

// readSafetensors reads the regular file path as safetensors; memory use stays within the
// file's size.
func readSafetensors(path string) (*safetensors.File, error) {
	fd, st, err := inputfile.Open(path)
	if err != nil {
		return nil, err
	}
	defer fd.Close()
	if st.Size() > MaxCheckpointBytes {
		return nil, fmt.Errorf("%s: %d bytes, the limit for a checkpoint is %d", path, st.Size(), int64(MaxCheckpointBytes))
	}
	return safetensors.ReadNamed(fd, st.Size(), path)
}

// ReadCheckpoint reads a safetensors checkpoint of sizes m from path, and the epoch from its
// metadata (-1 if absent). Errors name the file.
func ReadCheckpoint(path string, m compute.Dims) (*compute.Params, int, error) {
	f, err := readSafetensors(path)
	if err != nil {
		return nil, 0, err
	}
	p, err := compute.ParamsFrom(f, m)
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

package runstore

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"

	"maxgrok/compute"
	"maxgrok/safetensors"
)

// MaxExportBytes bounds data/analyses.safetensors (a web host refuses files over 100 MB; this
// leaves room for a local report of a large run).
const MaxExportBytes = 1 << 30

// EncodeAnalyses returns data/analyses.safetensors (docs/formats.md) for the analyses of every
// checkpoint, in the order given: "epoch" [T] as I64 and every analysis of compute.Analyses
// stacked over the T checkpoints as float32. It refuses analyses whose slices do not have the
// sizes dims gives, and any value that is NaN or infinite in float32 (the error names the
// tensor and the epoch).
func EncodeAnalyses(as []*compute.Analysis, dims compute.Dims) ([]byte, error) {
	T := len(as)
	epochs := make([]int64, T)
	for i, a := range as {
		epochs[i] = int64(a.Epoch)
	}
	tensors := []safetensors.Tensor{{Name: "epoch", DType: safetensors.I64, Shape: []int{T}, I64: epochs}}
	for i := range compute.Analyses {
		spec := &compute.Analyses[i]
		shape := spec.Extent.Shape(dims)
		size := 1
		for _, s := range shape {
			size *= s
		}
		data := make([]float64, 0, T*size)
		for _, a := range as {
			vals := spec.Values(a)
			if len(vals) != size {
				return nil, fmt.Errorf("analyses: tensor %q at epoch %d: %d values, want %d (shape %v)", spec.Name, a.Epoch, len(vals), size, shape)
			}
			for j, v := range vals {
				if f := float64(float32(v)); math.IsNaN(f) || math.IsInf(f, 0) {
					what := fmt.Sprint(v)
					if !math.IsNaN(v) && !math.IsInf(v, 0) {
						what = fmt.Sprintf("%g, beyond float32's range", v)
					}
					return nil, fmt.Errorf("analyses: tensor %q at epoch %d: value %d is %s (expected finite numbers)", spec.Name, a.Epoch, j, what)
				}
			}
			data = append(data, vals...)
		}
		tensors = append(tensors, safetensors.Tensor{
			Name: spec.Name, DType: safetensors.F32, Shape: append([]int{T}, shape...), F64: data,
		})
	}
	var b bytes.Buffer
	if err := safetensors.Write(&b, tensors, nil); err != nil {
		return nil, fmt.Errorf("analyses: %w", err)
	}
	return b.Bytes(), nil
}

// EstimateExportBytes returns the size in bytes of the data/analyses.safetensors that
// EncodeAnalyses returns for a run of config c (one analysis per checkpoint epoch): the 8-byte
// header length, the JSON header and the data. It is exact for the layout the safetensors
// package writes today (TestEstimateExportBytes checks it), and cheap: nothing is allocated
// per checkpoint.
func EstimateExportBytes(c compute.Config) int64 {
	m := compute.DimsOf(c)
	T := int64(c.NumCheckpoints())
	type entry struct {
		name  string
		dtype string
		shape []int64
		bytes int64
	}
	entries := []entry{{"epoch", "I64", []int64{T}, 8 * T}}
	for i := range compute.Analyses {
		spec := &compute.Analyses[i]
		shape := []int64{T}
		n := T
		for _, s := range spec.Extent.Shape(m) {
			shape = append(shape, int64(s))
			n *= int64(s)
		}
		entries = append(entries, entry{spec.Name, "F32", shape, 4 * n})
	}
	// The safetensors writer lists the tensors by name and lays out the data by element size,
	// largest first, then by name: here "epoch" (I64) first, then the F32 tensors by name.
	slices.SortFunc(entries, func(a, b entry) int { return cmp.Compare(a.name, b.name) })
	begin := make(map[string]int64, len(entries))
	var pos int64
	begin["epoch"] = 0
	pos += 8 * T
	for _, e := range entries {
		if e.name != "epoch" {
			begin[e.name] = pos
			pos += e.bytes
		}
	}
	// {"name":{"dtype":"F32","shape":[T,...],"data_offsets":[b,e]},...} padded to 8 bytes
	hdr := []byte{'{'}
	for i, e := range entries {
		if i > 0 {
			hdr = append(hdr, ',')
		}
		hdr = strconv.AppendQuote(hdr, e.name)
		hdr = append(hdr, `:{"dtype":`...)
		hdr = strconv.AppendQuote(hdr, e.dtype)
		hdr = append(hdr, `,"shape":[`...)
		for j, s := range e.shape {
			if j > 0 {
				hdr = append(hdr, ',')
			}
			hdr = strconv.AppendInt(hdr, s, 10)
		}
		hdr = append(hdr, `],"data_offsets":[`...)
		hdr = strconv.AppendInt(hdr, begin[e.name], 10)
		hdr = append(hdr, ',')
		hdr = strconv.AppendInt(hdr, begin[e.name]+e.bytes, 10)
		hdr = append(hdr, "]}"...)
	}
	hdr = append(hdr, '}')
	hlen := (int64(len(hdr)) + 7) / 8 * 8
	return 8 + hlen + pos
}

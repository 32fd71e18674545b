package runstore

import (
	"cmp"
	"encoding/binary"
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
	// The layout first, then every tensor's float32 bytes written in place: no staging copy.
	tensors := []safetensors.Tensor{{Name: "epoch", DType: safetensors.I64, Shape: []int{T}, I64: epochs}}
	sizes := make([]int, len(compute.Analyses)) // values per checkpoint
	for i := range compute.Analyses {
		spec := &compute.Analyses[i]
		shape := spec.Extent.Shape(dims)
		sizes[i] = 1
		for _, s := range shape {
			sizes[i] *= s
		}
		tensors = append(tensors, safetensors.Tensor{Name: spec.Name, DType: safetensors.F32, Shape: append([]int{T}, shape...)})
	}
	hdr, begin, err := safetensors.Layout(tensors, nil)
	if err != nil {
		return nil, fmt.Errorf("analyses: %w", err)
	}
	dataStart := 8 + len(hdr)
	size := dataStart + 8*T
	for i := range compute.Analyses {
		size = max(size, dataStart+int(begin[i+1])+4*T*sizes[i])
	}
	out := make([]byte, size)
	binary.LittleEndian.PutUint64(out, uint64(len(hdr)))
	copy(out[8:], hdr)
	for i, e := range epochs {
		binary.LittleEndian.PutUint64(out[dataStart+int(begin[0])+8*i:], uint64(e))
	}
	for i := range compute.Analyses {
		spec := &compute.Analyses[i]
		dst := out[dataStart+int(begin[i+1]):][:4*T*sizes[i]]
		for k, a := range as {
			vals := spec.Values(a)
			if len(vals) != sizes[i] {
				return nil, fmt.Errorf("analyses: tensor %q at epoch %d: %d values, want %d (shape %v)", spec.Name, a.Epoch, len(vals), sizes[i], tensors[i+1].Shape[1:])
			}
			row := dst[4*k*sizes[i]:][:4*len(vals)]
			for j, v := range vals {
				bits := math.Float32bits(float32(v)) // as safetensors.Write stores a finite value as F32
				if bits&0x7f800000 == 0x7f800000 {   // all exponent bits set: NaN or ±Inf in float32
					what := fmt.Sprint(v)
					if !math.IsNaN(v) && !math.IsInf(v, 0) {
						what = fmt.Sprintf("%g, beyond float32's range", v)
					}
					return nil, fmt.Errorf("analyses: tensor %q at epoch %d: value %d is %s (expected finite numbers)", spec.Name, a.Epoch, j, what)
				}
				binary.LittleEndian.PutUint32(row[4*j:4*j+4], bits)
			}
		}
	}
	return out, nil
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

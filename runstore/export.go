package runstore

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"io"
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
// stacked over the T checkpoints as float32: the bytes WriteAnalyses writes.
func EncodeAnalyses(as []*compute.Analysis, dims compute.Dims) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(int(exportBytes(len(as), dims)))
	if err := WriteAnalyses(&b, as, dims); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// WriteAnalyses writes data/analyses.safetensors for the analyses as (see EncodeAnalyses) to w,
// a tensor at a time through a small buffer, so that the file (15 MB for the default run)
// never needs to be held in memory. It refuses analyses whose slices do not have the sizes dims
// gives, and any value that is NaN or infinite in float32 (the error names the tensor and the
// epoch); w then holds a prefix of the file, to be discarded.
func WriteAnalyses(w io.Writer, as []*compute.Analysis, dims compute.Dims) error {
	T := len(as)
	epochs := make([]int64, T)
	for i, a := range as {
		epochs[i] = int64(a.Epoch)
	}
	// The layout first, then every tensor's bytes in the order of the data: no staging copy.
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
		return fmt.Errorf("analyses: %w", err)
	}
	order := make([]int, len(tensors)) // the tensors in the order of their data
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(begin[a], begin[b]) })
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(hdr))))
	bw.Write(hdr)
	var row []byte // one checkpoint's values of a tensor
	for _, ti := range order {
		if ti == 0 {
			for _, e := range epochs {
				bw.Write(binary.LittleEndian.AppendUint64(row[:0], uint64(e)))
			}
			continue
		}
		spec := &compute.Analyses[ti-1]
		n := sizes[ti-1]
		row = slices.Grow(row[:0], 4*n)[:4*n]
		for _, a := range as {
			vals := spec.Values(a)
			if len(vals) != n {
				return fmt.Errorf("analyses: tensor %q at epoch %d: %d values, want %d (shape %v)", spec.Name, a.Epoch, len(vals), n, tensors[ti].Shape[1:])
			}
			for j, v := range vals {
				bits := math.Float32bits(float32(v)) // as safetensors.Write stores a finite value as F32
				if bits&0x7f800000 == 0x7f800000 {   // all exponent bits set: NaN or ±Inf in float32
					what := fmt.Sprint(v)
					if !math.IsNaN(v) && !math.IsInf(v, 0) {
						what = fmt.Sprintf("%g, beyond float32's range", v)
					}
					return fmt.Errorf("analyses: tensor %q at epoch %d: value %d is %s (expected finite numbers)", spec.Name, a.Epoch, j, what)
				}
				binary.LittleEndian.PutUint32(row[4*j:4*j+4], bits)
			}
			bw.Write(row)
		}
	}
	return bw.Flush()
}

// EstimateExportBytes returns the size in bytes of the data/analyses.safetensors that
// EncodeAnalyses returns for a run of config c (one analysis per checkpoint epoch): the 8-byte
// header length, the JSON header and the data. It is exact for the layout the safetensors
// package writes today (TestEstimateExportBytes checks it), and cheap: nothing is allocated
// per checkpoint.
func EstimateExportBytes(c compute.Config) int64 {
	return exportBytes(c.NumCheckpoints(), compute.DimsOf(c))
}

// exportBytes is the size of the export of T analyses of sizes m (EstimateExportBytes).
func exportBytes(checkpoints int, m compute.Dims) int64 {
	T := int64(checkpoints)
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

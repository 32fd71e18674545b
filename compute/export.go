package compute

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"

	"maxgrok/compute/safetensors"
)

// analysisTensor describes one tensor of data/analyses.safetensors (SPEC.md section 5): its
// name, the shape of one checkpoint's slice (the file's shape is [T] followed by it) and how to
// read that slice from an Analysis.
type analysisTensor struct {
	name  string
	shape func(m Dims) []int
	get   func(a *Analysis) []float64
}

// analysisTensors lists the float32 tensors of data/analyses.safetensors; the file also holds
// "epoch" [T] (I64). This one list fixes the names, the shapes and the size estimate.
var analysisTensors = []analysisTensor{
	{"qk", func(m Dims) []int { return []int{m.V} }, func(a *Analysis) []float64 { return a.QK }},
	{"ov", func(m Dims) []int { return []int{m.V, m.V} }, func(a *Analysis) []float64 { return a.OV }},
	{"ov_centered", func(m Dims) []int { return []int{m.V, m.V} }, func(a *Analysis) []float64 { return a.OVCentered }},
	{"pos_qk", func(m Dims) []int { return []int{m.N} }, func(a *Analysis) []float64 { return a.PosQK }},
	{"eos_direct", func(m Dims) []int { return []int{m.V} }, func(a *Analysis) []float64 { return a.EOSDirect }},
	{"eos_ov", func(m Dims) []int { return []int{m.V} }, func(a *Analysis) []float64 { return a.EOSOV }},
	{"pos_ov", func(m Dims) []int { return []int{m.N, m.V} }, func(a *Analysis) []float64 { return a.PosOV }},
	{"margin", func(m Dims) []int { return []int{m.V, m.V} }, func(a *Analysis) []float64 { return a.Margin }},
	{"l2_norm", scalarShape, func(a *Analysis) []float64 { return []float64{a.L2Norm} }},
	{"brute_force_acc", scalarShape, func(a *Analysis) []float64 { return []float64{a.BruteForceAcc} }},
	{"cubic_bound", scalarShape, func(a *Analysis) []float64 { return []float64{a.CubicBound} }},
	{"train_loss", scalarShape, func(a *Analysis) []float64 { return []float64{a.TrainLoss} }},
	{"train_acc", scalarShape, func(a *Analysis) []float64 { return []float64{a.TrainAcc} }},
	{"test_loss", scalarShape, func(a *Analysis) []float64 { return []float64{a.TestLoss} }},
	{"test_acc", scalarShape, func(a *Analysis) []float64 { return []float64{a.TestAcc} }},
}

func scalarShape(Dims) []int { return nil }

// WriteAnalyses writes the analyses of every checkpoint, in the order given, to path as
// data/analyses.safetensors (SPEC.md section 5): "epoch" [T] as I64 and every other tensor
// stacked over the T checkpoints as float32. It refuses, writing nothing, analyses whose
// slices do not have the sizes dims gives, and any value that is NaN or infinite in float32
// (the error names the tensor and the epoch). The file is replaced atomically.
func WriteAnalyses(path string, as []*Analysis, dims Dims) error {
	T := len(as)
	epochs := make([]int64, T)
	for i, a := range as {
		epochs[i] = int64(a.Epoch)
	}
	tensors := []safetensors.Tensor{{Name: "epoch", DType: safetensors.I64, Shape: []int{T}, I64: epochs}}
	for _, spec := range analysisTensors {
		shape := spec.shape(dims)
		size := 1
		for _, s := range shape {
			size *= s
		}
		data := make([]float64, 0, T*size)
		for _, a := range as {
			vals := spec.get(a)
			if len(vals) != size {
				return fmt.Errorf("writing analyses %s: tensor %q at epoch %d: %d values, want %d (shape %v)", path, spec.name, a.Epoch, len(vals), size, shape)
			}
			for j, v := range vals {
				if f := float64(float32(v)); math.IsNaN(f) || math.IsInf(f, 0) {
					what := fmt.Sprint(v)
					if !math.IsNaN(v) && !math.IsInf(v, 0) {
						what = fmt.Sprintf("%g, beyond float32's range", v)
					}
					return fmt.Errorf("writing analyses %s: tensor %q at epoch %d: value %d is %s (expected finite numbers)", path, spec.name, a.Epoch, j, what)
				}
			}
			data = append(data, vals...)
		}
		tensors = append(tensors, safetensors.Tensor{
			Name: spec.name, DType: safetensors.F32, Shape: append([]int{T}, shape...), F64: data,
		})
	}
	if err := safetensors.WriteFile(path, tensors, nil); err != nil {
		return fmt.Errorf("writing analyses: %w", err)
	}
	return nil
}

// EstimateExportBytes returns the size in bytes of the data/analyses.safetensors that
// WriteAnalyses writes for a run of config c (one analysis per checkpoint epoch): the 8-byte
// header length, the JSON header and the data. It is exact for the layout the safetensors
// package writes today (TestEstimateExportBytes checks it), and cheap: nothing is allocated
// per checkpoint.
func EstimateExportBytes(c Config) int64 {
	m := DimsOf(c)
	T := int64(c.NumCheckpoints())
	type entry struct {
		name  string
		dtype string
		shape []int64
		bytes int64
	}
	entries := []entry{{"epoch", "I64", []int64{T}, 8 * T}}
	for _, spec := range analysisTensors {
		shape := []int64{T}
		n := T
		for _, s := range spec.shape(m) {
			shape = append(shape, int64(s))
			n *= int64(s)
		}
		entries = append(entries, entry{spec.name, "F32", shape, 4 * n})
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

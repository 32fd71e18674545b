package runstore

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"maxgrok/compute"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"maxgrok/safetensors"
)

// exportNames are the tensors of data/analyses.safetensors (SPEC.md section 5), sorted.
var exportNames = []string{
	"brute_force_acc", "cubic_bound", "eos_direct", "eos_ov", "epoch", "l2_norm", "margin",
	"ov", "ov_centered", "pos_ov", "pos_qk", "qk", "test_acc", "test_loss", "train_acc",
	"train_loss",
}

// noisyParams returns the seeded initial weights of a small config of vocab V, each weight
// plus N(0, noise²).
func noisyParams(rng *rand.Rand, V int, noise float64) (*compute.Params, compute.Config) {
	c := compute.DefaultConfig()
	c.Vocab, c.DModel, c.DHead = V, 8, 8
	c.ForceAdjacent = []int{0, 1}
	c.TrainingRatio = 0.3
	p, err := compute.InitParams(c)
	if err != nil {
		panic(err)
	}
	for i := range p.Data[:p.NumWeights()] {
		p.Data[i] += noise * rng.NormFloat64()
	}
	return p, c
}

// writeAnalyses writes EncodeAnalyses's file to path.
func writeAnalyses(path string, as []*compute.Analysis, dims compute.Dims) error {
	b, err := EncodeAnalyses(as, dims)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// refCheckpoint reads the reference checkpoint of an epoch from compute's testdata.
func refCheckpoint(t testing.TB, epoch int) *compute.Params {
	t.Helper()
	p, _, err := ReadCheckpoint(fmt.Sprintf("../compute/testdata/ref_epoch-%05d.safetensors", epoch), compute.DimsOf(compute.DefaultConfig()))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// designedRun returns analyses of count noisy models of vocab V at epochs 0, 10, 20, ...
func designedRun(t testing.TB, V, count int) ([]*compute.Analysis, compute.Config) {
	t.Helper()
	rng := rand.New(rand.NewPCG(11, uint64(V)))
	var ckpts []*compute.Params
	var epochs []int
	var c compute.Config
	for i := range count {
		var p *compute.Params
		p, c = noisyParams(rng, V, 0.1*float64(i))
		ckpts = append(ckpts, p)
		epochs = append(epochs, 10*i)
	}
	return compute.AnalyzeAll(ckpts, epochs, c, 2), c
}

// TestWriteAnalysesRoundTrip writes analyses and reads them back: exactly the tensors of the
// contract, with their dtypes and shapes, holding the values rounded to float32.
func TestWriteAnalysesRoundTrip(t *testing.T) {
	c := compute.DefaultConfig()
	var ref []*compute.Analysis
	for _, epoch := range []int{0, 1500, 3000} {
		a := compute.Analyze(refCheckpoint(t, epoch), c, compute.TrainMask(c))
		a.Epoch = epoch
		ref = append(ref, a)
	}
	small, cs := designedRun(t, 8, 4)
	for _, tc := range []struct {
		name string
		as   []*compute.Analysis
		dims compute.Dims
	}{
		{"reference", ref, compute.DimsOf(c)},
		{"designed", small, compute.DimsOf(cs)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			V, n, T := tc.dims.V, tc.dims.N, len(tc.as)
			path := filepath.Join(t.TempDir(), "analyses.safetensors")
			if err := writeAnalyses(path, tc.as, tc.dims); err != nil {
				t.Fatal(err)
			}
			f, err := safetensors.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, info := range f.Tensors {
				names = append(names, info.Name)
			}
			if !slices.Equal(names, exportNames) {
				t.Fatalf("tensors %v, want %v", names, exportNames)
			}
			epochs, shape, err := f.Int64s("epoch")
			if err != nil {
				t.Fatal(err)
			}
			if info, _ := f.Info("epoch"); info.DType != safetensors.I64 || !slices.Equal(shape, []int{T}) {
				t.Errorf("epoch: %s %v, want I64 [%d]", info.DType, shape, T)
			}
			for i, a := range tc.as {
				if epochs[i] != int64(a.Epoch) {
					t.Errorf("epoch[%d] = %d, want %d", i, epochs[i], a.Epoch)
				}
			}
			for _, want := range []struct {
				name  string
				shape []int
				get   func(a *compute.Analysis) []float64
			}{
				{"qk", []int{T, V}, func(a *compute.Analysis) []float64 { return a.QK }},
				{"ov", []int{T, V, V}, func(a *compute.Analysis) []float64 { return a.OV }},
				{"ov_centered", []int{T, V, V}, func(a *compute.Analysis) []float64 { return a.OVCentered }},
				{"pos_qk", []int{T, n}, func(a *compute.Analysis) []float64 { return a.PosQK }},
				{"eos_direct", []int{T, V}, func(a *compute.Analysis) []float64 { return a.EOSDirect }},
				{"eos_ov", []int{T, V}, func(a *compute.Analysis) []float64 { return a.EOSOV }},
				{"pos_ov", []int{T, n, V}, func(a *compute.Analysis) []float64 { return a.PosOV }},
				{"margin", []int{T, V, V}, func(a *compute.Analysis) []float64 { return a.Margin }},
				{"l2_norm", []int{T}, func(a *compute.Analysis) []float64 { return []float64{a.L2Norm} }},
				{"brute_force_acc", []int{T}, func(a *compute.Analysis) []float64 { return []float64{a.BruteForceAcc} }},
				{"cubic_bound", []int{T}, func(a *compute.Analysis) []float64 { return []float64{a.CubicBound} }},
				{"train_loss", []int{T}, func(a *compute.Analysis) []float64 { return []float64{a.TrainLoss} }},
				{"train_acc", []int{T}, func(a *compute.Analysis) []float64 { return []float64{a.TrainAcc} }},
				{"test_loss", []int{T}, func(a *compute.Analysis) []float64 { return []float64{a.TestLoss} }},
				{"test_acc", []int{T}, func(a *compute.Analysis) []float64 { return []float64{a.TestAcc} }},
			} {
				info, _ := f.Info(want.name)
				got, shape, err := f.Float64s(want.name)
				if err != nil {
					t.Fatal(err)
				}
				if info.DType != safetensors.F32 || !slices.Equal(shape, want.shape) {
					t.Errorf("%s: %s %v, want F32 %v", want.name, info.DType, shape, want.shape)
					continue
				}
				var all []float64
				for _, a := range tc.as {
					all = append(all, want.get(a)...)
				}
				for i, v := range all {
					// float32 storage: the value read back is the float32 nearest ours.
					if got[i] != float64(float32(v)) {
						t.Errorf("%s[%d] = %v, want float32(%v)", want.name, i, got[i], v)
						break
					}
				}
			}
			if len(f.Metadata) != 0 {
				t.Errorf("metadata %v, want none", f.Metadata)
			}
		})
	}
}

// TestWriteAnalysesRefuses checks that non-finite values and wrong sizes are refused with an
// error naming the tensor and the epoch, and that nothing is written (an existing file stays).
func TestWriteAnalysesRefuses(t *testing.T) {
	for _, tc := range []struct {
		name    string
		spoil   func(a *compute.Analysis)
		tensor  string
		message string
	}{
		{"nan margin", func(a *compute.Analysis) { a.Margin[5] = math.NaN() }, `"margin"`, "NaN"},
		{"inf qk", func(a *compute.Analysis) { a.QK[0] = math.Inf(1) }, `"qk"`, "+Inf"},
		{"-inf test loss", func(a *compute.Analysis) { a.TestLoss = math.Inf(-1) }, `"test_loss"`, "-Inf"},
		{"nan cubic bound", func(a *compute.Analysis) { a.CubicBound = math.NaN() }, `"cubic_bound"`, "NaN"},
		{"beyond float32", func(a *compute.Analysis) { a.PosOV[3] = 1e39 }, `"pos_ov"`, "float32"},
		{"short ov", func(a *compute.Analysis) { a.OV = a.OV[:10] }, `"ov"`, "10 values"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			as, c := designedRun(t, 8, 3)
			tc.spoil(as[2])
			dir := t.TempDir()
			path := filepath.Join(dir, "analyses.safetensors")
			err := writeAnalyses(path, as, compute.DimsOf(c))
			if err == nil {
				t.Fatal("no error")
			}
			for _, want := range []string{tc.tensor, "epoch 20", tc.message} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %s", err, want)
				}
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("files written: %v", entries)
			}
			// An existing file is left as it was.
			old := []byte("previous site")
			if err := os.WriteFile(path, old, 0o644); err != nil {
				t.Fatal(err)
			}
			if writeAnalyses(path, as, compute.DimsOf(c)) == nil {
				t.Fatal("no error the second time")
			}
			if b, _ := os.ReadFile(path); !bytes.Equal(b, old) {
				t.Error("the existing file was changed")
			}
		})
	}
}

// TestEstimateExportBytes checks the estimate against the size of the file written.
func TestEstimateExportBytes(t *testing.T) {
	for _, tc := range []struct {
		vocab, epochs, every int
	}{
		{8, 20, 10},    // T = 3
		{64, 25, 10},   // T = 4: epochs 0, 10, 20, 25
		{3, 0, 10},     // T = 1
		{130, 1, 1},    // T = 2, wide shapes
		{16, 9999, 10}, // T = 1001: offsets with more digits
	} {
		c := compute.DefaultConfig()
		c.Vocab, c.DModel, c.DHead, c.ForceAdjacent = tc.vocab, 4, 4, []int{0}
		c.Epochs, c.CheckpointEvery = tc.epochs, tc.every
		m := compute.DimsOf(c)
		var as []*compute.Analysis
		for _, e := range c.CheckpointEpochs() {
			a := compute.NewAnalysis(m)
			a.Epoch = e
			as = append(as, a)
		}
		path := filepath.Join(t.TempDir(), "analyses.safetensors")
		if err := writeAnalyses(path, as, m); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := EstimateExportBytes(c); got != st.Size() {
			t.Errorf("vocab %d, %d checkpoints: estimate %d bytes, file %d", tc.vocab, len(as), got, st.Size())
		}
	}
	// The default run: 301 checkpoints, each an int64 epoch and 3·64² (ov, ov_centered,
	// margin) + 5·64 (qk, eos_direct, eos_ov, pos_ov) + 2 (pos_qk) + 7 (scalars) float32
	// values (about 15 MB), and a header of less than 4 KB.
	data := int64(301 * (8 + 4*(3*64*64+5*64+2+7)))
	if got := EstimateExportBytes(compute.DefaultConfig()); got <= data || got > data+4096 {
		t.Errorf("default config: estimate %d bytes, want %d plus a header", got, data)
	}
}

// TestWriteAnalysesWorkers checks that the file does not depend on the number of workers.
func TestWriteAnalysesWorkers(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	var ckpts []*compute.Params
	var epochs []int
	var c compute.Config
	for i := range 5 {
		var p *compute.Params
		p, c = noisyParams(rng, 16, 0.05*float64(i))
		ckpts, epochs = append(ckpts, p), append(epochs, 10*i)
	}
	dir := t.TempDir()
	var files [][]byte
	for _, workers := range []int{1, 2, 5} {
		path := filepath.Join(dir, "analyses.safetensors")
		if err := writeAnalyses(path, compute.AnalyzeAll(ckpts, epochs, c, workers), compute.DimsOf(c)); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
	}
	if !reflect.DeepEqual(files[0], files[1]) || !reflect.DeepEqual(files[0], files[2]) {
		t.Error("the file differs with the number of workers")
	}
}

// TestEncodeAnalysesMatchesWrite checks that EncodeAnalyses, which streams the float32 bytes
// tensor after tensor (WriteAnalyses), gives the bytes of safetensors.Write given every tensor
// as float64 (the encoding it replaced), on designed runs whose values include rounding cases.
func TestEncodeAnalysesMatchesWrite(t *testing.T) {
	for _, V := range []int{5, 16} {
		as, c := designedRun(t, V, 4)
		as[1].L2Norm = math.Nextafter(1, 2) // not a float32
		as[2].Margin[3] = 1e-40             // a float32 subnormal
		dims := compute.DimsOf(c)
		epochs := make([]int64, len(as))
		for i, a := range as {
			epochs[i] = int64(a.Epoch)
		}
		tensors := []safetensors.Tensor{{Name: "epoch", DType: safetensors.I64, Shape: []int{len(as)}, I64: epochs}}
		for i := range compute.Analyses {
			spec := &compute.Analyses[i]
			var data []float64
			for _, a := range as {
				data = append(data, spec.Values(a)...)
			}
			tensors = append(tensors, safetensors.Tensor{Name: spec.Name, DType: safetensors.F32, Shape: append([]int{len(as)}, spec.Extent.Shape(dims)...), F64: data})
		}
		var want bytes.Buffer
		if err := safetensors.Write(&want, tensors, nil); err != nil {
			t.Fatal(err)
		}
		got, err := EncodeAnalyses(as, dims)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want.Bytes()) {
			t.Errorf("V = %d: EncodeAnalyses differs from safetensors.Write (%d bytes, want %d)", V, len(got), want.Len())
		}
	}
}

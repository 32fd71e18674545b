package runstore

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"maxgrok/compute"
	"maxgrok/safetensors"
)

// ResumeFile is the file in a run folder that lets an interrupted training continue: the
// weights and optimizer state at the last checkpoint reached, and the training metrics of the
// epochs before it. It exists only while a run is incomplete.
const ResumeFile = "resume.safetensors"

// resumeState is the training state at a checkpoint epoch.
type resumeState struct {
	Epoch   int
	Params  *compute.Params
	Opt     *compute.Optimizer
	Metrics []compute.EpochMetrics // epochs 0..Epoch-1
}

// encode writes the state as safetensors (F64, exact).
func (s *resumeState) encode() ([]byte, error) {
	n := len(s.Metrics)
	loss, acc := make([]float64, n), make([]float64, n)
	for i, m := range s.Metrics {
		loss[i], acc[i] = m.TrainLoss, m.TrainAcc
	}
	N := len(s.Params.Data)
	var b bytes.Buffer
	err := safetensors.Write(&b, []safetensors.Tensor{
		{Name: "params", DType: safetensors.F64, Shape: []int{N}, F64: s.Params.Data},
		{Name: "adam_m", DType: safetensors.F64, Shape: []int{N}, F64: s.Opt.M.Data},
		{Name: "adam_v", DType: safetensors.F64, Shape: []int{N}, F64: s.Opt.V.Data},
		{Name: "train_loss", DType: safetensors.F64, Shape: []int{n}, F64: loss},
		{Name: "train_acc", DType: safetensors.F64, Shape: []int{n}, F64: acc},
	}, map[string]string{"epoch": strconv.Itoa(s.Epoch), "step": strconv.Itoa(s.Opt.Step)})
	return b.Bytes(), err
}

// readResume reads a resume file for sizes m. Any problem makes it unusable (the caller then
// trains from the start), so errors only explain why.
func readResume(path string, m compute.Dims) (*resumeState, error) {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, err
	}
	epoch, err1 := strconv.Atoi(f.Metadata["epoch"])
	step, err2 := strconv.Atoi(f.Metadata["step"])
	if err1 != nil || err2 != nil || epoch < 0 || step < 0 {
		return nil, fmt.Errorf("resume %s: bad epoch or step in __metadata__", path)
	}
	s := &resumeState{Epoch: epoch, Params: compute.NewParams(m), Opt: &compute.Optimizer{M: compute.NewParams(m), V: compute.NewParams(m), Step: step}}
	for _, t := range []struct {
		name string
		dst  []float64
	}{{"params", s.Params.Data}, {"adam_m", s.Opt.M.Data}, {"adam_v", s.Opt.V.Data}} {
		v, _, err := f.Float64s(t.name)
		if err != nil {
			return nil, err
		}
		if len(v) != len(t.dst) {
			return nil, fmt.Errorf("resume %s: tensor %q has %d values, expected %d", path, t.name, len(v), len(t.dst))
		}
		copy(t.dst, v)
	}
	loss, _, err1 := f.Float64s("train_loss")
	acc, _, err2 := f.Float64s("train_acc")
	if err1 != nil || err2 != nil || len(loss) != epoch || len(acc) != epoch {
		return nil, fmt.Errorf("resume %s: expected %d training metrics", path, epoch)
	}
	for i := range loss {
		s.Metrics = append(s.Metrics, compute.EpochMetrics{Epoch: i, TrainLoss: loss[i], TrainAcc: acc[i]})
	}
	return s, nil
}

// ResumeEpoch returns the epoch a TrainRun of c in dir would resume from, or 0.
func ResumeEpoch(dir string, c compute.Config) int {
	old, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if err != nil || !bytes.Equal(old, c.MarshalIndent()) {
		return 0
	}
	s, err := readResume(filepath.Join(dir, ResumeFile), compute.DimsOf(c))
	if err != nil {
		return 0
	}
	return s.Epoch
}

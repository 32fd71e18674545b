package sweep

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"maxgrok/safetensors"
)

// RunFolder is the folder of a run's report in the sweep's site, relative to the site.
func RunFolder(name string) string { return "runs/" + name }

// CSVHeader returns the columns of sweep.csv: one per axis (its key), then the summary's.
func CSVHeader(axes []Axis) []string {
	h := make([]string, 0, len(axes)+7)
	for _, a := range axes {
		h = append(h, a.Name())
	}
	return append(h, "run", "memorised_epoch", "grokked_epoch", "final_train_acc", "final_test_acc", "final_cubic_bound", "phase")
}

// MarshalCSV returns data/sweep.csv: the header, then one row per run in sweep order. Epochs
// that never happened and the values of a run without metrics (diverged, failed) are empty;
// numbers are in the shortest form that reads back exactly.
func MarshalCSV(axes []Axis, runs []*Summary) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(CSVHeader(axes))
	epoch := func(e int) string {
		if e < 0 {
			return ""
		}
		return strconv.Itoa(e)
	}
	num := func(x float64) string {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return ""
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	for _, s := range runs {
		row := append([]string(nil), s.Values...)
		folder := ""
		if s.HasReport() {
			folder = RunFolder(s.Name)
		}
		row = append(row, folder, epoch(s.MemorisedEpoch), epoch(s.GrokkedEpoch),
			num(s.FinalTrainAcc), num(s.FinalTestAcc), num(s.FinalBound), string(s.Phase))
		w.Write(row)
	}
	w.Flush()
	return b.Bytes()
}

// MarshalCurves returns data/sweep.safetensors: every run's metrics at every checkpoint, as
// [runs, T] tensors, T the largest number of checkpoints of a run; a shorter run (or one with
// none) is padded with epoch -1 and NaN. __metadata__ holds "axes" and "runs", JSON lists of
// the axes' keys and of the runs' names in sweep order.
func MarshalCurves(axes []Axis, runs []*Summary) ([]byte, error) {
	R, T := len(runs), 0
	for _, s := range runs {
		T = max(T, len(s.Epochs))
	}
	epoch := make([]int64, R*T)
	series := map[string][]float64{}
	names := []string{"train_loss", "train_acc", "test_loss", "test_acc"}
	for _, n := range names {
		v := make([]float64, R*T)
		for i := range v {
			v[i] = math.NaN()
		}
		series[n] = v
	}
	runNames := make([]string, R)
	for i, s := range runs {
		runNames[i] = s.Name
		for t := range T {
			epoch[i*T+t] = -1
			if t < len(s.Epochs) {
				epoch[i*T+t] = int64(s.Epochs[t])
				series["train_loss"][i*T+t] = s.TrainLoss[t]
				series["train_acc"][i*T+t] = s.TrainAcc[t]
				series["test_loss"][i*T+t] = s.TestLoss[t]
				series["test_acc"][i*T+t] = s.TestAcc[t]
			}
		}
	}
	tensors := []safetensors.Tensor{{Name: "epoch", DType: safetensors.I64, Shape: []int{R, T}, I64: epoch}}
	for _, n := range names {
		tensors = append(tensors, safetensors.Tensor{Name: n, DType: safetensors.F32, Shape: []int{R, T}, F64: series[n]})
	}
	keys := make([]string, len(axes))
	for i, a := range axes {
		keys[i] = a.Name()
	}
	ak, _ := json.Marshal(keys)
	rn, _ := json.Marshal(runNames)
	var b bytes.Buffer
	if err := safetensors.Write(&b, tensors, map[string]string{"axes": string(ak), "runs": string(rn)}); err != nil {
		return nil, fmt.Errorf("sweep.safetensors: %w", err)
	}
	return b.Bytes(), nil
}

package compute

import (
	"encoding/binary"
	"encoding/csv"
	"fmt"
	"strconv"

	"math"
	"maxgrok/safetensors"
	"os"
	"testing"
)

// goldenInit reads the reference initial weights (float32, TransformerLens order) for the
// default config into Params.
func goldenInit(t testing.TB) *Params {
	t.Helper()
	b, err := os.ReadFile("testdata/init_seed613947648_avx2.f32")
	if err != nil {
		t.Fatal(err)
	}
	p := NewParams(DimsOf(DefaultConfig()))
	if len(b) != 4*p.NumWeights() {
		t.Fatalf("golden init: %d bytes, want %d", len(b), 4*p.NumWeights())
	}
	for i := range p.NumWeights() {
		p.Data[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])))
	}
	return p
}

// readCheckpoint reads a safetensors checkpoint of sizes m and its metadata epoch (-1 if
// absent), as the run store does.
func readCheckpoint(path string, m Dims) (*Params, int, error) {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, 0, err
	}
	p, err := ParamsFrom(f, m)
	if err != nil {
		return nil, 0, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	epoch := -1
	if s, ok := f.Metadata["epoch"]; ok {
		if epoch, err = strconv.Atoi(s); err != nil {
			return nil, 0, fmt.Errorf("checkpoint %s: epoch %q", path, s)
		}
	}
	return p, epoch, nil
}

// readMetricsCSV reads a metrics.csv (epoch,train_loss,train_acc,test_loss,test_acc) written by
// this program or by PyTorch.
func readMetricsCSV(path string) ([]MetricRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, err
	}
	var rows []MetricRow
	for _, r := range recs[1:] {
		var row MetricRow
		var vals [5]float64
		for i, s := range r {
			if s == "" {
				continue
			}
			if vals[i], err = strconv.ParseFloat(s, 64); err != nil {
				return nil, fmt.Errorf("%s: %q: %v", path, s, err)
			}
		}
		row.Epoch, row.TrainLoss, row.TrainAcc, row.TestLoss, row.TestAcc = int(vals[0]), vals[1], vals[2], vals[3], vals[4]
		row.HasTest = r[3] != ""
		rows = append(rows, row)
	}
	return rows, nil
}

// quickRunConfig is a quick run: 12 tokens, 400 epochs.
func quickRunConfig() Config {
	c := DefaultConfig()
	c.Vocab, c.DModel, c.DHead = 12, 8, 8
	c.ForceAdjacent = []int{0, 1, 3}
	c.TrainingRatio = 0.4
	c.Epochs, c.CheckpointEvery = 400, 10
	c.LR = 0.01
	return c
}

package compute

import (
	"context"
	"slices"
	"testing"
)

// TestTrainingVariants trains the small config in each optimizer, bias and batch mode: every
// variant must lower the loss, trainable biases must move and frozen ones must stay zero, and a
// batch size covering the training set must be exactly the full-batch run (and share its cache
// key).
func TestTrainingVariants(t *testing.T) {
	base := quickRunConfig()
	base.Epochs = 100
	train := func(c Config) (*Trainer, []EpochMetrics) {
		t.Helper()
		init, err := InitParams(c)
		if err != nil {
			t.Fatal(err)
		}
		tr := NewTrainer(c, init)
		ms, err := tr.Train(context.Background(), true, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		return tr, ms
	}
	full, fullMetrics := train(base)
	for _, tc := range []struct {
		name       string
		edit       func(*Config)
		sameAsFull bool
	}{
		{"Adam", func(c *Config) { c.Optimizer, c.WeightDecay = "Adam", 0.01 }, false},
		{"biases", func(c *Config) { c.IncludeBiases = true }, false},
		{"minibatch", func(c *Config) { c.BatchSize = 16 }, false},
		{"logsoftmax", func(c *Config) { c.UseLog1p = false }, false},
		{"batch covers the set", func(c *Config) { c.BatchSize = c.TrainSize() }, true},
		{"batch beyond the set", func(c *Config) { c.BatchSize = 10 * c.TrainSize() }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := base
			tc.edit(&c)
			tr, ms := train(c)
			if first, last := ms[0].TrainLoss, ms[len(ms)-1].TrainLoss; !(last < first/2) {
				t.Errorf("train loss went from %g to %g", first, last)
			}
			biases := tr.Params.Data[tr.Params.NumWeights():]
			moved := slices.ContainsFunc(biases, func(x float64) bool { return x != 0 })
			if moved != c.IncludeBiases {
				t.Errorf("include_biases %v, but biases moved: %v", c.IncludeBiases, moved)
			}
			if tc.sameAsFull {
				if !slices.Equal(tr.Params.Data, full.Params.Data) || len(ms) != len(fullMetrics) || ms[len(ms)-1] != fullMetrics[len(ms)-1] {
					t.Error("a batch covering the training set is not the full-batch run")
				}
				if c.Key(nil) != base.Key(nil) {
					t.Error("a batch covering the training set has its own cache key")
				}
			}
		})
	}
}

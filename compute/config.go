package compute

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
)

// Config is one run's configuration: the model's shape, the data, the optimizer and the
// schedule. Its JSON keys are listed in ConfigKeys (configkeys.go) and docs/formats.md;
// DefaultConfig gives the reference notebook's values.
type Config struct {
	Vocab            int        `json:"vocab"`               // V: data tokens 0..V-1; EOS is token V
	SeqLen           int        `json:"seq_len"`             // n: data tokens per input (2 only, for now)
	DModel           int        `json:"d_model"`             // d: residual width
	DHead            int        `json:"d_head"`              // h: attention head width
	NHeads           int        `json:"n_heads"`             // 1 only, for now
	NLayers          int        `json:"n_layers"`            // 1 only, for now
	IncludeBiases    bool       `json:"include_biases"`      // train b_Q, b_K, b_V, b_O, b_U (else frozen at zero)
	UseEndOfSequence bool       `json:"use_end_of_sequence"` // inputs end with EOS (true only, for now)
	UseLog1p         bool       `json:"use_log1p"`           // log-softmax in gbmi's log1p form
	Seed             int64      `json:"seed"`                // orders the pairs added beyond the forced ones
	ModelSeed        uint64     `json:"model_seed"`          // torch.manual_seed for the initial weights
	ForceAdjacent    []int      `json:"force_adjacent"`      // every pair with |a-b| in this set is trained on
	TrainingRatio    float64    `json:"training_ratio"`      // training set size = floor(ratio * V^n)
	Optimizer        string     `json:"optimizer"`           // "AdamW" or "Adam"
	LR               float64    `json:"lr"`                  // learning rate
	Betas            [2]float64 `json:"betas"`               // Adam's beta1, beta2
	WeightDecay      float64    `json:"weight_decay"`        // decoupled for AdamW, L2 for Adam
	Eps              float64    `json:"eps"`                 // Adam's epsilon
	Epochs           int        `json:"epochs"`              // passes over the training set
	CheckpointEvery  int        `json:"checkpoint_every"`    // epochs between checkpoints (and test metrics)
	BatchSize        int        `json:"batch_size"`          // 0 or >= training set size: full batch
}

// DefaultConfig returns the reference notebook's configuration.
func DefaultConfig() Config {
	return Config{
		Vocab: 64, SeqLen: 2, DModel: 32, DHead: 32, NHeads: 1, NLayers: 1,
		IncludeBiases: false, UseEndOfSequence: true, UseLog1p: true,
		Seed: 123, ModelSeed: 613947648, ForceAdjacent: []int{0, 1, 2, 17},
		TrainingRatio: 0.099609375, Optimizer: "AdamW", LR: 0.001, Betas: [2]float64{0.9, 0.98},
		WeightDecay: 1.0, Eps: 1e-8, Epochs: 3000, CheckpointEvery: 10, BatchSize: 0,
	}
}

// Limits on sizes that keep a run within memory and the site within a web host's reach.
const (
	MaxVocab  = 1024
	MaxWidth  = 1024
	MaxEpochs = 10_000_000
)

// FieldError reports a config value that is not acceptable: which field, what was expected and
// what was given.
type FieldError struct {
	Field    string // JSON key, e.g. "lr"
	Expected string // e.g. "a positive finite number"
	Got      string // the value given
	Unsup    bool   // a valid value this program does not support yet
}

// Error names the field and the problem.
func (e *FieldError) Error() string { return fmt.Sprintf("field %q: %s", e.Field, e.Problem()) }

// Problem describes what is wrong without naming the field.
func (e *FieldError) Problem() string {
	if e.Unsup {
		return fmt.Sprintf("%s is not supported yet (%s)", e.Got, e.Expected)
	}
	return fmt.Sprintf("expected %s, got %s", e.Expected, e.Got)
}

func fieldErr(field, expected string, got any) error {
	return &FieldError{Field: field, Expected: expected, Got: fmt.Sprint(got)}
}

// Validate checks every field and returns the first problem as a *FieldError.
func (c *Config) Validate() error {
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	switch {
	case c.Vocab < 2 || c.Vocab > MaxVocab:
		return fieldErr("vocab", fmt.Sprintf("an integer in [2, %d]", MaxVocab), c.Vocab)
	case c.SeqLen != 2:
		return &FieldError{Field: "seq_len", Expected: "only 2", Got: fmt.Sprint(c.SeqLen), Unsup: true}
	case c.NHeads != 1:
		return &FieldError{Field: "n_heads", Expected: "only 1", Got: fmt.Sprint(c.NHeads), Unsup: true}
	case c.NLayers != 1:
		return &FieldError{Field: "n_layers", Expected: "only 1", Got: fmt.Sprint(c.NLayers), Unsup: true}
	case !c.UseEndOfSequence:
		return &FieldError{Field: "use_end_of_sequence", Expected: "only true", Got: "false", Unsup: true}
	case c.DModel < 1 || c.DModel > MaxWidth:
		return fieldErr("d_model", fmt.Sprintf("an integer in [1, %d]", MaxWidth), c.DModel)
	case c.DHead < 1 || c.DHead > MaxWidth:
		return fieldErr("d_head", fmt.Sprintf("an integer in [1, %d]", MaxWidth), c.DHead)
	case !finite(c.TrainingRatio) || c.TrainingRatio < 0 || c.TrainingRatio > 1:
		return fieldErr("training_ratio", "a number in [0, 1]", c.TrainingRatio)
	case c.Optimizer != "AdamW" && c.Optimizer != "Adam":
		return fieldErr("optimizer", `"AdamW" or "Adam"`, fmt.Sprintf("%q", c.Optimizer))
	case !finite(c.LR) || c.LR <= 0:
		return fieldErr("lr", "a positive finite number", c.LR)
	case !finite(c.Betas[0]) || c.Betas[0] < 0 || c.Betas[0] >= 1:
		return fieldErr("betas", "two numbers in [0, 1)", fmt.Sprintf("%v", c.Betas))
	case !finite(c.Betas[1]) || c.Betas[1] < 0 || c.Betas[1] >= 1:
		return fieldErr("betas", "two numbers in [0, 1)", fmt.Sprintf("%v", c.Betas))
	case !finite(c.WeightDecay) || c.WeightDecay < 0:
		return fieldErr("weight_decay", "a finite number >= 0", c.WeightDecay)
	case c.Optimizer == "AdamW" && c.LR*c.WeightDecay >= 1:
		return fieldErr("weight_decay", "lr * weight_decay < 1 (AdamW multiplies the weights by 1 - lr*weight_decay)", c.WeightDecay)
	case !finite(c.Eps) || c.Eps <= 0:
		return fieldErr("eps", "a positive finite number", c.Eps)
	case c.Epochs < 0 || c.Epochs > MaxEpochs:
		return fieldErr("epochs", fmt.Sprintf("an integer in [0, %d]", MaxEpochs), c.Epochs)
	case c.CheckpointEvery < 1:
		return fieldErr("checkpoint_every", "an integer >= 1", c.CheckpointEvery)
	case c.BatchSize < 0:
		return fieldErr("batch_size", "an integer >= 0 (0: full batch)", c.BatchSize)
	}
	seen := make(map[int]bool, len(c.ForceAdjacent))
	for _, k := range c.ForceAdjacent {
		if k < 0 || k >= c.Vocab {
			return fieldErr("force_adjacent", fmt.Sprintf("distances in [0, vocab-1 = %d]", c.Vocab-1), k)
		}
		if seen[k] {
			return fieldErr("force_adjacent", "distinct distances", fmt.Sprintf("%d twice", k))
		}
		seen[k] = true
	}
	if c.ForceAdjacent == nil {
		return fieldErr("force_adjacent", "a list of distances (may be empty: [])", "null")
	}
	total := c.Vocab * c.Vocab
	nTrain := c.TrainSize()
	if nTrain == 0 {
		return fieldErr("training_ratio", "a training set of at least one pair (raise training_ratio or force_adjacent)", c.TrainingRatio)
	}
	if nTrain >= total {
		return fieldErr("training_ratio", fmt.Sprintf("a test set of at least one pair (the training set takes all %d)", total), c.TrainingRatio)
	}
	return nil
}

// TrainSize is the number of training pairs: the forced pairs, topped up to
// floor(training_ratio * V^2) (docs/math.md, "The data").
func (c *Config) TrainSize() int {
	want := int(math.Floor(c.TrainingRatio * float64(c.Vocab*c.Vocab)))
	return max(c.ForcedPairs(), want)
}

// ForcedPairs counts the pairs (a, b) with |a-b| in force_adjacent.
func (c *Config) ForcedPairs() int {
	forced := 0
	for _, k := range c.ForceAdjacent {
		if k == 0 {
			forced += c.Vocab
		} else if k < c.Vocab {
			forced += 2 * (c.Vocab - k)
		}
	}
	return forced
}

// FullBatch reports whether one optimizer step covers the whole training set.
func (c *Config) FullBatch() bool { return c.BatchSize == 0 || c.BatchSize >= c.TrainSize() }

// CheckpointEpochs lists the epochs that get a checkpoint: 0, every multiple of
// checkpoint_every, and the last.
func (c *Config) CheckpointEpochs() []int {
	var out []int
	for e := 0; e <= c.Epochs; e += c.CheckpointEvery {
		out = append(out, e)
	}
	if out[len(out)-1] != c.Epochs {
		out = append(out, c.Epochs)
	}
	return out
}

// NumCheckpoints is len(CheckpointEpochs()) without building the list.
func (c *Config) NumCheckpoints() int {
	n := c.Epochs/c.CheckpointEvery + 1
	if c.Epochs%c.CheckpointEvery != 0 {
		n++
	}
	return n
}

// IsCheckpoint reports whether epoch gets a checkpoint.
func (c *Config) IsCheckpoint(epoch int) bool {
	return epoch%c.CheckpointEvery == 0 || epoch == c.Epochs
}

// Canonical returns the config with equivalent values made equal: a batch size that covers the
// training set becomes 0 (full batch), so such runs share a cache entry.
func (c Config) Canonical() Config {
	if c.FullBatch() {
		c.BatchSize = 0
	}
	c.ForceAdjacent = append([]int{}, c.ForceAdjacent...)
	return c
}

// MarshalIndent returns the config as indented JSON with a final newline.
func (c Config) MarshalIndent() []byte {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		panic(err) // a Config always marshals
	}
	return append(b, '\n')
}

// Key returns the run cache key: a hash of the canonical config and of the initial weights file's
// content (nil when the weights are seeded).
func (c Config) Key(initContent []byte) string {
	h := sha256.New()
	h.Write(c.Canonical().MarshalIndent())
	if initContent != nil {
		ih := sha256.Sum256(initContent)
		fmt.Fprintf(h, "init:%x\n", ih)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func lineOf(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return 1 + bytes.Count(data[:off], []byte("\n"))
}

package compute

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
)

// TestValidate pins the message for every kind of bad field value.
func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.Vocab = 1 }, `field "vocab": expected an integer in [2, 1024], got 1`},
		{func(c *Config) { c.Vocab = 5000 }, `field "vocab": expected an integer in [2, 1024], got 5000`},
		{func(c *Config) { c.SeqLen = 3 }, `field "seq_len": 3 is not supported yet (only 2)`},
		{func(c *Config) { c.NHeads = 2 }, `field "n_heads": 2 is not supported yet (only 1)`},
		{func(c *Config) { c.NLayers = 2 }, `field "n_layers": 2 is not supported yet (only 1)`},
		{func(c *Config) { c.UseEndOfSequence = false }, `field "use_end_of_sequence": false is not supported yet (only true)`},
		{func(c *Config) { c.DModel = 0 }, `field "d_model": expected an integer in [1, 1024], got 0`},
		{func(c *Config) { c.DHead = -3 }, `field "d_head": expected an integer in [1, 1024], got -3`},
		{func(c *Config) { c.TrainingRatio = math.NaN() }, `field "training_ratio": expected a number in [0, 1], got NaN`},
		{func(c *Config) { c.TrainingRatio = 1.5 }, `field "training_ratio": expected a number in [0, 1], got 1.5`},
		{func(c *Config) { c.Optimizer = "SGD" }, `field "optimizer": expected "AdamW" or "Adam", got "SGD"`},
		{func(c *Config) { c.LR = math.Inf(1) }, `field "lr": expected a positive finite number, got +Inf`},
		{func(c *Config) { c.LR = 0 }, `field "lr": expected a positive finite number, got 0`},
		{func(c *Config) { c.Betas[1] = 1 }, `field "betas": expected two numbers in [0, 1), got [0.9 1]`},
		{func(c *Config) { c.WeightDecay = -1 }, `field "weight_decay": expected a finite number >= 0, got -1`},
		{func(c *Config) { c.LR, c.WeightDecay = 0.5, 2 }, `field "weight_decay": expected lr * weight_decay < 1 (AdamW multiplies the weights by 1 - lr*weight_decay), got 2`},
		{func(c *Config) { c.Eps = 0 }, `field "eps": expected a positive finite number, got 0`},
		{func(c *Config) { c.Epochs = -1 }, `field "epochs": expected an integer in [0, 10000000], got -1`},
		{func(c *Config) { c.CheckpointEvery = 0 }, `field "checkpoint_every": expected an integer >= 1, got 0`},
		{func(c *Config) { c.BatchSize = -1 }, `field "batch_size": expected an integer >= 0 (0: full batch), got -1`},
		{func(c *Config) { c.ForceAdjacent = []int{0, 64} }, `field "force_adjacent": expected distances in [0, vocab-1 = 63], got 64`},
		{func(c *Config) { c.ForceAdjacent = []int{1, 1} }, `field "force_adjacent": expected distinct distances, got 1 twice`},
		{func(c *Config) { c.ForceAdjacent, c.TrainingRatio = []int{}, 0 }, `field "training_ratio": expected a training set of at least one pair (raise training_ratio or force_adjacent), got 0`},
		{func(c *Config) { c.TrainingRatio = 1 }, `field "training_ratio": expected a test set of at least one pair (the training set takes all 4096), got 1`},
	} {
		c := DefaultConfig()
		tc.edit(&c)
		err := c.Validate()
		if err == nil || err.Error() != tc.want {
			t.Errorf("Validate() = %v,\nwant %s", err, tc.want)
		}
	}
	c := DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Errorf("default config: %v", err)
	}
}

// TestDecodeConfig checks that a config file overrides only the keys it has and that every
// kind of malformed file is refused with the file, line and field.
func TestDecodeConfig(t *testing.T) {
	c, err := DecodeConfig("c.json", strings.NewReader(`{"lr": 0.003, "epochs": 10}`), DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	want.LR, want.Epochs = 0.003, 10
	if fmt.Sprint(c) != fmt.Sprint(want) {
		t.Errorf("DecodeConfig = %+v, want %+v", c, want)
	}
	for _, tc := range []struct{ in, want string }{
		{`{"lr": "fast"}`, `config c.json: line 1: field "lr": expected a number, got JSON string "fast"`},
		{"{\n  \"epochs\": 1.5\n}", `config c.json: line 2: field "epochs": expected an integer, got JSON number 1.5`},
		{`{"learning_rate": 1}`, `config c.json: line 1: unknown key "learning_rate" (the keys are listed in docs/formats.md)`},
		{`{"lr": 0.001,}`, `config c.json: line 1: invalid JSON: invalid character '}' looking for beginning of object key string`},
		{`{"force_adjacent": [0, 99]}`, `config c.json: field "force_adjacent": expected distances in [0, vocab-1 = 63], got 99`},
		{`{"optimizer": "adamw"}`, `config c.json: field "optimizer": expected "AdamW" or "Adam", got "adamw"`},
		{`{} {}`, `config c.json: line 1: invalid JSON: invalid character '{' after top-level value`},
		{`[1]`, `config c.json: line 1: expected a JSON object of config keys, got JSON list [1]`},
		{`{"model_seed": -1}`, `config c.json: line 1: field "model_seed": expected an integer >= 0, got JSON number -1`},
		// Keys are exact: Go's case-insensitive matching would take these.
		{`{"Epochs": 10}`, `config c.json: line 1: unknown key "Epochs" (the keys are listed in docs/formats.md)`},
		{`{"LR": 0.01}`, `config c.json: line 1: unknown key "LR" (the keys are listed in docs/formats.md)`},
		{`{"FORCE_ADJACENT": [1]}`, `config c.json: line 1: unknown key "FORCE_ADJACENT" (the keys are listed in docs/formats.md)`},
		// Lengths are exact, null and duplicates are refused.
		{`{"betas": [0.9]}`, `config c.json: line 1: field "betas": expected a list of two numbers, got JSON list [0.9]`},
		{`{"betas": [0.9, 0.98, 0.5]}`, `config c.json: line 1: field "betas": expected a list of two numbers, got JSON list [0.9, 0.98, 0.5]`},
		{`{"epochs": null}`, `config c.json: line 1: field "epochs": expected an integer, got null`},
		{`{"force_adjacent": null}`, `config c.json: line 1: field "force_adjacent": expected a list of integers, got null`},
		{`null`, `config c.json: line 1: expected a JSON object of config keys, got JSON number null`},
		{"{\"epochs\": 10,\n \"epochs\": 20}", `config c.json: line 2: key "epochs" given twice`},
	} {
		_, err := DecodeConfig("c.json", strings.NewReader(tc.in), DefaultConfig())
		if err == nil || err.Error() != tc.want {
			t.Errorf("DecodeConfig(%q) error = %v,\nwant %s", tc.in, err, tc.want)
		}
	}
}

// TestNegativeZero checks that -0 is the same run as 0: the same config and cache key.
func TestNegativeZero(t *testing.T) {
	zero, err := DecodeConfig("a.json", strings.NewReader(`{"weight_decay": 0, "betas": [0, 0.98]}`), DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	neg, err := DecodeConfig("b.json", strings.NewReader(`{"weight_decay": -0, "betas": [-0.0, 0.98]}`), DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if zero.Key(nil) != neg.Key(nil) || string(zero.MarshalIndent()) != string(neg.MarshalIndent()) {
		t.Errorf("-0 gives another run: %s against %s", neg.MarshalIndent(), zero.MarshalIndent())
	}
	flagged := DefaultConfig()
	if err := LookupConfigKey("weight_decay").SetFlag(&flagged, "-0"); err != nil {
		t.Fatal(err)
	}
	flagged.Betas[0] = 0
	if flagged.Key(nil) != zero.Key(nil) {
		t.Error("-weight-decay -0 gives another run than 0")
	}
}

// TestConfigKeysCoverConfig checks that the key table names every field of Config, once, with
// its JSON tag, so that a new field cannot be forgotten by the decoder or the flags.
func TestConfigKeysCoverConfig(t *testing.T) {
	typ := reflect.TypeOf(Config{})
	if typ.NumField() != len(ConfigKeys) {
		t.Fatalf("Config has %d fields, ConfigKeys %d rows", typ.NumField(), len(ConfigKeys))
	}
	for i := range typ.NumField() {
		tag := strings.Split(typ.Field(i).Tag.Get("json"), ",")[0]
		if ConfigKeys[i].Key != tag {
			t.Errorf("ConfigKeys[%d] is %q, Config's field %d has the JSON key %q", i, ConfigKeys[i].Key, i, tag)
		}
		var c Config
		if got := reflect.ValueOf(ConfigKeys[i].field(&c)).Pointer(); got != reflect.ValueOf(&c).Elem().Field(i).Addr().Pointer() {
			t.Errorf("ConfigKeys[%d] (%s) points at another field than %s", i, tag, typ.Field(i).Name)
		}
	}
}

// TestTrainSet checks the training set of the default config (exactly the 408 forced pairs)
// and that a ratio above the forced pairs adds seeded pairs reproducibly.
func TestTrainSet(t *testing.T) {
	c := DefaultConfig()
	train, test := Split(c)
	if train.Len() != 408 || test.Len() != 3688 {
		t.Fatalf("default split: %d train, %d test; want 408, 3688", train.Len(), test.Len())
	}
	c.TrainingRatio = 0.2
	m1, m2 := TrainMask(c), TrainMask(c)
	n := 0
	for i := range m1 {
		if m1[i] != m2[i] {
			t.Fatal("TrainMask is not deterministic")
		}
		if m1[i] {
			n++
		}
	}
	if want := 819; n != want { // floor(0.2 * 4096)
		t.Errorf("training pairs with ratio 0.2: %d, want %d", n, want)
	}
	c.Seed++
	if fmt.Sprint(TrainMask(c)) == fmt.Sprint(m1) {
		t.Error("another seed chose the same extra pairs")
	}
}

// ExampleDecodeConfig shows a config file overriding two keys of the defaults.
func ExampleDecodeConfig() {
	c, err := DecodeConfig("run.json", strings.NewReader(`{"vocab": 32, "epochs": 500}`), DefaultConfig())
	fmt.Println(c.Vocab, c.Epochs, c.LR, err)
	// Output: 32 500 0.001 <nil>
}

// TestTrainMaskPinned pins the pairs the seeded fill chooses, so that a change to the generator
// or the shuffle (which would silently change every cached run's training set) fails a test.
func TestTrainMaskPinned(t *testing.T) {
	c := DefaultConfig()
	c.Vocab, c.ForceAdjacent, c.TrainingRatio = 8, []int{0}, 0.25 // 8 forced pairs, 8 drawn
	var got []int
	for i, in := range TrainMask(c) {
		if in && i/8 != i%8 {
			got = append(got, i)
		}
	}
	const pinned = "[3 15 23 32 35 41 47 51]"
	if g := fmt.Sprint(got); g != pinned {
		t.Errorf("drawn pairs %s, pinned %s", g, pinned)
	}
}

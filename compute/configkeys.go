package compute

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ConfigKey is one key of a run config: its JSON name, the command-line flag that sets it, what
// it means, and where its value lives in a Config. The table ConfigKeys is the one list of keys:
// DecodeConfig (a -config file) and SetFlag (a config flag) both go through it, and the command
// line registers its flags from it.
type ConfigKey struct {
	Key   string // JSON name, e.g. "weight_decay"
	Usage string // one line for -h; a `word` in backquotes names the flag's value
	// Flag is false for keys accepted only at their default for now, which have no flag.
	Flag  bool
	field func(c *Config) any // a pointer to the field
}

// FlagName is the key's command-line flag: the key with '-' for '_', e.g. -weight-decay.
func (k *ConfigKey) FlagName() string { return strings.ReplaceAll(k.Key, "_", "-") }

// ConfigKeys lists every config key, in Config's field order. It is read only.
var ConfigKeys = []ConfigKey{
	{"vocab", "the number `V` of data tokens (EOS is one more)", true, func(c *Config) any { return &c.Vocab }},
	{"seq_len", "data tokens per input (2 only, for now)", false, func(c *Config) any { return &c.SeqLen }},
	{"d_model", "the residual stream width `d`", true, func(c *Config) any { return &c.DModel }},
	{"d_head", "the attention head width `h`", true, func(c *Config) any { return &c.DHead }},
	{"n_heads", "attention heads (1 only, for now)", false, func(c *Config) any { return &c.NHeads }},
	{"n_layers", "layers (1 only, for now)", false, func(c *Config) any { return &c.NLayers }},
	{"include_biases", "train the biases (else frozen at zero)", true, func(c *Config) any { return &c.IncludeBiases }},
	{"use_end_of_sequence", "inputs end with the EOS token (true only, for now)", false, func(c *Config) any { return &c.UseEndOfSequence }},
	{"use_log1p", "log-softmax in gbmi's log1p form", true, func(c *Config) any { return &c.UseLog1p }},
	{"seed", "the `seed` that orders the training pairs added beyond the forced ones", true, func(c *Config) any { return &c.Seed }},
	{"model_seed", "torch.manual_seed(`seed`) for the initial weights", true, func(c *Config) any { return &c.ModelSeed }},
	{"force_adjacent", "train on every pair with |a-b| in this `list` of distances", true, func(c *Config) any { return &c.ForceAdjacent }},
	{"training_ratio", "the training set's size as a `fraction` of all vocab^2 pairs", true, func(c *Config) any { return &c.TrainingRatio }},
	{"optimizer", "the `optimizer`: AdamW or Adam", true, func(c *Config) any { return &c.Optimizer }},
	{"lr", "the learning `rate`", true, func(c *Config) any { return &c.LR }},
	{"betas", "Adam's `beta1,beta2`", true, func(c *Config) any { return &c.Betas }},
	{"weight_decay", "the weight `decay` (decoupled for AdamW)", true, func(c *Config) any { return &c.WeightDecay }},
	{"eps", "Adam's `epsilon`", true, func(c *Config) any { return &c.Eps }},
	{"epochs", "the number of `epochs` to train", true, func(c *Config) any { return &c.Epochs }},
	{"checkpoint_every", "`epochs` between checkpoints", true, func(c *Config) any { return &c.CheckpointEvery }},
	{"batch_size", "the minibatch `size` (0: full batch)", true, func(c *Config) any { return &c.BatchSize }},
}

// LookupConfigKey returns the key called name (exactly: keys are case-sensitive), or nil.
func LookupConfigKey(name string) *ConfigKey {
	for i := range ConfigKeys {
		if ConfigKeys[i].Key == name {
			return &ConfigKeys[i]
		}
	}
	return nil
}

// Format returns c's value of the key as a flag would give it: 0,1,2,17 for a list.
func (k *ConfigKey) Format(c *Config) string {
	switch v := k.field(c).(type) {
	case *[]int:
		parts := make([]string, len(*v))
		for i, x := range *v {
			parts[i] = strconv.Itoa(x)
		}
		return strings.Join(parts, ",")
	case *[2]float64:
		return formatNumber(v[0]) + "," + formatNumber(v[1])
	case *float64:
		return formatNumber(*v)
	case *string:
		return *v
	default:
		return fmt.Sprint(deref(v))
	}
}

func formatNumber(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

func deref(p any) any {
	switch v := p.(type) {
	case *int:
		return *v
	case *int64:
		return *v
	case *uint64:
		return *v
	case *bool:
		return *v
	}
	return p
}

// IsBool reports whether the key is true or false (a flag given without a value sets it).
func (k *ConfigKey) IsBool() bool {
	_, ok := k.field(&Config{}).(*bool)
	return ok
}

// SetFlag sets the key in c from a command-line value: a number, true or false, a string, or a
// comma-separated list. It checks the syntax only; Validate checks the value. -0 is stored as 0.
func (k *ConfigKey) SetFlag(c *Config, s string) error {
	s = strings.TrimSpace(s)
	switch v := k.field(c).(type) {
	case *int:
		x, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("expected an integer, got %q", s)
		}
		*v = x
	case *int64:
		x, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("expected an integer, got %q", s)
		}
		*v = x
	case *uint64:
		x, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return fmt.Errorf("expected an integer >= 0, got %q", s)
		}
		*v = x
	case *bool:
		x, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("expected true or false, got %q", s)
		}
		*v = x
	case *float64:
		x, err := strconv.ParseFloat(s, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return fmt.Errorf("expected a number, got %q", s)
		}
		*v = x + 0 // -0 + 0 = +0
	case *string:
		*v = s
	case *[]int:
		out := []int{}
		if s != "" {
			for _, f := range strings.Split(s, ",") {
				x, err := strconv.Atoi(strings.TrimSpace(f))
				if err != nil {
					return fmt.Errorf("expected a comma-separated list of integers, got %q", s)
				}
				out = append(out, x)
			}
		}
		*v = out
	case *[2]float64:
		f := strings.Split(s, ",")
		if len(f) != 2 {
			return fmt.Errorf("expected two numbers beta1,beta2, got %q", s)
		}
		for i := range f {
			x, err := strconv.ParseFloat(strings.TrimSpace(f[i]), 64)
			if err != nil {
				return fmt.Errorf("expected two numbers beta1,beta2, got %q", s)
			}
			v[i] = x + 0
		}
	}
	return nil
}

// setJSON sets the key in c from a JSON value, strictly: null is refused, a list must have the
// field's exact length, an integer field takes only integers. -0 is stored as 0.
func (k *ConfigKey) setJSON(c *Config, raw json.RawMessage) error {
	field := k.field(c)
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return fmt.Errorf("expected %s, got null", jsonKind(field))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	switch v := field.(type) {
	case *[2]float64:
		var xs []float64
		if err := json.Unmarshal(raw, &xs); err != nil || len(xs) != 2 {
			return fmt.Errorf("expected a list of two numbers, got JSON %s", describeJSON(raw))
		}
		v[0], v[1] = xs[0]+0, xs[1]+0
		return nil
	case *[]int:
		var xs []int
		if err := json.Unmarshal(raw, &xs); err != nil || xs == nil {
			return fmt.Errorf("expected a list of integers, got JSON %s", describeJSON(raw))
		}
		*v = xs
		return nil
	case *float64:
		if err := json.Unmarshal(raw, v); err != nil {
			return fmt.Errorf("expected a number, got JSON %s", describeJSON(raw))
		}
		*v += 0
		return nil
	}
	if err := json.Unmarshal(raw, field); err != nil {
		return fmt.Errorf("expected %s, got JSON %s", jsonKind(field), describeJSON(raw))
	}
	return nil
}

func jsonKind(field any) string {
	switch field.(type) {
	case *int, *int64:
		return "an integer"
	case *uint64:
		return "an integer >= 0"
	case *float64:
		return "a number"
	case *bool:
		return "true or false"
	case *string:
		return "a string"
	case *[2]float64:
		return "a list of two numbers"
	}
	return "a list of integers"
}

// describeJSON names a JSON value for an error: a number or a literal as it is, else its kind.
func describeJSON(raw json.RawMessage) string {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return "nothing"
	}
	switch t[0] {
	case '{':
		return "object"
	case '[':
		return "list " + string(limitBytes(t, 40))
	case '"':
		return "string " + string(limitBytes(t, 40))
	}
	return "number " + string(limitBytes(t, 40))
}

func limitBytes(b []byte, n int) []byte {
	if len(b) > n {
		return append(b[:n:n], "..."...)
	}
	return b
}

// DecodeConfig reads a JSON config over base: keys present replace base's values, and the
// result is validated. It is strict, so that a mistake is an error rather than a different
// run: keys must be exactly those of ConfigKeys (case-sensitive), each at most once; null,
// trailing data, a wrong type or a list of the wrong length is an error naming the line and
// the key. name is used in messages. At most 1 MiB is read.
func DecodeConfig(name string, r io.Reader, base Config) (Config, error) {
	const limit = 1 << 20
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return base, fmt.Errorf("config %s: %w", name, err)
	}
	if len(data) > limit {
		return base, fmt.Errorf("config %s: larger than 1 MiB", name)
	}
	fail := func(off int64, format string, args ...any) (Config, error) {
		return base, fmt.Errorf("config %s: line %d: %s", name, lineOf(data, off), fmt.Sprintf(format, args...))
	}
	if !json.Valid(data) {
		var v any
		err := json.Unmarshal(data, &v)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fail(se.Offset, "invalid JSON: %v", se)
		}
		return base, fmt.Errorf("config %s: invalid JSON: %v", name, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, _ := dec.Token(); tok != json.Delim('{') {
		return fail(0, "expected a JSON object of config keys, got JSON %s", describeJSON(data))
	}
	cfg := base
	cfg.ForceAdjacent = append([]int{}, base.ForceAdjacent...)
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fail(dec.InputOffset(), "invalid JSON: %v", err)
		}
		off := dec.InputOffset() // just after the key
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fail(off, "invalid JSON: %v", err)
		}
		k := LookupConfigKey(key)
		if k == nil {
			return fail(off, "unknown key %q (the keys are listed in docs/formats.md)", key)
		}
		if seen[key] {
			return fail(off, "key %q given twice", key)
		}
		seen[key] = true
		if err := k.setJSON(&cfg, raw); err != nil {
			return fail(off, "field %q: %v", key, err)
		}
	}
	if err := cfg.Validate(); err != nil {
		return base, fmt.Errorf("config %s: %w", name, err)
	}
	return cfg, nil
}

package sweep

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"maxgrok/compute"
)

// MaxRuns bounds the number of runs of a sweep: beyond it a sweep is refused before anything
// trains (at about a second a run of the reference config on one core, 10,000 runs already take
// hours, and the sweep page's table and curves stop being readable long before).
const MaxRuns = 10000

// Axis is one -sweep flag: a config key and the values it takes, in the order given, each in
// the canonical form of the key (ConfigKey.Format), so that 1e-3 and 0.001 are one value.
type Axis struct {
	Key    *compute.ConfigKey
	Values []string
	arg    string // the flag's text, for errors
}

// Name is the axis's config key (its JSON name).
func (a Axis) Name() string { return a.Key.Key }

// IsSeed reports whether the axis is a seed (model_seed or seed): its values are repetitions of
// one experiment rather than a parameter.
func (a Axis) IsSeed() bool { return a.Key.Key == "model_seed" || a.Key.Key == "seed" }

// flagError is the error of a -sweep flag: "flag -sweep ARG: problem".
func flagError(arg, format string, args ...any) error {
	return fmt.Errorf("flag -sweep %s: %s", arg, fmt.Sprintf(format, args...))
}

// ParseAxis parses one -sweep flag, KEY=VALUES, against base (the config the sweep varies):
// VALUES is a comma-separated list (semicolon-separated when the key's values are lists
// themselves, e.g. force_adjacent=0,1;0,1,2), or A..B for the integers A to B inclusive. Each
// value is checked with the key's setter and with Config.Validate on base with that value;
// errors name the flag and the value.
func ParseAxis(arg string, base compute.Config) (Axis, error) {
	name, list, ok := strings.Cut(arg, "=")
	if !ok {
		return Axis{}, flagError(arg, "expected KEY=VALUES, e.g. model_seed=1..8 or lr=0.001,0.003")
	}
	name = strings.TrimSpace(name)
	k := compute.LookupConfigKey(name)
	if k == nil {
		keys := make([]string, len(compute.ConfigKeys))
		for i := range compute.ConfigKeys {
			keys[i] = compute.ConfigKeys[i].Key
		}
		return Axis{}, flagError(arg, "unknown config key %q (keys: %s)", name, strings.Join(keys, ", "))
	}
	raw, err := splitValues(list)
	if err != nil {
		return Axis{}, flagError(arg, "%v", err)
	}
	a := Axis{Key: k, arg: arg}
	seen := map[string]string{}
	for _, v := range raw {
		c := base
		if err := k.SetFlag(&c, v); err != nil {
			return Axis{}, flagError(arg, "%s %s: %v", name, v, err)
		}
		if err := c.Validate(); err != nil {
			return Axis{}, flagError(arg, "%s %s: %s", name, v, problem(err, name))
		}
		canon := k.Format(&c)
		if first, dup := seen[canon]; dup {
			return Axis{}, flagError(arg, "%s %s: the same value as %s", name, v, first)
		}
		seen[canon] = v
		a.Values = append(a.Values, canon)
	}
	return a, nil
}

// problem is err without the field's name when it is the key's own.
func problem(err error, key string) string {
	var fe *compute.FieldError
	if errors.As(err, &fe) && fe.Field == key {
		return fe.Problem()
	}
	return err.Error()
}

// splitValues splits VALUES into its values: A..B, or a list separated by semicolons if it has
// any, else by commas.
func splitValues(list string) ([]string, error) {
	list = strings.TrimSpace(list)
	if list == "" {
		return nil, errors.New("no values")
	}
	if lo, hi, ok := strings.Cut(list, ".."); ok {
		a, errA := strconv.ParseInt(strings.TrimSpace(lo), 10, 64)
		b, errB := strconv.ParseInt(strings.TrimSpace(hi), 10, 64)
		switch {
		case errA != nil || errB != nil:
			return nil, fmt.Errorf("expected a range of integers A..B, got %q", list)
		case b < a:
			return nil, fmt.Errorf("empty range %d..%d (A..B needs A <= B)", a, b)
		case b-a >= MaxRuns:
			return nil, fmt.Errorf("range %d..%d has %d values, more than a sweep may have (%d runs)", a, b, uint64(b-a)+1, MaxRuns)
		}
		var out []string
		for x := a; ; x++ {
			out = append(out, strconv.FormatInt(x, 10))
			if x == b {
				break
			}
		}
		return out, nil
	}
	sep := ","
	if strings.Contains(list, ";") {
		sep = ";"
	}
	parts := strings.Split(list, sep)
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
		if parts[i] == "" {
			return nil, fmt.Errorf("empty value at position %d of %q", i+1, list)
		}
	}
	return parts, nil
}

// Point is one run of a sweep: its index in sweep order, its value on each axis, its config
// and its name.
type Point struct {
	Index  int
	Values []string // one per axis, canonical
	Config compute.Config
	Name   string // the report's folder under runs/: readable, file-system safe, unique
}

// Grid is a sweep: its axes, in the order given, and their product.
type Grid struct {
	Axes   []Axis
	Points []Point
}

// Expand returns the Cartesian product of axes over base, the last axis varying fastest. It
// refuses a key swept twice, a product of more than MaxRuns runs, and a combination of values
// that Config.Validate refuses (one value may be fine with the base config and not with another
// axis's value), naming the run.
func Expand(base compute.Config, axes []Axis) (*Grid, error) {
	if len(axes) == 0 {
		return nil, errors.New("flag -sweep: no axes")
	}
	total := 1
	for i, a := range axes {
		for _, b := range axes[:i] {
			if b.Key == a.Key {
				return nil, flagError(a.arg, "%s is swept twice", a.Name())
			}
		}
		total *= len(a.Values)
		if total > MaxRuns {
			return nil, fmt.Errorf("flag -sweep: the sweep has more than %d runs (the limit, so that it finishes and its page stays readable); split it into several sweeps or use fewer values", MaxRuns)
		}
	}
	g := &Grid{Axes: axes}
	used := map[string]int{}
	idx := make([]int, len(axes))
	for i := range total {
		p := Point{Index: i, Config: base, Values: make([]string, len(axes))}
		rem := i
		for k := len(axes) - 1; k >= 0; k-- {
			idx[k] = rem % len(axes[k].Values)
			rem /= len(axes[k].Values)
		}
		for k, a := range axes {
			p.Values[k] = a.Values[idx[k]]
			a.Key.SetFlag(&p.Config, p.Values[k]) // checked by ParseAxis
		}
		p.Name = uniqueName(runName(axes, p.Values), used)
		if err := p.Config.Validate(); err != nil {
			return nil, fmt.Errorf("flag -sweep: run %s: %v", p.Name, err)
		}
		g.Points = append(g.Points, p)
	}
	return g, nil
}

// maxNameBytes bounds a run's folder name (file systems allow 255).
const maxNameBytes = 120

// runName is KEY=VALUE for each axis, joined by commas, with every byte other than letters,
// digits and . _ - = + replaced: a list value's commas become +, anything else _.
func runName(axes []Axis, values []string) string {
	var b strings.Builder
	for k, a := range axes {
		if k > 0 {
			b.WriteByte(',')
		}
		b.WriteString(a.Name())
		b.WriteByte('=')
		for _, r := range values[k] {
			switch {
			case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-', r == '+':
				b.WriteRune(r)
			case r == ',':
				b.WriteByte('+')
			default:
				b.WriteByte('_')
			}
		}
	}
	s := b.String()
	if len(s) > maxNameBytes {
		s = s[:maxNameBytes]
	}
	if s == "." || s == ".." {
		s = "run"
	}
	return s
}

// uniqueName returns name, or name-2, name-3, ... if taken.
func uniqueName(name string, used map[string]int) string {
	n := used[name]
	used[name] = n + 1
	if n == 0 {
		return name
	}
	for k := n + 1; ; k++ {
		s := name + "-" + strconv.Itoa(k)
		if used[s] == 0 {
			used[s] = 1
			return s
		}
	}
}

// Shard is -shard K/N: the runs whose index i has i mod N = K-1.
type Shard struct{ K, N int }

// ParseShard parses K/N, 1 <= K <= N.
func ParseShard(s string) (Shard, error) {
	ks, ns, ok := strings.Cut(s, "/")
	k, errK := strconv.Atoi(strings.TrimSpace(ks))
	n, errN := strconv.Atoi(strings.TrimSpace(ns))
	switch {
	case !ok || errK != nil || errN != nil:
		return Shard{}, fmt.Errorf("flag -shard %s: expected K/N, e.g. 1/4", s)
	case n < 1 || k < 1 || k > n:
		return Shard{}, fmt.Errorf("flag -shard %s: expected 1 <= K <= N, got K %d and N %d", s, k, n)
	}
	return Shard{k, n}, nil
}

// Has reports whether the shard holds the run of index i (the zero Shard holds every run).
func (s Shard) Has(i int) bool { return s.N <= 1 || i%s.N == s.K-1 }

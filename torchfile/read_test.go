package torchfile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
)

func readFile(t testing.TB, name string) (Value, error) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return Read(bytes.NewReader(b), int64(len(b)))
}

// expected is testdata/expected.json, written by gen.py.
type expectedTensor struct {
	Dtype  string `json:"dtype"`
	Shape  []int  `json:"shape"`
	Values []any  `json:"values"`
	First  []any  `json:"first"`
	Sum    any    `json:"sum"`
}

func loadExpected(t *testing.T) map[string]map[string]expectedTensor {
	b, err := os.ReadFile("testdata/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var e map[string]map[string]expectedTensor
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func num(v any) float64 {
	switch v := v.(type) {
	case float64:
		return v
	case string:
		switch v {
		case "inf":
			return math.Inf(1)
		case "-inf":
			return math.Inf(-1)
		}
	}
	return math.NaN()
}

// tensorsByPath walks v as gen.py's walk does: dict keys joined with dots,
// list and tuple items as [i]; inert objects are not entered.
func tensorsByPath(v Value, path string, out map[string]*Tensor) {
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	switch v := v.(type) {
	case *Tensor:
		out[path] = v
	case *Dict:
		for i := range v.Len() {
			k, val := v.Item(i)
			tensorsByPath(val, join(fmt.Sprint(k)), out)
		}
	case *List:
		for i, e := range v.Items {
			tensorsByPath(e, fmt.Sprintf("%s[%d]", path, i), out)
		}
	case Tuple:
		for i, e := range v {
			tensorsByPath(e, fmt.Sprintf("%s[%d]", path, i), out)
		}
	}
}

func values(t *Tensor) []float64 {
	if t.Data != nil {
		return t.Data
	}
	f := make([]float64, len(t.Ints))
	for i, v := range t.Ints {
		f[i] = float64(v)
	}
	return f
}

func TestFixtures(t *testing.T) {
	exp := loadExpected(t)
	names := make([]string, 0, len(exp))
	for n := range exp {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) < 8 {
		t.Fatalf("expected.json lists %d files", len(names))
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			v, err := readFile(t, name)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]*Tensor{}
			tensorsByPath(v, "", got)
			if len(got) != len(exp[name]) {
				t.Errorf("%d tensors, want %d", len(got), len(exp[name]))
			}
			for path, e := range exp[name] {
				g, ok := got[path]
				if !ok {
					t.Errorf("%s: missing", path)
					continue
				}
				if g.Dtype != e.Dtype || !slices.Equal(g.Shape, e.Shape) && !(len(g.Shape) == 0 && len(e.Shape) == 0) {
					t.Errorf("%s: %s %v, want %s %v", path, g.Dtype, g.Shape, e.Dtype, e.Shape)
					continue
				}
				vals := values(g)
				if len(vals) != g.Len() {
					t.Errorf("%s: %d values for shape %v", path, len(vals), g.Shape)
					continue
				}
				want := e.Values
				if want == nil {
					want = e.First
					var sum float64
					for _, x := range vals {
						sum += x
					}
					if sum != num(e.Sum) {
						t.Errorf("%s: sum %v, want %v", path, sum, e.Sum)
					}
				}
				for i, w := range want {
					if vals[i] != num(w) {
						t.Errorf("%s[%d] = %v, want %v", path, i, vals[i], w)
					}
				}
			}
		})
	}
}

// formula is gen.py's formula: a*i + b over the row-major index, rounded
// to float32.
func formula(n int, a, b float64) []float64 {
	f := make([]float64, n)
	for i := range f {
		f[i] = float64(float32(float64(i)*a + b))
	}
	return f
}

func TestStateDictFormulas(t *testing.T) {
	for _, name := range []string{"state_zip.pt", "state_zip_p1.pt", "state_zip_p4.pt", "state_zip_p5.pt", "state_legacy.pt", "state_legacy_p4.pt"} {
		t.Run(name, func(t *testing.T) {
			v, err := readFile(t, name)
			if err != nil {
				t.Fatal(err)
			}
			keys, ts, err := StateDict(v)
			if err != nil {
				t.Fatal(err)
			}
			if keys[0] != "embed.W_E" || keys[1] != "pos_embed.W_pos" || len(keys) != 23 {
				t.Errorf("keys %q", keys)
			}
			check := func(key string, shape []int, want []float64) {
				t.Helper()
				g := ts[key]
				if g == nil {
					t.Fatalf("no %s", key)
				}
				if !slices.Equal(g.Shape, shape) || !slices.Equal(g.Data, want) {
					t.Errorf("%s: %v %v, want %v %v", key, g.Shape, head(g.Data), shape, head(want))
				}
			}
			check("embed.W_E", []int{65, 32}, formula(65*32, 0.25, -3))
			check("pos_embed.W_pos", []int{3, 32}, formula(3*32, -0.5, 1))
			check("unembed.W_U", []int{32, 64}, formula(32*64, 1.0/1024, 0.5))
			base := formula(24, 1, 0) // [4, 6]
			var tr []float64
			for j := range 6 {
				for i := range 4 {
					tr = append(tr, base[i*6+j])
				}
			}
			check("extra.transposed", []int{6, 4}, tr)
			check("extra.slice", []int{2, 6}, base[6:18])
			check("extra.strided", []int{2, 2}, []float64{base[1], base[4], base[13], base[16]})
			shared := formula(10, 2, 1)
			check("extra.shared_a", []int{4}, shared[:4])
			check("extra.shared_b", []int{2, 3}, shared[4:])
			check("extra.empty", []int{0, 3}, []float64{})
			check("blocks.0.attn.IGNORE", []int{}, []float64{math.Inf(-1)})
			mask := ts["blocks.0.attn.mask"]
			if mask.Dtype != "bool" || !slices.Equal(mask.Ints, []int64{1, 0, 0, 1, 1, 0, 1, 1, 1}) || mask.Data != nil {
				t.Errorf("mask %s %v %v", mask.Dtype, mask.Ints, mask.Data)
			}
			if i64 := ts["extra.i64"]; !slices.Equal(i64.Ints, []int64{-(1 << 62), -1, 0, 7}) {
				t.Errorf("extra.i64 = %v", i64.Ints)
			}
			for _, k := range []string{"W_Q", "W_K", "W_V", "W_O"} {
				if g := ts["blocks.0.attn."+k]; !slices.Equal(g.Shape, []int{1, 32, 32}) || g.Dtype != "float32" || g.Device != "cpu" {
					t.Errorf("%s: %s %v on %s", k, g.Dtype, g.Shape, g.Device)
				}
			}
		})
	}
}

func head(f []float64) []float64 {
	if len(f) > 6 {
		return f[:6]
	}
	return f
}

func get(t *testing.T, v Value, keys ...any) Value {
	t.Helper()
	for _, k := range keys {
		var d *Dict
		switch x := v.(type) {
		case *Dict:
			d = x
		case *Object:
			if s, ok := x.State.(*Dict); ok {
				d = s
			} else {
				d = x.DictItems
			}
		}
		if d == nil {
			t.Fatalf("%v: not a dict but %s", k, typeName(v))
		}
		var ok bool
		if v, ok = d.Get(k); !ok {
			t.Fatalf("no key %v", k)
		}
	}
	return v
}

func TestLightning(t *testing.T) {
	v, err := readFile(t, "lightning.ckpt")
	if err != nil {
		t.Fatal(err)
	}
	if e := get(t, v, "epoch"); e != int64(9) {
		t.Errorf("epoch %v", e)
	}
	if s := get(t, v, "pytorch-lightning_version"); s != "1.9.0" {
		t.Errorf("version %v", s)
	}
	keys, ts, err := StateDict(get(t, v, "state_dict"))
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 9 || keys[0] != "model.embed.W_E" || !slices.Equal(ts["model.embed.W_E"].Data, formula(65*32, 0.25, -3)) {
		t.Errorf("state dict keys %q", keys)
	}
	opt := get(t, v, "optimizer_states").(*List).Items[0]
	step := get(t, opt, "state", int64(0), "step").(*Tensor)
	if step.Dtype != "int64" || !slices.Equal(step.Ints, []int64{10}) || len(step.Shape) != 0 {
		t.Errorf("step %+v", step)
	}
	pg := get(t, opt, "param_groups").(*List).Items[0]
	if b := get(t, pg, "betas"); !reflect.DeepEqual(b, Tuple{0.9, 0.999}) {
		t.Errorf("betas %#v", b)
	}
	if f := get(t, pg, "foreach"); f != nil {
		t.Errorf("foreach %v", f)
	}
	if l := get(t, v, "lr_schedulers").(*List); len(l.Items) != 0 {
		t.Errorf("lr_schedulers %v", l.Items)
	}

	hp := get(t, v, "hyper_parameters")
	cfg := get(t, hp, "config").(*Object)
	if cfg.Module != "gbmi_fake.exp_max_of_n.train" || cfg.Name != "Config" {
		t.Errorf("config is %s.%s", cfg.Module, cfg.Name)
	}
	for _, c := range []struct {
		keys []any
		want Value
	}{
		{[]any{"seed"}, int64(123)},
		{[]any{"deterministic"}, true},
		{[]any{"train_for"}, Tuple{int64(10), "epochs"}},
		{[]any{"validate_every"}, Tuple{int64(10), "steps"}},
		{[]any{"optimizer_kwargs", "lr"}, 0.001},
		{[]any{"experiment", "d_vocab"}, int64(64)},
		{[]any{"experiment", "use_end_of_sequence"}, false},
	} {
		if g := get(t, cfg, c.keys...); !reflect.DeepEqual(g, c.want) {
			t.Errorf("config %v = %#v, want %#v", c.keys, g, c.want)
		}
	}
	if k := get(t, hp, "kind"); !reflect.DeepEqual(k, &Global{"gbmi_fake.exp_max_of_n.train", "Kind.ATTN_ONLY"}) {
		t.Errorf("kind %#v", k)
	}
	if d := get(t, hp, "device").(*Object); d.Module != "torch" || d.Name != "device" || !reflect.DeepEqual(d.Args, []Value{"cpu"}) {
		t.Errorf("device %#v", d)
	}
	if d := get(t, hp, "dtype"); !reflect.DeepEqual(d, &Global{"torch", "float32"}) {
		t.Errorf("dtype %#v", d)
	}
	if b := get(t, hp, "extra", "b").(*List); !reflect.DeepEqual(b.Items, []Value{int64(1), int64(2), int64(3)}) {
		t.Errorf("extra.b %v", b.Items)
	}
	if s := get(t, hp, "names").(*Set); len(s.Items) != 2 || s.Frozen {
		t.Errorf("names %v", s.Items)
	}
	for k, want := range map[string]Value{"bytes": []byte("\x00\x01hi"), "big": int64(1 << 40), "neg": int64(-5), "pi": 3.25} {
		if g := get(t, hp, k); !reflect.DeepEqual(g, want) {
			t.Errorf("%s = %#v, want %#v", k, g, want)
		}
	}
}

func TestGBMI(t *testing.T) {
	v, err := readFile(t, "gbmi.pth")
	if err != nil {
		t.Fatal(err)
	}
	keys, _, err := StateDict(get(t, v, "model"))
	if err != nil || len(keys) != 9 {
		t.Fatalf("model: %q, %v", keys, err)
	}
	cfg := get(t, v, "model_config").(*Object)
	if cfg.Name != "HookedTransformerConfig" || get(t, cfg, "d_vocab") != int64(65) || get(t, cfg, "normalization_type") != nil {
		t.Errorf("config %+v", cfg)
	}
	if l := get(t, v, "train_losses").(*List); !reflect.DeepEqual(l.Items, []Value{2.5, 1.25, 0.625}) {
		t.Errorf("losses %v", l.Items)
	}
	if _, _, err := StateDict(v); err == nil || !strings.Contains(err.Error(), `"model" is a dict, not a tensor`) {
		t.Errorf("StateDict of the whole file: %v", err)
	}
}

func TestProtocol0(t *testing.T) {
	p := []byte("(dp0\nS'a\\n\\x41\\'\\101'\np1\nI1\nsVb\\u00e9\\U0001F600\np2\nF1.5\nsg1\n(lp3\nL12L\naI01\naI-7\naNa(I1\nI2\ntp4\naccollections\nOrderedDict\n(tRp5\na(i__main__\nThing\n(dp6\nS'x'\nI3\nsbas.")
	m := newMachine(p, "p0", 0)
	v, err := m.run()
	if err != nil {
		t.Fatal(err)
	}
	d := v.(*Dict)
	if d.Len() != 2 {
		t.Fatalf("%d items", d.Len())
	}
	k, _ := d.Item(0)
	if k != "a\nA'A" {
		t.Errorf("key %q", k)
	}
	if x, _ := d.Get("b\u00e9\U0001F600"); x != 1.5 {
		t.Errorf("b: %v", x)
	}
	l := get(t, d, k).(*List)
	thing := &Object{Module: "__main__", Name: "Thing", State: l.Items[6].(*Object).State}
	want := []Value{int64(12), true, int64(-7), nil, Tuple{int64(1), int64(2)}, &Dict{}, thing}
	if len(l.Items) != len(want) {
		t.Fatalf("list %v", l.Items)
	}
	for i := range want {
		if fmt.Sprint(l.Items[i]) != fmt.Sprint(want[i]) {
			t.Errorf("item %d = %#v, want %#v", i, l.Items[i], want[i])
		}
	}
	if x := get(t, thing, "x"); x != int64(3) {
		t.Errorf("Thing.x = %v", x)
	}
}

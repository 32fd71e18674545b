package sweep

import (
	"math"
	"slices"
	"strings"
	"testing"

	"maxgrok/compute"
)

func TestParseAxis(t *testing.T) {
	base := compute.DefaultConfig()
	for _, tc := range []struct {
		arg  string
		want []string
		err  string
	}{
		{arg: "model_seed=1..4", want: []string{"1", "2", "3", "4"}},
		{arg: "lr=1e-3, 0.003", want: []string{"0.001", "0.003"}},
		{arg: "weight_decay=0.3", want: []string{"0.3"}},
		{arg: "force_adjacent=0,1;0,1,2", want: []string{"0,1", "0,1,2"}},
		{arg: "force_adjacent=0,1", want: []string{"0", "1"}},
		{arg: "optimizer=Adam,AdamW", want: []string{"Adam", "AdamW"}},
		{arg: "seed=-2..0", want: []string{"-2", "-1", "0"}},
		{arg: "lr=0,1", err: "flag -sweep lr=0,1: lr 0: expected a positive finite number, got 0"},
		{arg: "model_seed=5..2", err: "flag -sweep model_seed=5..2: empty range 5..2 (A..B needs A <= B)"},
		{arg: "lr=", err: "flag -sweep lr=: no values"},
		{arg: "lr=0.1,,0.2", err: `flag -sweep lr=0.1,,0.2: empty value at position 2 of "0.1,,0.2"`},
		{arg: "momentum=0.9", err: `flag -sweep momentum=0.9: unknown config key "momentum" (keys: vocab, `},
		{arg: "lr", err: "flag -sweep lr: expected KEY=VALUES"},
		{arg: "vocab=abc", err: `flag -sweep vocab=abc: vocab abc: expected an integer, got "abc"`},
		{arg: "vocab=8", err: "flag -sweep vocab=8: vocab 8: field \"force_adjacent\": expected distances in [0, vocab-1 = 7], got 17"},
		{arg: "lr=0.001,1e-3", err: "flag -sweep lr=0.001,1e-3: lr 1e-3: the same value as 0.001"},
		{arg: "seed=1..x", err: `flag -sweep seed=1..x: expected a range of integers A..B, got "1..x"`},
		{arg: "seed=0..20000", err: "flag -sweep seed=0..20000: range 0..20000 has 20001 values, more than a sweep may have (10000 runs)"},
	} {
		t.Run(tc.arg, func(t *testing.T) {
			a, err := ParseAxis(tc.arg, base)
			if tc.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || !slices.Equal(a.Values, tc.want) {
				t.Fatalf("values %q, error %v; want %q", a.Values, err, tc.want)
			}
		})
	}
}

func mustAxes(t *testing.T, base compute.Config, args ...string) []Axis {
	t.Helper()
	var axes []Axis
	for _, s := range args {
		a, err := ParseAxis(s, base)
		if err != nil {
			t.Fatal(err)
		}
		axes = append(axes, a)
	}
	return axes
}

func TestExpand(t *testing.T) {
	base := compute.DefaultConfig()
	g, err := Expand(base, mustAxes(t, base, "weight_decay=0.3,1", "training_ratio=0.2,0.3,0.4"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range g.Points {
		names = append(names, p.Name)
	}
	want := []string{"weight_decay=0.3,training_ratio=0.2", "weight_decay=0.3,training_ratio=0.3", "weight_decay=0.3,training_ratio=0.4",
		"weight_decay=1,training_ratio=0.2", "weight_decay=1,training_ratio=0.3", "weight_decay=1,training_ratio=0.4"}
	if !slices.Equal(names, want) {
		t.Errorf("names %q, want %q", names, want)
	}
	if p := g.Points[4]; p.Config.WeightDecay != 1 || p.Config.TrainingRatio != 0.3 || p.Index != 4 {
		t.Errorf("point 4: %+v", p)
	}
	fa, _ := Expand(base, mustAxes(t, base, "force_adjacent=0,1;0,17"))
	if fa.Points[0].Name != "force_adjacent=0+1" {
		t.Errorf("list name %q", fa.Points[0].Name)
	}
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"lr=0.1", "lr=0.2"}, "flag -sweep lr=0.2: lr is swept twice"},
		{[]string{"seed=1..1000", "model_seed=1..11"}, "flag -sweep: the sweep has more than 10000 runs"},
		{[]string{"lr=0.5", "weight_decay=1,3"}, `flag -sweep: run lr=0.5,weight_decay=3: field "weight_decay"`},
	} {
		_, err := Expand(base, mustAxes(t, base, tc.args...))
		if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
			t.Errorf("%q: error %v, want %q", tc.args, err, tc.err)
		}
	}
}

func TestUniqueName(t *testing.T) {
	used := map[string]int{}
	got := []string{uniqueName("a", used), uniqueName("a", used), uniqueName("a-2", used), uniqueName("a", used)}
	if want := []string{"a", "a-2", "a-2-2", "a-3"}; !slices.Equal(got, want) {
		t.Errorf("%q, want %q", got, want)
	}
}

func TestShard(t *testing.T) {
	for _, tc := range []struct {
		s   string
		err string
	}{
		{"1/1", ""}, {"2/3", ""},
		{"0/2", "flag -shard 0/2: expected 1 <= K <= N, got K 0 and N 2"},
		{"3/2", "flag -shard 3/2: expected 1 <= K <= N, got K 3 and N 2"},
		{"1", "flag -shard 1: expected K/N, e.g. 1/4"},
		{"a/b", "flag -shard a/b: expected K/N"},
	} {
		sh, err := ParseShard(tc.s)
		if tc.err == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.s, err)
			}
			continue
		}
		if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
			t.Errorf("%s: error %v, want %q (%v)", tc.s, err, tc.err, sh)
		}
	}
	sh := Shard{2, 3}
	var got []int
	for i := range 8 {
		if sh.Has(i) {
			got = append(got, i)
		}
	}
	if !slices.Equal(got, []int{1, 4, 7}) {
		t.Errorf("shard 2/3 holds %v", got)
	}
}

func TestPhaseOf(t *testing.T) {
	for _, tc := range []struct {
		mem, grok int
		finite    bool
		want      Phase
	}{
		{1526, 1940, true, Grokking},
		{1526, 1670, true, Comprehension}, // 144 <= 152
		{1526, 1690, true, Grokking},
		{300, 400, true, Comprehension}, // the gap is at least 100
		{300, 401, true, Grokking},
		{500, 300, true, Comprehension}, // generalises before fitting
		{500, -1, true, Memorization},
		{-1, 900, true, Confusion},
		{-1, -1, true, Confusion},
		{100, 200, false, Diverged},
	} {
		if got := PhaseOf(tc.mem, tc.grok, tc.finite); got != tc.want {
			t.Errorf("PhaseOf(%d, %d, %v) = %s, want %s", tc.mem, tc.grok, tc.finite, got, tc.want)
		}
	}
}

func TestSummarize(t *testing.T) {
	c := compute.DefaultConfig()
	c.Epochs, c.CheckpointEvery = 40, 10
	r := &compute.Run{Config: c, Epochs: []int{0, 10, 20, 30, 40}}
	for e := 0; e <= 40; e++ {
		m := compute.MetricRow{Epoch: e, TrainLoss: 1, TrainAcc: math.Min(1, float64(e)/15)}
		if e%10 == 0 {
			m.HasTest, m.TestAcc, m.TestLoss = true, []float64{0, 0.5, 0.9, 0.995, 1}[e/10], 2
		}
		r.Metrics = append(r.Metrics, m)
	}
	s := Summarize(Point{Name: "x"}, r)
	if s.MemorisedEpoch != 15 || s.GrokkedEpoch != 30 || s.FinalTestAcc != 1 || s.FinalTrainAcc != 1 || s.Phase != Comprehension || len(s.TestAcc) != 5 {
		t.Errorf("summary %+v", s)
	}
	csv := string(MarshalCSV(nil, []*Summary{s, DivergedSummary(Point{Name: "y"}, 3)}))
	want := "run,memorised_epoch,grokked_epoch,final_train_acc,final_test_acc,final_cubic_bound,phase\nruns/x,15,30,1,1,0,comprehension\n,,,,,,diverged\n"
	if csv != want {
		t.Errorf("csv %q, want %q", csv, want)
	}
	if _, err := MarshalCurves(nil, []*Summary{s, DivergedSummary(Point{Name: "y"}, 3)}); err != nil {
		t.Error(err)
	}
}

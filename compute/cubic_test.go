package compute

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestCubicBoundReference checks the port against cubic_bound_eos at the reference epochs
// (analysis_reference.json) and against series.csv at every checkpoint of the reference run
// when ../shared is present. The bound is a count of inputs: it must be exactly equal.
func TestCubicBoundReference(t *testing.T) {
	refs := readRefAnalyses(t)
	for _, epoch := range refEpochs {
		if got, want := CubicBound(refCheckpoint(t, epoch)), refs[epoch].CubicBound; got != want {
			t.Errorf("epoch %d: cubic bound %v, reference %v", epoch, got, want)
		}
	}
	t.Run("series", func(t *testing.T) {
		dir := sharedOrSkip(t, "run/checkpoints")
		series := refSeries(t)
		ckpts, epochs := readRunCheckpoints(t, dir, DefaultConfig())
		for i, p := range ckpts {
			if got, want := CubicBound(p), series[epochs[i]][2]; got != want {
				t.Errorf("epoch %d: cubic bound %v, reference %v", epochs[i], got, want)
			}
		}
	})
}

// TestCubicBoundCases checks models whose bound is known.
func TestCubicBoundCases(t *testing.T) {
	for _, V := range []int{2, 8, 16, 33} {
		t.Run(fmt.Sprint(V), func(t *testing.T) {
			// All weights zero: every logit ties, nothing is certified.
			if got := CubicBound(NewParams(DimsOf(smallConfig(V, 4, 4)))); got != 0 {
				t.Errorf("zero model: cubic bound %v, want 0", got)
			}
			// The hand-designed max model without noise: every input is certified.
			p, _ := designedParams(rand.New(rand.NewPCG(1, 2)), V, 0)
			if got := CubicBound(p); got != 1 {
				t.Errorf("designed model: cubic bound %v, want 1", got)
			}
			// The same with the unembedding negated: every input is wrong.
			for i := range p.WU {
				p.WU[i] = -p.WU[i]
			}
			if got := CubicBound(p); got != 0 {
				t.Errorf("negated designed model: cubic bound %v, want 0", got)
			}
		})
	}
}

// TestCubicBoundSeqLen checks that other sequence lengths are refused.
func TestCubicBoundSeqLen(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("CubicBound accepted seq_len 3")
		}
	}()
	CubicBound(NewParams(Dims{V: 4, N: 3, D: 4, H: 4}))
}

// BenchmarkCubicBound is the cubic bound of one default-config checkpoint (mid-grokking).
func BenchmarkCubicBound(b *testing.B) {
	p := refCheckpoint(b, 1500)
	t := NewTables(p.Dims)
	TablesForward(t, p)
	var s cubicScratch
	for b.Loop() {
		s.bound(p, t, nil)
	}
}

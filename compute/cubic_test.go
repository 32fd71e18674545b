package compute

import (
	"fmt"
	"math"
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

// TestPpessRows checks the cubic bound's Ppess as maxShifted computes it, row by row with pj =
// -0, against the scalar loop it replaced, bit for bit, on random rows and on rows of ±0,
// ties and infinities.
func TestPpessRows(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	special := []float64{0, math.Copysign(0, -1), 1, -1, math.Inf(1), math.Inf(-1), 5e-324}
	for _, V := range []int{1, 3, 4, 7, 64, 65} {
		for trial := range 40 {
			pvou := make([]float64, 3*V)
			for i := range pvou {
				pvou[i] = r.NormFloat64()
				if trial%2 == 1 {
					pvou[i] = special[r.IntN(len(special))]
				}
			}
			for m := range V {
				want := make([]float64, V)
				for j := range V {
					best := math.Inf(-1)
					for q := range 3 {
						if x := pvou[q*V+j] - pvou[q*V+m]; x > best {
							best = x
						}
					}
					want[j] = best
				}
				got, pm := make([]float64, V), make([]float64, V)
				for j := range got {
					got[j] = math.Inf(-1)
				}
				for q := range 3 {
					for j := range pm {
						pm[j] = pvou[q*V+m]
					}
					maxShifted(got, pvou[q*V:(q+1)*V], pm, math.Copysign(0, -1))
				}
				for j := range V {
					if !same(got[j], want[j]) && !(got[j] != got[j] && want[j] != want[j]) {
						t.Fatalf("V=%d m=%d: Ppess[%d] = %v, the scalar loop %v", V, m, j, got[j], want[j])
					}
				}
			}
		}
	}
}

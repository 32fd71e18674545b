package compute

import (
	"math/rand/v2"
	"slices"
)

// Dataset is a list of inputs (t_0, ..., t_{n-1}) with EOS implied, and their labels max(t).
type Dataset struct {
	N      int   // data tokens per input
	Toks   []int // [B, n]
	Labels []int // [B]
}

// Len is the number of inputs.
func (ds Dataset) Len() int { return len(ds.Labels) }

// Input returns the tokens of input i.
func (ds Dataset) Input(i int) []int { return ds.Toks[i*ds.N : (i+1)*ds.N] }

// Slice returns inputs [lo, hi).
func (ds Dataset) Slice(lo, hi int) Dataset {
	return Dataset{N: ds.N, Toks: ds.Toks[lo*ds.N : hi*ds.N], Labels: ds.Labels[lo:hi]}
}

// TrainMask returns, for each pair index a*V + b, whether (a, b) is in the training set.
//
// The training set is every pair with |a-b| in force_adjacent, then further pairs until it holds
// Config.TrainSize pairs. The further pairs are the first ones of a Fisher-Yates shuffle of the
// remaining pairs (in a*V+b order): for i = len-1 down to 1, swap i with j = u mod (i+1), u the
// next Uint64 of math/rand/v2's PCG-DXSM generator rand.NewPCG(seed, 0). The algorithm is
// written out here rather than taken from rand.Shuffle, whose method Go may change; the PCG's
// output is fixed by its definition, so the choice is the same on every machine and release.
func TrainMask(c Config) []bool {
	V := c.Vocab
	mask := make([]bool, V*V)
	forced := 0
	for a := range V {
		for b := range V {
			d := a - b
			if d < 0 {
				d = -d
			}
			if slices.Contains(c.ForceAdjacent, d) {
				mask[a*V+b] = true
				forced++
			}
		}
	}
	if more := c.TrainSize() - forced; more > 0 {
		rest := make([]int, 0, V*V-forced)
		for i, in := range mask {
			if !in {
				rest = append(rest, i)
			}
		}
		pcg := rand.NewPCG(uint64(c.Seed), 0)
		for i := len(rest) - 1; i > 0; i-- {
			j := int(pcg.Uint64() % uint64(i+1))
			rest[i], rest[j] = rest[j], rest[i]
		}
		for _, i := range rest[:more] {
			mask[i] = true
		}
	}
	return mask
}

// Split returns the training and test sets for c, each in a*V+b order (the order minibatches
// take, as the reference's DataLoader without shuffling).
func Split(c Config) (train, test Dataset) {
	V := c.Vocab
	mask := TrainMask(c)
	train.N, test.N = 2, 2
	for i, in := range mask {
		a, b := i/V, i%V
		ds := &test
		if in {
			ds = &train
		}
		ds.Toks = append(ds.Toks, a, b)
		ds.Labels = append(ds.Labels, max(a, b))
	}
	return train, test
}

// AllInputs returns every input (a, b) in a*V+b order.
func AllInputs(V int) Dataset {
	ds := Dataset{N: 2, Toks: make([]int, 0, 2*V*V), Labels: make([]int, 0, V*V)}
	for a := range V {
		for b := range V {
			ds.Toks = append(ds.Toks, a, b)
			ds.Labels = append(ds.Labels, max(a, b))
		}
	}
	return ds
}

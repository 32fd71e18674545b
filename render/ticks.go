package render

// Tick markers of the figures' axes and colour bars.

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// niceTicks marks about six round values (1, 2 or 5 times a power of ten) without minor ticks.
type niceTicks struct{}

func (niceTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) {
		return []plot.Tick{{Value: lo, Label: formatTick(lo, 0)}}
	}
	raw := (hi - lo) / 8
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 5} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	decimals := max(0, -int(math.Floor(math.Log10(step)+1e-9)))
	var ticks []plot.Tick
	for k := math.Ceil(lo/step - 1e-9); k*step <= hi+1e-9*step; k++ {
		v := k * step
		ticks = append(ticks, plot.Tick{Value: v, Label: formatTick(v, decimals)})
	}
	return ticks
}

func formatTick(v float64, decimals int) string {
	p := math.Pow(10, float64(decimals))
	v = math.Round(v*p) / p
	if v == 0 {
		v = 0 // no "-0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// decadeTicks marks the powers of ten of a log axis (every other one beyond ten decades), with
// unlabelled minor ticks at 2..9 times them when there are at most four decades.
type decadeTicks struct{}

func (decadeTicks) Ticks(lo, hi float64) []plot.Tick {
	k0, k1 := int(math.Ceil(math.Log10(lo)-1e-9)), int(math.Floor(math.Log10(hi)+1e-9))
	every := 1
	if k1-k0 > 10 {
		every = 2
	}
	var ticks []plot.Tick
	for k := int(math.Floor(math.Log10(lo))); k <= k1; k++ {
		v := math.Pow(10, float64(k))
		if k >= k0 && (k-k0)%every == 0 {
			label := "1e" + strconv.Itoa(k)
			if k >= -4 && k <= 5 {
				label = strconv.FormatFloat(v, 'f', -1, 64)
			}
			ticks = append(ticks, plot.Tick{Value: v, Label: label})
		}
		if k1-k0 <= 4 {
			for m := 2; m <= 9; m++ {
				if w := float64(m) * v; w >= lo && w <= hi {
					ticks = append(ticks, plot.Tick{Value: w})
				}
			}
		}
	}
	return ticks
}

// intTicks marks integers (tokens, positions) with a step of 1, 2, 5, 10, 20, ... so that there
// are at most nine labels.
type intTicks struct{}

func (intTicks) Ticks(lo, hi float64) []plot.Tick {
	first, last := math.Ceil(lo), math.Floor(hi)
	step := 1.0
	for m := 0; (last-first)/step >= 9; m++ {
		step = []float64{2, 5, 10}[m%3] * math.Pow(10, float64(m/3))
	}
	var ticks []plot.Tick
	for v := math.Ceil(first/step) * step; v <= last; v += step {
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.Itoa(int(v))})
	}
	return ticks
}

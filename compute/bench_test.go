package compute

import (
	"fmt"
	"testing"
)

// BenchmarkStep measures one full-batch training step (forward, backward, AdamW) as the
// vocabulary and the width grow; the training set is the default's 10% of all pairs.
func BenchmarkStep(b *testing.B) {
	for _, m := range []struct{ V, D int }{{32, 32}, {64, 32}, {128, 32}, {64, 16}, {64, 64}} {
		b.Run(fmt.Sprintf("vocab=%d/d=%d", m.V, m.D), func(b *testing.B) {
			c := DefaultConfig()
			c.Vocab, c.DModel, c.DHead = m.V, m.D, m.D
			c.ForceAdjacent = []int{0, 1, 2}
			c.TrainingRatio = 0.1
			p, err := InitParams(c)
			if err != nil {
				b.Fatal(err)
			}
			tr := NewTrainer(c, p)
			for b.Loop() {
				if _, err := tr.RunEpoch(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

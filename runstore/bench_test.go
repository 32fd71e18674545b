package runstore

import (
	"context"
	"testing"

	"maxgrok/compute"
)

// BenchmarkTrainRunDefault measures the whole default run: 3000 epochs, 301 checkpoints
// written, every analysis (on a second goroutine), metrics.csv.
func BenchmarkTrainRunDefault(b *testing.B) {
	c := compute.DefaultConfig()
	init, err := compute.InitParams(c)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := TrainRun(context.Background(), c, init, b.TempDir(), nil); err != nil {
			b.Fatal(err)
		}
	}
}

package runstore

import (
	"context"
	"errors"
	"maxgrok/compute"
	"maxgrok/internal/testref"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"maxgrok/internal/filetree"
)

// quickRunConfig is a quick run: 12 tokens, 400 epochs.
func quickRunConfig() compute.Config {
	c := compute.DefaultConfig()
	c.Vocab, c.DModel, c.DHead = 12, 8, 8
	c.ForceAdjacent = []int{0, 1, 3}
	c.TrainingRatio = 0.4
	c.Epochs, c.CheckpointEvery = 400, 10
	c.LR = 0.01
	return c
}

// readTree returns every file under dir by relative path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files, err := filetree.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func sameTree(t *testing.T, a, b map[string][]byte) {
	t.Helper()
	for _, d := range filetree.Diff(a, b) {
		t.Error(d)
	}
}

// TestResumeIsIdentical interrupts a run part-way (by cancelling its context, as SIGINT does
// in the command), resumes it, and checks the run folder is byte-identical to an uninterrupted
// run's.
func TestResumeIsIdentical(t *testing.T) {
	c := quickRunConfig()
	init, err := compute.InitParams(c)
	if err != nil {
		t.Fatal(err)
	}
	whole, parts := t.TempDir(), t.TempDir()
	if _, err := TrainRun(context.Background(), c, init, whole, nil); err != nil {
		t.Fatal(err)
	}
	for _, stop := range []int{237, 301} { // interrupted twice
		ctx, cancel := context.WithCancel(context.Background())
		_, err := TrainRun(ctx, c, init, parts, func(p Progress) {
			if p.Epoch == stop {
				cancel()
			}
		})
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted run: err = %v, want context.Canceled", err)
		}
		if Complete(parts, c) {
			t.Fatal("an interrupted run is marked complete")
		}
		if e := ResumeEpoch(parts, c); e != stop/10*10 {
			t.Fatalf("resume epoch after stopping at %d = %d, want %d", stop, e, stop/10*10)
		}
	}
	r, err := TrainRun(context.Background(), c, init, parts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Metrics) != c.Epochs+1 || r.Analyses[len(r.Analyses)-1] == nil {
		t.Fatalf("resumed run: %d metric rows, analyses %v", len(r.Metrics), r.Analyses[len(r.Analyses)-1])
	}
	sameTree(t, readTree(t, whole), readTree(t, parts))
}

// TestDivergence checks that a diverging run stops with the epoch in the error and writes no
// non-finite value: no metrics.csv, and every checkpoint written is finite.
func TestDivergence(t *testing.T) {
	c := quickRunConfig()
	c.LR, c.WeightDecay = 1e300, 0
	init, _ := compute.InitParams(c)
	dir := t.TempDir()
	_, err := TrainRun(context.Background(), c, init, dir, nil)
	var de *compute.DivergenceError
	if !errors.As(err, &de) {
		t.Fatalf("err = %v, want a DivergenceError", err)
	}
	if !strings.Contains(err.Error(), "training diverged at epoch") || !strings.Contains(err.Error(), "lr 1e+300 is likely too large") {
		t.Errorf("message %q does not give the epoch and the likely cause", err)
	}
	if Complete(dir, c) {
		t.Error("a diverged run is marked complete")
	}
	names, _ := filepath.Glob(filepath.Join(dir, CheckpointsDir, "*.safetensors"))
	for _, name := range names {
		if _, _, err := ReadCheckpoint(name, compute.DimsOf(c)); err != nil {
			t.Errorf("checkpoint written during divergence: %v", err)
		}
	}
}

// TestDeterministicAcrossProcs checks that the run folder does not depend on GOMAXPROCS.
func TestDeterministicAcrossProcs(t *testing.T) {
	c := quickRunConfig()
	c.Epochs = 150
	init, _ := compute.InitParams(c)
	var trees []map[string][]byte
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 4} {
		runtime.GOMAXPROCS(procs)
		dir := t.TempDir()
		if _, err := TrainRun(context.Background(), c, init, dir, nil); err != nil {
			t.Fatal(err)
		}
		trees = append(trees, readTree(t, dir))
	}
	sameTree(t, trees[0], trees[1])
	sameTree(t, trees[0], trees[2])
}

// TestLoadRunReference loads the PyTorch reference run folder as is.
func TestLoadRunReference(t *testing.T) {
	dir := testref.Shared(t, "reference/default/run")
	r, err := LoadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Epochs) != 301 || r.Epochs[300] != 3000 || len(r.Metrics) != 3001 {
		t.Fatalf("loaded %d checkpoints (last %d), %d metric rows", len(r.Epochs), r.Epochs[len(r.Epochs)-1], len(r.Metrics))
	}
}

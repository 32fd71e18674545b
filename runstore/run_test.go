package runstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"maxgrok/compute"
	"maxgrok/internal/filetree"
	"maxgrok/internal/testref"
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
	r, err := LoadRun(dir, compute.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Epochs) != 301 || r.Epochs[300] != 3000 || len(r.Metrics) != 3001 {
		t.Fatalf("loaded %d checkpoints (last %d), %d metric rows", len(r.Epochs), r.Epochs[len(r.Epochs)-1], len(r.Metrics))
	}
}

// TestDamagedCache checks that a cached run counts as complete only with every checkpoint, and
// that a run folder with an epoch twice or out-of-range metrics is refused, naming the file.
func TestDamagedCache(t *testing.T) {
	c := quickRunConfig()
	c.Epochs = 30
	dir := t.TempDir()
	init, _ := compute.InitParams(c)
	if _, err := TrainRun(context.Background(), c, init, dir, nil); err != nil {
		t.Fatal(err)
	}
	if !Complete(dir, c) {
		t.Fatal("a whole run is not complete")
	}
	ckpt := filepath.Join(dir, CheckpointsDir, CheckpointName(20))
	saved, _ := os.ReadFile(ckpt)
	os.Remove(ckpt)
	if Complete(dir, c) {
		t.Error("a run missing a checkpoint counts as complete")
	}
	if _, err := LoadCached(dir, c); err == nil {
		t.Error("LoadCached accepted a run missing a checkpoint")
	}
	os.WriteFile(ckpt, saved, 0o644)
	if _, err := LoadCached(dir, c); err != nil {
		t.Fatalf("the repaired run: %v", err)
	}

	for _, tc := range []struct {
		name   string
		damage func()
		undo   func()
		want   string
	}{
		{"an epoch twice", func() { os.WriteFile(filepath.Join(dir, CheckpointsDir, "epoch-000010.safetensors"), saved, 0o644) },
			func() { os.Remove(filepath.Join(dir, CheckpointsDir, "epoch-000010.safetensors")) },
			"epoch 10 again (also epoch-000010.safetensors)"},
		{"an accuracy of 5", func() {
			b, _ := os.ReadFile(filepath.Join(dir, MetricsFile))
			os.WriteFile(filepath.Join(dir, MetricsFile+".bak"), b, 0o644)
			lines := strings.Split(string(b), "\n")
			f := strings.Split(lines[3], ",")
			f[2] = "5.0"
			lines[3] = strings.Join(f, ",")
			os.WriteFile(filepath.Join(dir, MetricsFile), []byte(strings.Join(lines, "\n")), 0o644)
		}, func() { os.Rename(filepath.Join(dir, MetricsFile+".bak"), filepath.Join(dir, MetricsFile)) },
			"line 4: column train_acc: 5.0, expected an accuracy, from 0 to 1"},
	} {
		tc.damage()
		_, err := LoadRun(dir, compute.DefaultConfig())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: LoadRun error %v, want one containing %q", tc.name, err, tc.want)
		}
		tc.undo()
	}
}

// TestCheckpointWriteFails makes the checkpoints folder immutable part-way through training: the
// run must stop soon after, with an error saying that a checkpoint could not be written, and
// not be marked complete.
// TestLoadCachedSeesRetraining checks that a cached run read while another process starts
// training it again (which removes metrics.csv, rewrites the checkpoints in place and writes a
// new metrics.csv) is refused, and one left alone is not.
func TestLoadCachedSeesRetraining(t *testing.T) {
	c := quickRunConfig()
	c.Epochs = 40
	init, _ := compute.InitParams(c)
	dir := t.TempDir()
	if _, err := TrainRun(context.Background(), c, init, dir, nil); err != nil {
		t.Fatal(err)
	}
	metrics := filepath.Join(dir, MetricsFile)
	b, err := os.ReadFile(metrics)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		meanwhile func()
		ok        bool
	}{
		{"left alone", nil, true},
		{"metrics.csv removed", func() { os.Remove(metrics) }, false},
		{"metrics.csv written again", func() { // by a training, which takes a while
			os.Remove(metrics)
			os.WriteFile(metrics, b, 0o644)
			later := time.Now().Add(time.Second)
			os.Chtimes(metrics, later, later)
		}, false},
		{"metrics.csv written again within the clock's resolution", func() {
			st, _ := os.Stat(metrics)
			os.Remove(metrics)
			os.WriteFile(metrics, append(slices.Clone(b), '\n'), 0o644) // other metrics
			os.Chtimes(metrics, st.ModTime(), st.ModTime())
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := os.Stat(metrics); err != nil {
				os.WriteFile(metrics, b, 0o644)
			}
			_, err := loadCached(dir, c, tc.meanwhile)
			if (err == nil) != tc.ok || err != nil && !strings.Contains(err.Error(), "changed while it was read") {
				t.Errorf("loadCached: %v, want ok %v", err, tc.ok)
			}
		})
	}
}

func TestCheckpointWriteFails(t *testing.T) {
	if _, err := exec.LookPath("chattr"); err != nil || os.Geteuid() != 0 {
		t.Skip("needs chattr and root")
	}
	c := quickRunConfig()
	init, _ := compute.InitParams(c)
	dir := t.TempDir()
	cdir := filepath.Join(dir, CheckpointsDir)
	defer exec.Command("chattr", "-i", cdir).Run()
	// Checkpoints are written on the worker's goroutine, which may lag behind: at epoch 65
	// training waits until a write has failed (epoch 60's at the latest, perhaps an earlier one
	// written after the chattr), and must then stop at the next checkpoint, epoch 70 at the
	// latest.
	failed := make(chan struct{})
	var once sync.Once
	last := 0
	_, err := trainRun(context.Background(), c, init, dir, func(p Progress) {
		last = p.Epoch
		switch p.Epoch {
		case 55:
			if out, err := exec.Command("chattr", "+i", cdir).CombinedOutput(); err != nil {
				t.Skipf("chattr +i: %v %s", err, out)
			}
		case 65:
			select {
			case <-failed:
			case <-time.After(time.Minute): // not a timing assertion: a guard against hanging
				t.Fatal("no checkpoint write failed after chattr +i")
			}
		}
	}, func(epoch int, err error) {
		if err != nil {
			once.Do(func() { close(failed) })
		}
	})
	if err == nil || !strings.Contains(err.Error(), "writing a checkpoint") {
		t.Fatalf("TrainRun error %v, want one about writing a checkpoint", err)
	}
	if last >= 70 {
		t.Errorf("training reported epoch %d, past the checkpoint (70) after the failed write", last)
	}
	if Complete(dir, c) {
		t.Error("the run is marked complete")
	}
}

// TestDivergedIsCached checks that a diverged run is recorded in the cache: the next Get of the
// config returns the same divergence at once, under every policy but Retrain.
func TestDivergedIsCached(t *testing.T) {
	c := quickRunConfig()
	c.LR, c.WeightDecay = 1e300, 0
	cache := Cache{Dir: t.TempDir()}
	_, err := cache.Get(context.Background(), Request{Config: c, Policy: UseOrTrain})
	var de *compute.DivergenceError
	if !errors.As(err, &de) {
		t.Fatalf("Get: %v, want a divergence", err)
	}
	for _, p := range []Policy{UseOrTrain, CachedOnly} {
		var logged []string
		_, err := cache.Get(context.Background(), Request{Config: c, Policy: p, Log: func(f string, a ...any) { logged = append(logged, fmt.Sprintf(f, a...)) }})
		var again *compute.DivergenceError
		if !errors.As(err, &again) || again.Epoch != de.Epoch || len(logged) != 1 || !strings.Contains(logged[0], "diverged at epoch") {
			t.Errorf("policy %s: %v, logged %q; want the cached divergence at epoch %d", p, err, logged, de.Epoch)
		}
	}
}

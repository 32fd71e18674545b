package compute

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"maxgrok/compute/safetensors"
)

// Run is a trained or loaded run (SPEC.md section 4): its config, the weights of every
// checkpoint and the metrics of every epoch.
type Run struct {
	Config      Config
	Epochs      []int       // checkpoint epochs, increasing
	Checkpoints []*Params   // weights at Epochs[i]
	Metrics     []MetricRow // one per epoch 0..Config.Epochs
	Analyses    []*Analysis // per checkpoint, when analysed
}

// Run folder layout.
const (
	ConfigFile     = "config.json"
	MetricsFile    = "metrics.csv"
	CheckpointsDir = "checkpoints"
)

// CheckpointName returns the file name of the checkpoint of an epoch.
func CheckpointName(epoch int) string { return fmt.Sprintf("epoch-%05d.safetensors", epoch) }

var checkpointRE = regexp.MustCompile(`^epoch-(\d{5,})\.safetensors$`)

// WriteFileAtomic writes data to path through a temporary file in the same folder and a rename,
// so that path holds either its old content or the new one, never a part.
func WriteFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Progress reports training progress: the metrics of the epoch just measured.
type Progress struct {
	EpochMetrics
	Epochs    int     // the run's last epoch
	TestEpoch int     // the latest checkpoint analysed so far (-1: none yet)
	TestAcc   float64 // its test accuracy
}

// TrainRun trains c from init (a copy is taken) and writes the run folder dir: config.json
// first, each checkpoint as it is reached, metrics.csv last (its presence marks the run
// complete). While training runs on one goroutine, a second one writes the checkpoints and
// analyses them, so the analyses are ready when training ends.
//
// When ctx is cancelled, TrainRun stops within an epoch and leaves ResumeFile with the state at
// the last checkpoint reached; a later TrainRun of the same config in the same folder resumes
// from there and produces the same files as an uninterrupted run.
func TrainRun(ctx context.Context, c Config, init *Params, dir string, progress func(Progress)) (*Run, error) {
	m := DimsOf(c)
	if err := os.MkdirAll(filepath.Join(dir, CheckpointsDir), 0o755); err != nil {
		return nil, err
	}
	resumePath := filepath.Join(dir, ResumeFile)
	os.Remove(filepath.Join(dir, MetricsFile)) // not complete until rewritten
	var state *resumeState
	if old, err := os.ReadFile(filepath.Join(dir, ConfigFile)); err == nil && bytes.Equal(old, c.MarshalIndent()) {
		state, _ = readResume(resumePath, m) // unusable: train from the start
	}
	if state == nil {
		os.Remove(resumePath)
		if err := WriteFileAtomic(filepath.Join(dir, ConfigFile), c.MarshalIndent()); err != nil {
			return nil, err
		}
	}
	run := &Run{Config: c, Epochs: c.CheckpointEpochs()}
	run.Checkpoints = make([]*Params, len(run.Epochs))
	run.Analyses = make([]*Analysis, len(run.Epochs))

	type job struct {
		i     int
		p     *Params
		write bool
	}
	jobs := make(chan job, len(run.Epochs))
	var latest atomic.Pointer[Progress] // the latest test accuracy, for progress reports
	var wg sync.WaitGroup
	var workErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		an := NewAnalyzer(c, TrainMask(c))
		for j := range jobs {
			if workErr != nil {
				continue
			}
			if j.write {
				path := filepath.Join(dir, CheckpointsDir, CheckpointName(run.Epochs[j.i]))
				if err := WriteCheckpoint(path, j.p, run.Epochs[j.i]); err != nil {
					workErr = err
					continue
				}
			}
			a := an.Analyze(j.p)
			a.Epoch = run.Epochs[j.i]
			run.Analyses[j.i] = a
			latest.Store(&Progress{TestEpoch: a.Epoch, TestAcc: a.TestAcc})
		}
	}()

	tr := NewTrainer(c, init.Clone())
	var metrics []EpochMetrics
	next := 0 // index of the next checkpoint
	if state != nil {
		tr.Params, tr.Opt, tr.Epoch, metrics = state.Params, state.Opt, state.Epoch, state.Metrics
		for ; next < len(run.Epochs) && run.Epochs[next] <= state.Epoch; next++ {
			p, _, err := ReadCheckpoint(filepath.Join(dir, CheckpointsDir, CheckpointName(run.Epochs[next])), m)
			if err != nil {
				close(jobs)
				wg.Wait()
				os.Remove(resumePath)
				return nil, fmt.Errorf("resuming: %w (delete %s to train from the start)", err, dir)
			}
			run.Checkpoints[next] = p
			jobs <- job{next, p, false}
		}
	}
	// The optimizer state at the last checkpoint, kept for a resume file if training stops.
	last := &resumeState{Epoch: -1, Opt: &Optimizer{M: NewParams(m), V: NewParams(m)}}
	rest, err := tr.Train(ctx, state == nil, func(epoch int, p *Params) error {
		run.Checkpoints[next] = p
		jobs <- job{next, p, true}
		next++
		last.Epoch, last.Params, last.Opt.Step = epoch, p, tr.Opt.Step
		copy(last.Opt.M.Data, tr.Opt.M.Data)
		copy(last.Opt.V.Data, tr.Opt.V.Data)
		return nil
	}, func(em EpochMetrics) {
		if progress != nil {
			p := Progress{EpochMetrics: em, Epochs: c.Epochs, TestEpoch: -1}
			if l := latest.Load(); l != nil {
				p.TestEpoch, p.TestAcc = l.TestEpoch, l.TestAcc
			}
			progress(p)
		}
	})
	metrics = append(metrics, rest...) // the epochs before a resume, then this run's
	close(jobs)
	wg.Wait()
	if err != nil {
		if ctx.Err() != nil && last.Epoch > 0 && workErr == nil {
			last.Metrics = metrics[:last.Epoch]
			if b, encErr := last.encode(); encErr == nil {
				WriteFileAtomic(resumePath, b)
			}
		}
		return nil, err
	}
	if workErr != nil {
		return nil, workErr
	}
	run.Metrics = make([]MetricRow, len(metrics))
	for i, em := range metrics {
		run.Metrics[i] = MetricRow{Epoch: em.Epoch, TrainLoss: em.TrainLoss, TrainAcc: em.TrainAcc}
	}
	run.fillTestMetrics()
	if err := WriteFileAtomic(filepath.Join(dir, MetricsFile), MarshalMetrics(run.Metrics)); err != nil {
		return nil, err
	}
	os.Remove(resumePath)
	return run, nil
}

// fillTestMetrics copies the analyses' test loss and accuracy into the metrics rows.
func (r *Run) fillTestMetrics() {
	for i, e := range r.Epochs {
		if a := r.Analyses[i]; a != nil && e < len(r.Metrics) {
			r.Metrics[e].TestLoss, r.Metrics[e].TestAcc, r.Metrics[e].HasTest = a.TestLoss, a.TestAcc, true
		}
	}
}

// Complete reports whether dir holds a complete run folder (metrics.csv is written last).
func Complete(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, MetricsFile))
	return err == nil
}

// LoadRun reads a run folder (SPEC.md section 4), such as one written by TrainRun or by the
// reference PyTorch script, and checks it: a valid config, metrics.csv, and checkpoints named
// epoch-NNNNN.safetensors whose tensors have the config's shapes and finite values. Errors
// name the file and what was wrong.
func LoadRun(dir string) (*Run, error) {
	c, err := LoadConfigFile(filepath.Join(dir, ConfigFile), DefaultConfig())
	if err != nil {
		return nil, err
	}
	metrics, err := ReadMetricsFile(filepath.Join(dir, MetricsFile))
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(filepath.Join(dir, CheckpointsDir))
	if err != nil {
		return nil, fmt.Errorf("run %s: %w", dir, err)
	}
	run := &Run{Config: c, Metrics: metrics}
	var names []string
	for _, e := range entries {
		m := checkpointRE.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		epoch, err := strconv.Atoi(m[1])
		if err != nil || epoch > c.Epochs {
			return nil, fmt.Errorf("checkpoint %s: epoch %s is beyond the config's %d epochs", filepath.Join(dir, CheckpointsDir, e.Name()), m[1], c.Epochs)
		}
		run.Epochs = append(run.Epochs, epoch)
		names = append(names, e.Name())
	}
	if len(run.Epochs) == 0 {
		return nil, fmt.Errorf("run %s: no checkpoints/epoch-NNNNN.safetensors files", dir)
	}
	if !slices.IsSorted(run.Epochs) {
		return nil, fmt.Errorf("run %s: checkpoint names are not in epoch order", dir)
	}
	if len(metrics) != c.Epochs+1 {
		return nil, fmt.Errorf("metrics %s: %d rows, expected %d (epochs 0..%d of %s)", filepath.Join(dir, MetricsFile), len(metrics), c.Epochs+1, c.Epochs, ConfigFile)
	}
	m := DimsOf(c)
	run.Checkpoints = make([]*Params, len(names))
	errs := make([]error, len(names))
	parallel(len(names), func(i int) {
		path := filepath.Join(dir, CheckpointsDir, names[i])
		p, epoch, err := ReadCheckpoint(path, m)
		if err == nil && epoch >= 0 && epoch != run.Epochs[i] {
			err = fmt.Errorf("checkpoint %s: __metadata__ epoch %d disagrees with the file name", path, epoch)
		}
		run.Checkpoints[i], errs[i] = p, err
	})
	if err := firstError(errs); err != nil {
		return nil, err
	}
	return run, nil
}

func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// parallel calls f(0..n-1) on up to GOMAXPROCS goroutines. Each call must write only its own
// results, so the outcome does not depend on the number of goroutines.
func parallel(n int, f func(i int)) {
	workers := min(n, max(1, runtime.GOMAXPROCS(0)))
	var wg sync.WaitGroup
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	wg.Wait()
}

// ReadInit reads initial weights for config c from a safetensors file: the content (for the run
// cache key) and the parameters.
func ReadInit(path string, c Config) (*Params, []byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("init: %w", err)
	}
	f, err := safetensors.Read(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, nil, fmt.Errorf("init %s: %w", path, err)
	}
	p, err := ParamsFromFile(f, DimsOf(c))
	if err != nil {
		return nil, nil, fmt.Errorf("init %s: %w", path, err)
	}
	return p, data, nil
}

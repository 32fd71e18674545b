package runstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"maxgrok/compute"
	"maxgrok/internal/atomicfile"
	"maxgrok/internal/inputfile"
	"maxgrok/safetensors"
)

// The run folder's layout (docs/formats.md, "The run folder").
const (
	ConfigFile     = "config.json"
	MetricsFile    = "metrics.csv"
	CheckpointsDir = "checkpoints"
	// DivergedFile marks a run whose training diverged, with the epoch and what was not
	// finite: a result (of a sweep, say), which the cache keeps like a complete run.
	DivergedFile = "diverged.json"
)

// Limits on the files a run folder or the command line gives. They are far above what any
// valid file of a run within compute.MaxMemoryBytes needs, and they bound what a hostile or
// mistaken file (a device, a huge file) can make the program read.
const (
	MaxConfigBytes     = 1 << 20 // config.json, -config
	MaxMetricsBytes    = 1 << 30 // metrics.csv
	MaxCheckpointBytes = 1 << 30 // one checkpoint, -init
)

// CheckpointName returns the file name of the safetensors checkpoint of an epoch.
func CheckpointName(epoch int) string { return fmt.Sprintf("epoch-%05d.safetensors", epoch) }

var checkpointRE = regexp.MustCompile(`^epoch-(\d{5,})\.safetensors$`)

// Progress reports training progress: the metrics of the epoch just measured.
type Progress struct {
	compute.EpochMetrics
	Epochs    int     // the run's last epoch
	TestEpoch int     // the latest checkpoint analysed so far (-1: none yet)
	TestAcc   float64 // its test accuracy
}

// LoadConfigFile reads a JSON config file over base (see compute.DecodeConfig). The file must be
// a regular file of at most MaxConfigBytes.
func LoadConfigFile(path string, base compute.Config) (compute.Config, error) {
	data, err := inputfile.ReadFile(path, MaxConfigBytes)
	if err != nil {
		return base, fmt.Errorf("config: %w", err)
	}
	return compute.DecodeConfig(path, bytes.NewReader(data), base)
}

// ReadInit reads initial weights for config c from a safetensors file: the content (for the run
// cache key) and the parameters.
func ReadInit(path string, c compute.Config) (*compute.Params, []byte, error) {
	data, err := inputfile.ReadFile(path, MaxCheckpointBytes)
	if err != nil {
		return nil, nil, fmt.Errorf("init: %w", err)
	}
	f, err := safetensors.Read(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, nil, fmt.Errorf("init %s: %w", path, err)
	}
	p, err := compute.ParamsFrom(f, compute.DimsOf(c))
	if err != nil {
		return nil, nil, fmt.Errorf("init %s: %w", path, err)
	}
	return p, data, nil
}

// TrainRun trains c from init (a copy is taken) and writes the run folder dir: config.json
// first, each checkpoint as it is reached, metrics.csv last (its presence marks the run
// complete). While training runs on one goroutine, a second one writes the checkpoints and
// analyses them, so the analyses are ready when training ends; the run returned holds them and
// the metrics, not the checkpoints (the folder has them).
//
// When ctx is cancelled, TrainRun stops within an epoch and leaves ResumeFile with the state at
// the last checkpoint reached; a later TrainRun of the same config in the same folder resumes
// from there and produces the same files as an uninterrupted run.
func TrainRun(ctx context.Context, c compute.Config, init *compute.Params, dir string, progress func(Progress)) (*compute.Run, error) {
	return trainRun(ctx, c, init, dir, progress, nil)
}

// trainRun is TrainRun, calling written (if not nil) on the checkpoint worker's goroutine
// after each checkpoint write with the write's error, which lets a test wait for a failure.
func trainRun(ctx context.Context, c compute.Config, init *compute.Params, dir string, progress func(Progress), written func(epoch int, err error)) (*compute.Run, error) {
	state, err := prepareFolder(dir, c)
	if err != nil {
		return nil, err
	}
	// The run keeps no checkpoints: each is written and analysed as it comes (compute.Run).
	run := &compute.Run{Config: c, Epochs: c.CheckpointEpochs()}
	run.Analyses = make([]*compute.Analysis, len(run.Epochs))
	// The checkpoints' weights go to the worker in buffers that it hands back once it has
	// written and analysed them, so that a run allocates a few rather than one per checkpoint.
	spare := make(chan *compute.Params, 4)
	w := startCheckpointWorker(run, dir, written, spare)

	tr := compute.NewTrainer(c, init.Clone())
	var metrics []compute.EpochMetrics
	next := 0 // index of the next checkpoint
	if state != nil {
		tr.Params, tr.Opt, tr.Epoch, metrics = state.Params, state.Opt, state.Epoch, state.Metrics
		if next, err = w.reload(state.Epoch); err != nil {
			w.finish()
			os.Remove(filepath.Join(dir, ResumeFile))
			return nil, fmt.Errorf("resuming: %w (delete %s to train from the start)", err, dir)
		}
	}
	// The state at the last checkpoint, kept for a resume file if training stops.
	m := compute.DimsOf(c)
	last := &resumeState{Epoch: -1, Opt: &compute.Optimizer{M: compute.NewParams(m), V: compute.NewParams(m)}}
	rest, err := tr.Train(ctx, state == nil, func(epoch int, p *compute.Params) error {
		var q *compute.Params // p, copied: Train goes on with p
		select {
		case q = <-spare:
			copy(q.Data, p.Data)
		default:
			q = p.Clone()
		}
		if err := w.add(next, q); err != nil {
			return err
		}
		next++
		// last.Params may be q: the worker hands q back to spare once done with it, but only
		// this callback takes from spare, at the next checkpoint, where last changes too.
		last.Epoch, last.Params, last.Opt.Step = epoch, q, tr.Opt.Step
		copy(last.Opt.M.Data, tr.Opt.M.Data)
		copy(last.Opt.V.Data, tr.Opt.V.Data)
		return nil
	}, func(em compute.EpochMetrics) {
		if progress != nil {
			progress(w.progress(em, c.Epochs))
		}
	})
	metrics = append(metrics, rest...) // the epochs before a resume, then this run's
	workErr := w.finish()
	if workErr != nil {
		return nil, fmt.Errorf("writing a checkpoint: %w", workErr)
	}
	var de *compute.DivergenceError
	if errors.As(err, &de) {
		b, _ := json.Marshal(divergedRecord{Epoch: de.Epoch, What: de.What})
		if werr := atomicfile.WriteFile(filepath.Join(dir, DivergedFile), append(b, '\n')); werr != nil {
			return nil, fmt.Errorf("%w (and recording it: %v)", err, werr)
		}
	}
	if err != nil {
		if ctx.Err() != nil && last.Epoch > 0 {
			last.Metrics = metrics[:last.Epoch]
			if b, encErr := last.encode(); encErr == nil {
				atomicfile.WriteFile(filepath.Join(dir, ResumeFile), b)
			}
		}
		return nil, err
	}
	run.Metrics = make([]compute.MetricRow, len(metrics))
	for i, em := range metrics {
		run.Metrics[i] = compute.MetricRow{Epoch: em.Epoch, TrainLoss: em.TrainLoss, TrainAcc: em.TrainAcc}
	}
	run.FillTestMetrics()
	if err := atomicfile.WriteFile(filepath.Join(dir, MetricsFile), MarshalMetrics(run.Metrics)); err != nil {
		return nil, err
	}
	os.Remove(filepath.Join(dir, ResumeFile))
	return run, nil
}

// prepareFolder makes dir ready for training c: it marks the run incomplete, and returns the
// state to resume from when dir holds a usable resume file of the same config (else it writes
// config.json and returns nil).
func prepareFolder(dir string, c compute.Config) (*resumeState, error) {
	if err := os.MkdirAll(filepath.Join(dir, CheckpointsDir), 0o755); err != nil {
		return nil, err
	}
	// Temporary files of writes killed before their rename: best effort, as they only take
	// room (nothing reads them).
	atomicfile.RemoveTemps(dir, ConfigFile, MetricsFile, DivergedFile, ResumeFile)
	atomicfile.RemoveTemps(filepath.Join(dir, CheckpointsDir), "epoch-*.safetensors")
	os.Remove(filepath.Join(dir, MetricsFile)) // not complete until rewritten
	os.Remove(filepath.Join(dir, DivergedFile))
	resumePath := filepath.Join(dir, ResumeFile)
	if old, err := os.ReadFile(filepath.Join(dir, ConfigFile)); err == nil && bytes.Equal(old, c.MarshalIndent()) {
		if state, err := readResume(resumePath, compute.DimsOf(c)); err == nil {
			return state, nil
		} // unusable: train from the start
	}
	os.Remove(resumePath)
	return nil, atomicfile.WriteFile(filepath.Join(dir, ConfigFile), c.MarshalIndent())
}

// checkpointWorker writes checkpoints and analyses them on a goroutine of its own, while
// training goes on.
type checkpointWorker struct {
	run    *compute.Run
	dir    string
	jobs   chan checkpointJob
	done   sync.WaitGroup
	err    atomic.Pointer[error]            // the first failure
	latest atomic.Pointer[compute.Analysis] // the latest analysis, for progress reports
}

type checkpointJob struct {
	i     int // index in run.Epochs
	p     *compute.Params
	write bool // false for a checkpoint already on disk (a resume)
}

// startCheckpointWorker starts the worker of run, whose folder is dir. It hands each job's
// weights to spare once written and analysed (when spare has room).
func startCheckpointWorker(run *compute.Run, dir string, written func(epoch int, err error), spare chan<- *compute.Params) *checkpointWorker {
	w := &checkpointWorker{run: run, dir: dir, jobs: make(chan checkpointJob, len(run.Epochs))}
	w.done.Go(func() {
		an := compute.NewAnalyzer(run.Config, compute.TrainMask(run.Config))
		var buf []byte // the checkpoint file being written, reused
		for j := range w.jobs {
			if w.failed() != nil {
				continue
			}
			epoch := run.Epochs[j.i]
			if j.write {
				var err error
				if buf, err = encodeCheckpoint(buf, j.p, epoch); err == nil {
					err = overwrite(filepath.Join(dir, CheckpointsDir, CheckpointName(epoch)), buf)
				}
				if err != nil {
					w.err.Store(&err) // before written: training must see the failure once a test does
				}
				if written != nil {
					written(epoch, err)
				}
				if err != nil {
					continue
				}
			}
			a := an.Analyze(j.p)
			a.Epoch = epoch
			run.Analyses[j.i] = a
			w.latest.Store(a)
			select {
			case spare <- j.p:
			default:
			}
		}
	})
	return w
}

// add queues checkpoint i, the weights p, to be written and analysed. It returns the first
// failure of the work queued so far, so that training stops as soon as a checkpoint cannot be
// written.
func (w *checkpointWorker) add(i int, p *compute.Params) error {
	w.jobs <- checkpointJob{i, p, true}
	return w.failed()
}

// failed returns the first failure of the worker, or nil.
func (w *checkpointWorker) failed() error {
	if err := w.err.Load(); err != nil {
		return *err
	}
	return nil
}

// reload reads the checkpoints up to epoch from disk (a resume) and queues them for analysis;
// it returns the index of the next checkpoint.
func (w *checkpointWorker) reload(epoch int) (int, error) {
	m := compute.DimsOf(w.run.Config)
	next := 0
	for ; next < len(w.run.Epochs) && w.run.Epochs[next] <= epoch; next++ {
		p, _, err := ReadCheckpoint(filepath.Join(w.dir, CheckpointsDir, CheckpointName(w.run.Epochs[next])), m)
		if err != nil {
			return next, err
		}
		w.jobs <- checkpointJob{next, p, false}
	}
	return next, nil
}

// progress is em with the latest test accuracy known.
func (w *checkpointWorker) progress(em compute.EpochMetrics, epochs int) Progress {
	p := Progress{EpochMetrics: em, Epochs: epochs, TestEpoch: -1}
	if a := w.latest.Load(); a != nil {
		p.TestEpoch, p.TestAcc = a.Epoch, a.TestAcc
	}
	return p
}

// finish waits for the queued work and returns its first error.
func (w *checkpointWorker) finish() error {
	close(w.jobs)
	w.done.Wait()
	return w.failed()
}

// divergedRecord is the content of DivergedFile.
type divergedRecord struct {
	Epoch int    `json:"epoch"`
	What  string `json:"what"`
}

// Diverged returns the divergence recorded in the run folder dir of config c, or nil when its
// training did not diverge (or the record is not c's or unreadable).
func Diverged(dir string, c compute.Config) *compute.DivergenceError {
	b, err := inputfile.ReadFile(filepath.Join(dir, DivergedFile), 4096)
	if err != nil {
		return nil
	}
	old, err := inputfile.ReadFile(filepath.Join(dir, ConfigFile), MaxConfigBytes)
	if err != nil || !bytes.Equal(old, c.MarshalIndent()) {
		return nil
	}
	var rec divergedRecord
	if err := json.Unmarshal(b, &rec); err != nil || rec.Epoch < 0 || rec.Epoch > c.Epochs || rec.What == "" {
		return nil
	}
	return &compute.DivergenceError{Epoch: rec.Epoch, What: rec.What, Config: c}
}

// Complete reports whether dir holds a complete run folder of config c: metrics.csv (written
// last) and every checkpoint c has, each a non-empty regular file. LoadRun checks what they
// hold.
func Complete(dir string, c compute.Config) bool {
	if st, err := os.Stat(filepath.Join(dir, MetricsFile)); err != nil || !st.Mode().IsRegular() {
		return false
	}
	for _, e := range c.CheckpointEpochs() {
		st, err := os.Stat(filepath.Join(dir, CheckpointsDir, CheckpointName(e)))
		if err != nil || !st.Mode().IsRegular() || st.Size() == 0 {
			return false
		}
	}
	return true
}

// LoadCached reads the cached run of config c in dir, which must be complete (Complete): its
// config must be c and its checkpoints exactly c's, and no training may have started on it
// while they were read.
func LoadCached(dir string, c compute.Config) (*compute.Run, error) {
	return loadCached(dir, c, nil)
}

// loadCached is LoadCached, calling meanwhile (if not nil) after the run is read and before
// metrics.csv is checked again, which lets a test change the folder then.
func loadCached(dir string, c compute.Config, meanwhile func()) (*compute.Run, error) {
	metrics := filepath.Join(dir, MetricsFile)
	state := func() (fs.FileInfo, []byte, error) {
		st, err := os.Stat(metrics)
		if err != nil {
			return nil, nil, err
		}
		b, err := inputfile.ReadFile(metrics, MaxMetricsBytes)
		return st, b, err
	}
	before, content, err := state()
	if err != nil {
		return nil, fmt.Errorf("run %s: %w", dir, err)
	}
	r, err := LoadRun(dir, c)
	if err != nil {
		return nil, err
	}
	if meanwhile != nil {
		meanwhile()
	}
	// Training removes metrics.csv before it rewrites a checkpoint in place, and writes a new
	// one at the end: the same file, with the same time and content, after the checkpoints were
	// read means none changed meanwhile (a new file may reuse the inode, and a coarse clock the
	// time; a retraining that ends with the same metrics wrote the same checkpoints).
	if after, again, err := state(); err != nil || !os.SameFile(before, after) || !after.ModTime().Equal(before.ModTime()) || !bytes.Equal(content, again) {
		return nil, fmt.Errorf("run %s changed while it was read (another process is training it)", dir)
	}
	if !bytes.Equal(r.Config.MarshalIndent(), c.MarshalIndent()) {
		return nil, fmt.Errorf("run %s: its %s is not this config's", dir, ConfigFile)
	}
	if !slices.Equal(r.Epochs, c.CheckpointEpochs()) {
		return nil, fmt.Errorf("run %s: %d checkpoints, expected %d", dir, len(r.Epochs), c.NumCheckpoints())
	}
	return r, nil
}

// HasConfig reports whether dir has a config.json: a run folder that says its own config.
func HasConfig(dir string) bool {
	_, err := os.Lstat(filepath.Join(dir, ConfigFile))
	return err == nil
}

// LoadRun reads the run in dir, in any of the layouts PyTorch users have (torch.go): a run
// folder (docs/formats.md) such as TrainRun or a PyTorch script writes, with safetensors or
// torch.save checkpoints; a folder of Lightning checkpoints, with gbmi's final .pth; or wandb
// artifact folders. Where dir has no config.json, the model's sizes come from the tensors'
// shapes and the rest of the config from base, its epochs and checkpoint spacing from the
// checkpoints; where it has no metrics.csv, the run's Metrics are nil (the analyses give them at
// the checkpoints). Everything is checked: a valid config, metrics.csv with a row for every
// epoch, one checkpoint per epoch, each with the config's shapes and finite values. The run
// must fit in compute.MaxMemoryBytes, which is checked from the number of checkpoints before
// most are read. Errors name the file and what was wrong.
func LoadRun(dir string, base compute.Config) (*compute.Run, error) {
	files, _, err := findCheckpoints(dir)
	if err != nil {
		return nil, err
	}
	hasConfig := HasConfig(dir)
	c := base
	var first compute.TensorSource // files[0]'s tensors, when read for the sizes
	firstEpoch := 0
	if hasConfig {
		if c, err = LoadConfigFile(filepath.Join(dir, ConfigFile), compute.DefaultConfig()); err != nil {
			return nil, err
		}
	} else {
		// The sizes from the first checkpoint's shapes.
		var err error
		if first, firstEpoch, err = readAny(files[0]); err != nil {
			return nil, err
		}
		m, err := dimsFromShapes(first, files[0].path)
		if err != nil {
			return nil, err
		}
		c.Vocab, c.SeqLen, c.DModel, c.DHead = m.V, m.N, m.D, m.H
	}
	m := compute.DimsOf(c)
	if b := compute.EstimateMemoryBytesFor(m, len(files)); b > compute.MaxMemoryBytes {
		return nil, fmt.Errorf("run %s: its %d checkpoints and their analyses need about %d MiB of memory (limit %d MiB)", dir, len(files), b>>20, compute.MaxMemoryBytes>>20)
	}
	params := make([]*compute.Params, len(files))
	errs := make([]error, len(files))
	parallel(len(files), func(i int) {
		if files[i].final && len(files) > 1 {
			return // orderCheckpoints checks that it loads
		}
		if i == 0 && first != nil { // read already
			files[0].epoch = firstEpoch
			if params[0], errs[0] = compute.ParamsFrom(first, m); errs[0] != nil {
				errs[0] = fmt.Errorf("checkpoint %s: %w", files[0].path, errs[0])
			}
			return
		}
		params[i], files[i].epoch, errs[i] = readCheckpointFile(files[i], m)
	})
	if err := firstError(errs); err != nil {
		return nil, err
	}
	epochs, params, err := orderCheckpoints(files, params, m)
	if err != nil {
		return nil, err
	}
	if !hasConfig {
		c.Epochs = epochs[len(epochs)-1]
		if len(epochs) > 1 {
			c.CheckpointEvery = epochs[1] - epochs[0]
		}
		if err := c.Validate(); err != nil {
			return nil, fmt.Errorf("run %s: the config from the defaults, the flags and the checkpoints: %w", dir, err)
		}
	}
	if e := epochs[len(epochs)-1]; e > c.Epochs {
		return nil, fmt.Errorf("run %s: a checkpoint of epoch %d is beyond the config's %d epochs", dir, e, c.Epochs)
	}
	run := &compute.Run{Config: c, Epochs: epochs, Checkpoints: params}
	mpath := filepath.Join(dir, MetricsFile)
	if _, err := os.Lstat(mpath); err == nil || hasConfig && !torchLayout(files) {
		if run.Metrics, err = ReadMetricsFile(mpath); err != nil {
			return nil, err
		}
		if len(run.Metrics) != c.Epochs+1 {
			return nil, fmt.Errorf("metrics %s: %d rows, expected %d (epochs 0..%d of %s)", mpath, len(run.Metrics), c.Epochs+1, c.Epochs, ConfigFile)
		}
	}
	return run, nil
}

// torchLayout reports whether files are torch.save files (whose run folders may lack
// metrics.csv), not this program's safetensors.
func torchLayout(files []checkpointFile) bool {
	return !strings.HasSuffix(files[0].path, ".safetensors")
}

// readAny reads the tensors of one checkpoint file of any format, and its epoch.
func readAny(cf checkpointFile) (compute.TensorSource, int, error) {
	if strings.HasSuffix(cf.path, ".safetensors") {
		f, err := readSafetensors(cf.path)
		if err != nil {
			return nil, 0, err
		}
		if s, ok := f.Metadata["epoch"]; ok {
			e, err := strconv.Atoi(s)
			if err != nil || e < 0 {
				return nil, 0, fmt.Errorf("checkpoint %s: __metadata__ epoch %q: expected a non-negative integer", cf.path, s)
			}
			if e != cf.epoch {
				return nil, 0, fmt.Errorf("checkpoint %s: __metadata__ epoch %d disagrees with the file name", cf.path, e)
			}
		}
		return f, cf.epoch, nil
	}
	return torchStateDict(cf)
}

// readCheckpointFile reads the parameters of sizes m of one checkpoint file, and its epoch.
func readCheckpointFile(cf checkpointFile, m compute.Dims) (*compute.Params, int, error) {
	src, epoch, err := readAny(cf)
	if err != nil {
		return nil, 0, err
	}
	p, err := compute.ParamsFrom(src, m)
	if err != nil {
		return nil, 0, fmt.Errorf("checkpoint %s: %w", cf.path, err)
	}
	return p, epoch, nil
}

// orderCheckpoints sorts the checkpoints by epoch, refusing an epoch given twice. gbmi's final
// .pth holds the weights at the end of training, which the last checkpoint has too: it is read
// only to check that it loads.
func orderCheckpoints(files []checkpointFile, params []*compute.Params, m compute.Dims) ([]int, []*compute.Params, error) {
	var idx, final []int
	for i, f := range files {
		if f.final {
			final = append(final, i)
		} else {
			idx = append(idx, i)
		}
	}
	if len(final) > 1 {
		return nil, nil, fmt.Errorf("checkpoint %s: more than one final model (.pth) beside the checkpoints", files[final[1]].path)
	}
	slices.SortStableFunc(idx, func(a, b int) int { return files[a].epoch - files[b].epoch })
	var epochs []int
	var ps []*compute.Params
	for k, i := range idx {
		if k > 0 && files[i].epoch == epochs[len(epochs)-1] {
			return nil, nil, fmt.Errorf("checkpoint %s: epoch %d again (also %s)", files[i].path, files[i].epoch, filepath.Base(files[idx[k-1]].path))
		}
		epochs = append(epochs, files[i].epoch)
		ps = append(ps, params[i])
	}
	if len(final) == 1 {
		if len(idx) == 0 {
			return nil, nil, fmt.Errorf("checkpoint %s: a final model alone, with no checkpoints to give its epoch", files[final[0]].path)
		}
		if _, _, err := readCheckpointFile(files[final[0]], m); err != nil {
			return nil, nil, err
		}
	}
	return epochs, ps, nil
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
		wg.Go(func() {
			for i := range next {
				f(i)
			}
		})
	}
	wg.Wait()
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"maxgrok/compute"
)

// usageError marks a problem with what the user gave (flags, config, input files): exit 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// options are the parsed command line.
type options struct {
	configFile, out, runs, force, load, init, content string
	quiet, pdf                                        bool
	cfg                                               compute.Config
	configFlags                                       []string // config flags given on the command line
}

// listFlag is a comma-separated list of ints or floats.
type listFlag struct {
	set   func(string) error
	value string
}

func (l *listFlag) String() string     { return l.value }
func (l *listFlag) Set(s string) error { l.value = s; return l.set(s) }

func parseInts(s string) ([]int, error) {
	out := []int{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer", f)
		}
		out = append(out, v)
	}
	return out, nil
}

// parseFlags parses args into options. Config values come from the defaults, then -config, then
// the config flags given on the command line.
func parseFlags(args []string, stderr io.Writer) (*options, error) {
	def := compute.DefaultConfig()
	fs := flag.NewFlagSet("maxgrok", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{}
	fs.StringVar(&o.configFile, "config", "", "read a run config (JSON, keys as in SPEC.md section 3); config flags override it")
	fs.StringVar(&o.out, "out", "public", "where the site goes")
	fs.StringVar(&o.runs, "runs", "runs", "run cache: one folder per config, named by a hash of the config")
	fs.StringVar(&o.force, "force", "auto", "auto: reuse the cached run when complete, else train; train: always train; load: fail unless cached")
	fs.StringVar(&o.load, "load", "", "render from an existing run folder (e.g. one written by PyTorch); no training")
	fs.StringVar(&o.init, "init", "", "initial weights from a safetensors file instead of the seeded init")
	fs.StringVar(&o.content, "content", "", "Markdown explanations to use instead of the built-in ones")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress output")
	fs.BoolVar(&o.pdf, "pdf", false, "also write every figure as PDF (figures/*.pdf)")

	// Config flags write into a scratch config; only those given are applied (after -config).
	var fc compute.Config = def
	fs.IntVar(&fc.Vocab, "vocab", def.Vocab, "data tokens (EOS is one more)")
	fs.IntVar(&fc.DModel, "d-model", def.DModel, "residual stream width")
	fs.IntVar(&fc.DHead, "d-head", def.DHead, "attention head width")
	fs.Int64Var(&fc.Seed, "seed", def.Seed, "seed that orders the training pairs added beyond the forced ones")
	fs.Uint64Var(&fc.ModelSeed, "model-seed", def.ModelSeed, "torch.manual_seed for the initial weights")
	fs.Var(&listFlag{value: "0,1,2,17", set: func(s string) (err error) {
		fc.ForceAdjacent, err = parseInts(s)
		return err
	}}, "force-adjacent", "train on every pair with |a-b| in this list")
	fs.Float64Var(&fc.TrainingRatio, "training-ratio", def.TrainingRatio, "training set size as a fraction of all vocab^2 pairs")
	fs.StringVar(&fc.Optimizer, "optimizer", def.Optimizer, "AdamW or Adam")
	fs.Float64Var(&fc.LR, "lr", def.LR, "learning rate")
	fs.Var(&listFlag{value: "0.9,0.98", set: func(s string) error {
		f := strings.Split(s, ",")
		if len(f) != 2 {
			return fmt.Errorf("expected two numbers beta1,beta2")
		}
		for i := range f {
			v, err := strconv.ParseFloat(strings.TrimSpace(f[i]), 64)
			if err != nil {
				return fmt.Errorf("%q is not a number", f[i])
			}
			fc.Betas[i] = v
		}
		return nil
	}}, "betas", "Adam's beta1,beta2")
	fs.Float64Var(&fc.WeightDecay, "weight-decay", def.WeightDecay, "weight decay (decoupled for AdamW)")
	fs.Float64Var(&fc.Eps, "eps", def.Eps, "Adam's epsilon")
	fs.IntVar(&fc.Epochs, "epochs", def.Epochs, "epochs to train")
	fs.IntVar(&fc.CheckpointEvery, "checkpoint-every", def.CheckpointEvery, "epochs between checkpoints")
	fs.IntVar(&fc.BatchSize, "batch-size", def.BatchSize, "minibatch size (0: full batch)")
	fs.BoolVar(&fc.IncludeBiases, "include-biases", def.IncludeBiases, "train the biases (else frozen at zero)")
	fs.BoolVar(&fc.UseLog1p, "use-log1p", def.UseLog1p, "log-softmax in gbmi's log1p form")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: maxgrok [flags]\n\nTrains (or loads) the max-of-2 grokking run and writes its report as a static site.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, usageError{err}
	}
	if fs.NArg() > 0 {
		return nil, usagef("unexpected argument %q (flags only; see -h)", fs.Arg(0))
	}
	// apply copies a config flag given on the command line into o.cfg (after -config).
	apply := map[string]func(){
		"vocab": func() { o.cfg.Vocab = fc.Vocab }, "d-model": func() { o.cfg.DModel = fc.DModel },
		"d-head": func() { o.cfg.DHead = fc.DHead }, "seed": func() { o.cfg.Seed = fc.Seed },
		"model-seed": func() { o.cfg.ModelSeed = fc.ModelSeed }, "force-adjacent": func() { o.cfg.ForceAdjacent = fc.ForceAdjacent },
		"training-ratio": func() { o.cfg.TrainingRatio = fc.TrainingRatio }, "optimizer": func() { o.cfg.Optimizer = fc.Optimizer },
		"lr": func() { o.cfg.LR = fc.LR }, "betas": func() { o.cfg.Betas = fc.Betas },
		"weight-decay": func() { o.cfg.WeightDecay = fc.WeightDecay }, "eps": func() { o.cfg.Eps = fc.Eps },
		"epochs": func() { o.cfg.Epochs = fc.Epochs }, "checkpoint-every": func() { o.cfg.CheckpointEvery = fc.CheckpointEvery },
		"batch-size": func() { o.cfg.BatchSize = fc.BatchSize }, "include-biases": func() { o.cfg.IncludeBiases = fc.IncludeBiases },
		"use-log1p": func() { o.cfg.UseLog1p = fc.UseLog1p },
	}
	fs.Visit(func(f *flag.Flag) {
		if _, ok := apply[f.Name]; ok {
			o.configFlags = append(o.configFlags, f.Name)
		}
	})
	switch o.force {
	case "auto", "train", "load":
	default:
		return nil, usagef("flag -force: expected auto, train or load, got %q", o.force)
	}
	if o.load != "" {
		if o.configFile != "" || len(o.configFlags) > 0 || o.init != "" {
			what := "-config"
			if len(o.configFlags) > 0 {
				what = "-" + o.configFlags[0]
			} else if o.init != "" {
				what = "-init"
			}
			return nil, usagef("flag -load cannot be combined with %s (the loaded run has its own config)", what)
		}
		return o, nil
	}
	o.cfg = def
	if o.configFile != "" {
		c, err := compute.LoadConfigFile(o.configFile, def)
		if err != nil {
			return nil, usageError{err}
		}
		o.cfg = c
	}
	for _, n := range o.configFlags {
		apply[n]()
	}
	if err := o.cfg.Validate(); err != nil {
		var fe *compute.FieldError
		if errors.As(err, &fe) {
			return nil, usagef("flag -%s: %s", strings.ReplaceAll(fe.Field, "_", "-"), fe.Problem())
		}
		return nil, usageError{err}
	}
	return o, nil
}

// checkOut refuses -out targets that a rebuild could damage: ".", "/", the home folder, and
// anything inside the run cache.
func checkOut(out, runs string) error {
	abs, err := filepath.Abs(out)
	if err != nil {
		return usagef("flag -out: %v", err)
	}
	cwd, _ := os.Getwd()
	home, _ := os.UserHomeDir()
	switch {
	case out == "" || abs == cwd:
		return usagef("flag -out: %q is the current folder; give a folder of its own, e.g. public", out)
	case abs == filepath.Dir(abs):
		return usagef("flag -out: %q is the file system root", out)
	case home != "" && abs == filepath.Clean(home):
		return usagef("flag -out: %q is the home folder", out)
	}
	runsAbs, err := filepath.Abs(runs)
	if err == nil {
		if rel, err := filepath.Rel(runsAbs, abs); err == nil && (rel == "." || !strings.HasPrefix(rel, "..")) {
			return usagef("flag -out: %q is inside the run cache %q", out, runs)
		}
	}
	return nil
}

// progressPrinter writes training progress to w: a live line on a terminal, a plain line every
// tenth of the run otherwise.
type progressPrinter struct {
	w        io.Writer
	terminal bool
	start    time.Time
	last     time.Time
	nextPct  int
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// testPart is the latest test accuracy known, and its epoch.
func testPart(p compute.Progress) string {
	if p.TestEpoch < 0 {
		return ""
	}
	return fmt.Sprintf("  test acc %.4f (epoch %d)", p.TestAcc, p.TestEpoch)
}

func (pp *progressPrinter) update(p compute.Progress) {
	now := time.Now()
	done := p.Epoch == p.Epochs
	if pp.terminal {
		if !done && now.Sub(pp.last) < 100*time.Millisecond {
			return
		}
		pp.last = now
		left := "?"
		if p.Epoch > 0 {
			el := now.Sub(pp.start)
			left = (time.Duration(float64(el) * float64(p.Epochs-p.Epoch) / float64(p.Epoch))).Round(100 * time.Millisecond).String()
		}
		fmt.Fprintf(pp.w, "\r\033[Kepoch %d/%d  train loss %.4g  train acc %.4f%s  time left %s", p.Epoch, p.Epochs, p.TrainLoss, p.TrainAcc, testPart(p), left)
		if done {
			fmt.Fprintln(pp.w)
		}
		return
	}
	pct := 100
	if p.Epochs > 0 {
		pct = p.Epoch * 100 / p.Epochs
	}
	if pct >= pp.nextPct || done {
		fmt.Fprintf(pp.w, "epoch %d/%d: train loss %.4g, train acc %.4f%s\n", p.Epoch, p.Epochs, p.TrainLoss, p.TrainAcc, testPart(p))
		for pp.nextPct <= pct {
			pp.nextPct += 10
		}
	}
}

// run is the whole program: it returns the exit status (0 ok, 1 failure while running, 2 bad
// input).
func run(ctx context.Context, args []string, stdout, stderr io.Writer, terminal bool) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err == nil {
		err = execute(ctx, o, stdout, stderr, terminal)
	}
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "maxgrok: %v\n", err)
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// logf prints a message to stderr unless -quiet.
func (o *options) logf(stderr io.Writer, format string, args ...any) {
	if !o.quiet {
		fmt.Fprintf(stderr, "maxgrok: "+format+"\n", args...)
	}
}

func execute(ctx context.Context, o *options, stdout, stderr io.Writer, terminal bool) error {
	if err := checkOut(o.out, o.runs); err != nil {
		return err
	}
	var r *compute.Run
	var err error
	start := time.Now()
	cfg := o.cfg
	if o.load != "" {
		r, err = compute.LoadRun(o.load)
		if err != nil {
			return usageError{err}
		}
		cfg = r.Config
		o.logf(stderr, "loaded %s: %d checkpoints", o.load, len(r.Epochs))
	}
	if err := compute.CheckSize(cfg); err != nil {
		return usageError{err}
	}
	content, err := contentDir(o, cfg)
	if err != nil {
		return err
	}
	if r == nil {
		r, err = trainOrLoad(ctx, o, stderr, terminal)
		if err != nil {
			return err
		}
	}
	if r.Analyses == nil { // a loaded run; a trained one was analysed while it trained
		r.Analyses = compute.AnalyzeAll(r.Checkpoints, r.Epochs, r.Config, 0)
	}
	index, err := buildSite(o, r, content)
	if err != nil {
		return err
	}
	o.logf(stderr, "done in %v", time.Since(start).Round(time.Millisecond))
	fmt.Fprintln(stdout, index)
	return nil
}

// trainOrLoad returns the run for o.cfg: from the cache when complete (unless -force train),
// else trained and written to the cache.
func trainOrLoad(ctx context.Context, o *options, stderr io.Writer, terminal bool) (*compute.Run, error) {
	var init *compute.Params
	var initContent []byte
	var err error
	if o.init != "" {
		init, initContent, err = compute.ReadInit(o.init, o.cfg)
		if err != nil {
			return nil, usageError{err}
		}
	}
	key := o.cfg.Key(initContent)
	dir := filepath.Join(o.runs, key)
	cached := func() (*compute.Run, bool) {
		if o.force == "train" || !compute.Complete(dir) {
			return nil, false
		}
		r, err := compute.LoadRun(dir)
		if err != nil {
			o.logf(stderr, "the cached run %s is damaged (%v): training again", dir, err)
			return nil, false
		}
		o.logf(stderr, "using the cached run %s (-force train to retrain)", dir)
		return r, true
	}
	if r, ok := cached(); ok {
		return r, nil
	}
	if o.force == "load" {
		return nil, usagef("flag -force load: no complete cached run for this config (expected %s)", dir)
	}
	// Another process training the same config holds this lock; the second one waits, then
	// finds the first one's complete run.
	unlock, err := compute.Lock(filepath.Join(o.runs, ".locks", key+".lock"))
	if err != nil {
		return nil, err
	}
	defer unlock()
	if r, ok := cached(); ok {
		return r, nil
	}
	if init == nil {
		if init, err = compute.InitParams(o.cfg); err != nil {
			return nil, usageError{err}
		}
	}
	if e := compute.ResumeEpoch(dir, o.cfg); e > 0 {
		o.logf(stderr, "resuming %s from epoch %d", dir, e)
	} else {
		o.logf(stderr, "training %d epochs into %s", o.cfg.Epochs, dir)
	}
	pp := &progressPrinter{w: stderr, terminal: terminal, start: time.Now()}
	progress := pp.update
	if o.quiet {
		progress = nil
	}
	r, err := compute.TrainRun(ctx, o.cfg, init, dir, progress)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, fmt.Errorf("interrupted: the next run of this config resumes from its last checkpoint in %s", dir)
		}
		return nil, err
	}
	return r, nil
}

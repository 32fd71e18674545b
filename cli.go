package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"maxgrok/compute"
	"maxgrok/publish"
	"maxgrok/runstore"
)

// usageError marks a problem with what the user gave (flags, config, input files): exit 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// options are the parsed command line.
type options struct {
	configFile, out, runs, force, load, init, content string
	quiet, pdf, gif                                   bool
	cfg                                               compute.Config
	configFlags                                       []*configFlag // config flags given, in command-line order
	sweep                                             sweepFlags
}

// configFlag is the flag of one config key (compute.ConfigKeys). Parsing only records its text;
// it is applied over the defaults and -config by the key's own setter, then validated with the
// rest of the config, as a -config file is.
type configFlag struct {
	key  *compute.ConfigKey
	def  string // the default, for -h
	text string
	list *[]*configFlag // where a flag given is recorded
}

func (f *configFlag) String() string {
	if f == nil || f.key == nil {
		return ""
	}
	return f.def
}

// Set checks the value's syntax at once (so that flag reports it), and records the flag.
func (f *configFlag) Set(s string) error {
	scratch := compute.DefaultConfig()
	if err := f.key.SetFlag(&scratch, s); err != nil {
		return err
	}
	f.text = s
	*f.list = slices.DeleteFunc(*f.list, func(g *configFlag) bool { return g == f })
	*f.list = append(*f.list, f)
	return nil
}

// IsBoolFlag lets a true-or-false key be given without a value (-include-biases).
func (f *configFlag) IsBoolFlag() bool { return f.key.IsBool() }

// parseFlags parses args into options. Config values come from the defaults, then -config, then
// the config flags given on the command line.
func parseFlags(args []string, stderr io.Writer) (*options, error) {
	def := compute.DefaultConfig()
	fs := flag.NewFlagSet("maxgrok", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{}
	fs.StringVar(&o.configFile, "config", "", "read a run config (JSON, keys as in docs/formats.md); config flags override it")
	fs.StringVar(&o.out, "out", "public", "where the site goes")
	fs.StringVar(&o.runs, "runs", "runs", "run cache: one folder per config, named by a hash of the config")
	fs.StringVar(&o.force, "force", "auto", "auto: reuse the cached run when complete, else train; train: always train; load: fail unless cached")
	fs.StringVar(&o.load, "load", "", "render an existing run: a run folder, Lightning checkpoints or wandb artifacts (see the README); no training")
	fs.StringVar(&o.init, "init", "", "initial weights from a safetensors file instead of the seeded init")
	fs.StringVar(&o.content, "content", "", "Markdown explanations to use instead of the built-in ones")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress output")
	fs.BoolVar(&o.pdf, "pdf", false, "also write every figure as PDF (figures/*.pdf)")
	o.sweep.register(fs)
	fs.BoolVar(&o.gif, "gif", false, "also write animated GIFs over the checkpoints (figures/*.gif, each at most 4 MB; takes seconds)")

	for i := range compute.ConfigKeys {
		k := &compute.ConfigKeys[i]
		if k.Flag {
			fs.Var(&configFlag{key: k, def: k.Format(&def), list: &o.configFlags}, k.FlagName(), k.Usage)
		}
	}
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
	switch o.force {
	case "auto", "train", "load":
	default:
		return nil, usagef("flag -force: expected auto, train or load, got %q", o.force)
	}
	if o.load != "" && (len(o.sweep.axes) > 0 || o.sweep.shardText != "") {
		return nil, usagef("flag -sweep cannot be combined with -load (a sweep trains or loads its runs from the run cache)")
	}
	if o.load != "" {
		// A folder with its own config.json takes no config; one without takes its sizes from
		// the checkpoints and the rest from the defaults, -config and the config flags.
		what := ""
		switch {
		case o.init != "":
			what = "-init"
		case runstore.HasConfig(o.load) && o.configFile != "":
			what = "-config"
		case runstore.HasConfig(o.load) && len(o.configFlags) > 0:
			what = "-" + o.configFlags[0].key.FlagName()
		}
		if what != "" {
			return nil, usagef("flag -load cannot be combined with %s (the loaded run has its own config)", what)
		}
	}
	o.cfg = def
	if o.configFile != "" {
		c, err := runstore.LoadConfigFile(o.configFile, def)
		if err != nil {
			return nil, usageError{err}
		}
		o.cfg = c
	}
	for _, f := range o.configFlags {
		f.key.SetFlag(&o.cfg, f.text) // the syntax was checked by Set
	}
	if o.load != "" {
		return o, nil // validated with the sizes the checkpoints give (runstore.LoadRun)
	}
	if err := o.cfg.Validate(); err != nil {
		var fe *compute.FieldError
		if errors.As(err, &fe) {
			return nil, usagef("flag -%s: %s", strings.ReplaceAll(fe.Field, "_", "-"), fe.Problem())
		}
		return nil, usageError{err}
	}
	if err := o.sweep.parse(o.cfg); err != nil {
		return nil, usageError{err}
	}
	return o, nil
}

// checkOut refuses -out targets that a rebuild could damage: the current folder, the file
// system root, the home folder, and anything inside the run cache. Paths are compared once
// their links are resolved (those of the nearest existing ancestor, for a folder not yet made),
// so a link to one of them is refused too.
func checkOut(out, runs string) error {
	abs, err := resolve(out)
	if err != nil {
		return usagef("flag -out: %v", err)
	}
	cwd, _ := os.Getwd()
	cwd, _ = resolve(cwd)
	home, _ := resolve(homeDir())
	switch {
	case out == "" || abs == cwd:
		return usagef("flag -out: %q is the current folder; give a folder of its own, e.g. public", out)
	case abs == filepath.Dir(abs):
		return usagef("flag -out: %q is the file system root", out)
	case home != "" && abs == home:
		return usagef("flag -out: %q is the home folder", out)
	}
	if runsAbs, err := resolve(runs); err == nil {
		if rel, err := filepath.Rel(runsAbs, abs); err == nil && (rel == "." || !strings.HasPrefix(rel, "..")) {
			return usagef("flag -out: %q is inside the run cache %q", out, runs)
		}
	}
	return nil
}

// resolve returns the absolute form of path with the links of its nearest existing ancestor
// resolved (the rest does not exist yet, so has no links).
func resolve(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	rest := ""
	for dir := abs; ; dir = filepath.Dir(dir) {
		if real, err := filepath.EvalSymlinks(dir); err == nil {
			return filepath.Join(real, rest), nil
		}
		if dir == filepath.Dir(dir) {
			return abs, nil
		}
		rest = filepath.Join(filepath.Base(dir), rest)
	}
}

// homeDir is the user's home folder: $HOME, or the user database's when HOME is unset.
func homeDir() string {
	if h, err := os.UserHomeDir(); err == nil && h != "" {
		return h
	}
	if u, err := user.Current(); err == nil {
		return u.HomeDir
	}
	return ""
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
func testPart(p runstore.Progress) string {
	if p.TestEpoch < 0 {
		return ""
	}
	return fmt.Sprintf("  test acc %.4f (epoch %d)", p.TestAcc, p.TestEpoch)
}

func (pp *progressPrinter) update(p runstore.Progress) {
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

func execute(ctx context.Context, o *options, stdout, stderr io.Writer, terminal bool) (err error) {
	if o.sweep.grid != nil {
		return executeSweep(ctx, o, stdout, stderr, terminal)
	}
	start := time.Now()
	if _, statErr := os.Lstat(o.out); statErr != nil {
		// prepare makes -out to check it early; a failed run leaves nothing behind.
		defer func() {
			if err != nil {
				os.Remove(o.out) // only if still empty
			}
		}()
	}
	r, req, content, err := prepare(o)
	if err != nil {
		return err
	}
	if r == nil {
		pp := &progressPrinter{w: stderr, terminal: terminal, start: time.Now()}
		if !o.quiet {
			req.Progress = pp.update
			req.Log = func(format string, a ...any) { o.logf(stderr, format, a...) }
		}
		cache := runstore.Cache{Dir: o.runs}
		if r, err = cache.Get(ctx, req); errors.Is(err, runstore.ErrNotCached) {
			return usagef("flag -force load: %v", err)
		} else if err != nil {
			return err
		}
	} else {
		o.logf(stderr, "loaded %s: %d checkpoints", o.load, len(r.Epochs))
	}
	if r.Analyses == nil { // a loaded run; a trained one was analysed while it trained
		r.Analyses = compute.AnalyzeAll(r.Checkpoints, r.Epochs, r.Config, 0)
		r.Checkpoints = nil // analysed: nothing reads them again
	}
	index, err := buildSite(o, r, content)
	if err != nil {
		return err
	}
	o.logf(stderr, "done in %v", time.Since(start).Round(time.Millisecond))
	fmt.Fprintln(stdout, index)
	return nil
}

// prepare checks everything the user gave before any training: the -out folder, a loaded
// run, the -init file, the run's size, the explanations. It returns the loaded run (nil when
// training or the cache must provide it) or the request for the cache, and the explanations.
func prepare(o *options) (*compute.Run, runstore.Request, fs.FS, error) {
	req := runstore.Request{Config: o.cfg, Policy: runstore.Policy(o.force)}
	if err := checkOut(o.out, o.runs); err != nil {
		return nil, req, nil, err
	}
	var r *compute.Run
	if o.load != "" {
		var err error
		if r, err = runstore.LoadRun(o.load, o.cfg); err != nil {
			return nil, req, nil, usageError{err}
		}
		req.Config = r.Config
	}
	if err := checkSize(req.Config); err != nil {
		return nil, req, nil, usageError{err}
	}
	if o.init != "" {
		var err error
		if req.Init, req.InitContent, err = runstore.ReadInit(o.init, o.cfg); err != nil {
			return nil, req, nil, usageError{err}
		}
	}
	content, err := contentDir(o, req.Config)
	if err != nil {
		return nil, req, nil, err
	}
	if err := publish.Prepare(o.out, siteOwned); err != nil {
		return nil, req, nil, usagef("flag -out: %v", err)
	}
	return r, req, content, nil
}

package main

// The command's sweep mode (-sweep, -jobs, -shard, -export): README.md, "Sweeps".

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math"
	"runtime"
	"strings"
	"time"

	"maxgrok/compute"
	"maxgrok/publish"
	"maxgrok/render"
	"maxgrok/runstore"
	"maxgrok/sweep"
)

// sweepFlags are the sweep's flags, and the sweep they give.
type sweepFlags struct {
	axes      []string // -sweep, in order
	jobs      int
	shardText string
	export    bool
	grid      *sweep.Grid
	shard     sweep.Shard
}

type sweepAxisFlag struct{ list *[]string }

func (f sweepAxisFlag) String() string { return "" }
func (f sweepAxisFlag) Set(s string) error {
	*f.list = append(*f.list, s)
	return nil
}

func (s *sweepFlags) register(fs *flag.FlagSet) {
	fs.Var(sweepAxisFlag{&s.axes}, "sweep", "sweep a config key: KEY=V1,V2,... or KEY=A..B (repeatable: the product of the axes); see README, \"Sweeps\"")
	fs.IntVar(&s.jobs, "jobs", runtime.NumCPU(), "sweep: runs trained at once")
	fs.StringVar(&s.shardText, "shard", "", "sweep: K/N trains only the runs i with i mod N = K-1 into -runs, and writes no site")
	fs.BoolVar(&s.export, "export", false, "sweep: also write each run's data/analyses.safetensors")
}

// parse checks the sweep flags against the base config and expands the sweep.
func (s *sweepFlags) parse(base compute.Config) error {
	if len(s.axes) == 0 {
		if s.shardText != "" {
			return errors.New("flag -shard needs -sweep (it selects runs of a sweep)")
		}
		return nil
	}
	if s.jobs < 1 {
		return fmt.Errorf("flag -jobs: expected at least 1, got %d", s.jobs)
	}
	if s.shardText != "" {
		sh, err := sweep.ParseShard(s.shardText)
		if err != nil {
			return err
		}
		s.shard = sh
	}
	var axes []sweep.Axis
	for _, arg := range s.axes {
		a, err := sweep.ParseAxis(arg, base)
		if err != nil {
			return err
		}
		axes = append(axes, a)
	}
	g, err := sweep.Expand(base, axes)
	if err != nil {
		return err
	}
	s.grid = g
	return nil
}

// sweepOwned are the names in a sweep's site folder that a build may write.
var sweepOwned = append(append([]string(nil), siteOwned...), "runs")

// sweepProgress prints a sweep's progress: a live line on a terminal, a line per run otherwise.
type sweepProgress struct {
	w        io.Writer
	terminal bool
	last     time.Time
}

func (sp *sweepProgress) update(st sweep.Status) {
	if s := st.Last; s != nil && (s.Phase == sweep.Failed || !sp.terminal) {
		if sp.terminal {
			fmt.Fprint(sp.w, "\r\033[K")
		}
		fmt.Fprintf(sp.w, "maxgrok: run %d/%d %s: %s\n", st.Done, st.Total, s.Name, describe(s))
	}
	if !sp.terminal {
		return
	}
	now := time.Now()
	if st.Done < st.Total && now.Sub(sp.last) < 100*time.Millisecond {
		return
	}
	sp.last = now
	left := "?"
	if st.Done > 0 {
		left = st.Left().Round(100 * time.Millisecond).String()
	}
	fmt.Fprintf(sp.w, "\r\033[Ksweep: %d/%d runs done, %d running, time left %s", st.Done, st.Total, st.Running, left)
	if st.Done == st.Total {
		fmt.Fprintln(sp.w)
	}
}

// describe is one run's outcome in words.
func describe(s *sweep.Summary) string {
	switch s.Phase {
	case sweep.Failed:
		return "failed: " + s.Err.Error()
	case sweep.Diverged:
		return fmt.Sprintf("diverged at epoch %d", s.DivergedEpoch)
	}
	ep := func(e int) string {
		if e < 0 {
			return "never"
		}
		return fmt.Sprint(e)
	}
	return fmt.Sprintf("%s (memorised %s, grokked %s, final test acc %.4f)", s.Phase, ep(s.MemorisedEpoch), ep(s.GrokkedEpoch), s.FinalTestAcc)
}

// phaseRule is the phases' rule as the sweep page states it.
var phaseRule = fmt.Sprintf("diverged if the training loss stops being finite; confusion if train accuracy never reaches 1.0; memorization if it does but test accuracy never reaches %.2f; comprehension if test accuracy reaches %.2f at most max(100, memorised/10) epochs after the first epoch with train accuracy 1.0 (memorised), or before it; grokking if it reaches it later.", sweep.GrokAcc, sweep.GrokAcc)

// executeSweep runs the sweep of o and, unless -shard, writes its site: the sweep page at
// OUT/index.html and each run's report in OUT/runs/NAME/, sharing OUT/assets/.
func executeSweep(ctx context.Context, o *options, stdout, stderr io.Writer, terminal bool) (err error) {
	start := time.Now()
	g, sf := o.sweep.grid, &o.sweep
	sharded := sf.shard.N > 0
	if !sharded {
		if err := checkOut(o.out, o.runs); err != nil {
			return err
		}
	}
	for _, p := range g.Points {
		if err := checkSize(p.Config); err != nil {
			return usagef("flag -sweep: run %s: %v", p.Name, err)
		}
	}
	opts := sweep.Options{Cache: runstore.Cache{Dir: o.runs}, Policy: runstore.Policy(o.force), Jobs: sf.jobs, Shard: sf.shard}
	// Each job holds one run: fewer jobs at once if -jobs of the largest would not fit in memory.
	var largest int64
	for _, p := range g.Points {
		largest = max(largest, compute.EstimateMemoryBytes(p.Config))
	}
	if fit := int(compute.MaxMemoryBytes / max(1, largest)); opts.Jobs > fit {
		o.logf(stderr, "-jobs %d: running %d at a time, as %d runs of this sweep would not fit in %d MiB of memory", opts.Jobs, max(1, fit), opts.Jobs, compute.MaxMemoryBytes>>20)
		opts.Jobs = max(1, fit)
	}
	if o.init != "" {
		dims := compute.DimsOf(o.cfg)
		for _, p := range g.Points {
			if compute.DimsOf(p.Config) != dims {
				return usagef("flag -init: run %s has another model shape than the base config; -init gives one shape for every run", p.Name)
			}
		}
		if opts.Init, opts.InitContent, err = runstore.ReadInit(o.init, o.cfg); err != nil {
			return usageError{err}
		}
	}
	if !o.quiet {
		sp := &sweepProgress{w: stderr, terminal: terminal}
		opts.Progress = sp.update
	}
	if sharded {
		sums, err := sweep.Execute(ctx, g, opts)
		if err != nil {
			return err
		}
		o.logf(stderr, "shard %d/%d: %d of the sweep's %d runs are in %s; no site written (build it with -force load once every shard is done)", sf.shard.K, sf.shard.N, len(sums), len(g.Points), o.runs)
		return failures(sums, len(sums), errors.New("the other runs are in the cache"))
	}
	content, err := contentDir(o, o.cfg)
	if err != nil {
		return err
	}
	if err := publish.Prepare(o.out, sweepOwned); err != nil {
		return usagef("flag -out: %v", err)
	}
	b, err := publish.Begin(o.out)
	if err != nil {
		return fmt.Errorf("writing the site: %w", err)
	}
	defer b.Abort() // after Commit, nothing
	templates, _ := fs.Sub(builtin, "templates")
	opts.Analyse = true
	opts.Done = func(p sweep.Point, r *compute.Run) error {
		return writeRunReport(b, sweep.RunFolder(p.Name)+"/", r, render.Options{Content: content, Templates: templates, PDF: o.pdf, AssetPrefix: "../../", Up: "../../index.html", NoAnalyses: !sf.export}, sf.export)
	}
	sums, err := sweep.Execute(ctx, g, opts)
	if err != nil {
		return err
	}
	if err := writeSweepPage(b, g, sums, templates, render.SweepOptions{PDF: o.pdf, GIF: o.gif}); err != nil {
		return fmt.Errorf("writing the site: %w", err)
	}
	if err := b.Commit(); err != nil {
		return fmt.Errorf("writing the site: %w", err)
	}
	index := o.out + "/index.html"
	o.logf(stderr, "%d runs done in %v", len(sums), time.Since(start).Round(time.Millisecond))
	fmt.Fprintln(stdout, index)
	return failures(sums, len(sums), errors.New("the page shows the others"))
}

// failures is the error of the sweep's failed runs, or nil.
func failures(sums []*sweep.Summary, total int, rest error) error {
	var failed []string
	for _, s := range sums {
		if s != nil && s.Phase == sweep.Failed {
			failed = append(failed, s.Err.Error())
		}
	}
	if len(failed) == 0 {
		return nil
	}
	return fmt.Errorf("%d of %d runs failed (%v): %s", len(failed), total, rest, strings.Join(failed, "; "))
}

// writeRunReport renders run r's report into b under prefix (e.g. "runs/NAME/").
func writeRunReport(b *publish.Builder, prefix string, r *compute.Run, ro render.Options, export bool) error {
	files, err := render.Site(r, ro)
	if err != nil {
		return fmt.Errorf("writing its report: %w", err)
	}
	delete(files, ".nojekyll")
	files["data/metrics.csv"] = runstore.MarshalMetrics(r.Metrics)
	if export {
		if files["data/analyses.safetensors"], err = runstore.EncodeAnalyses(r.Analyses, compute.DimsOf(r.Config)); err != nil {
			return fmt.Errorf("writing its report: %w", err)
		}
	}
	for name, data := range files {
		if err := b.Add(prefix+name, data); err != nil {
			return err
		}
	}
	return nil
}

// writeSweepPage adds the sweep page, its figures (as so asks) and data to b.
func writeSweepPage(b *publish.Builder, g *sweep.Grid, sums []*sweep.Summary, templates fs.FS, so render.SweepOptions) error {
	d := render.SweepData{Title: fmt.Sprintf("A sweep of %d runs", len(sums)), PhaseRule: phaseRule}
	var keys []string
	for _, a := range g.Axes {
		d.Axes = append(d.Axes, render.SweepAxis{Key: a.Name(), Values: a.Values, Seed: a.IsSeed()})
		keys = append(keys, a.Name())
	}
	d.Title = "Grokking max(a, b): a sweep of " + strings.Join(keys, " × ") + fmt.Sprintf(" (%d runs)", len(sums))
	for _, s := range sums {
		run := render.SweepRun{Name: s.Name, Values: s.Values, Phase: string(s.Phase), Memorised: s.MemorisedEpoch, Grokked: s.GrokkedEpoch,
			FinalTrainAcc: s.FinalTrainAcc, FinalTestAcc: s.FinalTestAcc, FinalBound: s.FinalBound, Epochs: s.Epochs, TestAcc: s.TestAcc}
		if s.HasReport() {
			run.Href = sweep.RunFolder(s.Name) + "/"
		}
		if math.IsNaN(run.FinalTestAcc) {
			run.Epochs, run.TestAcc = nil, nil
		}
		d.Runs = append(d.Runs, run)
	}
	files, err := render.SweepSite(d, templates, so)
	if err != nil {
		return err
	}
	files["data/sweep.csv"] = sweep.MarshalCSV(g.Axes, sums)
	if files["data/sweep.safetensors"], err = sweep.MarshalCurves(g.Axes, sums); err != nil {
		return err
	}
	return b.AddAll(files)
}

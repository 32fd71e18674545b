package sweep

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"maxgrok/compute"
	"maxgrok/runstore"
)

// Options say how to run a sweep.
type Options struct {
	Cache       runstore.Cache
	Policy      runstore.Policy
	Init        *compute.Params // initial weights of every run; nil: each run's seeded init
	InitContent []byte          // the -init file's bytes (part of the cache key)
	Jobs        int             // runs at once (at least 1)
	Shard       Shard           // the runs to get; the zero Shard: all
	// Analyse makes sure every run is analysed (a cached run is loaded without its analyses),
	// for Done and for the summary's bound.
	Analyse bool
	// Done is called on the worker of each run once it is trained or loaded (and analysed), to
	// write its report; the run is dropped after it returns. An error fails that run. May be
	// nil.
	Done func(p Point, r *compute.Run) error
	// Progress is called (from one goroutine at a time) when a run starts or ends. May be nil.
	Progress func(Status)
	// Log receives what the cache decides for each run (trained, resumed, cached). May be nil.
	Log func(p Point, format string, a ...any)
}

// Status is the sweep's progress.
type Status struct {
	Done, Running, Total int
	Elapsed              time.Duration
	Last                 *Summary // the run that just ended, or nil when one started
}

// Left estimates the time the sweep still needs, from the runs done so far (0: unknown).
func (s Status) Left() time.Duration {
	if s.Done == 0 {
		return 0
	}
	return time.Duration(float64(s.Elapsed) * float64(s.Total-s.Done) / float64(s.Done))
}

// Execute gets every run of g that o.Shard holds, o.Jobs at a time, each through o.Cache, and
// returns their summaries in sweep order. A run that diverges is a result (phase Diverged);
// a run that fails otherwise is recorded (phase Failed, Err set) and the others go on. Only
// ctx's cancellation stops the sweep: runs in progress stop at their next epoch (the next
// Execute resumes them from the cache) and the error says so. Memory holds at most o.Jobs runs
// at a time, plus the summaries.
func Execute(ctx context.Context, g *Grid, o Options) ([]*Summary, error) {
	var todo []Point
	for _, p := range g.Points {
		if o.Shard.Has(p.Index) {
			todo = append(todo, p)
		}
	}
	out := make([]*Summary, len(todo))
	jobs := max(1, min(o.Jobs, len(todo)))
	start := time.Now()
	var mu sync.Mutex // guards st and the Progress calls
	st := Status{Total: len(todo)}
	report := func(f func()) {
		mu.Lock()
		defer mu.Unlock()
		f()
		st.Elapsed = time.Since(start)
		if o.Progress != nil {
			o.Progress(st)
		}
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range jobs {
		wg.Go(func() {
			for i := range next {
				report(func() { st.Running++; st.Last = nil })
				s := getOne(ctx, todo[i], o, jobs)
				out[i] = s
				report(func() { st.Running--; st.Done++; st.Last = s })
			}
		})
	}
feed:
	for i := range todo {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return out, fmt.Errorf("interrupted: the next run of this sweep resumes each run from its last checkpoint in %s: %w", o.Cache.Dir, err)
	}
	return out, nil
}

// getOne trains or loads the run of p and sums it up.
func getOne(ctx context.Context, p Point, o Options, jobs int) *Summary {
	req := runstore.Request{Config: p.Config, Init: o.Init, InitContent: o.InitContent, Policy: o.Policy}
	if o.Log != nil {
		req.Log = func(format string, a ...any) { o.Log(p, format, a...) }
	}
	r, err := o.Cache.Get(ctx, req)
	var de *compute.DivergenceError
	switch {
	case errors.As(err, &de):
		return DivergedSummary(p, de.Epoch)
	case err != nil:
		return FailedSummary(p, fmt.Errorf("run %s: %w", p.Name, err))
	}
	if o.Analyse && r.Analyses == nil {
		workers := 0 // every core for a sweep of one job at a time
		if jobs > 1 {
			workers = 1
		}
		r.Analyses = compute.AnalyzeAll(r.Checkpoints, r.Epochs, r.Config, workers)
		r.Checkpoints = nil // analysed: nothing reads them again
	}
	s := Summarize(p, r)
	if o.Done != nil && s.HasReport() {
		if err := o.Done(p, r); err != nil {
			return FailedSummary(p, fmt.Errorf("run %s: %w", p.Name, err))
		}
	}
	return s
}

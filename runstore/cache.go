package runstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"maxgrok/compute"
	"maxgrok/internal/flock"
)

// Cache is a run cache: a folder holding one run folder per config, named by Config.Key of the
// config and the -init file's content, so that the same config, however it was asked for (a
// single run, a sweep, another shard), is the same run.
type Cache struct {
	Dir string
}

// Policy says when a cached run is used.
type Policy string

// The policies of -force.
const (
	UseOrTrain Policy = "auto"  // the cached run when complete, else train
	Retrain    Policy = "train" // always train
	CachedOnly Policy = "load"  // the cached run, or ErrNotCached
)

// ErrNotCached is returned by Get under CachedOnly when the cache has no complete run.
var ErrNotCached = errors.New("no complete cached run for this config")

// Request is one run to get from the cache.
type Request struct {
	Config      compute.Config
	Init        *compute.Params // initial weights; nil: the seeded init
	InitContent []byte          // the -init file's bytes, part of the cache key
	Policy      Policy
	Progress    func(Progress)                // training progress; may be nil
	Log         func(format string, a ...any) // what Get decides; may be nil
}

// Folder returns the run folder of a config in the cache.
func (c Cache) Folder(cfg compute.Config, initContent []byte) string {
	return filepath.Join(c.Dir, cfg.Key(initContent))
}

// Get returns the run req asks for: the cached one when complete (unless Retrain), else
// trained into the cache. A run whose training diverged is kept as such: Get returns its
// *compute.DivergenceError again without training (unless Retrain). Processes getting the same config at once wait for each other
// (a lock in Dir/.locks), so the second finds the first one's run. An error from ctx means the
// training was interrupted and the next Get resumes it.
func (c Cache) Get(ctx context.Context, req Request) (*compute.Run, error) {
	logf := req.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	key := req.Config.Key(req.InitContent)
	dir := filepath.Join(c.Dir, key)
	cached := func() (*compute.Run, bool) {
		if req.Policy == Retrain || !Complete(dir, req.Config) {
			return nil, false
		}
		r, err := LoadCached(dir, req.Config)
		if err != nil {
			logf("the cached run %s cannot be used (%v): training again", dir, err)
			return nil, false
		}
		logf("using the cached run %s (-force train to retrain)", dir)
		return r, true
	}
	if r, ok := cached(); ok {
		return r, nil
	}
	// A diverged run is a result too: the same config diverges again.
	if de := Diverged(dir, req.Config); de != nil && req.Policy != Retrain {
		logf("the cached run %s diverged at epoch %d (-force train to retrain)", dir, de.Epoch)
		return nil, de
	}
	if req.Policy == CachedOnly {
		return nil, fmt.Errorf("%w (expected %s)", ErrNotCached, dir)
	}
	unlock, err := flock.Lock(filepath.Join(c.Dir, ".locks", key+".lock"))
	if err != nil {
		return nil, err
	}
	defer unlock()
	if r, ok := cached(); ok {
		return r, nil
	}
	init := req.Init
	if init == nil {
		if init, err = compute.InitParams(req.Config); err != nil {
			return nil, err
		}
	}
	if e := ResumeEpoch(dir, req.Config); e > 0 {
		logf("resuming %s from epoch %d", dir, e)
	} else {
		logf("training %d epochs into %s", req.Config.Epochs, dir)
	}
	r, err := TrainRun(ctx, req.Config, init, dir, req.Progress)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, fmt.Errorf("interrupted: the next run of this config resumes from its last checkpoint in %s: %w", dir, err)
		}
		return nil, err
	}
	return r, nil
}

// Command maxgrok trains (or loads) every checkpoint of a one-layer, attention-only transformer
// learning max(a, b), computes the notebook's analyses (and more) at every checkpoint, and
// writes a static report: explanations, figures and an epoch slider that works offline.
//
// Usage:
//
//	go run .                       train the reference run (or reuse the cache), write public/
//	go run . -epochs 5000 -lr 3e-3 another config; -h lists every flag
//	go run . -load RUN             render a run folder written earlier, e.g. by PyTorch
//
// README.md lists the flags, docs/formats.md the files, docs/math.md the math. Progress goes
// to stderr, the path of the written index.html to stdout. Exit status: 0 success, 1 failure
// while running, 2 bad input (flags, config, -init, -load or -content files).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// The first Ctrl-C or SIGTERM stops training at the next epoch and saves what resuming
	// needs; after it, signals have their default effect again, so a second one kills at once.
	// That too leaves the cache and the site usable: the files that mark a run complete or
	// resumable and the site are written through renames, and a checkpoint (written in place)
	// is trusted only once its run's metrics.csv exists.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, isTerminal(os.Stderr))
	stop()
	os.Exit(code)
}

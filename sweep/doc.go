// Package sweep runs a grid of configs: it parses the -sweep axes (KEY=VALUES), expands their
// Cartesian product over a base config, names each run, selects the runs of a shard, trains or
// loads every run through the run cache (runstore.Cache, so that a sweep's run is the same
// cache entry as the single run of its config) on a bounded pool of workers, and sums each
// run up: its memorised and grokked epochs, final accuracies and bound, and its phase
// (README.md, "Sweeps"). It writes the summary table, data/sweep.csv, and the curves of every
// run, data/sweep.safetensors. It draws nothing: the sweep page is package render's.
package sweep

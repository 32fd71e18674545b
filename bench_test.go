package main

import (
	"context"
	"io"
	"testing"
)

// BenchmarkDefaultRun measures the whole default run as the command does it: 3000 epochs of
// training, 301 checkpoints written, every analysis, and the site. Besides the wall time it
// reports cpu-s/op, the process's CPU time (user and system, all goroutines) per run.
func BenchmarkDefaultRun(b *testing.B) {
	dir := b.TempDir()
	defer reportCPU(b)()
	for b.Loop() {
		if code := run(context.Background(), []string{"-quiet", "-force", "train", "-runs", dir + "/runs", "-out", dir + "/public"}, io.Discard, io.Discard, false); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}

// reportCPU starts measuring the process's CPU time; the function it returns reports it per
// iteration as cpu-s/op.
func reportCPU(b *testing.B) func() {
	start, ok := processCPU()
	return func() {
		if end, ok2 := processCPU(); ok && ok2 && b.N > 0 {
			b.ReportMetric((end-start).Seconds()/float64(b.N), "cpu-s/op")
		}
	}
}

// BenchmarkCachedRun measures a rerun of the default config: the cached run is loaded and
// analysed again, and the site rewritten.
func BenchmarkCachedRun(b *testing.B) {
	dir := b.TempDir()
	args := []string{"-quiet", "-runs", dir + "/runs", "-out", dir + "/public"}
	if code := run(context.Background(), args, io.Discard, io.Discard, false); code != 0 {
		b.Fatalf("exit %d", code)
	}
	defer reportCPU(b)()
	for b.Loop() {
		if code := run(context.Background(), args, io.Discard, io.Discard, false); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}

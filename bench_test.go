package main

import (
	"context"
	"io"
	"testing"
)

// BenchmarkDefaultRun measures the whole default run as the command does it: 3000 epochs of
// training, 301 checkpoints written, every analysis, and the site.
func BenchmarkDefaultRun(b *testing.B) {
	dir := b.TempDir()
	for b.Loop() {
		if code := run(context.Background(), []string{"-quiet", "-force", "train", "-runs", dir + "/runs", "-out", dir + "/public"}, io.Discard, io.Discard, false); code != 0 {
			b.Fatalf("exit %d", code)
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
	for b.Loop() {
		if code := run(context.Background(), args, io.Discard, io.Discard, false); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}

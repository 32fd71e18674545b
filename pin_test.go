package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"maxgrok/internal/filetree"
	"maxgrok/internal/testref"
)

// TestDefaultRunPinned trains the default run and builds its site with -pdf, and compares a
// SHA-256 of every file of the run folder and the site with testdata/default_run.sha256: a
// change of any output byte, on any CPU, fails here. When a change is intended, rerun with
// -update (on amd64, GOAMD64 v1 or v2) and say in the commit which files changed and why.
// Where the compiler may fuse gonum/plot's products (renderFuses: arm64 and others, GOAMD64=v3),
// it compares every file but those that carry its coordinates (drawnFile), whose last digits may
// differ there (the run folder, the analyses and the metrics are the same on every CPU).
func TestDefaultRunPinned(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the default run (about 2 s)")
	}
	dir := t.TempDir()
	runs, out := filepath.Join(dir, "runs"), filepath.Join(dir, "public")
	if code := run(context.Background(), []string{"-quiet", "-pdf", "-runs", runs, "-out", out}, io.Discard, io.Discard, false); code != 0 {
		t.Fatalf("exit %d", code)
	}
	var lines []string
	for _, tree := range []struct{ name, dir string }{{"runs", runs}, {"public", out}} {
		files, err := filetree.Read(tree.dir, ".lock")
		if err != nil {
			t.Fatal(err)
		}
		for name, b := range files {
			lines = append(lines, fmt.Sprintf("%x  %s/%s", sha256.Sum256(b), tree.name, name))
		}
	}
	slices.SortFunc(lines, func(a, b string) int { return strings.Compare(a[66:], b[66:]) })
	golden := filepath.Join("testdata", "default_run.sha256")
	if !renderFuses {
		testref.Golden(t, golden, []byte(strings.Join(lines, "\n")+"\n"))
		return
	}
	if testref.Update() {
		t.Fatal("-update: rewrite the golden file on amd64 below GOAMD64=v3, where every file is compared")
	}
	b, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	undrawn := func(lines []string) []string {
		return slices.DeleteFunc(slices.Clone(lines), func(l string) bool { return drawnFile(l[66:]) })
	}
	want := undrawn(strings.Split(strings.TrimSuffix(string(b), "\n"), "\n"))
	if got := undrawn(lines); !slices.Equal(got, want) {
		t.Errorf("output differs from the golden file %s in the files that carry no drawn coordinates:\n%s", golden, lineDiff(got, want))
	}
	t.Logf("compared %d of %d files (the figures, the page and the payload carry coordinates that may differ here)", len(want), len(lines))
}

// drawnFile reports whether the output file name (runs/... or public/...) carries coordinates
// that gonum/plot computes: the figures, the page that inlines them and the payload, which holds
// the figures' frames.
func drawnFile(name string) bool {
	return strings.HasPrefix(name, "public/figures/") || name == "public/index.html" || name == "public/data/payload.gz.js"
}

// lineDiff lists the lines of got missing from want (+) and of want missing from got (-).
func lineDiff(got, want []string) string {
	var out []string
	for _, l := range got {
		if !slices.Contains(want, l) {
			out = append(out, "+ "+l)
		}
	}
	for _, l := range want {
		if !slices.Contains(got, l) {
			out = append(out, "- "+l)
		}
	}
	return strings.Join(out, "\n")
}

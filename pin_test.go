package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
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
// -update and say in the commit which files changed and why.
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
	testref.Golden(t, filepath.Join("testdata", "default_run.sha256"), []byte(strings.Join(lines, "\n")+"\n"))
}

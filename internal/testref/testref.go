// Package testref finds the data tests compare against: the project's own golden files, and the
// reference runs of the read-only folder "shared" that sits beside the repository's root in
// development and CI (its reference PyTorch run and fixtures). It is for tests only.
//
// Paths are found from the module root (the folder of go.mod above the test's working
// directory), so a test finds the same files from any package and from a copy of the
// repository anywhere; no test uses an absolute path.
package testref

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

// update is -update: rewrite the golden files with what the tests produce.
var update = flag.Bool("update", false, "rewrite golden files with the current output")

// Root returns the module root: the nearest folder at or above the working directory that
// holds go.mod.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("testref: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Find returns the path of rel inside the shared reference folder beside the repository (rel
// is slash-separated, e.g. "reference/default/run"), and whether it exists.
func Find(rel string) (string, bool) {
	root, err := Root()
	if err != nil {
		return "", false
	}
	path := filepath.Join(root, "..", "shared", filepath.FromSlash(rel))
	_, err = os.Stat(path)
	return path, err == nil
}

// Shared is Find, skipping the test with a message naming what is missing.
func Shared(t testing.TB, rel string) string {
	t.Helper()
	path, ok := Find(rel)
	if !ok {
		t.Skipf("this check needs the reference data shared/%s beside the repository (absent in a plain clone)", rel)
	}
	return path
}

// Golden compares got with the golden file path (relative to the test's package); with -update
// it rewrites the file instead.
func Golden(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden file: %v (run the test with -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from the golden file %s (%d bytes, want %d); if the change is intended, rerun with -update", path, len(got), len(want))
	}
}

// Update reports whether the tests run with -update (rewrite golden files).
func Update() bool { return *update }

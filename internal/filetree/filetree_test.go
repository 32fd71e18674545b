package filetree

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestReadDiff(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for _, f := range []struct{ dir, name, data string }{
		{a, "same.txt", "x"}, {b, "same.txt", "x"},
		{a, "sub/changed.txt", "1"}, {b, "sub/changed.txt", "2"},
		{a, "only-a.txt", ""}, {b, "only-b.txt", ""},
		{a, "x.lock", "ignored"},
	} {
		os.MkdirAll(filepath.Dir(filepath.Join(f.dir, f.name)), 0o755)
		os.WriteFile(filepath.Join(f.dir, f.name), []byte(f.data), 0o644)
	}
	ta, err := Read(a, ".lock")
	if err != nil {
		t.Fatal(err)
	}
	tb, err := Read(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"only-a.txt: only in the first tree", "only-b.txt: only in the second tree", "sub/changed.txt: contents differ"}
	if got := Diff(ta, tb); !slices.Equal(got, want) {
		t.Errorf("Diff = %q, want %q", got, want)
	}
}

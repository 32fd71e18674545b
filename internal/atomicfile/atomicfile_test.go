package atomicfile

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestRemoveTemps checks that RemoveTemps removes the temporary files of the names it is given
// (a glob pattern included) and nothing else, in a folder whose path holds glob characters
// and beside a folder that those would match.
func TestRemoveTemps(t *testing.T) {
	top := t.TempDir()
	dir, other := filepath.Join(top, "c[12]"), filepath.Join(top, "c1")
	for _, d := range []string{dir, other} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(other, ".metrics.csv.tmp7"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	files := []string{
		".metrics.csv.tmp123", ".config.json.tmp4", ".epoch-00010.safetensors.tmp99", // temporaries
		"metrics.csv", ".other.tmp1", "config.json.tmp5", ".metrics.csv", // not theirs
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := RemoveTemps(dir, "metrics.csv", "config.json", "epoch-*.safetensors"); err != nil {
		t.Fatal(err)
	}
	var left []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		left = append(left, e.Name())
	}
	if want := []string{".metrics.csv", ".other.tmp1", "config.json.tmp5", "metrics.csv"}; !slices.Equal(left, want) {
		t.Errorf("left %q, want %q", left, want)
	}
	if _, err := os.Stat(filepath.Join(other, ".metrics.csv.tmp7")); err != nil {
		t.Errorf("another folder's temporary file: %v", err)
	}
	if err := RemoveTemps(filepath.Join(dir, "missing"), "metrics.csv"); err != nil {
		t.Errorf("a missing folder: %v", err)
	}
}

// TestWriteFileLeavesNoTemp checks that a WriteFile leaves the target and no temporary file.
func TestWriteFileLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	if err := WriteFile(filepath.Join(dir, "a.json"), []byte("x")); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "a.json" {
		t.Errorf("folder holds %v", entries)
	}
}

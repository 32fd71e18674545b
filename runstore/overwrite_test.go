package runstore

import (
	"os"
	"path/filepath"
	"testing"
)

// TestOverwrite checks overwrite's cases: a new file is created, a file of its own is rewritten
// in place (the same inode), cut to the new length if it was longer, and a hard link or a symbolic link is replaced, leaving the other
// name's file as it was.
func TestOverwrite(t *testing.T) {
	for _, tc := range []struct {
		name    string
		setup   func(t *testing.T, path, other string) // other: a file that must keep "old"
		inPlace bool                                   // the file at path keeps its inode
	}{
		{"new", func(t *testing.T, path, other string) {}, false},
		{"own longer file", func(t *testing.T, path, other string) { write(t, path, "old old old") }, true},
		{"own shorter file", func(t *testing.T, path, other string) { write(t, path, "o") }, true},
		{"hard link", func(t *testing.T, path, other string) {
			if err := os.Link(other, path); err != nil {
				t.Skip("no hard links here:", err)
			}
		}, false},
		{"symbolic link", func(t *testing.T, path, other string) {
			if err := os.Symlink(other, path); err != nil {
				t.Skip("no symbolic links here:", err)
			}
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path, other := filepath.Join(dir, "epoch-00010.safetensors"), filepath.Join(dir, "elsewhere")
			write(t, other, "old")
			tc.setup(t, path, other)
			before, _ := os.Lstat(path)
			if err := overwrite(path, []byte("new")); err != nil {
				t.Fatal(err)
			}
			if b, err := os.ReadFile(path); err != nil || string(b) != "new" {
				t.Errorf("%s holds %q (%v), want \"new\"", path, b, err)
			}
			if b, _ := os.ReadFile(other); string(b) != "old" {
				t.Errorf("the other file holds %q, want \"old\"", b)
			}
			after, err := os.Lstat(path)
			if err != nil || !after.Mode().IsRegular() || after.Mode().Perm() != 0o644 {
				t.Fatalf("%s is %v (%v), want a regular file", path, after.Mode(), err)
			}
			if before != nil && os.SameFile(before, after) != tc.inPlace {
				t.Errorf("same file after the write: %v, want %v", os.SameFile(before, after), tc.inPlace)
			}
		})
	}
}

// write makes path a file holding s, of mode 0644 whatever the umask.
func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
}

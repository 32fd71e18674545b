//go:build unix

package runstore

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestOverwriteSpecialFiles checks that a FIFO or a file without write permission at a
// checkpoint's path is replaced by a regular file (the open neither blocks on the FIFO nor
// fails on the permission).
func TestOverwriteSpecialFiles(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(path string) error
	}{
		{"fifo", func(path string) error { return syscall.Mkfifo(path, 0o644) }},
		{"read-only file", func(path string) error { return os.WriteFile(path, []byte("old"), 0o444) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "epoch-00010.safetensors")
			if err := tc.setup(path); err != nil {
				t.Skip(err)
			}
			if err := overwrite(path, []byte("new")); err != nil {
				t.Fatal(err)
			}
			st, err := os.Lstat(path)
			if b, _ := os.ReadFile(path); err != nil || !st.Mode().IsRegular() || string(b) != "new" {
				t.Errorf("%s: mode %v, content %q (%v)", path, st.Mode(), b, err)
			}
		})
	}
}

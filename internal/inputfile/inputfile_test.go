package inputfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	regular := filepath.Join(dir, "a.json")
	if err := os.WriteFile(regular, []byte("12345"), 0o644); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	link := filepath.Join(dir, "zero")
	if err := os.Symlink("/dev/zero", link); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path    string
		limit   int64
		want    string
		wantErr string
	}{
		{regular, 10, "12345", ""},
		{regular, 5, "12345", ""},
		{regular, 4, "", "file too large: 5 bytes, the limit is 4"},
		{fifo, 10, "", "not a regular file (a named pipe)"},
		{link, 10, "", "not a regular file (a device)"},
		{dir, 10, "", "not a regular file (a folder)"},
		{filepath.Join(dir, "missing"), 10, "", "no such file"},
	} {
		got, err := ReadFile(tc.path, tc.limit)
		if tc.wantErr == "" {
			if err != nil || string(got) != tc.want {
				t.Errorf("ReadFile(%s, %d) = %q, %v, want %q", tc.path, tc.limit, got, err, tc.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("ReadFile(%s, %d) error = %v, want one containing %q", tc.path, tc.limit, err, tc.wantErr)
		}
		if strings.Contains(tc.wantErr, "too large") && !errors.Is(err, ErrTooLarge) {
			t.Errorf("ReadFile(%s) error %v does not wrap ErrTooLarge", tc.path, err)
		}
	}
}

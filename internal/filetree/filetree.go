// Package filetree reads folders into memory and compares them, for tests that check that two
// runs or two sites are byte-identical.
package filetree

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Read returns the content of every regular file under dir, by slash-separated relative path,
// leaving out files whose name ends with one of skip (lock files, say).
func Read(dir string, skip ...string) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || slices.ContainsFunc(skip, func(s string) bool { return strings.HasSuffix(path, s) }) {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)], err = os.ReadFile(path)
		return err
	})
	return files, err
}

// Diff lists, sorted, every path whose content differs between a and b or that only one has.
func Diff(a, b map[string][]byte) []string {
	var out []string
	for name, data := range a {
		if other, ok := b[name]; !ok {
			out = append(out, name+": only in the first tree")
		} else if !bytes.Equal(data, other) {
			out = append(out, name+": contents differ")
		}
	}
	for name := range b {
		if _, ok := a[name]; !ok {
			out = append(out, name+": only in the second tree")
		}
	}
	slices.Sort(out)
	return out
}

// Write writes files, by slash-separated relative path as Read returns them, under dir,
// making the folders they need.
func Write(dir string, files map[string][]byte) error {
	for name, b := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

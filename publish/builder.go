package publish

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"maxgrok/internal/flock"
)

// Builder installs a site written file by file, for a site too large to hold in memory (a
// sweep's reports): Add (or AddFrom) writes each file into a stage folder at once, Commit
// switches the whole site in as Install does, and Abort leaves the previous site as it was. A
// file that Add finds already in the site with the same bytes (a rebuild of a deterministic
// site) is neither written nor moved: the switch leaves it where it is. The folder stays locked
// from Begin to Commit or Abort. Add may be called from several goroutines.
type Builder struct {
	dir, stage string
	old        map[string]bool
	unlock     func()
	mu         sync.Mutex
	names      map[string]bool
	same       map[string]bool // names whose file in dir already holds the new bytes
	closed     bool
	step       func() error // for tests: called after every rename of the switch
}

// Begin locks the site folder dir (creating it if needed), finishes an interrupted switch, and
// starts a stage folder in it.
func Begin(dir string) (*Builder, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	unlock, err := flock.LockDir(dir)
	if err != nil {
		return nil, err
	}
	b := &Builder{dir: dir, unlock: unlock, names: map[string]bool{}, same: map[string]bool{}}
	if err := recoverSwitch(dir); err != nil {
		unlock()
		return nil, err
	}
	if b.old, err = readManifest(dir); err != nil {
		unlock()
		return nil, err
	}
	if b.stage, err = os.MkdirTemp(dir, stagePrefix); err != nil {
		unlock()
		return nil, err
	}
	return b, nil
}

// Add writes the site file name (a slash-separated relative path) into the stage. A name added
// twice, an invalid one, or one where a foreign file (not in the manifest) lies is an error.
func (b *Builder) Add(name string, data []byte) error {
	path, err := b.claim(name)
	if err != nil {
		return err
	}
	if b.old[name] && holds(filepath.Join(b.dir, filepath.FromSlash(name)), data) {
		b.mu.Lock()
		b.same[name] = true
		b.mu.Unlock()
		return nil
	}
	return writeFile(path, data)
}

// holds reports whether p is a site file (siteFile) whose content is data.
func holds(p string, data []byte) bool {
	size, ok := siteFile(p)
	if !ok || size != int64(len(data)) {
		return false
	}
	old, err := os.ReadFile(p)
	return err == nil && bytes.Equal(old, data)
}

// siteFile returns the size of p and true if p is a file as writeFile makes them, a regular file
// of mode 0644: one a rebuild may keep when its bytes do not change.
func siteFile(p string) (int64, bool) {
	st, err := os.Lstat(p)
	if err != nil || !st.Mode().IsRegular() || st.Mode().Perm() != 0o644 {
		return 0, false
	}
	return st.Size(), true
}

// AddFrom is Add for a file that write writes to w, so that a large file need not be held in
// memory whole. When the site holds the file already (as Add would keep it), the bytes are
// compared with it as they come, and the stage gets a file only from the first difference on
// (the old file's equal prefix copied first). An error from write or from the files is
// returned; what the stage holds then, Abort removes.
func (b *Builder) AddFrom(name string, write func(w io.Writer) error) error {
	path, err := b.claim(name)
	if err != nil {
		return err
	}
	w := &stageWriter{path: path}
	if cur := filepath.Join(b.dir, filepath.FromSlash(name)); b.old[name] {
		if size, ok := siteFile(cur); ok {
			if w.old, err = os.Open(cur); err == nil {
				defer w.old.Close()
				w.oldSize = size
			}
		}
	}
	err = write(w)
	if err == nil {
		err = w.finish()
	}
	if w.f != nil {
		if cerr := w.f.Close(); err == nil {
			err = cerr
		}
	}
	if err == nil && w.f == nil {
		b.mu.Lock()
		b.same[name] = true
		b.mu.Unlock()
	}
	return err
}

// stageWriter writes a stage file at path, or, while its bytes are those of old (the site's
// file), only compares them.
type stageWriter struct {
	path    string
	old     *os.File // nil: no file to compare with
	oldSize int64
	n       int64    // bytes equal to old's so far (while f is nil)
	f       *os.File // the stage file, from the first difference on
	buf     []byte
}

// Write implements io.Writer.
func (w *stageWriter) Write(p []byte) (int, error) {
	if w.f == nil && w.old != nil && w.n+int64(len(p)) <= w.oldSize {
		w.buf = slices.Grow(w.buf[:0], len(p))[:len(p)]
		if _, err := io.ReadFull(w.old, w.buf); err == nil && bytes.Equal(w.buf, p) {
			w.n += int64(len(p))
			return len(p), nil
		}
	}
	if err := w.create(); err != nil {
		return 0, err
	}
	return w.f.Write(p)
}

// create makes the stage file, with the n bytes compared equal so far, if it is not made yet.
func (w *stageWriter) create() error {
	if w.f != nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(w.path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644) // as writeFile
	if err != nil {
		return err
	}
	w.f = f
	if w.n > 0 {
		if _, err := io.Copy(f, io.NewSectionReader(w.old, 0, w.n)); err != nil {
			return err
		}
	}
	return nil
}

// finish ends the comparison: a file shorter than old's differs from it, and a file with no
// old one is made even when empty.
func (w *stageWriter) finish() error {
	if w.f == nil && (w.old == nil || w.n != w.oldSize) {
		return w.create()
	}
	return nil
}

// claim records name as added and returns its path in the stage, or why it cannot be added.
func (b *Builder) claim(name string) (string, error) {
	if !fs.ValidPath(name) || name == "." || name == ManifestFile || name == journalFile || strings.HasPrefix(name, stagePrefix) {
		return "", fmt.Errorf("publish: invalid site file name %q", name)
	}
	b.mu.Lock()
	switch {
	case b.closed:
		b.mu.Unlock()
		return "", fmt.Errorf("publish: %s added after the site was committed", name)
	case b.names[name]:
		b.mu.Unlock()
		return "", fmt.Errorf("publish: site file %s added twice", name)
	}
	b.names[name] = true
	b.mu.Unlock()
	if _, err := os.Lstat(filepath.Join(b.dir, filepath.FromSlash(name))); err == nil && !b.old[name] {
		return "", &CollisionError{Dir: b.dir, Files: []string{name}}
	}
	return filepath.Join(b.stage, "new", filepath.FromSlash(name)), nil
}

// AddAll adds every file of files.
func (b *Builder) AddAll(files map[string][]byte) error {
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if err := b.Add(name, files[name]); err != nil {
			return err
		}
	}
	return nil
}

// Commit switches the files added in for the previous site, and unlocks the folder.
func (b *Builder) Commit() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return fmt.Errorf("publish: %s committed twice", b.dir)
	}
	b.closed = true
	b.mu.Unlock()
	defer b.unlock()
	defer os.RemoveAll(b.stage)
	names := make([]string, 0, len(b.names))
	for n := range b.names {
		names = append(names, n)
	}
	slices.Sort(names)
	return commit(b.dir, b.stage, b.old, names, b.same, b.step)
}

// Abort drops the files added and unlocks the folder; the previous site stays. After Commit it
// does nothing.
func (b *Builder) Abort() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.closed = true
	os.RemoveAll(b.stage)
	b.unlock()
}

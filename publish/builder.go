package publish

import (
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
// sweep's reports): Add (or AddFrom) writes each file into a stage folder at once, Commit switches the whole
// site in as Install does, and Abort leaves the previous site as it was. The folder stays locked
// from Begin to Commit or Abort. Add may be called from several goroutines.
type Builder struct {
	dir, stage string
	old        map[string]bool
	unlock     func()
	mu         sync.Mutex
	names      map[string]bool
	closed     bool
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
	b := &Builder{dir: dir, unlock: unlock, names: map[string]bool{}}
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
	return writeFile(path, data)
}

// AddFrom is Add for a file that write writes to w, so that a large file need not be held in
// memory whole. An error from write or from the file is returned; the file stays in the stage
// (which Abort removes).
func (b *Builder) AddFrom(name string, write func(w io.Writer) error) error {
	path, err := b.claim(name)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644) // as writeFile
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
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
	return commit(b.dir, b.stage, b.old, names, nil)
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

// Package atomicfile writes files so that a reader, or a process killed half way, sees either
// the old content or the new one, never a part: the data goes to a temporary file in the same
// folder, which is then renamed over the target.
//
// There is no fsync: after a power failure a file may be empty. The program writes hundreds of
// checkpoints a run and fsyncs would cost seconds; a lost run is trained again.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// tempPattern is the name pattern of WriteFile's temporary files (os.CreateTemp's, and
// filepath.Match's for RemoveTemps): a dot, the target's name, ".tmp" and a random number.
const tempPattern = ".%s.tmp*"

// WriteFile writes data to path through a temporary file in the same folder and a rename, with
// permissions 0644.
func WriteFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), fmt.Sprintf(tempPattern, filepath.Base(path)))
	if err != nil {
		return err
	}
	fail := func(err error) error { // the temporary file goes; after a rename there is none
		os.Remove(tmp.Name())
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fail(err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fail(err)
	}
	return nil
}

// RemoveTemps removes from dir the temporary files that a WriteFile of one of names (each a
// file name, or a filepath.Match pattern of names), killed before its rename, left behind. Only
// dir's own entries are matched, whatever characters dir's path holds; a missing dir is not an
// error.
func RemoveTemps(dir string, names ...string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	var errs []error
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		for _, name := range names {
			ok, err := filepath.Match(fmt.Sprintf(tempPattern, name), e.Name())
			if err != nil {
				return fmt.Errorf("atomicfile: pattern %q: %w", name, err)
			}
			if ok {
				if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
					errs = append(errs, err)
				}
				break
			}
		}
	}
	return errors.Join(errs...)
}

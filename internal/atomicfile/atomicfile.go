// Package atomicfile writes files so that a reader, or a process killed half way, sees either
// the old content or the new one, never a part: the data goes to a temporary file in the same
// folder, which is then renamed over the target.
//
// There is no fsync: after a power failure a file may be empty. The program writes hundreds of
// checkpoints a run and fsyncs would cost seconds; a lost run is trained again.
package atomicfile

import (
	"os"
	"path/filepath"
)

// WriteFile writes data to path through a temporary file in the same folder and a rename, with
// permissions 0644.
func WriteFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
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

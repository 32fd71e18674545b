package runstore

import (
	"errors"
	"io/fs"
	"os"

	"maxgrok/internal/atomicfile"
)

// overwrite writes data to path in place. Training writes its checkpoints this way: no file of
// a run being trained is read until metrics.csv, written last and atomically, marks the run
// complete (a resume reads only the checkpoints written before its stop), so a checkpoint need
// not be replaced atomically, and rewriting one (-force train, a retrained run) keeps its inode,
// whose creation can cost more than the write (0.1–1 ms of system time a file on this project's
// machine; the atomic write creates one for every file). A path that is not a regular file of
// a single link (a symbolic link, a hard link shared with a copy of the cache) is replaced
// atomically instead, so that no other file changes.
func overwrite(path string, data []byte) error {
	st, err := os.Lstat(path)
	var f *os.File
	switch {
	case errors.Is(err, fs.ErrNotExist):
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	case err == nil && st.Mode().IsRegular() && singleLink(st):
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	default:
		return atomicfile.WriteFile(path, data)
	}
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	return errors.Join(err, f.Close())
}

package runstore

import (
	"errors"
	"os"

	"maxgrok/internal/atomicfile"
)

// overwrite writes data to path in place. Training writes its checkpoints this way: no file of
// a run being trained is read until metrics.csv, written last and atomically, marks the run
// complete (a resume reads only the checkpoints written before its stop), so a checkpoint need
// not be replaced atomically. A rewrite (-force train, a retrained run) then reuses the file and
// its blocks: the new bytes go over the old ones and the file is cut to their length only if it
// was longer, where the atomic write creates a new file, and truncation frees the blocks that
// the write then allocates again; each costs 0.1–1 ms of system time a file on this project's
// machine. A path that is not a regular file of a single link (a symbolic link, a hard link
// shared with a copy of the cache) is replaced atomically instead, so that no other file
// changes.
func overwrite(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|noFollow, 0o644)
	if err != nil {
		if isLink(err) {
			return atomicfile.WriteFile(path, data)
		}
		return err
	}
	st, err := f.Stat()
	if err == nil && !(st.Mode().IsRegular() && singleLink(st)) {
		f.Close()
		return atomicfile.WriteFile(path, data)
	}
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil && st.Size() > int64(len(data)) {
		err = f.Truncate(int64(len(data)))
	}
	return errors.Join(err, f.Close())
}

package runstore

import (
	"errors"
	"os"

	"maxgrok/internal/atomicfile"
)

// overwrite writes data to path in place. Training writes its checkpoints this way: no file of
// a run being trained is trusted until metrics.csv, written last and atomically, marks the run
// complete (a resume reads only the checkpoints written before its stop, and LoadCached checks
// that metrics.csv stayed the same while it read the checkpoints), so a checkpoint need not
// be replaced atomically. A rewrite (-force train, a retrained run) then reuses the file and its
// blocks: the new bytes go over the old ones, and the file is cut to their length only if it was
// longer, where the atomic write creates a new file each time (0.1–2 ms of system time a file on
// this project's machine) and truncation frees the blocks that the write allocates again.
//
// A missing file is created with mode 0644, whatever the umask, as atomicfile.WriteFile does.
// Only a regular file with a single link and mode 0644 is written in place: anything else at
// path (a symbolic link, a hard link shared with a copy of the cache, a FIFO or a device, a
// file of another mode or that cannot be opened for writing) is replaced atomically, so that
// no other file changes, as every checkpoint is on systems without link counts (inPlace
// false).
func overwrite(path string, data []byte) error {
	if !inPlace {
		return atomicfile.WriteFile(path, data)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|openFlags, 0o644)
	if err == nil { // a new file: the mode atomicfile.WriteFile gives, whatever the umask
		if err = f.Chmod(0o644); err == nil {
			_, err = f.Write(data)
		}
		return errors.Join(err, f.Close())
	}
	if f, err = os.OpenFile(path, os.O_WRONLY|openFlags, 0); err != nil {
		return atomicfile.WriteFile(path, data)
	}
	st, err := f.Stat()
	if err != nil || !(st.Mode().IsRegular() && singleLink(st) && st.Mode().Perm() == 0o644) {
		// not a file of its own, or of another mode: a new file
		f.Close()
		return atomicfile.WriteFile(path, data)
	}
	_, err = f.Write(data)
	if err == nil && st.Size() > int64(len(data)) {
		err = f.Truncate(int64(len(data)))
	}
	return errors.Join(err, f.Close())
}

//go:build unix

package runstore

import (
	"io/fs"
	"syscall"
)

// inPlace is true: overwrite writes a checkpoint over its old file.
const inPlace = true

// openFlags make overwrite's open fail on a symbolic link and not wait for a reader of a FIFO.
const openFlags = syscall.O_NOFOLLOW | syscall.O_NONBLOCK

// singleLink reports whether the file st describes has one name only.
func singleLink(st fs.FileInfo) bool {
	s, ok := st.Sys().(*syscall.Stat_t)
	return ok && s.Nlink == 1
}

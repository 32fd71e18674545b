//go:build unix

package runstore

import (
	"io/fs"
	"syscall"
)

// singleLink reports whether the file st describes has one name only.
func singleLink(st fs.FileInfo) bool {
	s, ok := st.Sys().(*syscall.Stat_t)
	return ok && s.Nlink == 1
}

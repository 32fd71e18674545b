//go:build unix

package runstore

import (
	"errors"
	"io/fs"
	"syscall"
)

// noFollow makes an open fail on a symbolic link (overwrite then replaces the link).
const noFollow = syscall.O_NOFOLLOW

// isLink reports whether err is an open's refusal of a symbolic link under noFollow.
func isLink(err error) bool { return errors.Is(err, syscall.ELOOP) }

// singleLink reports whether the file st describes has one name only.
func singleLink(st fs.FileInfo) bool {
	s, ok := st.Sys().(*syscall.Stat_t)
	return ok && s.Nlink == 1
}

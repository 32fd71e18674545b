//go:build unix

package inputfile

import (
	"os"
	"syscall"
)

// openNonBlocking opens path with O_NONBLOCK, so that opening a FIFO with no writer returns at
// once instead of waiting for one.
func openNonBlocking(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}

// setBlocking clears O_NONBLOCK again (a no-op for regular files, kept for clarity).
func setBlocking(f *os.File) error { return syscall.SetNonblock(int(f.Fd()), false) }

//go:build !unix

package flock

// Lock is a no-op where advisory file locks are not available: concurrent runs of the same
// config there rely on atomic renames alone.
func Lock(path string) (unlock func(), err error) { return func() {}, nil }

// LockDir is a no-op where advisory file locks are not available.
func LockDir(path string) (unlock func(), err error) { return func() {}, nil }

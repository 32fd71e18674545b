//go:build !unix

package runstore

import "io/fs"

// singleLink reports false where the link count is unknown: overwrite then replaces the file
// atomically.
func singleLink(fs.FileInfo) bool { return false }

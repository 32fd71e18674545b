//go:build !unix

package runstore

import "io/fs"

// inPlace is false where the link count is unknown: overwrite replaces every checkpoint
// atomically.
const inPlace = false

// openFlags is unused here.
const openFlags = 0

// singleLink is unused here.
func singleLink(fs.FileInfo) bool { return false }

//go:build !unix

package runstore

import "io/fs"

// noFollow is 0 where open has no such flag: singleLink's false then sends every existing
// file to the atomic write.
const noFollow = 0

// isLink reports false: without noFollow an open does not refuse links.
func isLink(error) bool { return false }

// singleLink reports false where the link count is unknown: overwrite then replaces the file
// atomically.
func singleLink(fs.FileInfo) bool { return false }

//go:build !amd64 || amd64.v3 || amd64.v4

package compute

// stdUnfused is false where the compiler may fuse the standard library's multiply-adds.
const stdUnfused = false

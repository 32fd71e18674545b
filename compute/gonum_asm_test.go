//go:build amd64 && !noasm && !gccgo && !safe

package compute

// gonumAsm reports whether gonum runs its amd64 assembly, whose results the products of
// linalg.go reproduce (gonum's pure-Go fallback rounds differently).
const gonumAsm = true

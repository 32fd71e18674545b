//go:build !amd64 || purego || noasm || gccgo || safe

package compute

// gemvGonum reports whether vecmat and matvec call gonum's Dgemv: not here, where gonum would
// run its pure-Go fallback (or with -tags purego); vecmatGo and matvecGo run instead.
const gemvGonum = false

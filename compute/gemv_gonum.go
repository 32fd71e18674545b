//go:build amd64 && !purego && !noasm && !gccgo && !safe

package compute

// gemvGonum reports whether vecmat and matvec call gonum's Dgemv: where gonum runs its amd64
// assembly, whose results vecmatGo and matvecGo define (TestGemvMatchesGonum), and faster.
const gemvGonum = true

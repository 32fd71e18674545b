package compute

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// gemmArgs returns n values of a kind: random normals, or those mixed with the edge values of
// the kernels (±0, which the axpy loops skip, subnormals, ±Inf, NaN, huge values whose
// products overflow).
func gemmArgs(r *rand.Rand, n int, edges bool) []float64 {
	special := []float64{0, math.Copysign(0, -1), 5e-324, -5e-324, 1e-310, math.Inf(1), math.Inf(-1),
		math.NaN(), 1e300, -1e300, math.MaxFloat64, 1, -1}
	x := make([]float64, n)
	for i := range x {
		x[i] = r.NormFloat64() * math.Exp2(float64(r.IntN(20)-10))
		if edges && r.IntN(4) == 0 {
			x[i] = special[r.IntN(len(special))]
		} else if r.IntN(8) == 0 {
			x[i] = 0 // zeros are common in the gradients (tokens no input has)
		}
	}
	return x
}

// sameBits reports whether a and b hold the same bits; NaNs compare by their bits too, since
// the kernels keep gonum's operand order (but in gemmAxpyKernel's multiplies, where it shows
// only when both operands are NaN, and the edge values hold one NaN).
func sameBits(a, b []float64) int {
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return i
		}
	}
	return -1
}

// sameOrNaNs returns the first index where a and b differ but for a NaN's payload, or -1.
func sameOrNaNs(a, b []float64) int {
	for i := range a {
		if !sameOrNaN(a[i], b[i]) {
			return i
		}
	}
	return -1
}

// TestGemmMatchesGonum checks matmul, matmulTN and matmulNT against gonum's Dgemm, and outer
// against its Dger, bit for bit: on every shape from the small ones, across the kernels' 4-, 8-
// and 32-column steps and the k%4 tails, to those where gonum goes parallel, with beta 0 and
// 1, on random values and on edge values. The reference is gonum's amd64 assembly; the AVX2
// kernels keep even its NaN payloads, the Go definitions (without AVX2, or with -tags purego)
// its values but not always which NaN.
func TestGemmMatchesGonum(t *testing.T) {
	if !gonumAsm {
		t.Skip("gonum runs its pure-Go fallback here, which rounds differently from its amd64 assembly")
	}
	t.Logf("assembly kernels: %v", haveGemmKernel)
	differ := sameBits
	if !haveGemmKernel {
		differ = sameOrNaNs
	}
	sizes := []int{1, 2, 3, 4, 5, 7, 8, 9, 16, 31, 32, 33, 36, 63, 64, 65, 129, 200}
	r := rand.New(rand.NewPCG(9, 10))
	type product struct {
		name string
		// ours runs the helper, ref gonum's Dgemm, on a, b, out of the helper's shapes
		ours func(out, a, b []float64, m, k, n int, beta float64)
		ref  func(out, a, b []float64, m, k, n int, beta float64)
		// sizes of a, b, out
		shapes func(m, k, n int) (int, int, int)
	}
	gen := func(r, c int, d []float64) blas64.General {
		return blas64.General{Rows: r, Cols: c, Stride: max(c, 1), Data: d}
	}
	products := []product{
		{"NotNot", matmul, func(out, a, b []float64, m, k, n int, beta float64) {
			blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, gen(m, k, a), gen(k, n, b), beta, gen(m, n, out))
		}, func(m, k, n int) (int, int, int) { return m * k, k * n, m * n }},
		{"TransNot", func(out, a, b []float64, m, k, n int, beta float64) { matmulTN(out, a, b, m, k, n) },
			func(out, a, b []float64, m, k, n int, beta float64) {
				blas64.Gemm(blas.Trans, blas.NoTrans, 1, gen(m, k, a), gen(m, n, b), 1, gen(k, n, out))
			}, func(m, k, n int) (int, int, int) { return m * k, m * n, k * n }},
		{"NotTrans", func(out, a, b []float64, m, n, k int, beta float64) { matmulNT(out, a, b, m, n, k, beta) },
			func(out, a, b []float64, m, n, k int, beta float64) {
				blas64.Gemm(blas.NoTrans, blas.Trans, 1, gen(m, n, a), gen(k, n, b), beta, gen(m, k, out))
			}, func(m, n, k int) (int, int, int) { return m * n, k * n, m * k }},
		{"Outer", func(out, a, b []float64, m, k, n int, beta float64) { outer(out, a, b, m, n) },
			func(out, a, b []float64, m, k, n int, beta float64) {
				blas64.Ger(1, blas64.Vector{N: m, Inc: 1, Data: a}, blas64.Vector{N: n, Inc: 1, Data: b}, gen(m, n, out))
			}, func(m, k, n int) (int, int, int) { return m, n, m * n }},
	}
	cases := 0
	for _, pr := range products {
		for _, edges := range []bool{false, true} {
			for _, beta := range []float64{0, 1} {
				if (pr.name == "TransNot" || pr.name == "Outer") && beta == 0 {
					continue // matmulTN and outer always add
				}
				for _, m := range sizes {
					for _, k := range sizes {
						for _, n := range sizes {
							if pr.name == "Outer" && k != 1 {
								continue // no inner dimension
							}
							if m*k*n > 65*65*65 || m*k*n > 8*8*8 && r.IntN(3) != 0 {
								continue // a third of the larger shapes
							}
							sa, sb, so := pr.shapes(m, k, n)
							a, b := gemmArgs(r, sa, edges), gemmArgs(r, sb, edges)
							out := gemmArgs(r, so, edges)
							want := append([]float64(nil), out...)
							pr.ours(out, a, b, m, k, n, beta)
							pr.ref(want, a, b, m, k, n, beta)
							if i := differ(out, want); i >= 0 {
								t.Fatalf("%s m=%d k=%d n=%d beta=%v edges=%v: out[%d] = %v (%#x), gonum %v (%#x)",
									pr.name, m, k, n, beta, edges, i, out[i], math.Float64bits(out[i]), want[i], math.Float64bits(want[i]))
							}
							cases++
						}
					}
				}
			}
		}
	}
	t.Logf("%d products compared", cases)
}

// TestGemmRowKernels runs the row helpers on a c that is a window of a larger slice, at every
// offset: the kernels must write c[0..n) and nothing else.
func TestGemmRowKernels(t *testing.T) {
	if !haveGemmKernel {
		t.Skip("no assembly kernels on this CPU or architecture")
	}
	r := rand.New(rand.NewPCG(11, 12))
	for _, tc := range []struct{ n, k int }{{1, 1}, {3, 5}, {4, 4}, {5, 7}, {32, 3}, {37, 9}, {64, 64}, {71, 33}} {
		for off := range 4 {
			buf := gemmArgs(r, tc.n+8, false)
			orig := append([]float64(nil), buf...)
			a, b := gemmArgs(r, tc.k*3, true), gemmArgs(r, tc.k*tc.n+tc.n*tc.k, true)
			c := buf[off : off+tc.n]
			gemmRowAxpy(c, a, 3, b, tc.n, tc.k)
			gemmRowsDot(c, tc.n, 1, a, 0, b, tc.k, tc.k)
			for i := range buf {
				if (i < off || i >= off+tc.n) && math.Float64bits(buf[i]) != math.Float64bits(orig[i]) {
					t.Fatalf("n=%d k=%d off=%d: buf[%d] changed", tc.n, tc.k, off, i)
				}
			}
		}
	}
}

// TestGemmRowsKernels checks gemmRowsAxpy, gemmRowsDot and outer, each one kernel call for m
// rows, against their rows one call at a time (gemmRowAxpy, gemmRowsDot of one row, axpy), bit
// for bit, on windows of a larger buffer (nothing outside may change), with row strides of a of
// 0, 1, k and more, on every column path (32, 4 and single columns) and edge values.
func TestGemmRowsKernels(t *testing.T) {
	if !haveGemmKernel {
		t.Skip("no assembly kernels on this CPU or architecture")
	}
	r := rand.New(rand.NewPCG(27, 28))
	for _, n := range []int{1, 3, 4, 5, 8, 31, 32, 33, 37, 64, 71} {
		for _, k := range []int{1, 2, 3, 4, 7, 8, 33} {
			for _, m := range []int{1, 2, 3, 7} {
				for _, as := range []int{0, 1, k, k + 3} {
					off := (n + k + m) % 4
					a := gemmArgs(r, (m-1)*as+k*(m+3)+4, true)
					b := gemmArgs(r, k*n+n*k+4, true)
					x, y := gemmArgs(r, m, true), gemmArgs(r, n, true)
					check := func(name string, got, want []float64) {
						t.Helper()
						if i := sameBits(got, want); i >= 0 {
							t.Fatalf("%s n=%d k=%d m=%d stride=%d: [%d] = %v, row by row %v", name, n, k, m, as, i, got[i], want[i])
						}
					}
					got := gemmArgs(r, m*n+8, false)
					want := append([]float64(nil), got...)
					// axpy rows: a row r at a[r*as:], its values k·stride m+3 apart (TransNot-like)
					gemmRowsAxpy(got[off:], n, m, a, m+3, as, b, n, k)
					for row := range m {
						gemmRowAxpy(want[off+row*n:off+(row+1)*n], a[row*as:], m+3, b, n, k)
					}
					check("gemmRowsAxpy", got, want)
					got = gemmArgs(r, m*n+8, false)
					want = append(want[:0], got...)
					gemmRowsDot(got[off:], n, m, a, as, b, k, k)
					for row := range m {
						gemmRowsDot(want[off+row*n:off+(row+1)*n], n, 1, a[row*as:], 0, b, k, k)
					}
					check("gemmRowsDot", got, want)
					got = gemmArgs(r, m*n+8, false)
					want = append(want[:0], got...)
					outer(got[off:off+m*n], x, y, m, n)
					for row := range m {
						axpy(want[off+row*n:off+(row+1)*n], x[row], y)
					}
					check("outer", got, want)
				}
			}
		}
	}
}

// TestGemmGoDefinitions checks the Go definitions of the matrix kernels (gemmRowsAxpyGo,
// gemmRowsDotGo, and outer's rows of axpyGo), which run without AVX2 and on other
// architectures, against the kernels, and so against gonum's assembly (TestGemmMatchesGonum):
// the same values on random and edge values, every column path and row strides of a of 0, 1, k
// and more, NaN payloads aside.
func TestGemmGoDefinitions(t *testing.T) {
	if !haveGemmKernel || !havePass2Kernel {
		t.Skip("no assembly kernels on this CPU or architecture: TestGemmMatchesGonum checks the Go definitions")
	}
	r := rand.New(rand.NewPCG(29, 30))
	for _, n := range []int{1, 3, 4, 5, 8, 31, 32, 33, 37, 64, 71} {
		for _, k := range []int{1, 2, 3, 4, 5, 7, 8, 33, 65} {
			for _, m := range []int{1, 2, 3, 7} {
				for _, as := range []int{0, 1, k, k + 3} {
					a := gemmArgs(r, (m-1)*as+k*(m+3)+4, true)
					b := gemmArgs(r, k*n+n*k+4, true)
					x, y := gemmArgs(r, m, true), gemmArgs(r, n, true)
					check := func(name string, got, want []float64) {
						t.Helper()
						if i := sameOrNaNs(got, want); i >= 0 {
							t.Fatalf("%s n=%d k=%d m=%d stride=%d: [%d] = %v, kernel %v", name, n, k, m, as, i, got[i], want[i])
						}
					}
					got := gemmArgs(r, m*n, false)
					want := append([]float64(nil), got...)
					gemmRowsAxpyGo(got, n, m, a, m+3, as, b, n, k)
					gemmRowsAxpy(want, n, m, a, m+3, as, b, n, k)
					check("gemmRowsAxpyGo", got, want)
					got = gemmArgs(r, m*n, false)
					want = append(want[:0], got...)
					gemmRowsDotGo(got, n, m, a, as, b, k, k)
					gemmRowsDot(want, n, m, a, as, b, k, k)
					check("gemmRowsDotGo", got, want)
					got = gemmArgs(r, m*n, false)
					want = append(want[:0], got...)
					for row := range m {
						axpyGo(got[row*n:(row+1)*n], x[row], y)
					}
					outer(want, x, y, m, n)
					check("outer's rows of axpyGo", got, want)
				}
			}
		}
	}
}

// TestGemvMatchesGonum checks vecmatGo and matvecGo, which define vecmat and matvec wherever
// gonum's assembly does not run, against gonum's Dgemv (transposed and not) on amd64, bit for
// bit but for a NaN's payload: every row and column count 1..9 and across 32
// and 64 (the assembly's groups of 4, 2 and 1 rows and columns), beta 0 and 1, random and edge
// values.
func TestGemvMatchesGonum(t *testing.T) {
	if !gonumAsm {
		t.Skip("gonum runs its pure-Go fallback here, which rounds differently from its amd64 assembly")
	}
	r := rand.New(rand.NewPCG(31, 32))
	sizes := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 31, 32, 33, 63, 64, 65}
	cases := 0
	for _, edges := range []bool{false, true} {
		for _, beta := range []float64{0, 1} {
			for _, k := range sizes {
				for _, n := range sizes {
					b, x := gemmArgs(r, k*n, edges), gemmArgs(r, max(k, n), edges)
					mat := blas64.General{Rows: k, Cols: n, Stride: n, Data: b}
					got, want := gemmArgs(r, n, edges), []float64(nil)
					want = append(want, got...)
					kernel := append([]float64(nil), got...)
					vecmatGo(got, x[:k], b, k, n, beta)
					vecmat(kernel, x[:k], b, k, n, beta) // the matrix kernel where x holds no zero
					blas64.Gemv(blas.Trans, 1, mat, blas64.Vector{N: k, Inc: 1, Data: x[:k]}, beta, blas64.Vector{N: n, Inc: 1, Data: want})
					if i := sameOrNaNs(got, want); i >= 0 {
						t.Fatalf("vecmatGo k=%d n=%d beta=%v edges=%v: out[%d] = %v, gonum %v", k, n, beta, edges, i, got[i], want[i])
					}
					if i := sameOrNaNs(kernel, want); i >= 0 {
						t.Fatalf("vecmat k=%d n=%d beta=%v edges=%v: out[%d] = %v, gonum %v", k, n, beta, edges, i, kernel[i], want[i])
					}
					got, want = gemmArgs(r, k, edges), want[:0]
					want = append(want, got...)
					matvecGo(got, b, x[:n], k, n, beta)
					blas64.Gemv(blas.NoTrans, 1, mat, blas64.Vector{N: n, Inc: 1, Data: x[:n]}, beta, blas64.Vector{N: k, Inc: 1, Data: want})
					if i := sameOrNaNs(got, want); i >= 0 {
						t.Fatalf("matvec k=%d n=%d beta=%v edges=%v: out[%d] = %v, gonum %v", k, n, beta, edges, i, got[i], want[i])
					}
					cases += 2
				}
			}
		}
	}
	t.Logf("%d products compared", cases)
}

// BenchmarkMatmul measures the largest products of a training step at the default sizes
// (V = 64, d = h = 32): the kernels against gonum.
func BenchmarkMatmul(b *testing.B) {
	r := rand.New(rand.NewPCG(13, 14))
	const V, d = 64, 32
	x, y, out := gemmArgs(r, V*V, false), gemmArgs(r, V*V, false), make([]float64, V*V)
	gen := func(r, c int, d []float64) blas64.General {
		return blas64.General{Rows: r, Cols: c, Stride: c, Data: d[:r*c]}
	}
	for _, bc := range []struct {
		name string
		f    func()
	}{
		{"NotNot/ours", func() { matmul(out, x, y, V, d, V, 0) }},
		{"NotNot/gonum", func() {
			blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, gen(V, d, x), gen(d, V, y), 0, gen(V, V, out))
		}},
		{"TransNot/ours", func() { matmulTN(out, x, y, V, d, V) }},
		{"TransNot/gonum", func() {
			blas64.Gemm(blas.Trans, blas.NoTrans, 1, gen(V, d, x), gen(V, V, y), 1, gen(d, V, out))
		}},
		{"NotTrans/ours", func() { matmulNT(out, x, y, V, V, d, 0) }},
		{"NotTrans/gonum", func() {
			blas64.Gemm(blas.NoTrans, blas.Trans, 1, gen(V, V, x), gen(d, V, y), 0, gen(V, d, out))
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				bc.f()
			}
		})
	}
}

// TestAxpyRows checks axpyRows (gemmRowAxpy where the CPU has it) against its defining loop of
// axpyGo calls, bit for bit, for row lengths 0..40 and 0..9 rows, with zero, negative-zero and
// edge weights among the rows.
func TestAxpyRows(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	for _, edges := range []bool{false, true} {
		for n := range 41 {
			for k := range 10 {
				a := pass2Args(r, k, edges)
				if k > 1 {
					a[1] = math.Copysign(0, -1)
				}
				x := pass2Args(r, k*n, edges)
				got := pass2Args(r, n+1, edges)
				want := append([]float64(nil), got...)
				axpyRows(got[:n], a, x)
				for l, al := range a {
					if al != 0 {
						axpyGo(want[:n], al, x[l*n:(l+1)*n])
					}
				}
				for i := range got {
					if !sameOrNaN(got[i], want[i]) {
						t.Fatalf("n=%d k=%d edges=%v: y[%d] = %v, loop %v", n, k, edges, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// BenchmarkGemv measures the matrix-vector products of a training step at the default sizes
// (d = 32, V = 64): their Go definitions against gonum's Dgemv, which vecmat and matvec call
// where its assembly runs.
func BenchmarkGemv(b *testing.B) {
	r := rand.New(rand.NewPCG(33, 34))
	const V, d = 64, 32
	a, x, out := gemmArgs(r, d*V, false), gemmArgs(r, V, false), make([]float64, V)
	for i := range x {
		x[i] += 1 // no zeros, as in the residuals and queries vecmat multiplies
	}
	mat := blas64.General{Rows: d, Cols: V, Stride: V, Data: a}
	for _, bc := range []struct {
		name string
		f    func()
	}{
		{"vecmat/go", func() { vecmatGo(out, x[:d], a, d, V, 0) }},
		{"vecmat/ours", func() { vecmat(out, x[:d], a, d, V, 0) }},
		{"vecmat/gonum", func() {
			blas64.Gemv(blas.Trans, 1, mat, blas64.Vector{N: d, Inc: 1, Data: x[:d]}, 0, blas64.Vector{N: V, Inc: 1, Data: out})
		}},
		{"matvec/go", func() { matvecGo(out, a, x, d, V, 0) }},
		{"matvec/gonum", func() {
			blas64.Gemv(blas.NoTrans, 1, mat, blas64.Vector{N: V, Inc: 1, Data: x}, 0, blas64.Vector{N: d, Inc: 1, Data: out})
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				bc.f()
			}
		})
	}
}

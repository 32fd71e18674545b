package compute

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// pass2Args returns n values for pass 2's kernels: logit-like normals, with edge values (±0,
// subnormals, ±Inf, huge values) mixed in when edges is set.
func pass2Args(r *rand.Rand, n int, edges bool) []float64 {
	special := []float64{0, math.Copysign(0, -1), 5e-324, -5e-324, math.Inf(1), math.Inf(-1), 1e300, -1e300, 1, -1}
	x := make([]float64, n)
	for i := range x {
		x[i] = r.NormFloat64() * 3
		if edges && r.IntN(5) == 0 {
			x[i] = special[r.IntN(len(special))]
		}
	}
	return x
}

// sameOrNaN reports whether a and b have the same bits, or are both NaN (pass2.go: a NaN's
// payload may differ).
func sameOrNaN(a, b float64) bool { return same(a, b) || a != a && b != b }

// TestPass2Kernels checks logitsRow, backwardRow, addRows, scaleRows, axpy and allFinite (the AVX2
// kernels where the CPU has them) against their Go loops bit for bit, on every length 0..70
// and on slices at every alignment, on random values and edge values; the elements after the
// slices must stay untouched.
func TestPass2Kernels(t *testing.T) {
	t.Logf("assembly kernels: %v", havePass2Kernel)
	r := rand.New(rand.NewPCG(15, 16))
	check := func(name string, n, off int, got, want []float64) {
		t.Helper()
		for i := range got {
			if !sameOrNaN(got[i], want[i]) {
				t.Fatalf("%s n=%d off=%d: [%d] = %v, Go loop %v", name, n, off, i, got[i], want[i])
			}
		}
	}
	for _, edges := range []bool{false, true} {
		for n := range 71 {
			for off := range 4 {
				// inputs, each a window at offset off of a buffer one longer than needed
				in := make([][]float64, 8)
				for i := range in {
					in[i] = pass2Args(r, n+off+1, edges)[off : off+n]
				}
				aE, a0, a1 := r.Float64(), r.Float64(), r.Float64()
				if edges && n%3 == 0 {
					a0 = 0
				}

				got, want := pass2Args(r, n+1, false), make([]float64, n+1)
				copy(want, got)
				logitsRow(got[:n], in[0], in[1], in[2], in[3], aE, a0, a1)
				logitsRowGo(want[:n], in[0], in[1], in[2], in[3], aE, a0, a1)
				check("logitsRow", n, off, got, want)

				acc := make([][]float64, 8) // dd, d0, d1, dle: kernel's, then the Go loop's
				for i := range 4 {
					acc[i] = pass2Args(r, n+1, edges)
					acc[i+4] = append([]float64(nil), acc[i]...)
				}
				s0, s1, sE := backwardRow(acc[0][:n], acc[1][:n], acc[2][:n], acc[3][:n], in[4], in[5], in[6], in[7], a0, a1, aE)
				w0, w1, wE := backwardRowGo(acc[4][:n], acc[5][:n], acc[6][:n], acc[7][:n], in[4], in[5], in[6], in[7], a0, a1, aE)
				for i := range 4 {
					check("backwardRow", n, off, acc[i], acc[i+4])
				}
				check("backwardRow sums", n, off, []float64{s0, s1, sE}, []float64{w0, w1, wE})

				for rows := 1; rows <= 4 && n > 0; rows++ {
					k := [4]float64{aE, a0, a1, -aE}
					x := pass2Args(r, rows*n+1, edges)
					y := append([]float64(nil), x...)
					scaleRows(x[:rows*n], n, &k)
					for j := range rows {
						scaleByGo(y[j*n:(j+1)*n], k[j])
					}
					check(fmt.Sprintf("scaleRows rows=%d", rows), n, off, x, y)
				}

				for _, V := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 64} {
					if V > n {
						break
					}
					rows := n / V * V
					// dst at another offset than the inputs, with a value after it to keep
					x := pass2Args(r, rows+(off+1)%4+1, false)[(off+1)%4:]
					y := append([]float64(nil), x...)
					addRows(x[:rows], in[0][:rows], in[1][:V], in[2][:V])
					addRowsGo(y[:rows], in[0][:rows], in[1][:V], in[2][:V])
					check(fmt.Sprintf("addRows V=%d", V), n, off, x, y)
				}

				x := pass2Args(r, n+1, edges)
				y := append([]float64(nil), x...)
				axpy(x[:n], a0, in[0])
				axpyGo(y[:n], a0, in[0])
				check("axpy", n, off, x, y)

				// allFinite: the window as it is, then with a NaN or an infinity at each place
				w := append([]float64(nil), in[1]...)
				if got, want := allFinite(w), allFiniteGo(w); got != want {
					t.Fatalf("allFinite n=%d off=%d: %v, Go loop %v", n, off, got, want)
				}
				for i := range w {
					clear(w)
					w[i] = []float64{math.NaN(), math.Inf(1), math.Inf(-1)}[i%3]
					if allFinite(w) || allFiniteGo(w) {
						t.Fatalf("allFinite n=%d: %v at %d not found", n, w[i], i)
					}
				}
			}
		}
	}
}

// TestArgmaxKernel checks argmax against Argmax (the first index of the largest value) on every
// length 1..70 with ties, ±0, ±Inf and NaN anywhere.
func TestArgmaxKernel(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	special := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(), 1, 1, -1}
	for n := 1; n <= 70; n++ {
		for trial := range 300 {
			x := make([]float64, n)
			for i := range x {
				switch trial % 4 {
				case 0:
					x[i] = r.NormFloat64()
				case 1:
					x[i] = float64(r.IntN(3)) // many ties
				case 2:
					x[i] = special[r.IntN(len(special)-1)] // ±0 ties, infinities, no NaN
				default:
					x[i] = special[r.IntN(len(special))]
				}
			}
			if got, want := argmax(x), Argmax(x); got != want {
				t.Fatalf("n=%d %v: argmax %d, Argmax %d", n, x, got, want)
			}
		}
	}
}

// BenchmarkPass2 measures one input's pass 2 loops at the default vocab (64): the kernels and
// the Go loops.
func BenchmarkPass2(b *testing.B) {
	r := rand.New(rand.NewPCG(19, 20))
	in := make([][]float64, 12)
	for i := range in {
		in[i] = pass2Args(r, 64, false)
	}
	for _, bc := range []struct {
		name string
		f    func()
	}{
		{"logits/kernel", func() { logitsRow(in[0], in[1], in[2], in[3], in[4], 0.3, 0.4, 0.3) }},
		{"logits/go", func() { logitsRowGo(in[0], in[1], in[2], in[3], in[4], 0.3, 0.4, 0.3) }},
		{"backward/kernel", func() { backwardRow(in[5], in[6], in[7], in[8], in[9], in[10], in[11], in[1], 0.3, 0.4, 0.3) }},
		{"backward/go", func() { backwardRowGo(in[5], in[6], in[7], in[8], in[9], in[10], in[11], in[1], 0.3, 0.4, 0.3) }},
		{"argmax/kernel", func() { argmax(in[2]) }},
		{"argmax/go", func() { Argmax(in[2]) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				bc.f()
			}
		})
	}
}

// TestAdamWKernel checks adamWStep (the AVX2 kernel where the CPU has it) against adamWStepGo
// bit for bit on every length 0..70, with the default hyperparameters and others, on random
// and edge gradients and weights.
func TestAdamWKernel(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, k := range []*[8]float64{
		{1 - 1e-3*1, 0.9, 1 - 0.9, 0.98, 1 - 0.98, math.Sqrt(1 - math.Pow(0.98, 7)), 1e-8, 1e-3 / (1 - math.Pow(0.9, 7))},
		{0.99, 0.5, 0.5, 0.999, 1 - 0.999, 0.3, 1e-12, 3.7},
	} {
		for n := range 71 {
			for _, edges := range []bool{false, true} {
				p, g := pass2Args(r, n+1, edges), pass2Args(r, n+1, edges)
				m, v := pass2Args(r, n+1, edges), pass2Args(r, n+1, false)
				for i := range v {
					v[i] = math.Abs(v[i]) // a second moment is not negative
				}
				p2, m2, v2 := append([]float64(nil), p...), append([]float64(nil), m...), append([]float64(nil), v...)
				adamWStep(p[:n], g[:n], m[:n], v[:n], k)
				adamWStepGo(p2[:n], g[:n], m2[:n], v2[:n], k)
				for i := range p {
					if !sameOrNaN(p[i], p2[i]) || !sameOrNaN(m[i], m2[i]) || !sameOrNaN(v[i], v2[i]) {
						t.Fatalf("n=%d [%d]: kernel p %v m %v v %v, Go p %v m %v v %v", n, i, p[i], m[i], v[i], p2[i], m2[i], v2[i])
					}
				}
			}
		}
	}
}

// TestAddRowsRefusesPartialRows checks that addRows panics, on every CPU, when its values are
// not whole rows, and does nothing for no rows.
func TestAddRowsRefusesPartialRows(t *testing.T) {
	for _, tc := range []struct {
		name       string
		rows, V    int
		wantsPanic bool
	}{
		{"a partial row", 7, 3, true},
		{"values without a row length", 4, 0, true},
		{"no rows", 0, 3, false},
		{"nothing", 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if got := recover() != nil; got != tc.wantsPanic {
					t.Errorf("panicked: %v, want %v", got, tc.wantsPanic)
				}
			}()
			dst, rows := make([]float64, tc.rows), make([]float64, tc.rows)
			u, v := make([]float64, tc.V), make([]float64, tc.V)
			addRows(dst, rows, u, v)
		})
	}
}

// TestBackwardRows4 checks backwardRows4 (the AVX2 kernel where the CPU has it) against four
// backwardRowGo calls in input order, bit for bit, on every row length 0..70, with inputs
// sharing rows (the same token at a position, as in a group of training inputs) and without,
// on random values and edge values.
func TestBackwardRows4(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	for _, edges := range []bool{false, true} {
		for V := range 71 {
			for _, tokens := range [][8]int{
				{0, 1, 2, 3, 0, 1, 2, 3}, // every row its own
				{2, 2, 2, 2, 1, 1, 1, 1}, // one row per position for all four
				{0, 3, 0, 1, 2, 2, 0, 2}, // some shared
			} {
				// dL and L hold 2·4 rows of V (positions 0 and 1, tokens 0..3), plus one value
				// after them to keep
				const T = 4
				var off [8]int
				for k := range 4 {
					off[k], off[4+k] = tokens[k]*V, (T+tokens[4+k])*V
				}
				L := pass2Args(r, 2*T*V+1, edges)
				le := pass2Args(r, V+1, edges)
				g := pass2Args(r, 4*V+1, edges)
				var a [12]float64
				for i := range a {
					a[i] = r.Float64()
				}
				if edges && V%3 == 0 {
					a[1], a[6] = 0, math.Copysign(0, -1)
				}
				acc := make([][]float64, 6) // dd, dle, dL: backwardRows4's, then the Go loop's
				for i, n := range []int{V + 1, V + 1, 2*T*V + 1} {
					acc[i] = pass2Args(r, n, edges)
					acc[i+3] = append([]float64(nil), acc[i]...)
				}
				var s [12]float64
				backwardRows4(acc[0][:V], acc[1][:V], le[:V], g[:4*V], acc[2][:2*T*V], L[:2*T*V], &off, &a, &s)
				var want [12]float64
				dd, dle, dL := acc[3], acc[4], acc[5]
				for k := range 4 {
					o0, o1 := off[k], off[4+k]
					want[k], want[4+k], want[8+k] = backwardRowGo(dd[:V], dL[o0:o0+V], dL[o1:o1+V], dle[:V],
						g[k*V:(k+1)*V], L[o0:o0+V], L[o1:o1+V], le[:V], a[k], a[4+k], a[8+k])
				}
				name := fmt.Sprintf("V=%d tokens=%v edges=%v", V, tokens, edges)
				for i, what := range []string{"dd", "dle", "dL"} {
					for j := range acc[i] {
						if !sameOrNaN(acc[i][j], acc[i+3][j]) {
							t.Fatalf("%s: %s[%d] = %v, Go loop %v", name, what, j, acc[i][j], acc[i+3][j])
						}
					}
				}
				for i := range s {
					if !sameOrNaN(s[i], want[i]) {
						t.Fatalf("%s: sum %d = %v, Go loop %v", name, i, s[i], want[i])
					}
				}
			}
		}
	}
}

// TestLogitsRows4 checks logitsRows4 (the AVX2 kernel where the CPU has it) against logitsRowGo
// input by input, bit for bit, on every row length 1..70, on random values and edge values;
// the value after the four rows must stay untouched.
func TestLogitsRows4(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	for _, edges := range []bool{false, true} {
		for V := 1; V <= 70; V++ {
			tb := NewTables(Dims{V: V, N: 2, D: 1, H: 1})
			copy(tb.L, pass2Args(r, len(tb.L), edges))
			copy(tb.LE, pass2Args(r, V, edges))
			copy(tb.Direct, pass2Args(r, V, edges))
			toks := make([]int, 8)
			for i := range toks {
				toks[i] = r.IntN(V)
			}
			var off [8]int
			rows4(&off, V, toks)
			var a [12]float64
			for i := range a {
				a[i] = r.Float64()
			}
			got := pass2Args(r, 4*V+1, false)
			want := append([]float64(nil), got...)
			logitsRows4(got, tb, &off, &a)
			for k := range 4 {
				l0, l1 := tb.L[toks[2*k]*V:][:V], tb.L[(V+toks[2*k+1])*V:][:V]
				logitsRowGo(want[k*V:(k+1)*V], tb.Direct, tb.LE, l0, l1, a[8+k], a[k], a[4+k])
			}
			for i := range got {
				if !sameOrNaN(got[i], want[i]) {
					t.Fatalf("V=%d edges=%v: logits[%d] = %v, Go loop %v", V, edges, i, got[i], want[i])
				}
			}
		}
	}
}

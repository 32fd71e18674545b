package torchrng

import "math"

// logGo, sinGo and cosGo are Go's math.Log, math.Sin and math.Cos (Go 1.26, math/log.go and
// math/sin.go: the Cephes and FreeBSD algorithms), with every product converted to float64 so
// that no compiler setting may fuse it into a multiply-add. math.Log is assembly on amd64 and Go
// elsewhere, and math.Sin and math.Cos are Go that a GOAMD64=v3 or arm64 build fuses, so the
// math package gives other bits on other CPUs; these give amd64's everywhere (TestMathFns
// compares them with math on amd64). sinGo and cosGo take |x| < 2^29 (the normal path's
// angles are in [0, 2π)); larger arguments go to math (Payne–Hanek reduction).

// The constants of math/sin.go.
const (
	pi4A            = 7.85398125648498535156e-1  // Pi/4 split into three parts
	pi4B            = 3.77489470793079817668e-8  //
	pi4C            = 2.69515142907905952645e-15 //
	reduceThreshold = 1 << 29
)

var sinCoef = [...]float64{
	1.58962301576546568060e-10,
	-2.50507477628578072866e-8,
	2.75573136213857245213e-6,
	-1.98412698295895385996e-4,
	8.33333333332211858878e-3,
	-1.66666666666666307295e-1,
}

var cosCoef = [...]float64{
	-1.13585365213876817300e-11,
	2.08757008419747316778e-9,
	-2.75573141792967388112e-7,
	2.48015872888517045348e-5,
	-1.38888888888730564116e-3,
	4.16666666666665929218e-2,
}

// logGo is math.Log as amd64's assembly computes it.
func logGo(x float64) float64 {
	const (
		Ln2Hi = 6.93147180369123816490e-01
		Ln2Lo = 1.90821492927058770002e-10
		L1    = 6.666666666666735130e-01
		L2    = 3.999999999940941908e-01
		L3    = 2.857142874366239149e-01
		L4    = 2.222219843214978396e-01
		L5    = 1.818357216161805012e-01
		L6    = 1.531383769920937332e-01
		L7    = 1.479819860511658591e-01
	)
	switch {
	case math.IsNaN(x) || math.IsInf(x, 1):
		return x
	case x < 0:
		return math.NaN()
	case x == 0:
		return math.Inf(-1)
	}
	// math.Frexp as log_amd64.s takes it, from the bits (a subnormal x reads as 2^-1022 times
	// its fraction's leading 0.5 + ...: the assembly's own value; the normal path never has one)
	bits := math.Float64bits(x)
	f1 := math.Float64frombits(bits&(1<<52-1) | math.Float64bits(0.5))
	ki := int(bits>>52&0x7FF) - 0x3FE
	if f1 < math.Sqrt2/2 {
		f1 *= 2
		ki--
	}
	f := f1 - 1
	k := float64(ki)
	s := f / (2 + f)
	s2 := float64(s * s)
	s4 := float64(s2 * s2)
	t1 := float64(s2 * (L1 + float64(s4*(L3+float64(s4*(L5+float64(s4*L7)))))))
	t2 := float64(s4 * (L2 + float64(s4*(L4+float64(s4*L6)))))
	R := t1 + t2
	hfsq := float64(float64(0.5*f) * f)
	return float64(k*Ln2Hi) - ((hfsq - (float64(s*(hfsq+R)) + float64(k*Ln2Lo))) - f)
}

// octant returns, for 0 <= x < reduceThreshold, math/sin.go's octant j (0..7, zeros mapped to
// the origin) and the reduced argument z.
func octant(x float64) (uint64, float64) {
	j := uint64(float64(x * (4 / math.Pi)))
	y := float64(j)
	if j&1 == 1 {
		j++
		y++
	}
	j &= 7
	return j, ((x - float64(y*pi4A)) - float64(y*pi4B)) - float64(y*pi4C)
}

// poly returns math/sin.go's ((((c0·zz + c1)·zz + c2)·zz + c3)·zz + c4)·zz + c5.
func poly(c *[6]float64, zz float64) float64 {
	q := float64(c[0]*zz) + c[1]
	q = float64(q*zz) + c[2]
	q = float64(q*zz) + c[3]
	q = float64(q*zz) + c[4]
	return float64(q*zz) + c[5]
}

// sinOf and cosOf are the two polynomials of math/sin.go at the reduced argument z.
func sinOf(z, zz float64) float64 { return z + float64(float64(z*zz)*poly(&sinCoef, zz)) }
func cosOf(zz float64) float64 {
	return (1.0 - float64(0.5*zz)) + float64(float64(zz*zz)*poly(&cosCoef, zz))
}

// sinGo is math.Sin.
func sinGo(x float64) float64 {
	switch {
	case x == 0 || math.IsNaN(x):
		return x
	case math.IsInf(x, 0):
		return math.NaN()
	}
	sign := false
	if x < 0 {
		x, sign = -x, true
	}
	if x >= reduceThreshold {
		if sign {
			x = -x
		}
		return math.Sin(x)
	}
	j, z := octant(x)
	if j > 3 {
		sign = !sign
		j -= 4
	}
	zz := float64(z * z)
	var y float64
	if j == 1 || j == 2 {
		y = cosOf(zz)
	} else {
		y = sinOf(z, zz)
	}
	if sign {
		y = -y
	}
	return y
}

// cosGo is math.Cos.
func cosGo(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return math.NaN()
	}
	x = math.Abs(x)
	if x >= reduceThreshold {
		return math.Cos(x)
	}
	j, z := octant(x)
	sign := false
	if j > 3 {
		j -= 4
		sign = !sign
	}
	if j > 1 {
		sign = !sign
	}
	zz := float64(z * z)
	var y float64
	if j == 1 || j == 2 {
		y = sinOf(z, zz)
	} else {
		y = cosOf(zz)
	}
	if sign {
		y = -y
	}
	return y
}

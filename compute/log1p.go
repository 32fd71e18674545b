package compute

import "math"

// log1p4 sets dst[j] = log1pGo(x[j]) for j < 4, bit for bit: on amd64 with AVX2 in one kernel
// whose lanes are the four values (log1p_amd64.s), elsewhere, and for the values the kernel
// leaves to it, log1pGo itself. The loss takes one log1p per input, and math.Log1p's branches
// on the range of its argument, which varies from input to input, cost more than its
// arithmetic.
func log1p4(dst, x *[4]float64) {
	if haveExpKernel && !log1p4Kernel(dst, x) {
		return
	}
	for j := range 4 {
		dst[j] = log1pGo(x[j])
	}
}

// log1pGo returns log(1 + x): for 0 <= x < 2^53, the operations of Go's math.Log1p (the
// algorithm of FreeBSD's s_log1p.c, as Go's math/log1p.go writes it) in its order, with every
// product converted to float64 so that no compiler setting fuses it into a multiply-add; it is
// then math.Log1p's result wherever the compiler does not fuse the standard library's own
// (amd64 below GOAMD64=v3). Other arguments, which no loss has (its sums of exponentials are
// non-negative and finite), go to math.Log1p. It is the definition that log1p4Kernel repeats
// lane by lane.
func log1pGo(x float64) float64 {
	switch {
	case !(x >= 0 && x < log1pTwo53):
		return math.Log1p(x)
	case x < log1pTiny:
		return x
	case x < log1pSmall:
		return x - float64(float64(x*x)*0.5)
	}
	f, c, k, iu := x, 0.0, 0, uint64(1) // x < Sqrt(2)-1: log1p(x) from f = x directly
	if x >= log1pSqrt2M1 {
		u := 1 + x
		iu = math.Float64bits(u)
		k = int(iu>>52) - 1023
		if k > 0 {
			c = 1 - (u - x) // the rounding error of 1 + x
		} else {
			c = x - (u - 1)
		}
		c /= u
		iu &= 1<<52 - 1
		if iu < log1pSqrt2Mant { // u normalised into [Sqrt(2)/2, Sqrt(2))
			u = math.Float64frombits(iu | 0x3ff0000000000000)
		} else {
			k++
			u = math.Float64frombits(iu | 0x3fe0000000000000)
			iu = (1<<52 - iu) >> 2
		}
		f = u - 1
	}
	kf := float64(k)
	hfsq := float64(float64(0.5*f) * f)
	if iu == 0 { // |f| < 2^-20
		if f == 0 {
			if k == 0 {
				return 0
			}
			c += float64(kf * log1pLn2Lo)
			return float64(kf*log1pLn2Hi) + c
		}
		R := float64(hfsq * (1 - float64(0.66666666666666666*f)))
		if k == 0 {
			return f - R
		}
		return float64(kf*log1pLn2Hi) - ((R - (float64(kf*log1pLn2Lo) + c)) - f)
	}
	s := f / (2 + f)
	z := float64(s * s)
	r := float64(z * log1pLp7) // R = z*(Lp1 + z*(Lp2 + ... + z*(Lp6 + z*Lp7)))
	r = float64(z * (log1pLp6 + r))
	r = float64(z * (log1pLp5 + r))
	r = float64(z * (log1pLp4 + r))
	r = float64(z * (log1pLp3 + r))
	r = float64(z * (log1pLp2 + r))
	R := float64(z * (log1pLp1 + r))
	t := float64(s * (hfsq + R))
	if k == 0 {
		return f - (hfsq - t)
	}
	return float64(kf*log1pLn2Hi) - ((hfsq - (t + (float64(kf*log1pLn2Lo) + c))) - f)
}

// The constants of math.Log1p (Go's math/log1p.go, from FreeBSD's s_log1p.c), which log1pGo
// and log1p4Kernel use.
const (
	log1pSqrt2M1   = 4.142135623730950488017e-01 // Sqrt(2)-1
	log1pSmall     = 1.0 / (1 << 29)
	log1pTiny      = 1.0 / (1 << 54)
	log1pTwo53     = 1 << 53
	log1pLn2Hi     = 6.93147180369123816490e-01
	log1pLn2Lo     = 1.90821492927058770002e-10
	log1pLp1       = 6.666666666666735130e-01
	log1pLp2       = 3.999999999940941908e-01
	log1pLp3       = 2.857142874366239149e-01
	log1pLp4       = 2.222219843214978396e-01
	log1pLp5       = 1.818357216161805012e-01
	log1pLp6       = 1.531383769920937332e-01
	log1pLp7       = 1.479819860511658591e-01
	log1pSqrt2Mant = 0x0006a09e667f3bcd // the mantissa bits of Sqrt(2)
)

// logOnePlus returns log(1 + s) in the loss's form: log1pGo(s) with log1p, else
// math.Log(1 + s) (docs/math.md, "Loss and accuracy").
func logOnePlus(s float64, log1p bool) float64 {
	if log1p {
		return log1pGo(s)
	}
	return math.Log(1 + s)
}

// logsOnePlus sets logs[j] = logOnePlus(s[j], log1p) for j < r <= 4, bit for bit: four at a
// time (log1p4) where it can.
func logsOnePlus(logs, s *[4]float64, r int, log1p bool) {
	if log1p && r == 4 {
		log1p4(logs, s)
		return
	}
	for j := range r {
		logs[j] = logOnePlus(s[j], log1p)
	}
}

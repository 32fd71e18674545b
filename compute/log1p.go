package compute

import "math"

// log1p4 sets dst[j] = math.Log1p(x[j]) for j < 4, bit for bit on every CPU: on amd64 with
// AVX2 in one kernel whose lanes are the four values (log1p_amd64.s), elsewhere, and for the
// values the kernel leaves to it, math.Log1p itself. The loss takes one log1p per input, and
// math.Log1p's branches on the range of its argument, which varies from input to input, cost
// more than its arithmetic.
func log1p4(dst, x *[4]float64) {
	if haveExpKernel && !log1p4Kernel(dst, x) {
		return
	}
	for j := range 4 {
		dst[j] = math.Log1p(x[j])
	}
}

// The constants of math.Log1p (Go's math/log1p.go, from FreeBSD's s_log1p.c), which
// log1p4Kernel repeats operation for operation.
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

// logOnePlus returns log(1 + s) in the loss's form: math.Log1p(s) with log1p, else
// math.Log(1 + s) (docs/math.md, "Loss and accuracy").
func logOnePlus(s float64, log1p bool) float64 {
	if log1p {
		return math.Log1p(s)
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

// The exponential of expNonPos (exp.go) in AVX2, four lanes at a time, shared by the kernels of
// exp_amd64.s and group_amd64.s (lossexp_amd64.s uses its TABLE4 and TAILMASK). Each lane runs expNonPos's operations in its order, with the
// same IEEE double operations (VSUBPD, VMULPD, VADDPD round exactly as SUBSD, MULSD, ADDSD, and
// no FMA is used because expNonPos has none), so every result is bit-identical:
//
//	kd'   = x*invLn2N + roundBiased           (expRoundBiased: expRound + 1023·128)
//	kd    = kd' - roundBiased                 the same kd as expNonPos's
//	r     = (x - kd*ln2NHi) - kd*ln2NLo
//	j     = bits(kd') & 127 = k & 127         scale bits = (bits(kd') - j) << 45
//	p     = r + r²·(0.5 + r·(1/6 + r·(1/24 + r·(1/120))))
//	t     = exp2Table[j]                      (TABLE4)
//	e^x   = (t + t·p) · scale
//
// (bits(kd') = bits(expRound) + k + 1023·128, and the shift by 45 drops bits(expRound), whose
// set bits are all at 51 and above, so the scale bits are ((k - j)/128 + 1023) << 52, the Go
// code's uint64(e+1023) << 52, for every k.) j is always in [0, 127], so the table's loads stay
// inside it even in lanes holding garbage. The lanes where x < -708 or x is NaN
// (expNonPosTiny's) are flagged, for the caller to redo in Go.
//
// The kernels using it hold exp2Table's address in R8 and expConsts4's in R9, and leave R12 and
// R13 to it.

// TABLE4 sets T to exp2Table[j] for the four indices j in K (a Y register; XT, XK and XP are
// the X registers of T, K and a scratch P), with the indices moved to R12 and R13 two at a time
// and the values loaded one by one: VGATHERQPD took 3-18 % longer for a column of four
// exponentials here (an A/B test, the most when the host was busiest). It clobbers K, P, R12
// and R13.
#define TABLE4(T, K, XT, XK, XP) \
	VMOVQ        XK, R12             \
	VPEXTRQ      $1, XK, R13         \
	VMOVSD       (R8)(R12*8), XT     \
	VMOVHPD      (R8)(R13*8), XT, XT \
	VEXTRACTI128 $1, K, XK           \
	VMOVQ        XK, R12             \
	VPEXTRQ      $1, XK, R13         \
	VMOVSD       (R8)(R12*8), XP     \
	VMOVHPD      (R8)(R13*8), XP, XP \
	VINSERTF128  $1, XP, T, T

// EXPA and EXPB set C to the four exponentials of the arguments x in C, EXPA up to the table
// lookup and EXPB after it (a kernel may interleave two columns' halves), with T, K, P and S as
// scratch (four distinct Y registers, the same in both halves; XT, XK and XP name T's, K's and
// P's X registers). EXPA ORs into Y12 the mask of the lanes needing the slow path
// (!(x >= -708): x < -708 or NaN), and clobbers R12 and R13.
#define EXPA(C, T, K, P, S, XT, XK, XP) \
	VCMPPD     $0x19, 256(R9), C, T /* NGE_UQ: x < -708 or unordered */ \
	VORPD      T, Y12, Y12          \
	VMULPD     0(R9), C, K          /* x*invLn2N */ \
	VADDPD     32(R9), K, S         /* kd' = x*invLn2N + roundBiased */ \
	VSUBPD     32(R9), S, K         /* kd = kd' - roundBiased */ \
	VMULPD     64(R9), K, P         /* kd*ln2NHi */ \
	VSUBPD     P, C, C              /* x - kd*ln2NHi */ \
	VMULPD     96(R9), K, P         /* kd*ln2NLo */ \
	VSUBPD     P, C, C              /* r = (x - kd*ln2NHi) - kd*ln2NLo */ \
	VPAND      288(R9), S, K        /* j = k & 127 = bits(kd') & 127 */ \
	VPANDN     S, K, S              /* bits(kd') - j */ \
	VPSLLQ     $45, S, S            /* scale bits: ((k - j)/128 + 1023) << 52 */ \
	TABLE4(T, K, XT, XK, XP)          /* t = exp2Table[j] */
#define EXPB(C, T, K, P, S) \
	VMULPD     128(R9), C, P        /* r*(1/120) */ \
	VADDPD     160(R9), P, P        /* 1/24 + r*(1/120) */ \
	VMULPD     P, C, P              \
	VADDPD     192(R9), P, P        /* 1/6 + r*(...) */ \
	VMULPD     P, C, P              \
	VADDPD     224(R9), P, P        /* 0.5 + r*(...) */ \
	VMULPD     C, C, K              /* r2 = r*r */ \
	VMULPD     P, K, P              /* r2*(...) */ \
	VADDPD     P, C, P              /* p = r + r2*(...) */ \
	VMULPD     P, T, P              /* t*p */ \
	VADDPD     P, T, P              /* t + t*p */ \
	VMULPD     S, P, C              /* (t + t*p) * scale */

// TAILMASK sets Y to the lane mask of the first N < 4 lanes (expTailMasks[3-N : 7-N]), N a
// register holding 1 to 3. It clobbers R10 and DX.
#define TAILMASK(N, Y) \
	LEAQ    ·expTailMasks+24(SB), R10 \
	MOVQ    N, DX                     \
	SHLQ    $3, DX                    \
	SUBQ    DX, R10                   \
	VMOVDQU (R10), Y

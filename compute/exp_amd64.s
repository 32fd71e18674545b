//go:build amd64 && !purego

#include "textflag.h"
#include "exp_amd64.h"

// func expShiftedSumKernel(dst, src []float64, shift float64) (sum float64, slow bool)
//
// Four lanes at a time, x = src[i] - shift, then the exponential of exp_amd64.h (EXPA, EXPB),
// which is expNonPos's bit for bit, into dst[i]. The lanes where x < -708 or x is NaN are
// flagged: then slow is true and the caller redoes everything.
//
// The sum is then dst[0] + dst[1] + ..., one scalar VADDSD at a time, left to right, as the Go
// loop adds. The last len%4 elements use masked loads and stores (VMASKMOVPD), which do not
// touch memory outside the slices; their other lanes compute e^0.
//
// Registers: Y15 shift, X14 the sum, Y12 the OR of the slow-lane masks, Y0-Y4 the
// exponential's, Y5 the tail's lane mask, SI/DI src/dst, CX the count of whole groups of 4, BX
// the remainder, R8 exp2Table, R9 expConsts4, R10 the tail's lane, R12 and R13 the table's
// indices.
TEXT ·expShiftedSumKernel(SB), NOSPLIT, $0-65
	MOVQ         dst_base+0(FP), DI
	MOVQ         src_base+24(FP), SI
	MOVQ         src_len+32(FP), CX
	VBROADCASTSD shift+48(FP), Y15
	VXORPD       X14, X14, X14 // the sum
	VXORPD       Y12, Y12, Y12 // the slow lanes
	LEAQ         ·exp2Table(SB), R8
	LEAQ         ·expConsts4(SB), R9
	MOVQ         CX, BX
	ANDQ         $3, BX
	SHRQ         $2, CX
	JZ           tail

loop:
	VMOVUPD      (SI), Y0
	VSUBPD       Y15, Y0, Y0 // x = src[i] - shift
	EXPA(Y0, Y1, Y2, Y3, Y4, X1, X2, X3)
	EXPB(Y0, Y1, Y2, Y3, Y4)
	VMOVUPD      Y0, (DI)
	VADDSD       X0, X14, X14 // sum += dst[i], left to right
	VPERMILPD    $1, X0, X1
	VADDSD       X1, X14, X14
	VEXTRACTF128 $1, Y0, X1
	VADDSD       X1, X14, X14
	VPERMILPD    $1, X1, X1
	VADDSD       X1, X14, X14
	ADDQ         $32, SI
	ADDQ         $32, DI
	DECQ         CX
	JNZ          loop

tail: // the last r = BX < 4 elements
	TESTQ      BX, BX
	JZ         done
	TAILMASK(BX, Y5)           // the first r lanes
	VMASKMOVPD (SI), Y5, Y0    // the r arguments, 0 in the other lanes
	VSUBPD     Y15, Y0, Y0     // x = src[i] - shift
	VANDPD     Y5, Y0, Y0      // and 0 in the other lanes, which are then not slow
	EXPA(Y0, Y1, Y2, Y3, Y4, X1, X2, X3)
	EXPB(Y0, Y1, Y2, Y3, Y4)
	VMASKMOVPD Y0, Y5, (DI)
	XORQ       R10, R10

lane: // sum += dst[i] for the r lanes, in order
	VADDSD (DI)(R10*8), X14, X14
	INCQ   R10
	CMPQ   R10, BX
	JNE    lane

done:
	VMOVSD    X14, sum+56(FP)
	VMOVMSKPD Y12, AX
	TESTQ     AX, AX
	SETNE     slow+64(FP)
	VZEROUPPER
	RET

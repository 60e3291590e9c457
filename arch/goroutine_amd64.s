#include "textflag.h"

// ABI0 keeps the current g in thread-local storage (ABIInternal also has
// it in R14, which an ABI0 function may not assume).

// func getg() uintptr
TEXT ·getg(SB), NOSPLIT, $0-8
	MOVQ	(TLS), AX
	MOVQ	AX, ret+0(FP)
	RET

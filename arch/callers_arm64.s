#include "textflag.h"

// The frame pointer chain: R29 holds the frame pointer of the running
// frame; 0(R29) is its caller's frame pointer and 8(R29) its return
// address (as the runtime's fpTracebackPCs reads it). This function has no
// frame (size 0: a leaf, the assembler saves nothing), so R29 is still its
// caller's frame pointer, whose return address is pcs[0].

// func CallerPCs(pcs []uintptr) int
TEXT ·CallerPCs(SB), NOSPLIT, $0-32
	MOVD	pcs_base+0(FP), R0
	MOVD	pcs_len+8(FP), R1
	MOVD	R29, R2
	MOVD	$0, R3
loop:
	CMP	R1, R3
	BGE	done
	CBZ	R2, done
	MOVD	8(R2), R4
	MOVD	R4, (R0)(R3<<3)
	MOVD	0(R2), R2
	ADD	$1, R3
	B	loop
done:
	MOVD	R3, ret+24(FP)
	RET

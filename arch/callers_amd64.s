#include "textflag.h"

// The frame pointer chain: BP holds the frame pointer of the running frame;
// 0(BP) is its caller's frame pointer and 8(BP) its return address. This
// function has no frame (size 0, so the assembler saves no BP): BP is
// still its caller's frame pointer, whose return address is pcs[0].

// func CallerPCs(pcs []uintptr) int
TEXT ·CallerPCs(SB), NOSPLIT, $0-32
	MOVQ	pcs_base+0(FP), DI
	MOVQ	pcs_len+8(FP), CX
	MOVQ	BP, AX
	XORQ	DX, DX
loop:
	CMPQ	DX, CX
	JGE	done
	TESTQ	AX, AX
	JZ	done
	MOVQ	8(AX), BX
	MOVQ	BX, (DI)(DX*8)
	MOVQ	0(AX), AX
	INCQ	DX
	JMP	loop
done:
	MOVQ	DX, ret+24(FP)
	RET

#include "textflag.h"

// func Pause()
TEXT ·Pause(SB), NOSPLIT, $0-0
	PAUSE
	RET

// func pauseN(n uint32)
TEXT ·pauseN(SB), NOSPLIT, $0-4
	MOVL	n+0(FP), AX
	TESTL	AX, AX
	JZ	done

loop:
	PAUSE
	DECL	AX
	JNZ	loop

done:
	RET

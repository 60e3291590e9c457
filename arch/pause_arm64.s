#include "textflag.h"

// ISB SY ($15) flushes the pipeline, which stalls the core for a few
// tens of cycles. YIELD would be the architectural hint, but many cores
// (Neoverse N1 among them) retire it as a plain NOP.

// func Pause()
TEXT ·Pause(SB), NOSPLIT, $0-0
	ISB	$15
	RET

// func pauseN(n uint32)
TEXT ·pauseN(SB), NOSPLIT, $0-4
	MOVWU	n+0(FP), R0
	CBZW	R0, done

loop:
	ISB	$15
	SUBSW	$1, R0, R0
	BNE	loop

done:
	RET

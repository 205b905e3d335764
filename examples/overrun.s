# overrun.s - reads one byte past the end of its input (uBPF syntax).
# The checked interpreter stops it and names the instruction.
	mov %r0, 0
	add %r1, %r2        # r1 = one past the last byte
	ldxb %r0, [%r1]     # out of bounds
	exit

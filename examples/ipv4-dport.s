; ipv4-dport.s - check an Ethernet/IPv4 packet and return its UDP/TCP
; destination port. Kernel/LLVM syntax, as llvm-objdump and bpftool print.
;
; Input: r1 = the packet, r2 = its length.
; Returns: the destination port; 0xfffe if the IPv4 header checksum is
; wrong; 0xffff if the packet is too short or not IPv4.

	r6 = r1                         ; packet start
	if r2 < 34 goto bad             ; Ethernet (14) + minimal IPv4 (20)
	r3 = *(u16 *)(r6 + 12)          ; EtherType, big-endian on the wire
	r3 = be16 r3
	if r3 != 2048 goto bad          ; 0x0800: IPv4
	r4 = *(u8 *)(r6 + 14)           ; version and header length
	r5 = r4
	r5 >>= 4
	if r5 != 4 goto bad
	r4 &= 15
	r4 <<= 2                        ; header length in bytes
	if r4 < 20 goto bad
	r5 = r2
	r5 -= 18                        ; - Ethernet - the first 4 bytes of L4
	if r4 > r5 goto bad             ; (a bound on r4 itself, for the verifier)

	r7 = 0                          ; one's complement sum of the header
	r8 = 0                          ; offset into the header
sum:
	r9 = r6
	r9 += r8
	r3 = *(u16 *)(r9 + 14)
	r3 = be16 r3
	r7 += r3
	r8 += 2
	if r8 < r4 goto sum
	r3 = r7                         ; fold the carries back in: at most 30
	r3 >>= 16                       ; words sum to less than 2^21, so two
	r7 &= 65535                     ; folds are enough (a loop until no
	r7 += r3                        ; carry is left never ends for the
	r3 = r7                         ; verifier, which cannot see the carry
	r3 >>= 16                       ; shrink)
	r7 &= 65535
	r7 += r3
	if r7 != 65535 goto badsum      ; a correct header sums to 0xffff

	r9 = r6
	r9 += r4                        ; skip the IPv4 header
	r0 = *(u16 *)(r9 + 16)          ; L4 destination port (offset 2)
	r0 = be16 r0
	exit
badsum:
	r0 = 65534
	exit
bad:
	r0 = 65535
	exit

# A multiboot guest that dumps the CPUID its virtual CPU shows: for the basic (0), hypervisor
# (0x40000000) and extended (0x80000000) ranges, every leaf up to the range's maximum leaf (a range
# whose maximum is not within base..base+0xff has only its base leaf), sub-leaves 0..63 of each.
# Each entry goes to the debug console (I/O port 0xe9) as six little-endian 32-bit words: leaf,
# sub-leaf, eax, ebx, ecx, edx; leaf 0xffffffff alone ends the dump. Then the guest writes 0x31 to
# isa-debug-exit (port 0xf4), which ends QEMU with exit status 99. Built by qemu_cpuid.py with binutils:
#   as --32 -o cpuid_dump.o cpuid_dump.s && ld -m elf_i386 -Ttext=0x100000 -o cpuid_dump.elf cpuid_dump.o
# QEMU's -kernel loads it as a multiboot ELF and starts it in 32-bit protected mode, flat segments.
    .code32
    .text
    .align 4
multiboot_header:                   # magic, flags (none), checksum
    .long 0x1BADB002
    .long 0
    .long -0x1BADB002

    .globl _start
_start:
    mov $stack_top, %esp
    movl $0x00000000, base
    call dump_range
    movl $0x40000000, base
    call dump_range
    movl $0x80000000, base
    call dump_range
    mov $0xffffffff, %eax
    call put32
    mov $0xf4, %dx                  # isa-debug-exit: QEMU exits with (0x31 << 1) | 1 = 99,
    mov $0x31, %eax                 # which no QEMU failure gives
    outl %eax, %dx
halt:
    hlt
    jmp halt

# dump_range: the range starting at leaf `base`.
dump_range:
    mov base, %eax
    xor %ecx, %ecx
    cpuid
    mov %eax, last
    mov base, %edx
    cmp %edx, %eax
    jb only_base
    add $0xff, %edx
    cmp %edx, %eax
    jbe walk
only_base:
    mov base, %eax
    mov %eax, last
walk:
    mov base, %eax
    mov %eax, leaf
next_leaf:
    movl $0, subleaf
next_subleaf:
    mov leaf, %eax
    mov subleaf, %ecx
    cpuid
    mov %eax, r_eax
    mov %ebx, r_ebx
    mov %ecx, r_ecx
    mov %edx, r_edx
    mov leaf, %eax
    call put32
    mov subleaf, %eax
    call put32
    mov r_eax, %eax
    call put32
    mov r_ebx, %eax
    call put32
    mov r_ecx, %eax
    call put32
    mov r_edx, %eax
    call put32
    incl subleaf
    cmpl $64, subleaf
    jb next_subleaf
    mov leaf, %eax
    cmp last, %eax
    je range_done
    incl leaf
    jmp next_leaf
range_done:
    ret

# put32: %eax as four bytes, least significant first, to the debug console (clobbers ecx, edx).
put32:
    mov $0xe9, %dx
    mov $4, %ecx
put_byte:
    outb %al, %dx
    shr $8, %eax
    loop put_byte
    ret

    .data
    .align 4
base:    .long 0
last:    .long 0
leaf:    .long 0
subleaf: .long 0
r_eax:   .long 0
r_ebx:   .long 0
r_ecx:   .long 0
r_edx:   .long 0

    .bss
    .align 16
stack:
    .space 4096
stack_top:

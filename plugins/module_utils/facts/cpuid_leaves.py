# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How CPUID is enumerated, and which bits differ from one logical CPU to the next.

Two declarative tables, read by the live readers and by the grouping of CPUs:

* ``SUBLEAF_RULES``: how each leaf with sub-leaves says which sub-leaves exist (Intel SDM vol. 2A
  "CPUID", AMD APM vol. 3 appendix E). A leaf not listed has only sub-leaf 0.
* ``PER_CPU_MASKS``: bits that identify *which* logical CPU answered (APIC IDs, node and compute-unit
  IDs). They are zeroed before CPUs are compared, so that all CPUs of one core type form one group.

The field table of the profile engine describes what the bits mean; this module only knows how to
walk the leaves.
"""

from typing import Callable, Dict, List, Tuple

from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_dump import CpuLeaves, Registers

EAX, EBX, ECX, EDX = range(4)

BASIC_BASE = 0x00000000
HYPERVISOR_BASE = 0x40000000
EXTENDED_BASE = 0x80000000
# A range whose max-leaf answer is outside [base, base + RANGE_SPAN) does not exist on this CPU
# (Intel answers unknown leaves with the data of its highest basic leaf).
RANGE_SPAN = 0x100
# No leaf defines more sub-leaves than this; it bounds the walk if a CPU or hypervisor misreports.
MAX_SUBLEAVES = 64

# Sub-leaf rule kinds:
#   ('max_in', reg)        sub-leaf 0 register `reg` holds the highest valid sub-leaf
#   ('bitmap', reg)        sub-leaf i >= 1 exists when bit i of sub-leaf 0 register `reg` is set
#   ('xsave',)             sub-leaves 0, 1 and every XSAVE component enabled in XCR0 | IA32_XSS
#   ('until_zero', reg, mask, keep_last)
#                          walk sub-leaves until `reg & mask` is 0; keep_last keeps that terminating
#                          sub-leaf, which topology leaves define as meaningful ("level type 0")
SUBLEAF_RULES: Dict[int, Tuple] = {
    0x04: ('until_zero', EAX, 0x1F, False),        # deterministic cache parameters, type 0 ends
    0x07: ('max_in', EAX),                         # structured extended features
    0x0B: ('until_zero', ECX, 0xFF00, True),       # extended topology, level type 0 ends
    0x0D: ('xsave',),                              # XSAVE components
    0x0F: ('bitmap', EDX),                         # RDT monitoring: EDX bit 1 = L3
    0x10: ('bitmap', EBX),                         # RDT allocation: EBX bits 1..3 = L3/L2/MBA
    0x12: ('until_zero', EAX, 0x0F, False),        # SGX: 0, 1, then EPC sections until type 0
    0x14: ('max_in', EAX),                         # Intel PT
    0x17: ('max_in', EAX),                         # SoC vendor attributes
    0x18: ('max_in', EAX),                         # deterministic address translation
    0x1B: ('until_zero', EAX, 0xFFF, False),       # PCONFIG, sub-leaf type 0 ends
    0x1D: ('max_in', EAX),                         # AMX tile information: palettes
    0x1E: ('max_in', EAX),                         # AMX TMUL information
    0x1F: ('until_zero', ECX, 0xFF00, True),       # V2 extended topology
    0x20: ('max_in', EAX),                         # HRESET
    0x23: ('bitmap', EAX),                         # architectural PMU extended: EAX = sub-leaf bitmap
    0x24: ('max_in', EAX),                         # AVX10 converged vector ISA
    0x8000001D: ('until_zero', EAX, 0x1F, False),  # AMD cache topology, type 0 ends
    0x80000020: ('bitmap', EBX),                   # AMD platform QoS enforcement
    0x80000026: ('until_zero', ECX, 0xFF00, True),  # AMD extended CPU topology
}

# Leaves 0x12 sub-leaves 0 and 1 always exist when SGX is enumerated; the walk starts at 2.
SUBLEAF_WALK_START = {0x12: 2}

# (leaf, subleaf or None for all sub-leaves) -> {register index: mask of per-CPU bits}
PER_CPU_MASKS: Dict[Tuple[int, object], Dict[int, int]] = {
    (0x01, 0): {EBX: 0xFF000000},                 # initial APIC ID
    (0x06, 0): {EDX: 0xFFFF0000},                 # this CPU's row in the hardware feedback table
    (0x0B, None): {EDX: 0xFFFFFFFF},              # x2APIC ID
    (0x1F, None): {EDX: 0xFFFFFFFF},              # x2APIC ID
    (0x8000001E, 0): {EAX: 0xFFFFFFFF,            # AMD extended APIC ID
                      EBX: 0x000000FF,            # AMD compute unit / core ID
                      ECX: 0x000000FF},           # AMD node ID
    (0x80000026, None): {EDX: 0xFFFFFFFF},        # AMD x2APIC ID
}

ReadFn = Callable[[int, int], Registers]


def per_cpu_mask(leaf, subleaf):
    """Return the four register masks of bits that identify the answering CPU (0 = not per-CPU)."""
    masks = PER_CPU_MASKS.get((leaf, subleaf)) or PER_CPU_MASKS.get((leaf, None)) or {}
    return tuple(masks.get(reg, 0) for reg in range(4))


def mask_per_cpu(leaves: CpuLeaves) -> CpuLeaves:
    """Return a copy of ``leaves`` with the per-CPU bits zeroed."""
    masked = {}
    for (leaf, subleaf), regs in leaves.items():
        mask = per_cpu_mask(leaf, subleaf)
        masked[(leaf, subleaf)] = tuple(value & ~m & 0xFFFFFFFF for value, m in zip(regs, mask))
    return masked


def _subleaves(leaf, read: ReadFn, first: Registers, xsave_bits: int) -> List[int]:
    """Sub-leaf numbers of ``leaf`` beyond 0, following the leaf's own rule."""
    rule = SUBLEAF_RULES.get(leaf)
    if rule is None:
        return []
    kind = rule[0]
    if kind == 'max_in':
        return list(range(1, min(first[rule[1]], MAX_SUBLEAVES - 1) + 1))
    if kind == 'bitmap':
        bits = first[rule[1]]
        return [i for i in range(1, 32) if bits >> i & 1]
    if kind == 'xsave':
        return [1] + [i for i in range(2, MAX_SUBLEAVES) if xsave_bits >> i & 1]
    reg, mask, keep_last = rule[1:]
    if first[reg] & mask == 0:
        return []
    found = []
    for subleaf in range(SUBLEAF_WALK_START.get(leaf, 1), MAX_SUBLEAVES):
        regs = read(leaf, subleaf)
        if regs[reg] & mask == 0:
            if keep_last:
                found.append(subleaf)
            break
        found.append(subleaf)
    if leaf in SUBLEAF_WALK_START:
        found = list(range(1, SUBLEAF_WALK_START[leaf])) + found
    return found


def _range_max(read: ReadFn, base: int) -> int:
    """Highest leaf of the range starting at ``base``, or ``base - 1`` when the range is absent."""
    top = read(base, 0)[EAX]
    if base <= top < base + RANGE_SPAN:
        return top
    return base - 1


def enumerate_cpuid(read: ReadFn) -> CpuLeaves:
    """Walk every leaf and sub-leaf that exists on the CPU behind ``read(leaf, subleaf)``.

    Ranges: basic (0..leaf 0 EAX), hypervisor (0x4000_0000.., only when CPUID.1:ECX[31] says a
    hypervisor is present: on bare metal that range returns stale data), extended (0x8000_0000..).
    """
    leaves: CpuLeaves = {}
    basic_max = read(BASIC_BASE, 0)[EAX]
    ranges = [(BASIC_BASE, basic_max)]
    if basic_max >= 1 and read(1, 0)[ECX] >> 31 & 1:
        ranges.append((HYPERVISOR_BASE, _range_max(read, HYPERVISOR_BASE)))
    ranges.append((EXTENDED_BASE, _range_max(read, EXTENDED_BASE)))
    xsave_bits = 0
    for base, top in ranges:
        for leaf in range(base, top + 1):
            first = read(leaf, 0)
            leaves[(leaf, 0)] = first
            if leaf == 0x0D:
                sub1 = read(0x0D, 1)
                # XCR0-enabled components (0xD.0 EDX:EAX) and IA32_XSS ones (0xD.1 EDX:ECX).
                xsave_bits = first[EAX] | first[EDX] << 32 | sub1[ECX] | sub1[EDX] << 32
            for subleaf in _subleaves(leaf, read, first, xsave_bits):
                leaves[(leaf, subleaf)] = read(leaf, subleaf)
    return leaves


# The leaves that hold the 48-byte brand string.
BRAND_LEAVES = (0x80000002, 0x80000003, 0x80000004)


def cpu_signature(eax):
    """Display family, model and stepping from CPUID.1:EAX, with the extended fields applied (Intel SDM
    vol. 2A and AMD APM vol. 3, CPUID leaf 1)."""
    base_family = eax >> 8 & 0xF
    family = base_family + (eax >> 20 & 0xFF if base_family == 0xF else 0)
    model = eax >> 4 & 0xF
    if base_family in (0x6, 0xF):
        model |= (eax >> 16 & 0xF) << 4
    return family, model, eax & 0xF


def vendor_string(ebx, edx, ecx):
    """The vendor string of CPUID.0 (``GenuineIntel``): EBX, EDX, ECX, four bytes each, little-endian."""
    return b''.join(value.to_bytes(4, 'little') for value in (ebx, edx, ecx)).decode('latin-1')


def brand_string(registers):
    """The brand string of CPUID.0x8000_0002..4 from their twelve registers in order, without the
    padding (None when empty)."""
    data = b''.join(value.to_bytes(4, 'little') for value in registers)
    return data.split(b'\0', 1)[0].decode('latin-1').strip() or None

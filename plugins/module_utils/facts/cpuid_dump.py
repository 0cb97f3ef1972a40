# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""In-memory form of raw CPUID as read from a live host or imported from a dump file.

Both the live readers and the offline importers produce a ``CpuidDump``; everything downstream
(grouping of CPUs, host facts) works on it and never knows where the numbers came from.
"""

from dataclasses import dataclass, field
from operator import itemgetter
from typing import Dict, Tuple

REGISTER_NAMES = ('eax', 'ebx', 'ecx', 'edx')

# (leaf, subleaf) -> (eax, ebx, ecx, edx); leaves without sub-leaves use subleaf 0.
Registers = Tuple[int, int, int, int]
LeafKey = Tuple[int, int]
CpuLeaves = Dict[LeafKey, Registers]


@dataclass
class CpuidDump:
    """Raw CPUID of every logical CPU of one host, plus feature MSR values when the source has them.

    ``cpus`` maps the logical CPU number to its leaves. ``msrs`` holds hardware MSR values a dump
    recorded (libvirt cputestdata has IA32_ARCH_CAPABILITIES and friends); the live reader leaves it
    empty because live MSR values come from KVM. ``source`` is ``live`` or ``<format>:<path>``.
    """

    cpus: Dict[int, CpuLeaves]
    source: str
    msrs: Dict[int, int] = field(default_factory=dict)
    method: str = ''
    # sha256 of the dump file's bytes, as read (empty for a live read): the fingerprint of a dump host.
    file_sha256: str = ''
    # What the reader could not settle but the user should know (a dump with CPUs missing, say).
    warnings: list = field(default_factory=list)


def format_entry(leaf, subleaf, regs, **extra):
    """One CPUID entry as stored in facts and profiles."""
    entry = {'leaf': '0x%08x' % leaf, 'subleaf': '0x%x' % subleaf}
    entry.update(extra)
    for name, value in zip(REGISTER_NAMES, regs):
        entry[name] = '0x%08x' % value
    return entry


# The text of an entry's slot and of its whole content, for readers that compare entries without parsing them.
SLOT_TEXT = itemgetter('leaf', 'subleaf')
ENTRY_TEXT = itemgetter('leaf', 'subleaf', *REGISTER_NAMES)


def parse_entry(entry):
    """Inverse of ``format_entry``: ``((leaf, subleaf), (eax, ebx, ecx, edx))``."""
    return parse_entry_text(ENTRY_TEXT(entry))


def parse_entry_text(text):
    """``parse_entry`` of an entry given as its ``ENTRY_TEXT``."""
    return (int(text[0], 16), int(text[1], 16)), tuple(int(value, 16) for value in text[2:])

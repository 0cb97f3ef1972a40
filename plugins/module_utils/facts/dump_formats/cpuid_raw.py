# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``cpuid_raw`` dump format: the output of the Debian ``cpuid -r`` tool (``CPU N:`` headers, or ``CPU:`` / no
header at all for ``cpuid -r -1``, then one ``0xLEAF 0xSUB: eax=... ebx=... ecx=... edx=...`` line
per leaf). ``cpuid -r -k`` prints the same lines, so it needs nothing extra.

``dump_import.load_dump`` tells the format and checks what the parser read. Standard library only.
"""

import re

from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.dump_formats.parsing import (
    HEX8, bad_line, cpu_ledger, is_cut_short, nonblank_lines,
)

# CPU numbers: far more digits than any machine has CPUs means garbage (and int() refuses 4300 digits).
CPU_HEADER = re.compile(r'^CPU(?: (\d{1,7}))?:$')
LEAF = re.compile(r'^0x%s\s+0x([0-9a-fA-F]{1,8}):\s+eax=0x%s\s+ebx=0x%s\s+ecx=0x%s\s+edx=0x%s$'
                  % ((HEX8,) * 5))
# Shape of a raw leaf line ('H' = any hex digit), to tell a line cut short from garbage.
LEAF_SHAPE = '0xHHHHHHHH 0xHH: eax=0xHHHHHHHH ebx=0xHHHHHHHH ecx=0xHHHHHHHH edx=0xHHHHHHHH'


def parse(path, lines):
    """Parse ``cpuid -r`` output. The tool records no MSRs. It prints the CPUs that are online, so a
    package with fewer is worth a warning (not a refusal) unless ``cpuid -r -1`` dumped one CPU."""
    cpus = {}
    current = None
    numbered = False
    for number, text in nonblank_lines(lines):
        header = CPU_HEADER.match(text)
        if header:
            # 'cpuid -r -1' prints a bare 'CPU:' for the one CPU it ran on.
            current = cpu_ledger(path, cpus, int(header.group(1) or 0), number)
            numbered = numbered or header.group(1) is not None
            continue
        leaf_line = LEAF.match(text)
        if not leaf_line:
            raise bad_line(path, number, text, is_cut_short(text, LEAF_SHAPE),
                           "a 'CPU N:' header or a `cpuid -r` line '%s' (decoded `cpuid` output "
                           "without -r is not accepted)" % LEAF_SHAPE.replace('H', 'h'))
        if current is None:
            # Older 'cpuid -r -1' prints no header at all: the leaves are those of one CPU.
            current = cpu_ledger(path, cpus, 0, number)
        leaf, subleaf, eax, ebx, ecx, edx = (int(group, 16) for group in leaf_line.groups())
        current.put((leaf, subleaf), (eax, ebx, ecx, edx), number)
    return cpus, {}, 'warn' if numbered else None

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``libcpuid_raw`` dump format: libcpuid's own raw data text (``basic_cpuid[N]=eax ebx ecx edx``,
``ext_cpuid[N]``, and the sub-leaf tables ``intel_fn4``, ``intel_fn11``, ``intel_fn12h``, ``intel_fn14h``,
``amd_fn8000001dh``, ``amd_fn80000026h``) of one logical CPU, or of several under ``____ Logical CPU #N ____``
headers; a line of dashes ends it (libcpuid's decode follows). libcpuid reads only sub-leaf 0 of the
other leaves (no XSAVE sub-leaves of leaf 0xD).

``dump_import.load_dump`` tells the format and checks what the parser read. Standard library only.
"""

import re

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import DumpFormatError
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.dump_formats.parsing import (
    END_OF_DUMP, HEX8, bad_line, cpu_ledger, nonblank_lines, quote,
)

LINE = re.compile(r'^([a-z_0-9]+)\[(\d{1,3})\]=%s %s %s %s$' % ((HEX8,) * 4))
VERSION = re.compile(r'^version=\d+(\.\d+)*$')
CPU_HEADER = re.compile(r'^_+ Logical CPU #(\d{1,7}) _+$')
# libcpuid's raw tables: name -> (leaf, the entry number is the sub-leaf (else the leaf offset), entries).
_TABLES = {
    'basic_cpuid': (0x0, False, 32),
    'ext_cpuid': (0x80000000, False, 32),
    'intel_fn4': (0x4, True, 8),
    'intel_fn11': (0xB, True, 4),
    'intel_fn12h': (0x12, True, 4),
    'intel_fn14h': (0x14, True, 4),
    'amd_fn8000001dh': (0x8000001D, True, 4),
    'amd_fn80000026h': (0x80000026, True, 4),
}


def parse(path, lines):
    """Parse libcpuid's raw data text: one logical CPU, or several under '____ Logical CPU #N ____'
    headers (``cpuid_serialize_all_raw_data``); returns ({cpu: ledger}, {})."""
    entries, cpu = {}, None
    for number, text in nonblank_lines(lines):
        if END_OF_DUMP.match(text):
            break
        header = CPU_HEADER.match(text)
        if header or (VERSION.match(text) and not entries):
            cpu = int(header.group(1)) if header else cpu
            continue
        line = LINE.match(text)
        if not line:
            raise bad_line(path, number, text, False, "a libcpuid raw line 'basic_cpuid[N]=eax ebx ecx edx'")
        table, n = line.group(1), int(line.group(2))
        if table not in _TABLES:
            raise DumpFormatError(path, 'unknown libcpuid table %s, known are %s' % (
                quote(table), ', '.join(sorted(_TABLES))), number)
        if n >= _TABLES[table][2]:
            raise DumpFormatError(path, '%s[%d] is beyond the %d entries libcpuid keeps in that table'
                                  % (table, n, _TABLES[table][2]), number)
        entries.setdefault(cpu or 0, []).append((number, table, n, tuple(int(group, 16) for group in line.groups()[2:])))
    cpus = {}
    for cpu_number, rows in sorted(entries.items()):
        _libcpuid_cpu(cpu_ledger(path, cpus, cpu_number, rows[0][0]), rows)
    return cpus, {}, None


def _libcpuid_cpu(ledger, rows):
    """Put one CPU's libcpuid entries into its ledger. libcpuid fills its tables to the end whatever the
    CPU announces, and a CPU answers a leaf above its maximum with other data: those entries are no
    facts of the CPU (design notes section 7). A leaf with a sub-leaf table of its own comes from that
    table (basic_cpuid repeats its sub-leaf 0 with whatever ECX libcpuid passed)."""
    indexed = {_TABLES[table][0] for _number, table, _n, _registers in rows if _TABLES[table][1]}
    maxima = {}
    for _number, table, n, registers in rows:
        if table in ('basic_cpuid', 'ext_cpuid') and n == 0:
            maxima[_TABLES[table][0]] = registers[0]
    for number, table, n, registers in rows:
        base, by_subleaf, _size = _TABLES[table]
        leaf, subleaf = (base, n) if by_subleaf else (base + n, 0)
        if not by_subleaf and leaf in indexed:
            continue
        range_leaf = leaf & 0x80000000
        if range_leaf in maxima and leaf > maxima[range_leaf]:
            continue
        ledger.put((leaf, subleaf), registers, number)

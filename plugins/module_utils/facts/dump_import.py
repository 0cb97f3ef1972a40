# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline import of CPUID dump files into a ``CpuidDump``.

Four formats are accepted, told apart by their content, never by the file name: ``cpuid_raw``
(``cpuid -r``), ``libvirt_xml`` (libvirt cputestdata), ``aida64`` (AIDA64 CPUID text and reports)
and ``libcpuid_raw`` (libcpuid's raw data). Each has its parser in ``dump_formats/``, which says
what it reads. A libvirt dump imports no text parser; a text dump imports the three text parsers,
whose line patterns tell the text formats apart.

Anything wrong with a file is raised as ``DumpFormatError`` with a one-line message naming the file and,
where it applies, the line; ``load_dump`` lets no other exception out for bad content.
"""

import hashlib
import os

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import DumpFormatError
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_dump import CpuidDump
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.dump_formats.parsing import cpu_ranges, is_cut_short, nonblank_lines, quote
from ansible_collections.vmcpu.profiles.plugins.module_utils.input_file import InputFileError, read_input, shown_path

# A cpuid -r dump of a 1024-CPU host is under 10 MiB; anything far beyond that is not a dump, and
# reading it whole would only burn memory on a managed node.
MAX_DUMP_BYTES = 64 * 1024 * 1024

FORMATS = ('cpuid_raw', 'libvirt_xml', 'aida64', 'libcpuid_raw')
_FORMATS_ACCEPTED = ('raw `cpuid -r` output (cpuid_raw), libvirt cputestdata XML (libvirt_xml), '
                     'AIDA64 CPUID text or report (aida64) or libcpuid raw data (libcpuid_raw)')


def load_dump(path) -> CpuidDump:
    """Read the dump file at ``path``, detect its format from the content and parse it.

    Returns a ``CpuidDump`` whose ``source`` is ``'<format>:<path>'`` and ``method`` the format name.
    Raises ``DumpFormatError`` for a file that cannot be read or is not a complete, consistent dump.
    """
    path = os.fspath(path)
    data = _read_bytes(path)
    lines = _lines(path, data)
    dump_format = _detect_format(path, lines)
    cpus, msrs, short_package = _parse(dump_format, path, lines)
    _check_cpus(path, cpus, dump_format)
    warnings = []
    shortfall = _package_shortfall(cpus) if short_package else None
    if shortfall and short_package == 'refuse':
        raise DumpFormatError(path, '%s; truncated dump?)' % shortfall, cpus[max(cpus)].last_line())
    if shortfall:
        warnings.append('%s: %s): the dump was cut off at a CPU boundary, or those CPUs were offline when it '
                        'was taken (SMT off, maxcpus=); the facts describe the CPUs the dump has'
                        % (shown_path(path), shortfall))
    return CpuidDump(cpus={cpu: dict(ledger.values) for cpu, ledger in cpus.items()},
                     source='%s:%s' % (dump_format, path),
                     msrs=msrs,
                     method=dump_format,
                     file_sha256=hashlib.sha256(data).hexdigest(),
                     warnings=warnings)


def _read_bytes(path):
    """The file's bytes; what keeps it from being read becomes ``DumpFormatError``."""
    try:
        return read_input(path, MAX_DUMP_BYTES, what='dump file')
    except InputFileError as exc:
        reason = {
            'missing': 'no such file',
            'permission': 'permission denied; make the file readable or read it as root (become: true)',
            'too_large': '%s, far beyond any CPUID dump; refusing to read it' % exc.reason,
        }.get(exc.kind, exc.reason)
        raise DumpFormatError(shown_path(path), reason) from None


def _lines(path, data):
    """The file's lines without line ends."""
    # AIDA64 runs on Windows, whose editors like to save UTF-16 or UTF-8 with a BOM.
    if data.startswith((b'\xff\xfe', b'\xfe\xff')):
        text = data.decode('utf-16', errors='replace')
    else:
        text = data.decode('utf-8-sig', errors='replace')
    if not text.strip():
        raise DumpFormatError(path, 'file is empty; expected %s' % _FORMATS_ACCEPTED)
    # Split on '\n' only: str.splitlines() also breaks at form feeds and other controls, which
    # would make the line numbers in messages disagree with what an editor shows.
    return [line.rstrip('\r') for line in text.split('\n')]


def _detect_format(path, lines):
    """Name the format from the first non-blank line, the only place the formats differ."""
    number, first = next(nonblank_lines(lines))
    if first.startswith('<'):
        return 'libvirt_xml'
    # The text formats are told apart by their parsers' line patterns.
    from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.dump_formats import aida64, cpuid_raw, libcpuid_raw
    if aida64.HEADER.match(first) or aida64.LEAF.match(first) or (
            aida64.headed_cpu(first) is not None and not cpuid_raw.CPU_HEADER.match(first)):
        return 'aida64'
    if cpuid_raw.CPU_HEADER.match(first):
        # cpuid -r heads a CPU so; what follows tells the format of its lines.
        following = next((text for _number, text in nonblank_lines(lines[number:])), '')
        if aida64.LEAF.match(following):
            return 'aida64'
    if libcpuid_raw.LINE.match(first) or libcpuid_raw.VERSION.match(first) or libcpuid_raw.CPU_HEADER.match(first):
        return 'libcpuid_raw'
    # A first leaf line cut short still says cpuid_raw once its leaf number ('0xLLLLLLLL') is whole.
    if (cpuid_raw.CPU_HEADER.match(first) or cpuid_raw.LEAF.match(first)
            or (len(first) >= 10 and is_cut_short(first, cpuid_raw.LEAF_SHAPE))):
        return 'cpuid_raw'
    raise DumpFormatError(path, 'unknown dump format, the file starts with %s; accepted are %s'
                          % (quote(first), _FORMATS_ACCEPTED), number)


def _parse(dump_format, path, lines):
    """``({logical CPU: Ledger of its leaves}, {MSR index: value}, short_package)`` of the dump, where
    ``short_package`` is what a dump with fewer CPUs than one package holds gets: 'refuse', 'warn' or
    None when the format tells nothing."""
    # Imported here, not at the top: a module run compiles every module it imports.
    if dump_format == 'libvirt_xml':
        from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.dump_formats.libvirt_xml import parse
    elif dump_format == 'aida64':
        from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.dump_formats.aida64 import parse
    elif dump_format == 'libcpuid_raw':
        from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.dump_formats.libcpuid_raw import parse
    else:
        from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.dump_formats.cpuid_raw import parse
    return parse(path, lines)


def _package_shortfall(cpus):
    """What is missing when the dump has fewer CPUs than the lowest CPU's package holds, else None;
    the text ends inside a parenthesis the caller closes."""
    per_package = _logical_per_package(cpus[min(cpus)].values)
    if not per_package or len(cpus) >= per_package[0]:
        return None
    missing = sorted(set(range(per_package[0])) - set(cpus))
    return 'CPUID leaf 0x%x of CPU %d counts %d logical CPUs in a package, but the dump has %d (CPU %s missing' % (
        per_package[1], min(cpus), per_package[0], len(cpus), cpu_ranges(missing) if missing else 'numbers')


def _logical_per_package(leaves):
    """``(logical CPUs in a package, leaf)`` from the extended topology leaf (0x1F, else 0xB): the
    count of its last level (sub-leaf with a level type), or None without one."""
    for leaf in (0x1F, 0xB):
        if leaves.get((0, 0), (0,))[0] < leaf or (leaf, 0) not in leaves:
            continue
        count = None
        for subleaf in range(8):
            eax, ebx, ecx, _edx = leaves.get((leaf, subleaf), (0, 0, 0, 0))
            if not ecx >> 8 & 0xFF:
                break
            count = ebx & 0xFFFF
        if count:
            return count, leaf
    return None


def _check_cpus(path, cpus, dump_format):
    """Refuse dumps that parsed but cannot describe a CPU: empty, vendor-less or cut short."""
    if not cpus:
        raise DumpFormatError(path, 'contains no CPUID leaves (truncated dump?)')
    with_extended = [cpu for cpu in sorted(cpus) if (0x80000000, 0) in cpus[cpu].values]
    for cpu in sorted(cpus):
        ledger = cpus[cpu]
        leaves = ledger.values
        if not leaves:
            raise DumpFormatError(path, 'CPU %d has no CPUID leaves (truncated dump?)' % cpu,
                                  ledger.start_line)
        if (0, 0) not in leaves:
            raise DumpFormatError(path, 'CPU %d has no CPUID leaf 0, so its vendor cannot be told'
                                  % cpu, ledger.start_line)
        for range_leaf, last_leaf in [] if ledger.closed else _announced_ranges(leaves, dump_format):
            if not any(key[0] == last_leaf for key in leaves):
                raise DumpFormatError(
                    path, 'CPU %d ends before leaf 0x%x, the last one leaf 0x%x announces '
                          '(truncated dump?)' % (cpu, last_leaf, range_leaf), ledger.last_line())
        if with_extended and (0x80000000, 0) not in leaves:
            raise DumpFormatError(path, 'CPU %d has no extended leaves (0x80000000 and up), CPU %d has them '
                                        '(truncated dump?)' % (cpu, with_extended[0]), ledger.last_line())


def _announced_ranges(leaves, dump_format):
    """``(range leaf, the last leaf the dump must hold)`` of each announced leaf range.

    Dumpers list every leaf up to the maximum that leaf 0 / 0x80000000 announce, so a missing last
    leaf means the file was cut at a line boundary (absurd maxima are not checked). Except: AIDA64
    prints the basic leaves it knows and then the extended ones, so once the extended range is whole
    a missing top basic leaf was not printed, not cut off (and a CPU whose section the dump shows
    ended is not checked at all); libcpuid's tables hold 32 entries each."""
    ranges = []
    for range_leaf in (0, 0x80000000):
        if (range_leaf, 0) in leaves and range_leaf <= leaves[(range_leaf, 0)][0] < range_leaf + 0x1000:
            last = leaves[(range_leaf, 0)][0]
            ranges.append((range_leaf, min(last, range_leaf + 31) if dump_format == 'libcpuid_raw' else last))
    if dump_format == 'aida64' and len(ranges) == 2 and any(key[0] == ranges[1][1] for key in leaves):
        ranges = ranges[1:]
    return ranges

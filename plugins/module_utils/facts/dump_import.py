# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline import of CPUID dump files into a ``CpuidDump``.

Four formats are accepted, told apart by their content, never by the file name:

- ``cpuid_raw``: the output of the Debian ``cpuid -r`` tool (``CPU N:`` headers, or ``CPU:`` / no
  header at all for ``cpuid -r -1``, then one ``0xLEAF 0xSUB: eax=... ebx=... ecx=... edx=...`` line
  per leaf). ``cpuid -r -k`` prints the same lines, so it needs nothing extra.
- ``libvirt_xml``: libvirt cputestdata, ``<cpudata arch='x86'>`` with ``<cpuid .../>`` and
  ``<msr .../>`` elements; it describes one logical CPU, numbered 0.
- ``aida64``: AIDA64 CPUID text: the CPUID dump libcpuid keeps, or AIDA64's full report as InstLatx64
  publishes it. One ``------[ CPUID Registers / Logical CPU #N ]------`` section per logical CPU
  (``------[ Logical CPU #N ]------`` in older reports) with its ``CPUID`` lines, an ``allcpu:`` line
  (package, core, thread) and free-text cache lines; ``------[ MSR Registers / Logical CPU #N ]------``
  sections (``MSR 0000010A: hhhh-hhhh-hhhh-hhhh``), read from the lowest-numbered CPU, where an MSR
  AIDA64 sampled several times with different values is a counter, not a feature MSR, and is left
  out; an ``------[ All CPUs ]------`` list of every logical CPU, which must match the CPUID sections.
  Other sections of a full report (versions, motherboard, ...) are skipped whole. A line of dashes
  alone ends the dump (libcpuid's decode follows it). Copies that head each CPU by one line instead
  (``CPUID Registers (CPU #N):``, InstLatx64's ``CPU#N AffMask: 0x...`` and ``Group: 0xG Affinity
  mask: 0x...``, ``CPU N:``) or not at all (each CPU then starts at leaf 0) are read the same way, as
  are EVEREST's ``allcpu: Valid`` and blanks instead of ``:`` between a leaf and its registers. AIDA64 prints
  the basic leaves it knows, then the extended ones: a CPU whose extended leaves reach the announced
  maximum is whole even when basic leaves near the top were not printed.
- ``libcpuid_raw``: libcpuid's own raw data text (``basic_cpuid[N]=eax ebx ecx edx``, ``ext_cpuid[N]``,
  and the sub-leaf tables ``intel_fn4``, ``intel_fn11``, ``intel_fn12h``, ``intel_fn14h``,
  ``amd_fn8000001dh``) of one logical CPU; a line of dashes ends it (libcpuid's decode follows).
  libcpuid reads only sub-leaf 0 of the other leaves (no XSAVE sub-leaves of leaf 0xD).

Anything wrong with a file is raised as ``DumpFormatError`` with a one-line message naming the file and,
where it applies, the line; ``load_dump`` lets no other exception out for bad content.
"""

import hashlib
import os
import re
import xml.parsers.expat

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import DumpFormatError
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_dump import REGISTER_NAMES, CpuidDump
from ansible_collections.vmcpu.profiles.plugins.module_utils.input_file import InputFileError, read_input, shown_path

# A cpuid -r dump of a 1024-CPU host is under 10 MiB; anything far beyond that is not a dump, and
# reading it whole would only burn memory on a managed node.
MAX_DUMP_BYTES = 64 * 1024 * 1024

FORMATS = ('cpuid_raw', 'libvirt_xml', 'aida64', 'libcpuid_raw')
_FORMATS_ACCEPTED = ('raw `cpuid -r` output (cpuid_raw), libvirt cputestdata XML (libvirt_xml), '
                     'AIDA64 CPUID text or report (aida64) or libcpuid raw data (libcpuid_raw)')

# Offending text is quoted in messages, but never so much that the message stops being one short line.
_QUOTE_MAX = 60

_HEX8 = r'([0-9a-fA-F]{8})'

# CPU numbers: far more digits than any machine has CPUs means garbage (and int() refuses 4300 digits).
_RAW_CPU_HEADER = re.compile(r'^CPU(?: (\d{1,7}))?:$')
_RAW_LEAF = re.compile(r'^0x%s\s+0x([0-9a-fA-F]{1,8}):\s+eax=0x%s\s+ebx=0x%s\s+ecx=0x%s\s+edx=0x%s$'
                       % ((_HEX8,) * 5))
# Shape of a raw leaf line ('H' = any hex digit), to tell a line cut short from garbage.
_RAW_LEAF_SHAPE = '0xHHHHHHHH 0xHH: eax=0xHHHHHHHH ebx=0xHHHHHHHH ecx=0xHHHHHHHH edx=0xHHHHHHHH'

_AIDA_HEADER = re.compile(r'^-+\[ (.+?) \]-*$')
_AIDA_CPUID_SECTION = re.compile(r'^(?:CPUID Registers / )?Logical CPU #(\d{1,7})$')
_AIDA_MSR_SECTION = re.compile(r'^MSR Registers(?: / Logical CPU #(\d{1,7}))?$')
# The same as one line, in the copies that head CPUs by a line ('MSR Registers (CPU #1):').
_AIDA_MSR_LINE = re.compile(r'^MSR Registers(?: \(CPU #(\d{1,7})\))?:$')
_AIDA_ALL_CPUS = 'All CPUs'
_AIDA_END = re.compile(r'^-{3,}$')
# Older AIDA64/EVEREST copies separate the leaf from its registers by blanks only.
_AIDA_LEAF = re.compile(r'^CPUID %s:?[ \t]+%s-%s-%s-%s' % ((_HEX8,) * 5))
_AIDA_LEAF_SHAPE = 'CPUID HHHHHHHH: HHHHHHHH-HHHHHHHH-HHHHHHHH-HHHHHHHH'
_AIDA_SUBLEAF_TAG = re.compile(r'^\[SL ([0-9a-fA-F]{2})\]')
_AIDA_SUBLEAF_SHAPE = '[SL HH]'
_AIDA_ALLCPU = re.compile(r'^allcpu: (?:Package \d+ / Core \d+ / Thread \d+: )?\w[\w ,-]*$')
# A CPU headed by one line instead of a section: the AIDA64 CPUID panel's copy ('CPUID Registers
# (CPU #1):'), InstLatx64's dumper ('CPU#003 AffMask: 0x...8', 'Group: 0x00 Affinity mask: 0x...8',
# where the CPU is the mask's bit) and 'CPU 3:' as cpuid -r heads a CPU.
_AIDA_CPU_LINES = (
    (re.compile(r'^CPUID Registers \(CPU #(\d{1,7})(?: Virtual)?\):$'), int),
    (re.compile(r'^CPU#(\d{1,7}) AffMask: 0[xX][0-9a-fA-F]{1,16}(?::[0-9a-fA-F]{1,16}){0,64}$'), int),
    (re.compile(r'^Group: 0x([0-9a-fA-F]{1,4}) Affinity mask: 0x([0-9a-fA-F]{1,16})$'),
     lambda group, mask: int(group, 16) * 64 + (int(mask, 16) & -int(mask, 16)).bit_length() - 1 if int(mask, 16) else None),
    (_RAW_CPU_HEADER, lambda cpu: int(cpu or 0)),
)
# AIDA64's decode of the cache leaves ('L1    Data Cache:', 'L0+L1 Data Cache:'); words are separated by
# runs of spaces, so no two parts of the pattern can match the same text (no backtracking blow-up).
_AIDA_CACHE_TEXT = re.compile(r'^L\d(?:\+L\d)*(?: +[A-Za-z.]+)+ *:')
_AIDA_CPU_LIST = re.compile(r'^CPU\s+(\d{1,7}): APICID\s+\d+ / Package \d+ / Core\s+\d+ / Thread \d+: ')
_HEX4 = r'([0-9a-fA-F]{4})'
_AIDA_MSR = re.compile(r'^MSR ([0-9a-fA-F]{8}): (?:%s-%s-%s-%s(?:\s+\[.*)?|< FAILED >)$' % ((_HEX4,) * 4))

_LIBVIRT_HEX32 = re.compile(r'(?:0[xX])?[0-9a-fA-F]{1,8}\Z')
_LIBCPUID_LINE = re.compile(r'^([a-z_0-9]+)\[(\d{1,3})\]=%s %s %s %s$' % ((_HEX8,) * 4))
_LIBCPUID_VERSION = re.compile(r'^version=\d+(\.\d+)*$')
_LIBCPUID_CPU_HEADER = re.compile(r'^_+ Logical CPU #(\d{1,7}) _+$')
# libcpuid's raw tables: name -> (leaf, the entry number is the sub-leaf (else the leaf offset), entries).
_LIBCPUID_TABLES = {
    'basic_cpuid': (0x0, False, 32),
    'ext_cpuid': (0x80000000, False, 32),
    'intel_fn4': (0x4, True, 8),
    'intel_fn11': (0xB, True, 4),
    'intel_fn12h': (0x12, True, 4),
    'intel_fn14h': (0x14, True, 4),
    'amd_fn8000001dh': (0x8000001D, True, 4),
    'amd_fn80000026h': (0x80000026, True, 4),
}


def load_dump(path) -> CpuidDump:
    """Read the dump file at ``path``, detect its format from the content and parse it.

    Returns a ``CpuidDump`` whose ``source`` is ``'<format>:<path>'`` and ``method`` the format name.
    Raises ``DumpFormatError`` for a file that cannot be read or is not a complete, consistent dump.
    """
    path = os.fspath(path)
    data = _read_bytes(path)
    lines = _lines(path, data)
    dump_format = _detect_format(path, lines)
    cpus, msrs, short_package = _PARSERS[dump_format](path, lines)
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
    """Name the format from the first non-blank line, the only place the three formats differ."""
    number, first = next(_nonblank_lines(lines))
    if first.startswith('<'):
        return 'libvirt_xml'
    if _AIDA_HEADER.match(first) or _AIDA_LEAF.match(first) or (
            _aida_cpu_line(first) is not None and not _RAW_CPU_HEADER.match(first)):
        return 'aida64'
    if _RAW_CPU_HEADER.match(first):
        # cpuid -r heads a CPU so; what follows tells the format of its lines.
        following = next((text for _number, text in _nonblank_lines(lines[number:])), '')
        if _AIDA_LEAF.match(following):
            return 'aida64'
    if _LIBCPUID_LINE.match(first) or _LIBCPUID_VERSION.match(first) or _LIBCPUID_CPU_HEADER.match(first):
        return 'libcpuid_raw'
    # A first leaf line cut short still says cpuid_raw once its leaf number ('0xLLLLLLLL') is whole.
    if (_RAW_CPU_HEADER.match(first) or _RAW_LEAF.match(first)
            or (len(first) >= 10 and _is_cut_short(first, _RAW_LEAF_SHAPE))):
        return 'cpuid_raw'
    raise DumpFormatError(path, 'unknown dump format, the file starts with %s; accepted are %s'
                          % (_quote(first), _FORMATS_ACCEPTED), number)


class _Ledger:
    """Values by key (a (leaf, subleaf) or an MSR index) with the line each was first read from.

    Identical repeats are accepted, since concatenated or re-run dumps repeat leaves legitimately; a
    repeat with a different value means two sources were mixed, and the error names both lines.
    """

    def __init__(self, path, owner, start_line):
        self.path = path
        self.owner = owner
        self.start_line = start_line
        self.values = {}
        self.lines = {}
        # The dump itself shows this CPU's part ended (AIDA64: what follows it), so leaves it lacks
        # were not printed rather than cut off.
        self.closed = False

    def put(self, key, value, line):
        if key not in self.values:
            self.values[key] = value
            self.lines[key] = line
        elif self.values[key] != value:
            raise DumpFormatError(
                self.path, '%s of %s contradicts line %d (%s); the dump mixes two sources or is '
                           'corrupt' % (_describe_key(key), self.owner, self.lines[key],
                                        _describe_difference(value, self.values[key])), line)

    def last_line(self):
        return max(self.lines.values()) if self.lines else self.start_line


def _cpu_ledger(path, cpus, cpu, line):
    """The ledger of logical CPU ``cpu``; a CPU seen again (concatenated dumps) keeps its ledger."""
    if cpu not in cpus:
        cpus[cpu] = _Ledger(path, 'CPU %d' % cpu, line)
    return cpus[cpu]


def _describe_key(key):
    if isinstance(key, tuple):
        return 'CPUID.(0x%x,0x%x)' % key
    return 'MSR 0x%x' % key


def _describe_difference(new, old):
    if isinstance(new, tuple):
        return ', '.join('%s=0x%08x here, 0x%08x there' % (name, new_value, old_value)
                         for name, new_value, old_value in zip(REGISTER_NAMES, new, old)
                         if new_value != old_value)
    return '0x%x here, 0x%x there' % (new, old)


def _quote(text):
    """Offending text for a message: stripped, cut to a readable length, escapes visible."""
    text = text.strip()
    if len(text) > _QUOTE_MAX:
        text = text[:_QUOTE_MAX - 3] + '...'
    return repr(text)


def _is_cut_short(text, shape):
    """True when ``text`` is a proper prefix of ``shape``, where 'H' in ``shape`` is any hex digit."""
    if not text or len(text) >= len(shape):
        return False
    for char, expected in zip(text, shape):
        if expected == 'H':
            if char not in '0123456789abcdefABCDEF':
                return False
        elif char != expected:
            return False
    return True


def _bad_line(path, number, text, cut_short, expected):
    """The error for a line that does not parse: ``cut_short`` when it is a prefix of a good one."""
    if cut_short:
        return DumpFormatError(path, 'line is cut short: %s (truncated dump?)' % _quote(text), number)
    return DumpFormatError(path, 'garbage line %s, expected %s' % (_quote(text), expected), number)


def _nonblank_lines(lines):
    """(line number, stripped text) of every line that has any text; blank lines mean nothing."""
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if text:
            yield number, text


def _parse_cpuid_raw(path, lines):
    """Parse ``cpuid -r`` output. The tool records no MSRs. It prints the CPUs that are online, so a
    package with fewer is worth a warning (not a refusal) unless ``cpuid -r -1`` dumped one CPU."""
    cpus = {}
    current = None
    numbered = False
    for number, text in _nonblank_lines(lines):
        header = _RAW_CPU_HEADER.match(text)
        if header:
            # 'cpuid -r -1' prints a bare 'CPU:' for the one CPU it ran on.
            current = _cpu_ledger(path, cpus, int(header.group(1) or 0), number)
            numbered = numbered or header.group(1) is not None
            continue
        leaf_line = _RAW_LEAF.match(text)
        if not leaf_line:
            raise _bad_line(path, number, text, _is_cut_short(text, _RAW_LEAF_SHAPE),
                            "a 'CPU N:' header or a `cpuid -r` line '%s' (decoded `cpuid` output "
                            "without -r is not accepted)" % _RAW_LEAF_SHAPE.replace('H', 'h'))
        if current is None:
            # Older 'cpuid -r -1' prints no header at all: the leaves are those of one CPU.
            current = _cpu_ledger(path, cpus, 0, number)
        leaf, subleaf, eax, ebx, ecx, edx = (int(group, 16) for group in leaf_line.groups())
        current.put((leaf, subleaf), (eax, ebx, ecx, edx), number)
    return cpus, {}, 'warn' if numbered else None


def _parse_aida64(path, lines):
    """Parse AIDA64 CPUID text or a full AIDA64 report; returns ({cpu: ledger}, {msr index: value})."""
    cpus, msr_sections, listed = {}, {}, {}
    section, current, title = None, None, None
    headerless = False
    for number, text in _nonblank_lines(lines):
        cpu_line = _aida_cpu_line(text) if section in (None, 'cpuid', 'msr') else None
        if cpu_line is not None:
            if section == 'cpuid':
                current.closed = True
            # From the first header on, headers number the CPUs, not the leaf-0 lines.
            section, current, headerless = 'cpuid', _cpu_ledger(path, cpus, cpu_line, number), False
            continue
        msr_line = _AIDA_MSR_LINE.match(text) if section in (None, 'cpuid', 'msr') else None
        if msr_line:
            if section == 'cpuid':
                current.closed = True
            section, current = 'msr', msr_sections.setdefault(int(msr_line.group(1) or 0), {})
            continue
        if _AIDA_LEAF.match(text) and (section is None and not cpus or headerless and text.startswith('CPUID 00000000')):
            # CPUs copied with no header at all: each starts at leaf 0.
            section, current, headerless = 'cpuid', _cpu_ledger(path, cpus, len(cpus), number), True
        if _AIDA_END.match(text) or _AIDA_HEADER.match(text):
            if section == 'cpuid':
                current.closed = True
            if _AIDA_END.match(text):
                break
            title = _AIDA_HEADER.match(text).group(1)
            section, current = _aida_section(path, cpus, msr_sections, title, number)
            headerless = False
            continue
        if section == 'cpuid':
            _aida_cpuid_line(path, current, number, text)
        elif section == 'msr':
            _aida_msr_line(path, current, number, text)
        elif section == 'all':
            cpu = _AIDA_CPU_LIST.match(text)
            if not cpu:
                raise _bad_line(path, number, text, False, "a line 'CPU N: APICID a / Package p / Core c / "
                                                           "Thread t: ...' of the All CPUs list")
            listed[int(cpu.group(1))] = number
        elif section is None:
            raise _bad_line(path, number, text, False, "a '------[ ... ]------' section header first")
        elif _AIDA_LEAF.match(text):
            # A mistyped CPU header would otherwise drop that CPU without a word.
            raise DumpFormatError(path, "CPUID registers in the section %s, which is not a 'CPUID Registers / Logical "
                                        "CPU #N' section" % _quote(title), number)
    missing = sorted(set(listed) - set(cpus))
    if missing:
        raise DumpFormatError(path, "the All CPUs list names %d logical CPUs, but the dump has no CPUID registers of "
                                    "CPU %s (truncated dump?)" % (len(listed), _cpu_ranges(missing)),
                              listed[missing[0]])
    unlisted = sorted(set(cpus) - set(listed)) if listed else []
    if unlisted:
        raise DumpFormatError(path, "the All CPUs list names %d logical CPUs, but not CPU %s, whose CPUID registers the dump "
                                    "has (a report pieced together from two machines?)" % (len(listed), _cpu_ranges(unlisted)),
                              cpus[unlisted[0]].start_line)
    # AIDA64 dumps every logical CPU it sees, and its All CPUs list says which those were (Windows may
    # show it fewer). Without the list, fewer CPUs than one package holds means the file was cut. CPUs
    # copied without headers were picked by hand: one is a sample of the CPU, several a partial set.
    samples = msr_sections[min(msr_sections)] if msr_sections else {}
    msrs = {index: values.pop() for index, values in samples.items() if len(values) == 1}
    if headerless:
        return cpus, msrs, 'warn' if len(cpus) > 1 else None
    return cpus, msrs, None if listed else 'refuse'


def _aida_cpu_line(text):
    """The CPU number a one-line CPU header names, or None when ``text`` is none."""
    for pattern, number in _AIDA_CPU_LINES:
        match = pattern.match(text)
        if match:
            return number(*match.groups())
    return None


def _aida_section(path, cpus, msr_sections, title, number):
    """``(kind, ledger)`` of the section ``title`` starts: 'cpuid', 'msr', 'all' or 'skip'."""
    cpuid = _AIDA_CPUID_SECTION.match(title)
    if cpuid:
        return 'cpuid', _cpu_ledger(path, cpus, int(cpuid.group(1)), number)
    msr = _AIDA_MSR_SECTION.match(title)
    if msr:
        return 'msr', msr_sections.setdefault(int(msr.group(1) or 0), {})
    return ('all' if title == _AIDA_ALL_CPUS else 'skip'), None


def _aida_cpuid_line(path, current, number, text):
    if _AIDA_ALLCPU.match(text):
        return  # where the CPU sits
    if _AIDA_CACHE_TEXT.match(text):
        current.closed = True  # AIDA64's decode of the cache leaves follows the last leaf
        return
    leaf_line = _AIDA_LEAF.match(text)
    if not leaf_line:
        raise _bad_line(path, number, text, _is_cut_short(text, _AIDA_LEAF_SHAPE),
                        "a 'CPUID LLLLLLLL: EAX-EBX-ECX-EDX [SL nn]' line or a "
                        "'------[ CPUID Registers / Logical CPU #N ]------' header")
    # Comments in brackets follow the registers ('[GenuineIntel]', '[L1D: 48 KB]', even
    # unbalanced ones); only a leading '[SL nn]' carries data.
    comment = text[leaf_line.end():].strip()
    subleaf = 0
    if comment.startswith('[SL'):
        tag = _AIDA_SUBLEAF_TAG.match(comment)
        if not tag:
            raise _bad_line(path, number, text, _is_cut_short(comment, _AIDA_SUBLEAF_SHAPE),
                            "a sub-leaf tag '[SL nn]' after the registers")
        subleaf = int(tag.group(1), 16)
    elif comment and not comment.startswith('['):
        raise DumpFormatError(path, 'garbage after the registers: %s, expected a comment in '
                                    'brackets' % _quote(comment), number)
    leaf, eax, ebx, ecx, edx = (int(group, 16) for group in leaf_line.groups())
    if not comment.startswith('[SL'):
        # AIDA64 before version 5 tags no sub-leaves: it prints a leaf's sub-leaves in order.
        subleaf = sum(1 for key in current.values if key[0] == leaf and current.lines[key] < number)
    current.put((leaf, subleaf), (eax, ebx, ecx, edx), number)


def _aida_msr_line(path, samples, number, text):
    """Record the value of an MSR line in ``samples`` ({index: set of values seen})."""
    if not text.startswith('MSR '):
        return  # AIDA64's clock measurements between the MSR lines
    msr = _AIDA_MSR.match(text)
    if not msr:
        raise _bad_line(path, number, text, False, "an MSR line 'MSR IIIIIIII: hhhh-hhhh-hhhh-hhhh' or "
                                                   "'MSR IIIIIIII: < FAILED >'")
    if msr.group(2) is not None:  # None on '< FAILED >': AIDA64 could not read that MSR
        samples.setdefault(int(msr.group(1), 16), set()).add(int(''.join(msr.groups()[1:]), 16))


def _package_shortfall(cpus):
    """What is missing when the dump has fewer CPUs than the lowest CPU's package holds, else None;
    the text ends inside a parenthesis the caller closes."""
    per_package = _logical_per_package(cpus[min(cpus)].values)
    if not per_package or len(cpus) >= per_package[0]:
        return None
    missing = sorted(set(range(per_package[0])) - set(cpus))
    return 'CPUID leaf 0x%x of CPU %d counts %d logical CPUs in a package, but the dump has %d (CPU %s missing' % (
        per_package[1], min(cpus), per_package[0], len(cpus), _cpu_ranges(missing) if missing else 'numbers')


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


def _cpu_ranges(numbers):
    """'#12-15' or '#3, #7' for sorted CPU numbers."""
    runs, start = [], numbers[0]
    for previous, number in zip(numbers, numbers[1:] + [None]):
        if number != previous + 1:
            runs.append('#%d' % start if start == previous else '#%d-%d' % (start, previous))
            start = number
    return ', '.join(runs)


def _parse_libcpuid_raw(path, lines):
    """Parse libcpuid's raw data text: one logical CPU, or several under '____ Logical CPU #N ____'
    headers (``cpuid_serialize_all_raw_data``); returns ({cpu: ledger}, {})."""
    entries, cpu = {}, None
    for number, text in _nonblank_lines(lines):
        if _AIDA_END.match(text):
            break
        header = _LIBCPUID_CPU_HEADER.match(text)
        if header or (_LIBCPUID_VERSION.match(text) and not entries):
            cpu = int(header.group(1)) if header else cpu
            continue
        line = _LIBCPUID_LINE.match(text)
        if not line:
            raise _bad_line(path, number, text, False, "a libcpuid raw line 'basic_cpuid[N]=eax ebx ecx edx'")
        table, n = line.group(1), int(line.group(2))
        if table not in _LIBCPUID_TABLES:
            raise DumpFormatError(path, 'unknown libcpuid table %s, known are %s' % (
                _quote(table), ', '.join(sorted(_LIBCPUID_TABLES))), number)
        if n >= _LIBCPUID_TABLES[table][2]:
            raise DumpFormatError(path, '%s[%d] is beyond the %d entries libcpuid keeps in that table'
                                  % (table, n, _LIBCPUID_TABLES[table][2]), number)
        entries.setdefault(cpu or 0, []).append((number, table, n, tuple(int(group, 16) for group in line.groups()[2:])))
    cpus = {}
    for cpu_number, rows in sorted(entries.items()):
        _libcpuid_cpu(path, _cpu_ledger(path, cpus, cpu_number, rows[0][0]), rows)
    return cpus, {}, None


def _libcpuid_cpu(path, ledger, rows):
    """Put one CPU's libcpuid entries into its ledger. libcpuid fills its tables to the end whatever the
    CPU announces, and a CPU answers a leaf above its maximum with other data: those entries are no
    facts of the CPU (design notes section 7). A leaf with a sub-leaf table of its own comes from that
    table (basic_cpuid repeats its sub-leaf 0 with whatever ECX libcpuid passed)."""
    indexed = {_LIBCPUID_TABLES[table][0] for _number, table, _n, _registers in rows if _LIBCPUID_TABLES[table][1]}
    maxima = {}
    for _number, table, n, registers in rows:
        if table in ('basic_cpuid', 'ext_cpuid') and n == 0:
            maxima[_LIBCPUID_TABLES[table][0]] = registers[0]
    for number, table, n, registers in rows:
        base, by_subleaf, _size = _LIBCPUID_TABLES[table]
        leaf, subleaf = (base, n) if by_subleaf else (base + n, 0)
        if not by_subleaf and leaf in indexed:
            continue
        range_leaf = leaf & 0x80000000
        if range_leaf in maxima and leaf > maxima[range_leaf]:
            continue
        ledger.put((leaf, subleaf), registers, number)


def _parse_libvirt_xml(path, lines):
    """Parse libvirt cputestdata XML; returns ({0: ledger}, {msr index: value}).

    expat rather than ElementTree because messages need the line of each element.
    """
    cpus = {}
    msrs = _Ledger(path, 'the dump', None)
    parser = xml.parsers.expat.ParserCreate()
    open_elements = []

    def attributes(name, attrs, wanted):
        # Each a 32-bit register as libvirt writes it ('0x0000000d'): no sign, no more than 8 digits.
        values = [attrs.get(attr, '') for attr in wanted]
        if all(_LIBVIRT_HEX32.match(value) for value in values):
            return [int(value, 16) for value in values]
        given = ' '.join("%s='%s'" % item for item in sorted(attrs.items()))
        raise DumpFormatError(path, '<%s> needs attributes %s, each a 32-bit hexadecimal number (0x and at most 8 '
                                    'digits), got %s' % (name, ', '.join(wanted), _quote(given)),
                              parser.CurrentLineNumber)

    def start_element(name, attrs):
        number = parser.CurrentLineNumber
        if not open_elements:
            if name != 'cpudata':
                raise DumpFormatError(path, 'XML root element is <%s>, not libvirt cputestdata '
                                            '<cpudata>' % name, number)
            if attrs.get('arch', 'x86') != 'x86':
                raise DumpFormatError(path, "cputestdata is for arch '%s'; only x86 is supported"
                                      % attrs['arch'], number)
            _cpu_ledger(path, cpus, 0, number)
        elif open_elements != ['cpudata']:
            raise DumpFormatError(path, 'unexpected <%s> inside <%s>' % (name, open_elements[-1]),
                                  number)
        elif name == 'cpuid':
            leaf, subleaf, eax, ebx, ecx, edx = attributes(
                name, attrs, ('eax_in', 'ecx_in', 'eax', 'ebx', 'ecx', 'edx'))
            cpus[0].put((leaf, subleaf), (eax, ebx, ecx, edx), number)
        elif name == 'msr':
            index, edx, eax = attributes(name, attrs, ('index', 'edx', 'eax'))
            msrs.put(index, (edx << 32) | eax, number)
        else:
            raise DumpFormatError(path, 'unexpected element <%s>, cputestdata has only <cpuid> and '
                                        '<msr>' % name, number)
        open_elements.append(name)

    def end_element(_name):
        open_elements.pop()

    def character_data(data):
        if data.strip():
            raise DumpFormatError(path, 'garbage text %s between elements' % _quote(data),
                                  parser.CurrentLineNumber)

    def refuse_entities(*_args):
        # cputestdata never declares entities; refusing them rules out entity-expansion bombs
        # in a parser that may run as root.
        raise DumpFormatError(path, 'XML entity declarations are not accepted in cputestdata',
                              parser.CurrentLineNumber)

    parser.StartElementHandler = start_element
    parser.EndElementHandler = end_element
    parser.CharacterDataHandler = character_data
    parser.EntityDeclHandler = refuse_entities
    try:
        parser.Parse('\n'.join(lines), True)
    except xml.parsers.expat.ExpatError as exc:
        raise DumpFormatError(path, 'not well-formed XML (%s); the file is truncated or corrupt'
                              % xml.parsers.expat.errors.messages[exc.code], exc.lineno) from None
    return cpus, msrs.values, None


# Each parser returns ({logical CPU: _Ledger of its leaves}, {MSR index: value}, what a dump with fewer
# CPUs than one package holds gets: 'refuse', 'warn' or None when the format tells nothing).
_PARSERS = {'cpuid_raw': _parse_cpuid_raw, 'libvirt_xml': _parse_libvirt_xml, 'aida64': _parse_aida64,
            'libcpuid_raw': _parse_libcpuid_raw}


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

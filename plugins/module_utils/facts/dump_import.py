# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline import of CPUID dump files into a ``CpuidDump``.

Three formats are accepted, told apart by their content, never by the file name:

- ``cpuid_raw``: the output of the Debian ``cpuid -r`` tool (``CPU N:`` headers, or ``CPU:`` / no
  header at all for ``cpuid -r -1``, then one ``0xLEAF 0xSUB: eax=... ebx=... ecx=... edx=...`` line
  per leaf). ``cpuid -r -k`` prints the same lines, so it needs nothing extra.
- ``libvirt_xml``: libvirt cputestdata, ``<cpudata arch='x86'>`` with ``<cpuid .../>`` and
  ``<msr .../>`` elements; it describes one logical CPU, numbered 0.
- ``aida64``: AIDA64 CPUID text as kept by libcpuid, one ``------[ CPUID Registers / Logical CPU #N ]``
  section per logical CPU; a line of dashes ends the dump and libcpuid's decode that follows is ignored.

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

FORMATS = ('cpuid_raw', 'libvirt_xml', 'aida64')
_FORMATS_ACCEPTED = ('raw `cpuid -r` output (cpuid_raw), libvirt cputestdata XML (libvirt_xml) '
                     'or AIDA64 CPUID text (aida64)')

# Offending text is quoted in messages, but never so much that the message stops being one short line.
_QUOTE_MAX = 60

_HEX8 = r'([0-9a-fA-F]{8})'

_RAW_CPU_HEADER = re.compile(r'^CPU(?: (\d+))?:$')
_RAW_LEAF = re.compile(r'^0x%s\s+0x([0-9a-fA-F]{1,8}):\s+eax=0x%s\s+ebx=0x%s\s+ecx=0x%s\s+edx=0x%s$'
                       % ((_HEX8,) * 5))
# Shape of a raw leaf line ('H' = any hex digit), to tell a line cut short from garbage.
_RAW_LEAF_SHAPE = '0xHHHHHHHH 0xHH: eax=0xHHHHHHHH ebx=0xHHHHHHHH ecx=0xHHHHHHHH edx=0xHHHHHHHH'

_AIDA_SECTION = re.compile(r'^-+\[ CPUID Registers / Logical CPU #(\d+) \]-*$')
_AIDA_END = re.compile(r'^-{3,}$')
_AIDA_LEAF = re.compile(r'^CPUID %s: %s-%s-%s-%s' % ((_HEX8,) * 5))
_AIDA_LEAF_SHAPE = 'CPUID HHHHHHHH: HHHHHHHH-HHHHHHHH-HHHHHHHH-HHHHHHHH'
_AIDA_SUBLEAF_TAG = re.compile(r'^\[SL ([0-9a-fA-F]{2})\]')
_AIDA_SUBLEAF_SHAPE = '[SL HH]'


def load_dump(path) -> CpuidDump:
    """Read the dump file at ``path``, detect its format from the content and parse it.

    Returns a ``CpuidDump`` whose ``source`` is ``'<format>:<path>'`` and ``method`` the format name.
    Raises ``DumpFormatError`` for a file that cannot be read or is not a complete, consistent dump.
    """
    path = os.fspath(path)
    data = _read_bytes(path)
    lines = _lines(path, data)
    dump_format = _detect_format(path, lines)
    cpus, msrs = _PARSERS[dump_format](path, lines)
    _check_cpus(path, cpus)
    return CpuidDump(cpus={cpu: dict(ledger.values) for cpu, ledger in cpus.items()},
                     source='%s:%s' % (dump_format, path),
                     msrs=msrs,
                     method=dump_format,
                     file_sha256=hashlib.sha256(data).hexdigest())


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
    if _AIDA_SECTION.match(first):
        return 'aida64'
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
    """Parse ``cpuid -r`` output; returns ({cpu: ledger}, {}) as the tool records no MSRs."""
    cpus = {}
    current = None
    for number, text in _nonblank_lines(lines):
        header = _RAW_CPU_HEADER.match(text)
        if header:
            # 'cpuid -r -1' prints a bare 'CPU:' for the one CPU it ran on.
            current = _cpu_ledger(path, cpus, int(header.group(1) or 0), number)
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
    return cpus, {}


def _parse_aida64(path, lines):
    """Parse AIDA64 CPUID text; returns ({cpu: ledger}, {}) as AIDA64 records no MSRs."""
    cpus = {}
    current = None
    for number, text in _nonblank_lines(lines):
        if _AIDA_END.match(text):
            break
        section = _AIDA_SECTION.match(text)
        if section:
            current = _cpu_ledger(path, cpus, int(section.group(1)), number)
            continue
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
        current.put((leaf, subleaf), (eax, ebx, ecx, edx), number)
    return cpus, {}


def _parse_libvirt_xml(path, lines):
    """Parse libvirt cputestdata XML; returns ({0: ledger}, {msr index: value}).

    expat rather than ElementTree because messages need the line of each element.
    """
    cpus = {}
    msrs = _Ledger(path, 'the dump', None)
    parser = xml.parsers.expat.ParserCreate()
    open_elements = []

    def attributes(name, attrs, wanted):
        try:
            return [int(attrs[attr], 16) for attr in wanted]
        except (KeyError, ValueError):
            given = ' '.join("%s='%s'" % item for item in sorted(attrs.items()))
            raise DumpFormatError(path, '<%s> needs hexadecimal attributes %s, got %s'
                                  % (name, ', '.join(wanted), _quote(given)),
                                  parser.CurrentLineNumber) from None

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
    return cpus, msrs.values


# Each parser returns ({logical CPU: _Ledger of its leaves}, {MSR index: value}).
_PARSERS = {'cpuid_raw': _parse_cpuid_raw, 'libvirt_xml': _parse_libvirt_xml, 'aida64': _parse_aida64}


def _check_cpus(path, cpus):
    """Refuse dumps that parsed but cannot describe a CPU: empty, vendor-less or cut short."""
    if not cpus:
        raise DumpFormatError(path, 'contains no CPUID leaves (truncated dump?)')
    for cpu in sorted(cpus):
        ledger = cpus[cpu]
        leaves = ledger.values
        if not leaves:
            raise DumpFormatError(path, 'CPU %d has no CPUID leaves (truncated dump?)' % cpu,
                                  ledger.start_line)
        if (0, 0) not in leaves:
            raise DumpFormatError(path, 'CPU %d has no CPUID leaf 0, so its vendor cannot be told'
                                  % cpu, ledger.start_line)
        # Dumpers list every leaf up to the maximum that leaf 0 / 0x80000000 announce, so a missing
        # last leaf means the file was cut at a line boundary. Absurd maxima are not checked.
        for range_leaf, range_end in ((0, 0x1000), (0x80000000, 0x80001000)):
            if (range_leaf, 0) not in leaves:
                continue
            max_leaf = leaves[(range_leaf, 0)][0]
            if range_leaf <= max_leaf < range_end and not any(key[0] == max_leaf for key in leaves):
                raise DumpFormatError(
                    path, 'CPU %d ends before leaf 0x%x, the last one leaf 0x%x announces '
                          '(truncated dump?)' % (cpu, max_leaf, range_leaf), ledger.last_line())

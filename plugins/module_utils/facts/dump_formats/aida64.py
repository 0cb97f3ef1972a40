# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``aida64`` dump format: AIDA64 CPUID text: the CPUID dump libcpuid keeps, or AIDA64's full report as InstLatx64
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

``dump_import.load_dump`` tells the format and checks what the parser read. Standard library only.
"""

import re

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import DumpFormatError
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.dump_formats.cpuid_raw import CPU_HEADER as _RAW_CPU_HEADER
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.dump_formats.parsing import (
    END_OF_DUMP, HEX8, bad_line, cpu_ledger, cpu_ranges, is_cut_short, nonblank_lines, quote,
)

HEADER = re.compile(r'^-+\[ (.+?) \]-*$')
_CPUID_SECTION = re.compile(r'^(?:CPUID Registers / )?Logical CPU #(\d{1,7})$')
_MSR_SECTION = re.compile(r'^MSR Registers(?: / Logical CPU #(\d{1,7}))?$')
# The same as one line, in the copies that head CPUs by a line ('MSR Registers (CPU #1):').
_MSR_LINE = re.compile(r'^MSR Registers(?: \(CPU #(\d{1,7})\))?:$')
_ALL_CPUS = 'All CPUs'
# Older AIDA64/EVEREST copies separate the leaf from its registers by blanks only.
LEAF = re.compile(r'^CPUID %s:?[ \t]+%s-%s-%s-%s' % ((HEX8,) * 5))
_LEAF_SHAPE = 'CPUID HHHHHHHH: HHHHHHHH-HHHHHHHH-HHHHHHHH-HHHHHHHH'
_SUBLEAF_TAG = re.compile(r'^\[SL ([0-9a-fA-F]{2})\]')
_SUBLEAF_SHAPE = '[SL HH]'
_ALLCPU = re.compile(r'^allcpu: (?:Package \d+ / Core \d+ / Thread \d+: )?\w[\w ,-]*$')
# A CPU headed by one line instead of a section: the AIDA64 CPUID panel's copy ('CPUID Registers
# (CPU #1):'), InstLatx64's dumper ('CPU#003 AffMask: 0x...8', 'Group: 0x00 Affinity mask: 0x...8',
# where the CPU is the mask's bit) and 'CPU 3:' as cpuid -r heads a CPU.
_CPU_LINES = (
    (re.compile(r'^CPUID Registers \(CPU #(\d{1,7})(?: Virtual)?\):$'), int),
    (re.compile(r'^CPU#(\d{1,7}) AffMask: 0[xX][0-9a-fA-F]{1,16}(?::[0-9a-fA-F]{1,16}){0,64}$'), int),
    (re.compile(r'^Group: 0x([0-9a-fA-F]{1,4}) Affinity mask: 0x([0-9a-fA-F]{1,16})$'),
     lambda group, mask: int(group, 16) * 64 + (int(mask, 16) & -int(mask, 16)).bit_length() - 1 if int(mask, 16) else None),
    (_RAW_CPU_HEADER, lambda cpu: int(cpu or 0)),
)
# AIDA64's decode of the cache leaves ('L1    Data Cache:', 'L0+L1 Data Cache:'); words are separated by
# runs of spaces, so no two parts of the pattern can match the same text (no backtracking blow-up).
_CACHE_TEXT = re.compile(r'^L\d(?:\+L\d)*(?: +[A-Za-z.]+)+ *:')
_CPU_LIST = re.compile(r'^CPU\s+(\d{1,7}): APICID\s+\d+ / Package \d+ / Core\s+\d+ / Thread \d+: ')
_HEX4 = r'([0-9a-fA-F]{4})'
_MSR = re.compile(r'^MSR ([0-9a-fA-F]{8}): (?:%s-%s-%s-%s(?:\s+\[.*)?|< FAILED >)$' % ((_HEX4,) * 4))


def parse(path, lines):
    """Parse AIDA64 CPUID text or a full AIDA64 report; returns ({cpu: ledger}, {msr index: value})."""
    cpus, msr_sections, listed = {}, {}, {}
    section, current, title = None, None, None
    headerless = False
    for number, text in nonblank_lines(lines):
        cpu_line = headed_cpu(text) if section in (None, 'cpuid', 'msr') else None
        if cpu_line is not None:
            if section == 'cpuid':
                current.closed = True
            # From the first header on, headers number the CPUs, not the leaf-0 lines.
            section, current, headerless = 'cpuid', cpu_ledger(path, cpus, cpu_line, number), False
            continue
        msr_line = _MSR_LINE.match(text) if section in (None, 'cpuid', 'msr') else None
        if msr_line:
            if section == 'cpuid':
                current.closed = True
            section, current = 'msr', msr_sections.setdefault(int(msr_line.group(1) or 0), {})
            continue
        if LEAF.match(text) and (section is None and not cpus or headerless and text.startswith('CPUID 00000000')):
            # CPUs copied with no header at all: each starts at leaf 0.
            section, current, headerless = 'cpuid', cpu_ledger(path, cpus, len(cpus), number), True
        if END_OF_DUMP.match(text) or HEADER.match(text):
            if section == 'cpuid':
                current.closed = True
            if END_OF_DUMP.match(text):
                break
            title = HEADER.match(text).group(1)
            section, current = _section(path, cpus, msr_sections, title, number)
            headerless = False
            continue
        if section == 'cpuid':
            _cpuid_line(path, current, number, text)
        elif section == 'msr':
            _msr_line(path, current, number, text)
        elif section == 'all':
            cpu = _CPU_LIST.match(text)
            if not cpu:
                raise bad_line(path, number, text, False, "a line 'CPU N: APICID a / Package p / Core c / "
                                                          "Thread t: ...' of the All CPUs list")
            listed[int(cpu.group(1))] = number
        elif section is None:
            raise bad_line(path, number, text, False, "a '------[ ... ]------' section header first")
        elif LEAF.match(text):
            # A mistyped CPU header would otherwise drop that CPU without a word.
            raise DumpFormatError(path, "CPUID registers in the section %s, which is not a 'CPUID Registers / Logical "
                                        "CPU #N' section" % quote(title), number)
    missing = sorted(set(listed) - set(cpus))
    if missing:
        raise DumpFormatError(path, "the All CPUs list names %d logical CPUs, but the dump has no CPUID registers of "
                                    "CPU %s (truncated dump?)" % (len(listed), cpu_ranges(missing)),
                              listed[missing[0]])
    unlisted = sorted(set(cpus) - set(listed)) if listed else []
    if unlisted:
        raise DumpFormatError(path, "the All CPUs list names %d logical CPUs, but not CPU %s, whose CPUID registers the dump "
                                    "has (a report pieced together from two machines?)" % (len(listed), cpu_ranges(unlisted)),
                              cpus[unlisted[0]].start_line)
    # AIDA64 dumps every logical CPU it sees, and its All CPUs list says which those were (Windows may
    # show it fewer). Without the list, fewer CPUs than one package holds means the file was cut. CPUs
    # copied without headers were picked by hand: one is a sample of the CPU, several a partial set.
    samples = msr_sections[min(msr_sections)] if msr_sections else {}
    msrs = {index: values.pop() for index, values in samples.items() if len(values) == 1}
    if headerless:
        return cpus, msrs, 'warn' if len(cpus) > 1 else None
    return cpus, msrs, None if listed else 'refuse'


def headed_cpu(text):
    """The CPU number a one-line CPU header names, or None when ``text`` is none."""
    for pattern, number in _CPU_LINES:
        match = pattern.match(text)
        if match:
            return number(*match.groups())
    return None


def _section(path, cpus, msr_sections, title, number):
    """``(kind, ledger)`` of the section ``title`` starts: 'cpuid', 'msr', 'all' or 'skip'."""
    cpuid = _CPUID_SECTION.match(title)
    if cpuid:
        return 'cpuid', cpu_ledger(path, cpus, int(cpuid.group(1)), number)
    msr = _MSR_SECTION.match(title)
    if msr:
        return 'msr', msr_sections.setdefault(int(msr.group(1) or 0), {})
    return ('all' if title == _ALL_CPUS else 'skip'), None


def _cpuid_line(path, current, number, text):
    if _ALLCPU.match(text):
        return  # where the CPU sits
    if _CACHE_TEXT.match(text):
        current.closed = True  # AIDA64's decode of the cache leaves follows the last leaf
        return
    leaf_line = LEAF.match(text)
    if not leaf_line:
        raise bad_line(path, number, text, is_cut_short(text, _LEAF_SHAPE),
                       "a 'CPUID LLLLLLLL: EAX-EBX-ECX-EDX [SL nn]' line or a "
                       "'------[ CPUID Registers / Logical CPU #N ]------' header")
    # Comments in brackets follow the registers ('[GenuineIntel]', '[L1D: 48 KB]', even
    # unbalanced ones); only a leading '[SL nn]' carries data.
    comment = text[leaf_line.end():].strip()
    subleaf = 0
    if comment.startswith('[SL'):
        tag = _SUBLEAF_TAG.match(comment)
        if not tag:
            raise bad_line(path, number, text, is_cut_short(comment, _SUBLEAF_SHAPE),
                           "a sub-leaf tag '[SL nn]' after the registers")
        subleaf = int(tag.group(1), 16)
    elif comment and not comment.startswith('['):
        raise DumpFormatError(path, 'garbage after the registers: %s, expected a comment in '
                                    'brackets' % quote(comment), number)
    leaf, eax, ebx, ecx, edx = (int(group, 16) for group in leaf_line.groups())
    if not comment.startswith('[SL'):
        # AIDA64 before version 5 tags no sub-leaves: it prints a leaf's sub-leaves in order.
        subleaf = sum(1 for key in current.values if key[0] == leaf and current.lines[key] < number)
    current.put((leaf, subleaf), (eax, ebx, ecx, edx), number)


def _msr_line(path, samples, number, text):
    """Record the value of an MSR line in ``samples`` ({index: set of values seen})."""
    if not text.startswith('MSR '):
        return  # AIDA64's clock measurements between the MSR lines
    msr = _MSR.match(text)
    if not msr:
        raise bad_line(path, number, text, False, "an MSR line 'MSR IIIIIIII: hhhh-hhhh-hhhh-hhhh' or "
                                                  "'MSR IIIIIIII: < FAILED >'")
    if msr.group(2) is not None:  # None on '< FAILED >': AIDA64 could not read that MSR
        samples.setdefault(int(msr.group(1), 16), set()).add(int(''.join(msr.groups()[1:]), 16))

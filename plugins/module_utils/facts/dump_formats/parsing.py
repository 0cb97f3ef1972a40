# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the dump parsers share: the ledger of the values a CPU's part of a dump gives, each with its
line, the walk over a file's lines and the messages about a bad line. Standard library only."""

import re

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import DumpFormatError
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_dump import REGISTER_NAMES

# Offending text is quoted in messages, but never so much that the message stops being one short line.
_QUOTE_MAX = 60

HEX8 = r'([0-9a-fA-F]{8})'
# A line of dashes alone ends an AIDA64 or libcpuid dump (their decode follows it).
END_OF_DUMP = re.compile(r'^-{3,}$')


class Ledger:
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


def cpu_ledger(path, cpus, cpu, line):
    """The ledger of logical CPU ``cpu``; a CPU seen again (concatenated dumps) keeps its ledger."""
    if cpu not in cpus:
        cpus[cpu] = Ledger(path, 'CPU %d' % cpu, line)
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


def quote(text):
    """Offending text for a message: stripped, cut to a readable length, escapes visible."""
    text = text.strip()
    if len(text) > _QUOTE_MAX:
        text = text[:_QUOTE_MAX - 3] + '...'
    return repr(text)


def is_cut_short(text, shape):
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


def bad_line(path, number, text, cut_short, expected):
    """The error for a line that does not parse: ``cut_short`` when it is a prefix of a good one."""
    if cut_short:
        return DumpFormatError(path, 'line is cut short: %s (truncated dump?)' % quote(text), number)
    return DumpFormatError(path, 'garbage line %s, expected %s' % (quote(text), expected), number)


def nonblank_lines(lines):
    """(line number, stripped text) of every line that has any text; blank lines mean nothing."""
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if text:
            yield number, text


def cpu_ranges(numbers):
    """'#12-15' or '#3, #7' for sorted CPU numbers."""
    runs, start = [], numbers[0]
    for previous, number in zip(numbers, numbers[1:] + [None]):
        if number != previous + 1:
            runs.append('#%d' % start if start == previous else '#%d-%d' % (start, previous))
            start = number
    return ', '.join(runs)

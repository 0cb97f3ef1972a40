# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exceptions shared by the gather, import and KVM readers.

Every error the collection raises on purpose is a ``VmcpuError``: its message is one sentence that
names the source (host, file and line, device) so a module can hand it to ``fail_json`` as it is.
"""


class VmcpuError(Exception):
    """A failure with a message fit for a user; never shown with a traceback."""


class DumpFormatError(VmcpuError):
    """An offline CPUID dump cannot be read: unknown format, truncated, garbage or contradictory."""

    def __init__(self, path, message, line=None):
        self.path = path
        self.line = line
        where = '%s:%d' % (path, line) if line is not None else str(path)
        super().__init__('%s: %s' % (where, message))


class HostAccessError(VmcpuError):
    """The live host cannot be read: not root, no cpuid device, not x86, KVM unusable."""


def kind_of(value):
    """A value's type as a message names it: in JSON's words, not Python's (nor ansible-core's own
    template types, such as a lazily templated list)."""
    for types, name in ((bool, 'a boolean'), ((int, float), 'a number'), (str, 'a string'), (bytes, 'bytes'),
                        (dict, 'a mapping'), ((list, tuple), 'a list')):
        if isinstance(value, types):
            return name
    return 'null' if value is None else 'a %s' % type(value).__name__

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Names that become file names: profile names (refused unless plain) and host names (encoded).

Every place that builds a path from a name goes through here, so no name can carry a path
separator, "..", a leading dot, a control character or shell syntax into a file name.
Standard library only (the gate's modules use it on the managed node).
"""

import re

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError

PROFILE_NAME = re.compile(r'[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\Z')
# What a file stem made from a host name keeps as it is; anything else is %XX-encoded (UTF-8).
_PLAIN_CHARACTER = re.compile(r'[A-Za-z0-9_-]')


def check_profile_name(name):
    """Refuse a profile name that is not a plain file name: it names <name>.json on every host."""
    if not isinstance(name, str) or not PROFILE_NAME.match(name) or '..' in name:
        raise VmcpuError('invalid profile name %r: use letters, digits, ".", "_" and "-" (at most 128, '
                         'not starting with a dot, no "..", no path separators).' % (name,))


def host_file_stem(host):
    """The file stem for host ``host`` (``facts/<stem>.json``): letters, digits, ``_``, ``-`` and
    inner dots stay, every other byte becomes ``%XX``, so ``../x`` is ``%2E%2E%2Fx`` and the stem
    never leaves its folder. ``host_from_file_stem`` reverses it."""
    if not isinstance(host, str) or not host:
        raise VmcpuError('invalid host name %r: it must be a non-empty string.' % (host,))
    stem = []
    for position, character in enumerate(host):
        if _kept(host, position):
            stem.append(character)
        else:
            stem.extend('%%%02X' % byte for byte in character.encode('utf-8'))
    return ''.join(stem)


def _kept(host, position):
    """Whether the character at ``position`` stays as it is: dots only inside and never two together."""
    character = host[position]
    if character == '.':
        return 0 < position < len(host) - 1 and '.' not in (host[position - 1], host[position + 1])
    return bool(_PLAIN_CHARACTER.match(character))


def host_from_file_stem(stem):
    """The host name a ``host_file_stem`` stands for."""
    def decode(match):
        return bytes.fromhex(match.group(0).replace('%', '')).decode('utf-8', errors='replace')
    return re.sub(r'(?:%[0-9A-F]{2})+', decode, stem)

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A profile document's ``cpuid`` and ``msrs`` entries read back as numbers, and the value the
profile fixes for one field: what every consumer of a profile file (the VMM exporters) reads.

Mask convention of the profile: a mask bit 1 means "fixed by the profile", 0 "left to the host or
the VMM". A register or MSR the profile does not list is fixed at zero.
"""

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_dump import REGISTER_NAMES

MASK32 = 0xffffffff
MASK64 = 0xffffffffffffffff


def _hex(entry, key, bits, where):
    try:
        number = int(entry[key], 16)
    except (KeyError, TypeError, ValueError):
        raise VmcpuError('%s: %s is missing or not a hex string (%r).' % (where, key, entry.get(key)))
    if not 0 <= number < 1 << bits:
        raise VmcpuError('%s: %s %s does not fit in %d bits.' % (where, key, entry[key], bits))
    return number


def profile_cpuid(profile):
    """``{(leaf, subleaf, register): (value, mask)}`` of the profile's ``cpuid``, our mask convention."""
    registers = {}
    for position, entry in enumerate(profile.get('cpuid') or ()):
        where = 'profile %s cpuid[%d]' % (profile.get('name'), position)
        if not isinstance(entry, dict) or entry.get('register') not in REGISTER_NAMES:
            raise VmcpuError('%s: not an entry with a register eax/ebx/ecx/edx.' % where)
        key = (_hex(entry, 'leaf', 32, where), _hex(entry, 'subleaf', 32, where), entry['register'])
        if key in registers:
            raise VmcpuError('%s: leaf %s sub-leaf %s %s is listed twice.' % (where, entry['leaf'], entry['subleaf'],
                                                                              entry['register']))
        registers[key] = (_hex(entry, 'value', 32, where), _hex(entry, 'mask', 32, where))
    return dict(sorted(registers.items(), key=lambda item: (item[0][0], item[0][1], REGISTER_NAMES.index(item[0][2]))))


def profile_msrs(profile):
    """``{index: (value, mask)}`` of the profile's ``msrs``, our mask convention."""
    msrs = {}
    for position, entry in enumerate(profile.get('msrs') or ()):
        where = 'profile %s msrs[%d]' % (profile.get('name'), position)
        if not isinstance(entry, dict):
            raise VmcpuError('%s: not an MSR entry.' % where)
        index = _hex(entry, 'index', 32, where)
        if index in msrs:
            raise VmcpuError('%s: MSR %s is listed twice.' % (where, entry['index']))
        msrs[index] = (_hex(entry, 'value', 64, where), _hex(entry, 'mask', 64, where))
    return dict(sorted(msrs.items()))


def fixed_value(f, cpuid, msrs):
    """The value the profile fixes for field ``f`` (``cpuid``/``msrs`` from ``profile_cpuid`` and
    ``profile_msrs``; a register or MSR the profile does not list is fixed at zero), or None when the
    profile leaves any of its bits to the host or the VMM (mask 0 there)."""
    if f.source == 'msr':
        value, mask = msrs.get(f.leaf, (0, MASK64))
    else:
        value, mask = cpuid.get((f.leaf, f.subleaves[0], f.register), (0, MASK32))
    if mask & f.mask != f.mask:
        return None
    return f.extract(value)

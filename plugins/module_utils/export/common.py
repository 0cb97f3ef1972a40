# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every VMM exporter checks before it writes anything (the profile is one it can express), and
what several of them state besides the feature bits."""

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.registers import profile_cpuid

# CPUID.0x8000_0008.EAX[7:0]: the physical address width.
PHYS_BITS_LEAF = 0x80000008


def check_exportable(profile, target, vendors):
    """Refuse a profile ``target`` cannot express: not a mapping, another hypervisor, unknown vendor."""
    if not isinstance(profile, dict):
        raise VmcpuError('%s export needs a profile (a mapping), got %s.' % (target, type(profile).__name__))
    name = profile.get('name', '(unnamed)')
    if profile.get('hypervisor') != 'kvm':
        raise VmcpuError('profile %s is for hypervisor %r; %s profiles are for KVM only.'
                         % (name, profile.get('hypervisor'), target))
    if profile.get('vendor') not in vendors:
        raise VmcpuError('profile %s has CPU vendor %r, which %s cannot express (supported: %s).'
                         % (name, profile.get('vendor'), target, ', '.join(sorted(vendors))))


def phys_addr_bits(profile):
    """The physical address width the profile fixes (CPUID.0x8000_0008.EAX[7:0], the minimum over its
    hosts; a register the profile does not list is zero), or None when it leaves it to the host."""
    value, mask = profile_cpuid(profile).get((PHYS_BITS_LEAF, 0, 'eax'), (0, 0xFFFFFFFF))
    return value & 0xFF if mask & 0xFF == 0xFF else None

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every VMM exporter checks before it writes anything: the profile is one it can express."""

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError


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

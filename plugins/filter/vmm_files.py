# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter vmm_files: the files of a profile's VMM exports, by file name."""

from ansible.errors import AnsibleFilterError
from ansible.utils.display import Display

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError, kind_of
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.vmm_files import vmm_files
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.schemas import profile_name, validate_profile


def profile_vmm_files(profile, vmms, libvirt_cpu_map=None):
    name = profile_name(profile)
    try:
        validate_profile(profile)
        if isinstance(vmms, str) or not all(isinstance(vmm, str) for vmm in vmms):
            raise VmcpuError('vmms must be a list of VMM names, got %r.' % (vmms,))
        if libvirt_cpu_map is not None and not isinstance(libvirt_cpu_map, str):
            raise VmcpuError('libvirt_cpu_map must be a directory path, got %s.' % kind_of(libvirt_cpu_map))
        files, warnings = vmm_files(profile, vmms, libvirt_cpu_map)
    except VmcpuError as exc:
        raise AnsibleFilterError('vmcpu.profiles.vmm_files: profile %s: %s' % (name, exc)) from None
    for vmm, warning in warnings.items():
        # Not an error: the guest gets less than the profile keeps there, never more.
        Display().warning('vmcpu.profiles.vmm_files: %s export of profile %s %s' % (vmm, name, warning))
    return files


class FilterModule:
    def filters(self):
        return {'vmm_files': profile_vmm_files}

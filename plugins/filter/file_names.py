# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter host_file_stem: a host name as a file name that cannot leave its folder."""

from ansible.errors import AnsibleFilterError

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.file_names import host_file_stem


def host_file_stem_filter(host):
    try:
        return host_file_stem(host)
    except VmcpuError as exc:
        raise AnsibleFilterError('vmcpu.profiles.host_file_stem: %s' % exc) from None


class FilterModule:
    def filters(self):
        return {'host_file_stem': host_file_stem_filter}

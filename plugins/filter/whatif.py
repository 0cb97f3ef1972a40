# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render the result of the what_if lookup."""

from ansible.errors import AnsibleFilterError

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import kind_of
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.whatif import whatif_report

_KEYS = ('name', 'vendor', 'hosts', 'x86_64_level', 'features', 'leave', 'join')


def report(result):
    if not isinstance(result, dict) or not all(key in result for key in _KEYS):
        raise AnsibleFilterError('vmcpu.profiles.whatif_report: expected the result of the vmcpu.profiles.what_if '
                                 'lookup (a mapping with %s), got %s.' % (', '.join(_KEYS), kind_of(result)))
    return whatif_report(result)


class FilterModule:
    def filters(self):
        return {'whatif_report': report}

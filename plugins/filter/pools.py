# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render the result of the plan_pools lookup."""

from ansible.errors import AnsibleFilterError

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import kind_of
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.pools import plan_report

_KEYS = ('name', 'hosts', 'distinct_cpus', 'objective', 'pools')


def report(result):
    if not isinstance(result, dict) or not all(key in result for key in _KEYS):
        raise AnsibleFilterError('vmcpu.profiles.plan_report: expected the result of the vmcpu.profiles.plan_pools '
                                 'lookup (a mapping with %s), got %s.' % (', '.join(_KEYS), kind_of(result)))
    return plan_report(result)


class FilterModule:
    def filters(self):
        return {'plan_report': report}

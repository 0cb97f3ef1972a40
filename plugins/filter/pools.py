# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render the results of the plan_pools and migration_matrix lookups."""

from ansible.errors import AnsibleFilterError

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import kind_of
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.matrix import matrix_report
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.pools import plan_report


def _renderer(render, filter_name, lookup, keys):
    def rendered(result):
        if not isinstance(result, dict) or not all(key in result for key in keys):
            raise AnsibleFilterError('vmcpu.profiles.%s: expected the result of the vmcpu.profiles.%s lookup (a mapping '
                                     'with %s), got %s.' % (filter_name, lookup, ', '.join(keys), kind_of(result)))
        return render(result)
    return rendered


class FilterModule:
    def filters(self):
        return {'plan_report': _renderer(plan_report, 'plan_report', 'plan_pools',
                                         ('name', 'hosts', 'distinct_cpus', 'objective', 'pools')),
                'matrix_report': _renderer(matrix_report, 'matrix_report', 'migration_matrix', ('name', 'hosts', 'cpus', 'moves'))}

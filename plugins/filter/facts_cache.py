# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters on a host's cached CPU facts: how old they are, and whether to gather them again."""

from ansible.errors import AnsibleFilterError

from ansible_collections.vmcpu.profiles.plugins.plugin_utils.gathered_facts import facts_age, facts_stale


def _stale(ansible_facts, max_age=None):
    if max_age is not None:
        try:
            max_age = int(max_age)
        except (TypeError, ValueError):
            raise AnsibleFilterError('vmcpu.profiles.facts_stale: the maximum age must be a number of seconds, '
                                     'got %r.' % (max_age,)) from None
        if max_age < 0:
            raise AnsibleFilterError('vmcpu.profiles.facts_stale: the maximum age must be 0 or more seconds, got %d.'
                                     % max_age)
    return facts_stale(ansible_facts, max_age)


class FilterModule:
    def filters(self):
        return {'facts_age': facts_age, 'facts_stale': _stale}

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action of vmcpu.profiles.facts_files (documented in plugins/modules/facts_files.py): it runs on the
controller only and reads the hosts' facts straight from hostvars, so a fleet's facts files cost one
task, not one module run per host."""

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.gathered_facts import PlayFacts
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.host_variables import host_variables

ARGUMENT_SPEC = {
    'hosts': {'type': 'list', 'elements': 'str', 'required': True},
    'dir': {'type': 'path'},
    'gathered_result': {'type': 'str', 'default': 'vmcpu_gathered'},
}


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        hostvars = task_vars['hostvars']
        result_name = args['gathered_result']
        unknown = [host for host in args['hosts'] if host not in hostvars]
        if unknown:
            raise AnsibleActionFail('vmcpu.profiles.facts_files: not inventory hosts: %s.' % ', '.join(unknown))
        variables = {host: host_variables(hostvars, host) for host in args['hosts']}
        # A host gathered in this play has the cpu_facts result registered and not skipped.
        gathered_now = {host for host, host_vars in variables.items()
                        if isinstance(host_vars.get(result_name), dict) and 'ansible_facts' in host_vars[result_name]}
        try:
            play_facts = PlayFacts(args['hosts'], variables, gathered_now)
            changed, diffs = ([], []) if args['dir'] is None else play_facts.write_files(
                args['dir'], check_mode=self._task.check_mode, diff=self._task.diff)
        except VmcpuError as exc:
            raise AnsibleActionFail('vmcpu.profiles.facts_files: %s' % exc) from None
        result.update(
            changed=bool(changed), files=changed,
            hosts={host: {key: entry[key] for key in ('origin', 'age', 'gathered_at')}
                   for host, entry in sorted(play_facts.hosts.items())},
            summary=[play_facts.summary_line(host) for host in sorted(play_facts.hosts)])
        if diffs:
            result['diff'] = diffs
        return result

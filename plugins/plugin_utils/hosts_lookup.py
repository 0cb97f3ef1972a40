# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shape the fleet-question lookups share (what_if, plan_pools, migration_matrix): the terms
are hosts (hostvars or facts files, ``host_inputs.collect_hosts``), ``name`` names the answer, and
an error of the engine fails the lookup with its one-line message."""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.file_names import check_profile_name
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.host_inputs import collect_hosts


class HostsLookup(LookupBase):
    """Subclasses set ``PLUGIN`` (the lookup's short name) and define ``answer(hosts, name, hostvars)``;
    the name is option ``name`` unless ``answer_name`` says otherwise."""

    PLUGIN = None

    def answer(self, hosts, name, hostvars):
        raise NotImplementedError

    def answer_name(self):
        name = self.get_option('name')
        check_profile_name(name)
        return name

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        hostvars = (variables or {}).get('hostvars')
        try:
            name = self.answer_name()
            return [self.answer(collect_hosts(terms or (), hostvars=hostvars), name, hostvars)]
        except VmcpuError as exc:
            raise AnsibleLookupError('vmcpu.profiles.%s: %s' % (self.PLUGIN, exc)) from None

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: what_if
short_description: What a pool's CPU profile would gain without some hosts, or lose with a new one
version_added: 0.2.0
author:
  - vmcpu.profiles developers (@vmcpu)
description:
  - For the pool of hosts given as terms (as for P(vmcpu.profiles.cluster_profile#lookup)), the
    profile it would have without each group of identical hosts (or the hosts of O(leave)), and with
    each host of O(join) added, each on its own.
  - Answers "who holds the fleet back" - the groups are ranked by how many features their leaving
    gains - and "what does this new host cost".
  - Worked out from one merge of the pool; the same policies, toggles and dependencies apply as for
    the profile, so each answer is the difference between the profile and the one C(cluster_profile)
    would compute for the changed pool. The target host's identity (family, model, brand) is left as
    it is.
options:
  _terms:
    description: The pool - host names or facts file paths, as for P(vmcpu.profiles.cluster_profile#lookup).
    type: list
    elements: str
    required: true
  name:
    description: Name of the pool (its profile), for the report.
    type: str
    required: true
  leave:
    description:
      - Hosts of the pool to ask about. Default - every group of identical hosts.
      - A host with identical twins gains nothing by leaving alone; its entry is the whole group.
      - An empty list asks about no host leaving (C(leave) of the result is then null).
    type: list
    elements: str
  join:
    description: Candidate hosts not in the pool (host names or facts file paths), each asked about on its own.
    type: list
    elements: str
    default: []
  features:
    description: Toggles of the profile, as for P(vmcpu.profiles.cluster_profile#lookup).
    type: list
    elements: str
    default: []
  policies:
    description: Policy overrides of the profile, as for P(vmcpu.profiles.cluster_profile#lookup).
    type: dict
    default: {}
  target_host:
    description: Host whose identity the profile carries; default the weakest host.
    type: str
"""

EXAMPLES = r"""
- name: Who holds the sapphire pool back?
  ansible.builtin.debug:
    msg: "{{ lookup('vmcpu.profiles.what_if', *groups['sapphire_hosts'], name='sapphire') | vmcpu.profiles.whatif_report }}"

- name: What would the pool lose if new1 joined it?
  ansible.builtin.set_fact:
    cost: "{{ lookup('vmcpu.profiles.what_if', *groups['sapphire_hosts'], name='sapphire', leave=[], join=['new1']).join[0].loses }}"
"""

RETURN = r"""
_raw:
  description:
    - One mapping - C(name), C(vendor), C(hosts) (how many), C(x86_64_level) and C(features) (how many
      kept) of the pool's profile; C(leave), a list ranked by what is gained, each with C(hosts) (the
      group), C(gains) (features the profile would keep), C(loses), C(fields) (inherited fields that
      change, each C(from) and C(to)) and C(x86_64_level); C(join), one entry per candidate with C(host),
      C(loses), C(gains), C(fields) and C(x86_64_level).
  type: list
  elements: dict
"""

from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.whatif import what_if
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.host_inputs import collect_hosts
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.hosts_lookup import HostsLookup


class LookupModule(HostsLookup):

    PLUGIN = 'what_if'

    def answer(self, hosts, name, hostvars):
        return what_if(hosts, name, leave=self.get_option('leave'), join=collect_hosts(self.get_option('join'), hostvars=hostvars),
                       features=self.get_option('features'), policies=self.get_option('policies'),
                       target_host=self.get_option('target_host'))

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: migration_matrix
short_description: Which host can a VM move to from which, before a profile is chosen
version_added: 0.2.0
author:
  - vmcpu.profiles developers (@vmcpu)
description:
  - For the hosts given as terms (as for P(vmcpu.profiles.cluster_profile#lookup)), a table over their
    distinct CPUs - can a VM started on CPU A, seeing all of A (the profile of A alone), move to B? Each
    cell is the migration gate's own check of B against that profile, with its failures.
  - Identical hosts answer alike, so the table has one row and one column per distinct CPU, named after
    its first host. At most 60 distinct CPUs; plan pools first for more.
options:
  _terms:
    description: The hosts - host names or facts file paths, as for P(vmcpu.profiles.cluster_profile#lookup).
    type: list
    elements: str
    required: true
  name:
    description: Name of the fleet, for the report.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Can a VM started on host3 move to host7?
  ansible.builtin.debug:
    msg: "{{ (lookup('vmcpu.profiles.migration_matrix', *groups['fleet'], name='fleet').moves.host3.host7 | length) == 0 }}"
"""

RETURN = r"""
_raw:
  description:
    - One mapping - C(name), C(hosts) (how many), C(cpus) (each distinct CPU as C(name), its first host, and
      C(hosts)) and C(moves) (C(moves[A][B]) is the list of reasons a VM started on A cannot move to B,
      empty when it can).
  type: list
  elements: dict
"""

from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.matrix import migration_matrix
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.hosts_lookup import HostsLookup


class LookupModule(HostsLookup):

    PLUGIN = 'migration_matrix'

    def answer(self, hosts, name, hostvars):
        return migration_matrix(hosts, name)

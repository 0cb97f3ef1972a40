# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: feature_matrix
short_description: The hosts x features matrix of a CPU profile, for its HTML report
version_added: 0.2.0
author:
  - vmcpu.profiles developers (@vmcpu)
description:
  - For every field the hosts of a profile differ on - the fields its report lists as lowered by some
    host, set by a vulnerability some host has, or set by policy where the hosts differ - the value
    each kind of CPU of the pool offers a guest, next to the value of the profile and the best value any
    host has.
  - A column is a kind of CPU - the hosts of one model (brand string, family, model, stepping) that
    agree on every row - so thousands of hosts give a few columns; columns are grouped by model. At
    most 60 columns are shown - first the largest CPU below the best of each row, then the largest
    others; C(left_out) counts the rest.
  - The values are each host's own, before the profile's policies and toggles, so the matrix shows
    which hosts hold the profile back.
  - The terms must be exactly the profile's hosts, with the facts it was made from - their fingerprint
    digests are compared, and every row against the hosts below the best that the profile's explanation
    names (a kernel's C(clearcpuid=) changes CPUID but not the fingerprint) - or the lookup fails naming
    the host.
  - P(vmcpu.profiles.profile_html#filter) renders it.
options:
  _terms:
    description: The profile's hosts - host names or facts file paths, as for P(vmcpu.profiles.cluster_profile#lookup).
    type: list
    elements: str
    required: true
  profile:
    description: The profile, as P(vmcpu.profiles.cluster_profile#lookup) returns it.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Write the HTML report of the profile computed in this play
  ansible.builtin.copy:
    content: >-
      {{ profile | vmcpu.profiles.profile_html(lookup('vmcpu.profiles.feature_matrix', *groups['sapphire_hosts'],
                                                      profile=profile)) }}
    dest: profiles/sapphire.html
    mode: "0644"
"""

RETURN = r"""
_raw:
  description:
    - One mapping - C(name) and C(digest) of the profile, C(columns) (each with C(model) and C(hosts)),
      C(rows) (each with C(name), C(location), C(section) - V(lowered), V(raised) or V(fixed) -, C(flag)
      (a one-bit field), C(profile), C(best) and C(values), one per column) and C(left_out) (C(columns)
      and C(hosts) not shown).
  type: list
  elements: dict
"""

from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.feature_matrix import feature_matrix
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.hosts_lookup import HostsLookup
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.schemas import PROFILE, validate


class LookupModule(HostsLookup):

    PLUGIN = 'feature_matrix'

    def answer_name(self):
        validate(self.get_option('profile'), PROFILE, 'the profile given to feature_matrix')
        return self.get_option('profile')['name']

    def answer(self, hosts, name, hostvars):
        return feature_matrix(self.get_option('profile'), hosts)

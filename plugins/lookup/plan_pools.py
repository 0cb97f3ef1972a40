# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: plan_pools
short_description: Split a fleet into migration pools that keep the most features
version_added: 0.2.0
author:
  - vmcpu.profiles developers (@vmcpu)
description:
  - Proposes a split of the hosts given as terms (as for P(vmcpu.profiles.cluster_profile#lookup))
    into migration pools, with the profile of each pool, its x86-64 level and its best QEMU and
    libvirt models.
  - What it optimises - the features kept summed over hosts (every feature weighted by how many
    hosts keep it). Identical hosts always share a pool; hosts of different CPU vendors, or whose
    fields that must be equal differ, never do.
  - How - greedy agglomerative merging of the distinct CPUs, the pair that loses least first (not
    guaranteed optimal). With D distinct CPUs it costs D one-CPU profiles, about D squared feature-set
    intersections and one profile build per pool; C(benchmarks/pool_scale.py) measures it.
options:
  _terms:
    description: The fleet - host names or facts file paths, as for P(vmcpu.profiles.cluster_profile#lookup).
    type: list
    elements: str
    required: true
  name:
    description: Name of the plan; the pools' profiles are named C(<name>-pool1), C(<name>-pool2) ... largest first.
    type: str
    required: true
  pools:
    description: How many pools. Exactly one of O(pools) and O(min_pool_size).
    type: int
  min_pool_size:
    description: Merge until every pool has at least this many hosts.
    type: int
  features:
    description: Toggles of every pool's profile, as for P(vmcpu.profiles.cluster_profile#lookup).
    type: list
    elements: str
    default: []
  policies:
    description: Policy overrides of every pool's profile, as for P(vmcpu.profiles.cluster_profile#lookup).
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Split the fleet into three pools
  ansible.builtin.set_fact:
    plan: "{{ lookup('vmcpu.profiles.plan_pools', *groups['fleet'], name='fleet', pools=3) }}"

- name: The hosts of the first pool
  ansible.builtin.debug:
    msg: "{{ plan.pools[0].hosts }}"
"""

RETURN = r"""
_raw:
  description:
    - One mapping - C(name), C(hosts) and C(distinct_cpus) (how many), C(objective) (C(host_features),
      the host x kept feature pairs, and C(per_host), their average) and C(pools), largest first, each with
      C(name), C(hosts), C(profile) (a profile as P(vmcpu.profiles.cluster_profile#lookup) returns it,
      validated) and C(models) (C(qemu) and C(libvirt), the best model of each that the pool can run, or
      null).
  type: list
  elements: dict
"""

from ansible_collections.vmcpu.profiles.plugins.module_utils.export.named_models import named_models
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.pools import plan_pools
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.hosts_lookup import HostsLookup
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.schemas import PROFILE, validate


class LookupModule(HostsLookup):

    PLUGIN = 'plan_pools'

    def answer(self, hosts, name, hostvars):
        result = plan_pools(hosts, name, pools=self.get_option('pools'), min_pool_size=self.get_option('min_pool_size'),
                            features=self.get_option('features'), policies=self.get_option('policies'))
        for pool in result['pools']:
            validate(pool['profile'], PROFILE, 'profile %s' % pool['name'])
            models = named_models(pool['profile'])
            pool['models'] = {side: models[side].get('best') for side in ('qemu', 'libvirt')}
        return result

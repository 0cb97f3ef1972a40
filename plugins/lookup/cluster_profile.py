# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: cluster_profile
short_description: Compute the cluster-wide CPU profile of a group of hosts
version_added: 0.2.0
author:
  - vmcpu.profiles developers (@vmcpu)
description:
  - Merges the CPU facts of the given hosts into one profile that every one of them can offer a
    guest, so a VM started on any of them can live-migrate to any other.
  - Each CPUID and feature-MSR field merges by its kind (feature flags AND, vulnerability flags OR,
    counts by minimum, sizes must be equal), then the field's policy applies (inherit, static,
    passthrough), features that depend on a dropped feature are dropped too, the XSAVE sizes are
    recomputed, and bits no field describes are zeroed.
  - The profile records which hosts lowered which field (C(explanation)), why each known feature is
    off (C(disabled)), the hosts with their fingerprint digests, and a sha256 C(digest) of its
    canonical content. It is validated against C(schemas/profile.schema.json).
  - The merge is associative and commutative, so the order of the hosts does not matter.
options:
  _terms:
    description:
      - Host names, whose facts are read from C(hostvars[host].ansible_facts.vmcpu) as
        M(vmcpu.profiles.cpu_facts) leaves them (fact caching included), or paths of facts files
        written by C(playbooks/gather.yml) (a term ending in C(.json) or containing a C(/)).
    type: list
    elements: str
    required: true
  name:
    description: Name of the profile; letters, digits, C(.), C(_) and C(-), not starting with a dot.
    type: str
    required: true
  features:
    description:
      - Toggles applied on top of the merge, e.g. C([-avx512f, +rtm]). Our field names or QEMU's.
      - C(-name) disables the feature and everything that depends on it.
      - C(+name) keeps a feature whose default policy is C(static 0); every host must have it.
    type: list
    elements: str
    default: []
  policies:
    description:
      - Policy overrides per field (our names or QEMU's) - V(inherit) (the merge result), V(passthrough)
        (left to the host and VMM, not part of the contract), V(static) or C(static:N) (a fixed value).
      - "For example C({invtsc: inherit}) for a cluster whose VMs pin their TSC frequency."
      - A field may not be both in O(features) and here.
    type: dict
    default: {}
  target_host:
    description:
      - Host whose identity (family, model, stepping, brand string) the profile carries.
      - Default is the weakest host, the one with the fewest feature flags.
    type: str
  min_level:
    description:
      - Refuse a profile below this x86-64 micro-architecture level (x86-64 psABI), naming each
        feature of the level the profile lacks and why - the hosts without it, or the toggle, policy or
        dependency that turned it off. The profile states its level in C(x86_64_level).
      - For example V(x86-64-v2) for guests of RHEL 9, V(x86-64-v3) for guests of RHEL 10.
    type: str
    choices: [x86-64, x86-64-v2, x86-64-v3, x86-64-v4]
  allow_missing:
    description: Leave out hosts that have no facts instead of failing.
    type: bool
    default: false
  partial:
    description:
      - Make a partial profile - one of a slice of the fleet, which also carries its merge inputs
        (C(merge_inputs), each distinct CPU of its hosts once) so that the filter
        P(vmcpu.profiles.merge_profiles#filter) can merge the slices' profiles into exactly the profile
        of the whole fleet.
      - A partial profile is a valid profile of its hosts, only larger.
    type: bool
    default: false
notes:
  - The facts must come from the same collection layout (C(schema_version) 1).
requirements:
  - jsonschema (on the controller)
"""

EXAMPLES = r"""
- name: Profile of the sapphire_hosts group, from the facts gathered in this play
  ansible.builtin.set_fact:
    sapphire_profile: "{{ lookup('vmcpu.profiles.cluster_profile', *groups['sapphire_hosts'], name='sapphire') }}"

- name: Profile from facts files written earlier by playbooks/gather.yml, without AVX-512
  ansible.builtin.set_fact:
    baseline: >-
      {{ lookup('vmcpu.profiles.cluster_profile', *query('ansible.builtin.fileglob', 'facts/*.json'),
                name='fleet', features=['-avx512f']) }}

- name: Why does the profile lack AMX?
  ansible.builtin.debug:
    msg: "{{ baseline.explanation.amx_tile | default(baseline.disabled.amx_tile) }}"
"""

RETURN = r"""
_raw:
  description:
    - One profile (a dict), see C(schemas/profile.schema.json). Main keys - C(cpuid) and C(msrs)
      (value and mask per register; the guest sees C((host & ~mask) | value), registers not listed
      are zero), C(required_msrs), C(features) (kept feature flags), C(fields) (inherited multi-bit
      fields), C(disabled) (feature -> reason), C(explanation) (field -> profile, merged and best
      values and the hosts below the best), C(x86_64_level) (the x86-64 level of the kept features,
      null below the baseline), C(provenance) and C(digest).
  type: list
  elements: dict
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.profile_entry import compute_profile


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        try:
            profile = compute_profile(
                terms, hostvars=(variables or {}).get('hostvars'), name=self.get_option('name'),
                features=self.get_option('features'), target_host=self.get_option('target_host'),
                allow_missing=self.get_option('allow_missing'), policies=self.get_option('policies'),
                min_level=self.get_option('min_level'), partial=self.get_option('partial'))
        except VmcpuError as exc:
            raise AnsibleLookupError('vmcpu.profiles.cluster_profile: %s' % exc) from None
        return [profile]

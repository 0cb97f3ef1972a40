#!/usr/bin/python
# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: cpu_profile_check
short_description: Check whether a host can run guests of a cluster CPU profile
version_added: 0.2.0
description:
  - Compares the CPU of the host with a cluster profile built by the
    P(vmcpu.profiles.cluster_profile#lookup) lookup and says whether the host can offer every guest
    of that profile what the profile promises, so a VM on the profile may live-migrate to it.
  - The profile is verified first - its layout version, its layout (C(schemas/profile.schema.json), checked on
    the managed node without jsonschema) and its sha256 digest. A profile whose
    content no longer matches its digest (edited after generation) is refused.
  - The CPU vendor must match. Every contract field of the profile (kind C(flag), C(bug_flag),
    C(min), C(equal) or C(derived) with the policy C(inherit) after the profile's toggles) is compared
    by its kind - feature flags and XSAVE component bits must be present on the host, vulnerability
    flags (C(bug_flag)) must not be set on the host unless the profile has them, counts must be at
    least the profile's, C(equal) fields (XSAVE component layout) must be the same, and the XSAVE
    area sizes must not exceed the host's.
  - The host is judged by what all of its core types have (a hybrid host offers a guest only the
    features of its weakest cores), in the KVM view when the facts have one.
  - The MSRs the profile requires must be in the host's KVM MSR index list; without a KVM view
    (facts from a dump) this is reported as not possible, not as a failure.
  - Also reports fingerprint drift - what changed in the host's kernel, microcode, BIOS or KVM
    parameters since the profile recorded it, or that the host was not one of the profile's hosts.
  - The module only reads; it never changes the host and never loads kernel modules.
author:
  - vmcpu.profiles developers (@vmcpu)
options:
  profile:
    description:
      - The profile document, as returned by the P(vmcpu.profiles.cluster_profile#lookup) lookup or
        read from a profile file.
      - Mutually exclusive with O(profile_path); one of them is required.
    type: dict
  profile_path:
    description:
      - Path of a profile JSON file on the managed node.
      - Mutually exclusive with O(profile); one of them is required.
    type: path
  facts:
    description:
      - The host's facts as M(vmcpu.profiles.cpu_facts) returns them (C(ansible_facts.vmcpu); a dict
        holding them under the key C(vmcpu) is accepted too), for example from a facts file, so the
        controller can check hosts offline.
      - Validated on the managed node against C(schemas/host_facts.schema.json), and refused when they
        contradict themselves (a vendor, family or model other than their own CPUID says, a leaf listed
        twice); the message names the first problem.
      - Default is to gather the facts of the host now (live, with the KVM view when C(/dev/kvm) can be
        read), or of the dump file O(src).
      - Mutually exclusive with O(src).
    type: dict
  src:
    description:
      - Path of a CPUID dump file on the managed node to describe the host instead of reading it live,
        as the O(vmcpu.profiles.cpu_facts#module:src) option of M(vmcpu.profiles.cpu_facts).
      - A dump has no KVM view, so the required MSRs cannot be checked.
    type: path
  host_name:
    description:
      - Name of the host as the profile records it (C(provenance.hosts[].name)), used for the drift
        report and in messages.
      - Default is the host name of the managed node (C(socket.gethostname())). The role
        C(vmcpu.profiles.migration_gate) passes C(inventory_hostname), which is what profiles built from
        inventory hosts record.
    type: str
  mode:
    description:
      - V(host) checks whether the host can run guests of the profile (it may offer more).
      - V(guest) checks a guest against the profile it runs on (a VM is just another host here, with
        C(cpu_facts) inside it or a dump of its CPUID in O(src)). Every CPUID bit the profile fixes
        must have the profile's value in the guest, zeroed bits included, so identity, leaf ranges and
        physical address width count like feature bits. Excluded by rule are the fields the VMM or the guest's
        OS sets (APIC IDs, topology, caches, the hypervisor bit, OSXSAVE, OSPKE, the XSAVE sizes of what
        the OS enabled). RV(failures) entries then have C(rule) V(exact) and the guest's value in
        C(host_value). Registers the profile does not list are not checked yet.
    type: str
    choices: [host, guest]
    default: host
  fail_on_incompatible:
    description:
      - Fail the task, with the summary as message, when the host is not compatible.
      - By default an incompatible host is reported in RV(compatible) and RV(failures) and the task
        succeeds, so a play can act on the result.
    type: bool
    default: false
notes:
  - Use privilege escalation (C(become)) when the facts are gathered live, to read the KVM view and
    the C(cpuid) device.
  - The controller validates profiles against C(schemas/profile.schema.json); on the managed node
    (no jsonschema) the module checks the keys it reads and the digest.
requirements:
  - Linux on x86 when the facts are gathered live.
seealso:
  - module: vmcpu.profiles.cpu_facts
  - plugin: vmcpu.profiles.cluster_profile
    plugin_type: lookup
attributes:
  check_mode:
    support: full
    description: The module only reads; check mode returns the same result.
  diff_mode:
    support: none
    description: Nothing is changed, so there is no diff.
"""

EXAMPLES = r"""
- name: Check the host against a profile file shipped to it
  vmcpu.profiles.cpu_profile_check:
    profile_path: /etc/vmcpu/profiles/xeon-fleet.json
    host_name: "{{ inventory_hostname }}"
  become: true
  register: compat

- name: Say what is missing
  ansible.builtin.debug:
    msg: "{{ compat.failures | map(attribute='message') | list }}"
  when: not compat.compatible

- name: Stop the play for a host that cannot run the profile
  vmcpu.profiles.cpu_profile_check:
    profile: "{{ lookup('ansible.builtin.file', 'profiles/xeon-fleet.json') | from_json }}"
    host_name: "{{ inventory_hostname }}"
    fail_on_incompatible: true
  become: true

- name: Check facts gathered earlier, on the controller
  vmcpu.profiles.cpu_profile_check:
    profile: "{{ lookup('ansible.builtin.file', 'profiles/xeon-fleet.json') | from_json }}"
    facts: "{{ lookup('ansible.builtin.file', 'facts/' ~ item ~ '.json') | from_json }}"
    host_name: "{{ item }}"
  delegate_to: localhost
  loop: "{{ groups['hypervisors'] }}"

- name: Check that a running VM sees exactly the profile its VMM was given
  vmcpu.profiles.cpu_profile_check:
    profile: "{{ lookup('ansible.builtin.file', 'profiles/xeon-fleet.json') | from_json }}"
    mode: guest
    fail_on_incompatible: true
  become: true
"""

RETURN = r"""
compatible:
  description:
    - Whether the host can run guests of the profile (vendor, every contract field, required MSRs).
    - In mode V(guest), whether the guest sees exactly the profile.
  returned: success
  type: bool
  sample: false
host:
  description: The host name used (O(host_name)).
  returned: success
  type: str
  sample: hv-17
profile:
  description: Name of the profile.
  returned: success
  type: str
  sample: xeon-fleet
profile_digest:
  description: The profile's sha256 digest (verified).
  returned: success
  type: str
  sample: sha256:9f2c0e3b6a1d4c5e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e
host_view:
  description: V(kvm) when the host was judged by what KVM offers a guest, V(raw) for raw CPUID (dumps); null on a vendor mismatch.
  returned: success, in mode V(host)
  type: str
  sample: kvm
vendor:
  description: The profile's and the host's CPU vendor and whether they match (C(profile), C(host), C(ok)).
  returned: success, in mode V(host)
  type: dict
  sample: {"profile": "GenuineIntel", "host": "GenuineIntel", "ok": true}
failures:
  description:
    - One entry per failing field, in field-table order. On a vendor mismatch, one entry with C(field) V(vendor).
    - C(field) is the field name (V(xsave_component_size[5]) for a sub-leaf of a ranged field),
      C(location) where it lives (V(CPUID.(0x7,0\).EBX[16]), V(MSR 0x10a[19])), C(rule) the comparison
      (V(flag), V(bug_flag), V(min), V(equal), V(derived)), C(profile_value) and C(host_value) the field's
      values, and C(message) one sentence.
  returned: success
  type: list
  elements: dict
  sample:
    - field: avx512f
      location: CPUID.(0x7,0).EBX[16]
      rule: flag
      profile_value: 1
      host_value: 0
      message: host lacks avx512f, which the profile offers to guests
missing_msrs:
  description: Required MSRs of the profile that are not in the host's KVM MSR index list (hex strings).
  returned: success, in mode V(host)
  type: list
  elements: str
  sample: ["0x0000010a"]
msr_check:
  description:
    - "V(ok) or V(failed) (see RV(missing_msrs)); V(not possible: no KVM view) when the facts have no
      KVM view (dumps), V(not required: the profile has no KVM MSR list) when the profile was built
      without one, V(not checked: the CPU vendor differs) on a vendor mismatch."
  returned: success, in mode V(host)
  type: str
  sample: ok
checked_fields:
  description: How many contract fields (per sub-leaf) were compared; 0 on a vendor mismatch.
  returned: success, in mode V(host)
  type: int
  sample: 1151
drift:
  description:
    - Fingerprint drift since the profile recorded the host. C(status) is V(none), V(changed) or
      V(not_in_profile); C(changes) maps what changed (V(kernel), V(microcode), V(bios_version),
      V(bios_date), V(kvm_parameters.NAME), or V(fingerprint_digest) when only the vulnerability
      status or the collection version changed) to its C(profile) and C(host) values.
  returned: success, in mode V(host)
  type: dict
  sample: {"status": "changed", "changes": {"microcode": {"profile": "0x2b000571", "host": "0x2b000603"}}}
mode:
  description: The mode of the check (O(mode)).
  returned: success
  type: str
  sample: host
checked_bits:
  description: How many CPUID bits the guest was compared on (fixed by the profile, not excluded by rule).
  returned: success, in mode V(guest)
  type: int
  sample: 1441
summary:
  description: One line for people; also the failure message with O(fail_on_incompatible=true).
  returned: always
  type: str
  sample: "host hv-17 is NOT compatible with profile xeon-fleet (1 field(s) fail: avx512f; fingerprint unchanged since the profile was made)."
"""

import socket

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vmcpu.profiles.plugins.module_utils.check.guest_check import check_guest
from ansible_collections.vmcpu.profiles.plugins.module_utils.check.host_check import check_host
from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.facts_check import check_facts
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.host_facts import gather_facts
from ansible_collections.vmcpu.profiles.plugins.module_utils.json_file import read_json_file
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.host_view import check_facts_version, unwrap_facts


def main():
    module = AnsibleModule(
        argument_spec=dict(
            profile=dict(type='dict'),
            profile_path=dict(type='path'),
            facts=dict(type='dict'),
            src=dict(type='path'),
            host_name=dict(type='str'),
            mode=dict(type='str', choices=['host', 'guest'], default='host'),
            fail_on_incompatible=dict(type='bool', default=False),
        ),
        mutually_exclusive=[('profile', 'profile_path'), ('facts', 'src')],
        required_one_of=[('profile', 'profile_path')],
        supports_check_mode=True,
    )
    params = module.params
    host_name = params['host_name'] or socket.gethostname()
    try:
        profile = params['profile']
        if profile is None:
            profile = read_json_file(params['profile_path'], 'profile file', 'give an existing path on this host')
        if params['facts'] is not None:
            facts = unwrap_facts(params['facts'])
            check_facts_version(host_name, facts)
            check_facts(facts, 'the facts of host %s (option facts)' % host_name)
        else:
            facts = gather_facts(src=params['src'], kvm='auto')
        if params['mode'] == 'guest':
            result = check_guest(profile, facts, host_name)
        else:
            result = check_host(profile, facts, host_name)
        result['mode'] = params['mode']
    except VmcpuError as exc:
        module.fail_json(msg=str(exc))
    if params['fail_on_incompatible'] and not result['compatible']:
        module.fail_json(msg=result['summary'], changed=False, **result)
    module.exit_json(changed=False, **result)


if __name__ == '__main__':
    main()

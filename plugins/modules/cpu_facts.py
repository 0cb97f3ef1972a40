#!/usr/bin/python
# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: cpu_facts
short_description: Gather the CPUID, KVM and firmware facts that decide live-migration compatibility
version_added: 0.2.0
description:
  - Reads raw CPUID of every logical CPU of the host, what KVM can offer a guest
    (C(KVM_GET_SUPPORTED_CPUID)), the KVM MSR index and feature-MSR lists with the feature MSR values,
    and a fingerprint of the host's kernel, microcode, BIOS and KVM settings.
  - Logical CPUs whose CPUID is identical once per-CPU fields (APIC IDs, node and core IDs) are
    masked form one group; a hybrid host (performance and efficiency cores) reports one group per
    core type with its CPU numbers. No CPU is silently left out.
  - With O(src), describes the host from a dump file on the managed node instead (raw output of the
    C(cpuid -r) tool, libvirt cputestdata XML, AIDA64 text or full report, or libcpuid raw data,
    detected from the content), so
    unreachable or future hosts can take part in a cluster profile.
  - The facts are returned under C(ansible_facts.vmcpu), so fact caching keeps them. Their layout is
    versioned (RV(ansible_facts.vmcpu.schema_version)) and described by the JSON Schema
    C(schemas/host_facts.schema.json) shipped in the collection.
  - The time of the gathering is the separate fact RV(ansible_facts.vmcpu_gathered_at), outside the facts
    document, so that facts files and profiles of an unchanged host stay byte for byte the same while
    the fact cache can still tell how old a host's facts are (C(playbooks/gather.yml) with
    C(vmcpu_facts_max_age)).
  - The module only reads; it never changes the host, except loading the C(cpuid) kernel module when
    O(load_module=true) and the device is missing.
author:
  - vmcpu.profiles developers (@vmcpu)
options:
  src:
    description:
      - Path of a CPUID dump file on the managed node to import instead of reading the live host.
      - Accepted formats, detected from the content, not the name - the raw output of C(cpuid -r)
        (all CPUs or C(-1)), libvirt C(tests/cputestdata) XML, AIDA64 CPUID text and AIDA64 full reports
        (as InstLatx64 publishes them, in every variant of its CPUID files - sections, CPUs headed by one
        line, or no header; their feature MSRs are read too), and libcpuid's raw data
        (C(basic_cpuid[N]=...)).
      - A dump that tells how many logical CPUs there are (AIDA64's All CPUs list, or else the topology
        leaf 0x1F/0xB of an AIDA64 dump) must hold them all; a missing CPU is refused naming it, and so is a
        CPU the list does not name. A raw C(cpuid -r) dump cannot tell a CPU cut off from one that was
        offline (SMT off, C(maxcpus=)), so it is taken as it is, with a warning naming the CPUs its
        topology leaf counts but the dump lacks.
      - The collection's playbooks pass the host variable C(cpu_facts_src) here.
    type: path
  method:
    description:
      - How live CPUID is read.
      - V(devcpu) uses C(/dev/cpu/N/cpuid) (needs root and the C(cpuid) kernel module).
      - V(instruction) executes CPUID in-process, pinned to each CPU in turn (no privilege needed,
        x86_64 only).
      - V(auto) uses V(devcpu) and falls back to V(instruction), recording why in
        RV(ansible_facts.vmcpu.cpuid_method).
    type: str
    choices: [auto, devcpu, instruction]
    default: auto
  kvm:
    description:
      - Whether the KVM view is read from C(/dev/kvm).
      - V(auto) reads it and, when that is impossible, reports the reason in the C(error) key of
        RV(ansible_facts.vmcpu.kvm) without failing.
      - V(required) fails when the KVM view cannot be read.
      - V(skip) does not open C(/dev/kvm).
    type: str
    choices: [auto, required, skip]
    default: auto
  load_module:
    description:
      - Load the C(cpuid) kernel module with C(modprobe) when C(/dev/cpu/0/cpuid) is missing.
    type: bool
    default: true
notes:
  - Use privilege escalation (C(become)) for the C(devcpu) method, and for C(/dev/kvm) unless the
    remote user is in the C(kvm) group.
  - On CPUs with AMX the module asks the kernel for guest AMX permission before reading the KVM
    view; without it KVM hides the AMX tile state from the supported CPUID.
requirements:
  - Linux on x86 (x86_64 for O(method=instruction)).
attributes:
  check_mode:
    support: full
    description: The module only reads; check mode gathers the same facts.
  diff_mode:
    support: none
    description: Nothing is changed, so there is no diff.
  facts:
    support: full
    description: Everything is returned under C(ansible_facts.vmcpu), and the time under C(ansible_facts.vmcpu_gathered_at).
"""

EXAMPLES = r"""
- name: Gather CPU facts of the host (live)
  vmcpu.profiles.cpu_facts:
  become: true

- name: Describe a host from a dump taken earlier with `cpuid -r > /var/tmp/host.cpuid`
  vmcpu.profiles.cpu_facts:
    src: /var/tmp/host.cpuid

- name: Fail unless the KVM view is available
  vmcpu.profiles.cpu_facts:
    kvm: required
  become: true

- name: Show the core types of a hybrid host
  ansible.builtin.debug:
    msg: "{{ ansible_facts.vmcpu.raw_cpuid.groups | map(attribute='core_type') | list }}"
"""

RETURN = r"""
summary:
  description: One line for people - vendor, model, core types, KVM, CPUID leaves and feature MSRs.
  returned: always
  type: str
  sample: "AuthenticAMD family 0x19 model 0x1 (AMD EPYC), 2 logical CPUs in 1 group; KVM yes; 64 CPUID leaves; 22 feature MSRs"
ansible_facts:
  description: Facts added to the host.
  returned: always
  type: complex
  contains:
    vmcpu_gathered_at:
      description: When the facts were read, UTC, in ISO 8601 (seconds).
      returned: always
      type: str
      sample: "2026-12-02T21:30:00Z"
    vmcpu:
      description: The host facts document; see C(schemas/host_facts.schema.json) for every key.
      returned: always
      type: complex
      contains:
        schema_version:
          description: Version of the layout of this document.
          type: int
          sample: 1
        collection_version:
          description: Version of vmcpu.profiles that gathered the facts.
          type: str
          sample: 0.1.0
        source:
          description: V(live), or C(FORMAT:PATH) of the imported dump.
          type: str
          sample: live
        cpuid_method:
          description: How raw CPUID was read (V(devcpu), V(instruction) with the reason, or the dump format).
          type: str
          sample: devcpu
        vendor:
          description: CPU vendor string from CPUID leaf 0.
          type: str
          sample: GenuineIntel
        family:
          description: Display family (base plus extended family).
          type: int
          sample: 6
        model:
          description: Display model (base plus extended model).
          type: int
          sample: 143
        stepping:
          description: Stepping.
          type: int
          sample: 8
        brand:
          description: Processor brand string, or null when the CPU has none.
          type: str
          sample: Intel(R) Xeon(R) Bronze 3408U
        logical_cpus:
          description: Number of logical CPUs read.
          type: int
          sample: 16
        hybrid:
          description: Whether the host has more than one core type.
          type: bool
          sample: false
        raw_cpuid:
          description:
            - Raw CPUID grouped by identical values. C(groups) is a list of C(cpus) (logical CPU
              numbers), C(core_type) (V(performance), V(efficiency) or null) and C(cpuid) (list of
              entries with hex strings C(leaf), C(subleaf), C(eax), C(ebx), C(ecx), C(edx)).
            - C(per_cpu_masks) lists the bits zeroed before comparing CPUs (and in the stored values).
          type: dict
        dump_msrs:
          description: Feature MSR values recorded by a dump file (hex index to hex value); empty for live hosts.
          type: dict
          sample: {"0x0000010a": "0x000000000c0cf8ff"}
        kvm:
          description:
            - The KVM view. C(available) says whether it was read, C(error) why not.
            - When available - C(api_version), C(supported_cpuid) (entries as in C(raw_cpuid) plus
              C(flags)), C(msr_index_list), C(feature_msrs) (index to value) and
              C(amx_guest_permission).
          type: dict
        guest_view:
          description: V(kvm) when the KVM view is available and is what a guest can get, else V(raw).
          type: str
          sample: kvm
        fingerprint:
          description:
            - Kernel release, microcode revision, BIOS vendor/version/date, the KVM module
              parameters that change guest CPUID, the CPU vulnerability status, the collection
              version, and C(digest), a sha256 of all of it.
          type: dict
"""

import datetime

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.host_facts import facts_summary, gather_facts


def _modprobe_runner(module):
    """``run_command`` for loading the cpuid module, or None when loading is not allowed."""
    if not module.params['load_module']:
        return None
    modprobe = module.get_bin_path('modprobe', opt_dirs=['/sbin', '/usr/sbin'])
    if modprobe is None:
        return lambda argv: (127, '', 'modprobe is not installed')
    return lambda argv: module.run_command([modprobe] + argv[1:])


def main():
    module = AnsibleModule(
        argument_spec=dict(
            src=dict(type='path'),
            method=dict(type='str', default='auto', choices=['auto', 'devcpu', 'instruction']),
            kvm=dict(type='str', default='auto', choices=['auto', 'required', 'skip']),
            load_module=dict(type='bool', default=True),
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        facts = gather_facts(src=params['src'], method=params['method'], kvm=params['kvm'],
                             run_command=_modprobe_runner(module), warn=module.warn)
    except VmcpuError as exc:
        module.fail_json(msg=str(exc))
    gathered_at = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
    module.exit_json(changed=False, summary=facts_summary(facts),
                     ansible_facts={'vmcpu': facts, 'vmcpu_gathered_at': gathered_at})


if __name__ == '__main__':
    main()

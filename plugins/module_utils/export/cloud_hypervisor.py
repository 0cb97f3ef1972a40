# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Export a profile as cloud-hypervisor CPU profile data (design notes section 6).

cloud-hypervisor reads two files per CPU profile:

``NAME.cpuid.json``::

    {"cpu_vendor": "Intel", "hypervisor": "Kvm",
     "adjustments": [[{"leaf": "0x7", "sub_leaf": {"start": "0x0", "end": "0x0"}, "register": "EBX"},
                      {"replacements": "0x...", "mask": "0x..."}], ...]}

``NAME.msr.json`` (key names and hex widths as in cloud-hypervisor's own ``sapphire-rapids.msr.json``)::

    {"cpu_vendor": "Intel", "hypervisor_type": "Kvm",
     "adjustments": [["0x10a", {"mask": "0x<16 hex>", "replacements": "0x<16 hex>"}], ...],
     "permitted_msrs": ["0x10", ...]}

How the VMM applies them, and what that means for the export:

- Every entry of KVM's supported CPUID gets, per register, the first adjustment whose leaf, sub-leaf
  range and register match: ``(host & mask) | replacements``. A register no adjustment covers is
  zeroed. That is exactly our rule "registers a profile does not list are zero", so the export is one
  adjustment per listed register and nothing else; registers the profile leaves out need no entry.
- The mask is the inverse of ours: our mask bit 1 means "fixed by the profile", cloud-hypervisor's
  mask bit 1 means "keep the host's bit". So ``mask = ~our_mask & 0xffffffff`` and
  ``replacements = value``. A listed register whose value is 0 is still written: its passthrough bits
  (our mask 0, e.g. APIC IDs and topology owned by the VMM) must be kept from the host, which needs an
  adjustment; without one the VMM would zero them.
- Sub-leaf ranges: each adjustment covers exactly the sub-leaf the profile lists (start = end). A
  wider range would also adjust sub-leaves the profile does not list, which must stay zero; KVM
  reports leaves without a significant index as sub-leaf 0, which is what the profile lists for them.
  Single-sub-leaf adjustments are also the only ones cloud-hypervisor's AMX switch (``amx=off``)
  rewrites.
- An adjustment with non-zero replacements whose (leaf, sub-leaf) KVM does not report makes
  cloud-hypervisor refuse the profile ("Required CPUID entries not found"): such a host cannot offer it.
- MSRs: cloud-hypervisor sets each adjusted feature MSR to ``(host & mask) | replacements`` (the same
  inversion) and denies, through an MSR filter, every MSR the host's KVM lists that is not in
  ``permitted_msrs``; it refuses to start when a permitted MSR is missing on the host. The design notes
  call that list ``required_msrs``; the key cloud-hypervisor reads is ``permitted_msrs``, so the file
  uses that name. It is the profile's ``required_msrs`` (MSRs every host's KVM lists) plus the adjusted
  feature MSRs. A profile made without any KVM view (``msr_index_known: false``, e.g. from dumps) has no
  such list, and an allow-list of only the feature MSRs would deny every other MSR to the guest, so
  then no MSR file is produced (``msr`` is ``None``).
- MSRs the profile does not list are not adjusted: cloud-hypervisor keeps KVM's value for them.
- Physical address width: cloud-hypervisor writes CPUID.0x8000_0008.EAX[7:0] (and [23:16]) itself,
  after the profile's adjustments, as the smaller of the host's width and ``--cpus max_phys_bits=N``
  (default 46; ``required_common_cpuid_updates`` in its ``arch/src/x86_64/mod.rs``), so the profile's
  value there never reaches the guest. The export states what the VM needs instead: ``cpus`` is the
  ``--cpus`` option ``max_phys_bits=N`` with the profile's width (the host check makes sure every host
  has at least N bits).
- ``cpu_vendor``/``hypervisor``/``hypervisor_type`` are the fields of cloud-hypervisor's profile data
  of the same generation as the MSR example; readers that do not know them ignore them.

Only ``GenuineIntel`` and ``AuthenticAMD`` profiles for KVM can be expressed; anything else raises
``VmcpuError``. The profile is expected to be schema-valid (the filters validate it first).
"""

from ansible_collections.vmcpu.profiles.plugins.module_utils.export.common import check_exportable, phys_addr_bits
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.registers import (
    MASK32, MASK64, profile_cpuid, profile_msrs,
)

# Profile vendor string -> cloud-hypervisor's CpuVendor name.
CH_VENDORS = {'GenuineIntel': 'Intel', 'AuthenticAMD': 'AMD'}


def apply_cloud_hypervisor(adjustment, host):
    """What cloud-hypervisor makes of ``host`` with one ``{replacements, mask}`` adjustment."""
    return (host & int(adjustment['mask'], 16)) | int(adjustment['replacements'], 16)


def to_cloud_hypervisor(profile):
    """``{'cpuid': NAME.cpuid.json content, 'msr': NAME.msr.json content or None, 'cpus': the --cpus
    option the VM needs ('max_phys_bits=N') or None}`` (see the module doc)."""
    check_exportable(profile, 'cloud-hypervisor', CH_VENDORS)
    vendor = CH_VENDORS[profile['vendor']]
    adjustments = []
    for (leaf, subleaf, register), (value, mask) in profile_cpuid(profile).items():
        adjustments.append([
            {'leaf': '0x%x' % leaf, 'sub_leaf': {'start': '0x%x' % subleaf, 'end': '0x%x' % subleaf},
             'register': register.upper()},
            {'replacements': '0x%08x' % value, 'mask': '0x%08x' % (~mask & MASK32)},
        ])
    cpuid = {'cpu_vendor': vendor, 'hypervisor': 'Kvm', 'adjustments': adjustments}
    msr = None
    if profile.get('msr_index_known'):
        msrs = profile_msrs(profile)
        permitted = set(msrs)
        permitted.update(int(index, 16) for index in profile.get('required_msrs') or ())
        msr = {
            'cpu_vendor': vendor,
            'hypervisor_type': 'Kvm',
            'adjustments': [['0x%x' % index, {'mask': '0x%016x' % (~mask & MASK64), 'replacements': '0x%016x' % value}]
                            for index, (value, mask) in msrs.items()],
            'permitted_msrs': ['0x%x' % index for index in sorted(permitted)],
        }
    phys_bits = phys_addr_bits(profile)
    return {'cpuid': cpuid, 'msr': msr, 'cpus': 'max_phys_bits=%d' % phys_bits if phys_bits else None}

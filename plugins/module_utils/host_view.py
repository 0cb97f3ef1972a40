# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The guest-visible view of one host, as register values keyed like the field table.

Design notes section 2: the view is what KVM can give a guest (``KVM_GET_SUPPORTED_CPUID`` and the
KVM feature MSRs) when the facts have it; otherwise the raw CPUID, met across the host's CPU groups
(a hybrid host offers a VM only what all its core types have), flagged as ``raw``.
"""

from dataclasses import dataclass
from typing import Dict, FrozenSet, Optional, Tuple

from ansible_collections.vmcpu.profiles.plugins.module_utils.cpuid_dump import REGISTER_NAMES, parse_entry
from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.field_model import VENDOR_IDS

FACTS_SCHEMA_VERSION = 1

# ('cpuid', leaf, subleaf, 'ebx') or ('msr', index, 0, '')
RegisterKey = Tuple[str, int, int, str]

# KVM_CPUID_FLAG_SIGNIFCANT_INDEX (linux/kvm.h): the entry is valid for its sub-leaf only.
KVM_SIGNIFICANT_INDEX = 1


@dataclass
class HostView:
    """One host as the profile engine sees it."""

    name: str
    vendor: str                         # 'intel' or 'amd'
    view: str                           # 'kvm' or 'raw'
    groups: Tuple[Dict[RegisterKey, int], ...]   # one register map per CPU group (one for KVM)
    msr_index: Optional[FrozenSet[int]]  # KVM MSR index list; None when unknown (dumps)
    fingerprint_digest: str
    source: str


def _cpuid_registers(entries, with_flags):
    """``{('cpuid', leaf, subleaf, reg): value}``; KVM entries whose sub-leaf is insignificant are
    valid for every sub-leaf, so they are recorded as sub-leaf 0, which is where lookups start."""
    registers = {}
    for entry in entries:
        (leaf, subleaf), values = parse_entry(entry)
        if with_flags and not entry['flags'] & KVM_SIGNIFICANT_INDEX:
            subleaf = 0
        for name, value in zip(REGISTER_NAMES, values):
            if value:
                registers[('cpuid', leaf, subleaf, name)] = value
    return registers


def _msr_registers(values):
    return {('msr', int(index, 16), 0, ''): int(value, 16) for index, value in values.items()
            if int(value, 16)}


def _joined(cpuid_registers, msr_registers):
    joined = dict(cpuid_registers)
    joined.update(msr_registers)
    return joined


def check_facts_version(name, facts):
    """Refuse facts that are not a mapping or not of the layout this collection reads."""
    if not isinstance(facts, dict):
        raise VmcpuError('host %s: facts are not a mapping (got %s); gather them with '
                         'vmcpu.profiles.cpu_facts.' % (name, type(facts).__name__))
    version = facts.get('schema_version')
    if version != FACTS_SCHEMA_VERSION:
        raise VmcpuError('host %s: facts have schema_version %r, this collection reads version %d; '
                         'gather the host again with this version of vmcpu.profiles.'
                         % (name, version, FACTS_SCHEMA_VERSION))


def host_view(name, facts):
    """Build the ``HostView`` of host ``name`` from its facts; bad facts raise naming the host."""
    check_facts_version(name, facts)
    vendor = VENDOR_IDS.get(facts.get('vendor'))
    if vendor is None:
        raise VmcpuError('host %s: CPU vendor %r has no field table (supported: %s).'
                         % (name, facts.get('vendor'), ', '.join(sorted(VENDOR_IDS))))
    try:
        kvm = facts['kvm']
        if kvm.get('available'):
            groups = (_joined(_cpuid_registers(kvm['supported_cpuid'], True),
                              _msr_registers(kvm['feature_msrs'])),)
            msr_index = frozenset(int(index, 16) for index in kvm['msr_index_list'])
            view = 'kvm'
        else:
            msrs = _msr_registers(facts['dump_msrs'])
            groups = tuple(_joined(_cpuid_registers(group['cpuid'], False), msrs)
                           for group in facts['raw_cpuid']['groups'])
            msr_index = None
            view = 'raw'
        digest = facts['fingerprint']['digest']
    except (KeyError, TypeError, ValueError) as exc:
        raise VmcpuError('host %s: facts are incomplete or malformed (%s: %s); gather the host again.'
                         % (name, type(exc).__name__, exc))
    return HostView(name=name, vendor=vendor, view=view, groups=groups, msr_index=msr_index,
                    fingerprint_digest=digest, source=facts.get('source', 'unknown'))

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The guest-visible view of one host, as register values keyed like the field table.

Design notes section 2: the view is what KVM can give a guest (``KVM_GET_SUPPORTED_CPUID`` and the
KVM feature MSRs) when the facts have it; otherwise the raw CPUID, met across the host's CPU groups
(a hybrid host offers a VM only what all its core types have), flagged as ``raw``.
"""

from dataclasses import dataclass
from functools import cached_property
from typing import Dict, FrozenSet, Optional, Tuple

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_dump import parse_entry
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.entry_table import EntryTable, model_of
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.fingerprint import fingerprint_summary
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.index import field_index
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.levels import leaves_level
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import VENDOR_IDS, vendor_refusal

FACTS_SCHEMA_VERSION = 1

# ('cpuid', leaf, subleaf, 'ebx') or ('msr', index, 0, '')
RegisterKey = Tuple[str, int, int, str]


@dataclass
class HostView:
    """One host as the profile engine sees it."""

    name: str
    vendor: str                         # 'intel' or 'amd'
    view: str                           # 'kvm' or 'raw'
    entries: Tuple[Tuple[int, ...], ...]  # the entry numbers of each CPU group (one group for KVM)
    table: 'EntryTable'                 # what the entry numbers stand for
    msr_index: Optional[FrozenSet[int]]  # KVM MSR index list; None when unknown (dumps)
    fingerprint_digest: str
    fingerprint: dict                   # fingerprint_summary() of the facts' fingerprint
    source: str

    @cached_property
    def groups(self) -> Tuple[Dict[RegisterKey, int], ...]:
        """One register map per CPU group."""
        return tuple(map(self.table.registers, self.entries))


def unwrap_facts(facts):
    """The facts document; a whole ``ansible_facts`` dict holding it under ``vmcpu`` is unwrapped."""
    if isinstance(facts, dict) and 'vmcpu' in facts and 'schema_version' not in facts:
        return facts['vmcpu']
    return facts


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


def host_view(name, facts, table=None):
    """Build the ``HostView`` of host ``name`` from its facts; bad facts raise naming the host.

    ``table`` (an ``EntryTable`` kept by the caller across hosts) shares the parsing of the entries
    hosts have in common."""
    table = EntryTable() if table is None else table
    check_facts_version(name, facts)
    vendor = VENDOR_IDS.get(facts.get('vendor'))
    if vendor is None:
        raise VmcpuError('host %s: CPU vendor %r cannot be profiled: %s.'
                         % (name, facts.get('vendor'), vendor_refusal(facts.get('vendor'))))
    try:
        model = model_of(facts)
        kvm = facts['kvm']
        if kvm.get('available'):
            entries = (table.cpuid(kvm['supported_cpuid'], True, model).numbers + table.msrs(kvm['feature_msrs']),)
            msr_index = table.msr_index(kvm['msr_index_list'])
            view = 'kvm'
        else:
            msrs = table.msrs(facts['dump_msrs'])
            entries = tuple(table.cpuid(group['cpuid'], False, model).numbers + msrs for group in facts['raw_cpuid']['groups'])
            msr_index = None
            view = 'raw'
        digest = facts['fingerprint']['digest']
        fingerprint = fingerprint_summary(facts['fingerprint'])
    except (KeyError, TypeError, ValueError) as exc:
        raise VmcpuError('host %s: facts are incomplete or malformed (%s: %s); gather the host again.'
                         % (name, type(exc).__name__, exc))
    return HostView(name=name, vendor=vendor, view=view, entries=entries, table=table, msr_index=msr_index,
                    fingerprint_digest=digest, fingerprint=fingerprint, source=facts.get('source', 'unknown'))


def facts_level(facts):
    """The x86-64 level a guest of this host can get (``fields.levels``): of the KVM view when there is
    one, else of the CPU groups together; None below the baseline or for a vendor without a table.
    Worked out on the controller: the facts stage, which runs on the managed node, knows no fields."""
    vendor = VENDOR_IDS.get(facts['vendor'])
    if vendor is None:
        return None
    if facts['kvm'].get('available'):
        leaf_sets = [facts['kvm']['supported_cpuid']]
    else:
        leaf_sets = [group['cpuid'] for group in facts['raw_cpuid']['groups']]
    return leaves_level(field_index(vendor), [dict(map(parse_entry, entries)) for entries in leaf_sets])

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The guest-visible view of one host, as register values keyed like the field table.

Design notes section 2: the view is what KVM can give a guest (``KVM_GET_SUPPORTED_CPUID`` and the
KVM feature MSRs) when the facts have it; otherwise the raw CPUID, met across the host's CPU groups
(a hybrid host offers a VM only what all its core types have), flagged as ``raw``.
"""

import itertools
from dataclasses import dataclass
from operator import itemgetter
from typing import Dict, FrozenSet, Optional, Tuple

from ansible_collections.vmcpu.profiles.plugins.module_utils.cpuid_dump import REGISTER_NAMES
from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.field_model import VENDOR_IDS
from ansible_collections.vmcpu.profiles.plugins.module_utils.fingerprint import fingerprint_summary

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
    fingerprint: dict                   # fingerprint_summary() of the facts' fingerprint
    source: str


_ENTRY_CONTENT = itemgetter('leaf', 'subleaf', 'eax', 'ebx', 'ecx', 'edx')
_KVM_ENTRY_CONTENT = itemgetter('leaf', 'subleaf', 'flags', 'eax', 'ebx', 'ecx', 'edx')


def _parse_content(content, with_flags):
    """``[(register key, value)]`` of one entry given as ``_ENTRY_CONTENT``/``_KVM_ENTRY_CONTENT``."""
    leaf, subleaf = int(content[0], 16), int(content[1], 16)
    if with_flags:
        if not content[2] & KVM_SIGNIFICANT_INDEX:
            subleaf = 0
        content = content[:2] + content[3:]
    return [(('cpuid', leaf, subleaf, name), int(text, 16))
            for name, text in zip(REGISTER_NAMES, content[2:]) if int(text, 16)]


def _group_registers(entries, msr_values, with_flags, cache):
    """``{('cpuid', leaf, subleaf, reg) or ('msr', index, 0, ''): value}`` of one CPU group.

    KVM entries whose sub-leaf is insignificant are valid for every sub-leaf, so they are recorded
    as sub-leaf 0, which is where lookups start. Hosts of one model have identical entries:
    ``cache`` maps the content to the parsed result, so a large fleet parses each distinct CPU once
    (callers must not modify the result)."""
    contents = tuple(map(_KVM_ENTRY_CONTENT if with_flags else _ENTRY_CONTENT, entries))
    signature = (contents, tuple(sorted(msr_values.items())))
    registers = cache.get(signature)
    if registers is not None:
        return registers
    # Distinct hosts of one model still share most entries: parse each distinct entry once too.
    parsed = list(map(cache.get, contents))
    if None in parsed:
        for position, content in enumerate(contents):
            if parsed[position] is None:
                parsed[position] = cache[content] = _parse_content(content, with_flags)
    # A later entry of the same register wins, as with one dict.update per entry.
    registers = dict(itertools.chain.from_iterable(parsed))
    for index, value in msr_values.items():
        if int(value, 16):
            registers[('msr', int(index, 16), 0, '')] = int(value, 16)
    cache[signature] = registers
    return registers


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


def host_view(name, facts, cache=None):
    """Build the ``HostView`` of host ``name`` from its facts; bad facts raise naming the host.

    ``cache`` (a dict kept by the caller across hosts) shares the parsing of identical CPUs."""
    cache = {} if cache is None else cache
    check_facts_version(name, facts)
    vendor = VENDOR_IDS.get(facts.get('vendor'))
    if vendor is None:
        raise VmcpuError('host %s: CPU vendor %r has no field table (supported: %s).'
                         % (name, facts.get('vendor'), ', '.join(sorted(VENDOR_IDS))))
    try:
        kvm = facts['kvm']
        if kvm.get('available'):
            groups = (_group_registers(kvm['supported_cpuid'], kvm['feature_msrs'], True, cache),)
            index_list = tuple(kvm['msr_index_list'])
            if index_list not in cache:
                cache[index_list] = frozenset(int(index, 16) for index in index_list)
            msr_index = cache[index_list]
            view = 'kvm'
        else:
            groups = tuple(_group_registers(group['cpuid'], facts['dump_msrs'], False, cache)
                           for group in facts['raw_cpuid']['groups'])
            msr_index = None
            view = 'raw'
        digest = facts['fingerprint']['digest']
        fingerprint = fingerprint_summary(facts['fingerprint'])
    except (KeyError, TypeError, ValueError) as exc:
        raise VmcpuError('host %s: facts are incomplete or malformed (%s: %s); gather the host again.'
                         % (name, type(exc).__name__, exc))
    return HostView(name=name, vendor=vendor, view=view, groups=groups, msr_index=msr_index,
                    fingerprint_digest=digest, fingerprint=fingerprint, source=facts.get('source', 'unknown'))

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a facts document given to the collection can be trusted: it matches the facts schema
(checked without jsonschema, as on a managed node) and agrees with itself, its derived fields being
what its own CPUID says, as ``host_facts.build_host_facts`` derives them.
Standard library only (cpu_profile_check runs it on the managed node).
"""

import collections
import functools

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_dump import SLOT_TEXT, format_entry, parse_entry_text
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.entry_table import EntryTable, model_of
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.host_facts import IDENTITY_KEYS, IDENTITY_LEAVES, core_type, identity
from ansible_collections.vmcpu.profiles.plugins.module_utils.schemas.validator import validate_document

HOST_FACTS_SCHEMA = 'host_facts.schema.json'


def check_facts(facts, what):
    """Refuse a facts document that does not match the facts schema (checked without jsonschema, as on
    a managed node) or that contradicts itself (``check_facts_consistent``)."""
    validate_document(facts, HOST_FACTS_SCHEMA, what)
    check_facts_consistent(facts, what)


def check_facts_consistent(facts, what, table=None):
    """Refuse schema-valid facts that contradict themselves: the derived fields (vendor, family, model,
    stepping, brand, core types, CPU counts, guest view) must be what its own CPUID says, as
    ``build_host_facts`` derives them, and no leaf may appear twice in a group or in the KVM view.
    ``what`` names the document in the message. ``table`` (an ``EntryTable`` kept across the hosts
    of a fleet) shares the reading of the entries hosts have in common."""
    table = EntryTable() if table is None else table
    model = model_of(facts)
    groups = facts['raw_cpuid']['groups']
    of_groups = [_identity_of(table, table.cpuid(group['cpuid'], False, model), what, 'raw_cpuid.groups[%d].cpuid', index)
                 for index, group in enumerate(groups)]
    kvm_entries = facts['kvm'].get('supported_cpuid')
    of_kvm = (_identity_of(table, table.cpuid(kvm_entries, True, model), what, 'kvm.supported_cpuid', None)
              if kvm_entries else _parsed_identity(()))
    first = of_groups[0]
    if first.identity is None:
        identity(first.leaves, what)  # raises, naming the document: the group has no leaf 0
    cpus = [cpu for group in groups for cpu in group['cpus']]
    derived = first.identity + (len(cpus), len({group.core_type for group in of_groups}) > 1,
                                'kvm' if facts['kvm']['available'] else 'raw')
    stated = tuple(map(facts.__getitem__, _DERIVED_KEYS))
    if stated != derived:
        key, value, wanted = next(item for item in zip(_DERIVED_KEYS, stated, derived) if item[1] != item[2])
        raise VmcpuError('%s: the document contradicts itself: %s is %r, but its CPUID says %r; gather the '
                         'host again with vmcpu.profiles.cpu_facts instead of editing facts.'
                         % (what, key, value, wanted))
    # A profile of the KVM view applies the field table of the facts' vendor to that view's registers.
    if of_kvm.identity is not None and of_kvm.identity[0] != facts['vendor']:
        raise VmcpuError('%s: the document contradicts itself: vendor is %r, but kvm.supported_cpuid says %r; gather '
                         'the host again with vmcpu.profiles.cpu_facts instead of editing facts.'
                         % (what, facts['vendor'], of_kvm.identity[0]))
    if len(set(cpus)) != len(cpus):
        raise VmcpuError('%s: the document contradicts itself: a logical CPU is in two groups of '
                         'raw_cpuid.groups.' % what)
    for index, (group, derived_group) in enumerate(zip(groups, of_groups)):
        if group['core_type'] != derived_group.core_type:
            raise VmcpuError('%s: the document contradicts itself: raw_cpuid.groups[%d].core_type is %r, but its '
                             'CPUID says %r.' % (what, index, group['core_type'], derived_group.core_type))


_IDENTITY_SLOTS = tuple(sorted(IDENTITY_LEAVES))
# What a document states and its CPUID must agree on: the identity (``host_facts.identity``), then the rest.
_DERIVED_KEYS = IDENTITY_KEYS + ('logical_cpus', 'hybrid', 'guest_view')


def _identity_of(table, read, what, place, index):
    """``IdentityLeaves`` of one group or of the KVM view (``ReadEntries``); a leaf listed twice is
    refused, naming ``what`` and the ``place`` (formatted with ``index`` unless None). Only the
    ``IDENTITY_LEAVES`` are parsed: a fleet's facts are checked host by host, so the other registers
    are left to the reader that needs them."""
    if read.layout.twice is not None:
        raise VmcpuError('%s, %s lists leaf %s subleaf %s twice; gather the host again with vmcpu.profiles.cpu_facts.'
                         % ((what, place if index is None else place % index)
                            + SLOT_TEXT(format_entry(read.layout.twice[0], read.layout.twice[1], ()))))
    return _parsed_identity(tuple(map(table.text.__getitem__, map(read.numbers.__getitem__, read.layout.places(_IDENTITY_SLOTS)))))


IdentityLeaves = collections.namedtuple('IdentityLeaves', 'leaves identity core_type')


@functools.lru_cache(maxsize=1024)
def _parsed_identity(texts):
    """``IdentityLeaves`` of identity entries given as ``ENTRY_TEXT`` tuples; hosts of one CPU model
    share them, so each distinct set is parsed once. ``identity`` (the values of ``IDENTITY_KEYS``) is
    None without leaf 0 (the caller raises, naming the document)."""
    leaves = dict(map(parse_entry_text, texts))
    stated = tuple(map(identity(leaves, None).__getitem__, IDENTITY_KEYS)) if (0, 0) in leaves else None
    return IdentityLeaves(leaves, stated, core_type(leaves))

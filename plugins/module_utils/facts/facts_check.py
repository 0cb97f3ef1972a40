# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a facts document given to the collection can be trusted: it matches the facts schema
(checked without jsonschema, as on a managed node) and agrees with itself, its derived fields being
what its own CPUID says, as ``host_facts.build_host_facts`` derives them.
Standard library only (cpu_profile_check runs it on the managed node).
"""

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_dump import parse_entry
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.host_facts import IDENTITY_LEAVES, core_type, identity
from ansible_collections.vmcpu.profiles.plugins.module_utils.schemas.validator import validate_document

HOST_FACTS_SCHEMA = 'host_facts.schema.json'


def check_facts(facts, what):
    """Refuse a facts document that does not match the facts schema (checked without jsonschema, as on
    a managed node) or that contradicts itself (``check_facts_consistent``)."""
    validate_document(facts, HOST_FACTS_SCHEMA, what)
    check_facts_consistent(facts, what)


def check_facts_consistent(facts, what):
    """Refuse schema-valid facts that contradict themselves: the derived fields (vendor, family, model,
    stepping, brand, core types, CPU counts, guest view) must be what its own CPUID says, as
    ``build_host_facts`` derives them, and no leaf may appear twice in a group or in the KVM view.
    ``what`` names the document in the message."""
    groups = facts['raw_cpuid']['groups']
    leaves_of_groups = [_unique_leaves(group['cpuid'], '%s, raw_cpuid.groups[%d].cpuid' % (what, index))
                        for index, group in enumerate(groups)]
    kvm_leaves = _unique_leaves(facts['kvm'].get('supported_cpuid', []), '%s, kvm.supported_cpuid' % what)
    first = leaves_of_groups[0]
    derived = identity(first, what)
    cpus = [cpu for group in groups for cpu in group['cpus']]
    derived['logical_cpus'] = len(cpus)
    derived['hybrid'] = len({core_type(leaves) for leaves in leaves_of_groups}) > 1
    derived['guest_view'] = 'kvm' if facts['kvm']['available'] else 'raw'
    for key in ('vendor', 'family', 'model', 'stepping', 'brand', 'logical_cpus', 'hybrid', 'guest_view'):
        if facts[key] != derived[key]:
            raise VmcpuError('%s: the document contradicts itself: %s is %r, but its CPUID says %r; gather the '
                             'host again with vmcpu.profiles.cpu_facts instead of editing facts.'
                             % (what, key, facts[key], derived[key]))
    # A profile of the KVM view applies the field table of the facts' vendor to that view's registers.
    if (0, 0) in kvm_leaves and identity(kvm_leaves, what)['vendor'] != facts['vendor']:
        raise VmcpuError('%s: the document contradicts itself: vendor is %r, but kvm.supported_cpuid says %r; gather '
                         'the host again with vmcpu.profiles.cpu_facts instead of editing facts.'
                         % (what, facts['vendor'], identity(kvm_leaves, what)['vendor']))
    if len(set(cpus)) != len(cpus):
        raise VmcpuError('%s: the document contradicts itself: a logical CPU is in two groups of '
                         'raw_cpuid.groups.' % what)
    for index, (group, leaves) in enumerate(zip(groups, leaves_of_groups)):
        if group['core_type'] != core_type(leaves):
            raise VmcpuError('%s: the document contradicts itself: raw_cpuid.groups[%d].core_type is %r, but its '
                             'CPUID says %r.' % (what, index, group['core_type'], core_type(leaves)))


def _unique_leaves(entries, where):
    """``{(leaf, subleaf): registers}`` of the entries the derived fields are read from
    (``IDENTITY_LEAVES``: a fleet's facts are checked host by host, so the other registers are left
    to the reader that needs them); a leaf listed twice is refused."""
    seen, leaves = set(), {}
    for entry in entries:
        key = (int(entry['leaf'], 16), int(entry['subleaf'], 16))
        if key in seen:
            raise VmcpuError('%s lists leaf %s subleaf %s twice; gather the host again with '
                             'vmcpu.profiles.cpu_facts.' % (where, entry['leaf'], entry['subleaf']))
        seen.add(key)
        if key in IDENTITY_LEAVES:
            leaves[key] = parse_entry(entry)[1]
    return leaves

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Assemble the host facts document (design notes section 2) from raw CPUID, KVM and fingerprint.

The document is plain JSON, versioned by ``FACTS_SCHEMA_VERSION`` and described by
``schemas/host_facts.schema.json``. Register values are ``0x``-prefixed hex strings: that is how
CPUID is read in every manual, and JSON has no 64-bit integers that every consumer agrees on.
"""

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import HostAccessError, VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_dump import (
    REGISTER_NAMES, format_entry, parse_entry,
)
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_leaves import (
    BRAND_LEAVES, EAX, EBX, ECX, EDX, PER_CPU_MASKS, brand_string, cpu_signature, mask_per_cpu, vendor_string,
)
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.fingerprint import (
    dump_fingerprint, live_fingerprint,
)
from ansible_collections.vmcpu.profiles.plugins.module_utils.version import COLLECTION_VERSION

FACTS_SCHEMA_VERSION = 1

# CPUID.1A.0:EAX[31:24], the hybrid core type of the CPU that answered (Intel SDM vol. 2A).
HYBRID_LEAF = 0x1A
CORE_TYPES = {0x20: 'efficiency', 0x40: 'performance'}
# AMD: CPUID.(0x8000_0026,0).EAX[30] says the cores differ, EBX[31:28] is this core's type (AMD APM
# vol. 3, extended CPU topology; Linux's get_topology_cpu_type).
AMD_TOPOLOGY_LEAF = 0x80000026
AMD_CORE_TYPES = {0: 'performance', 1: 'efficiency', 2: 'low power'}
# The facts keys ``identity`` derives from a CPU's identity leaves.
IDENTITY_KEYS = ('vendor', 'family', 'model', 'stepping', 'brand')
# The (leaf, sub-leaf)s ``identity`` and ``core_type`` read.
IDENTITY_LEAVES = frozenset([(0, 0), (1, 0), (HYBRID_LEAF, 0), (AMD_TOPOLOGY_LEAF, 0)] + [(leaf, 0) for leaf in BRAND_LEAVES])


def format_entries(leaves):
    return [format_entry(leaf, subleaf, regs=regs) for (leaf, subleaf), regs in sorted(leaves.items())]


def identity(leaves, source):
    """``{vendor, family, model, stepping, brand}`` (``IDENTITY_KEYS``) of a CPU from its leaves, as its
    facts state them."""
    family, model, stepping = _signature(leaves)
    return dict(zip(IDENTITY_KEYS, (_vendor(leaves, source), family, model, stepping, _brand(leaves))))


def _vendor(leaves, source):
    regs = leaves.get((0, 0))
    if regs is None:
        raise VmcpuError('%s: CPUID leaf 0 is missing, so the vendor cannot be determined.' % source)
    return vendor_string(regs[EBX], regs[EDX], regs[ECX])


def _signature(leaves):
    return cpu_signature(leaves.get((1, 0), (0, 0, 0, 0))[EAX])


def _brand(leaves):
    if any((leaf, 0) not in leaves for leaf in BRAND_LEAVES):
        return None
    return brand_string([value for leaf in BRAND_LEAVES for value in leaves[(leaf, 0)]])


def core_type(leaves):
    """The core type of a CPU group on a hybrid CPU (Intel leaf 0x1A, AMD leaf 0x8000_0026), else None."""
    regs = leaves.get((HYBRID_LEAF, 0))
    if regs is not None and regs[EAX]:
        code = regs[EAX] >> 24
        return CORE_TYPES.get(code, 'unknown (0x%02x)' % code)
    regs = leaves.get((AMD_TOPOLOGY_LEAF, 0))
    if regs is not None and regs[EAX] >> 30 & 1:
        code = regs[EBX] >> 28
        return AMD_CORE_TYPES.get(code, 'unknown (%d)' % code)
    return None


def group_cpus(cpus):
    """Group logical CPUs whose CPUID is identical once per-CPU bits are masked.

    Returns ``[(cpu_numbers, masked_leaves)]`` ordered by first CPU number. A uniform host gives one
    group; a hybrid one gives one group per core type (or more when, say, cache leaves differ).
    """
    groups = {}
    for cpu in sorted(cpus):
        masked = mask_per_cpu(cpus[cpu])
        key = tuple(sorted(masked.items()))
        if key in groups:
            groups[key][0].append(cpu)
        else:
            groups[key] = ([cpu], masked)
    return sorted(groups.values(), key=lambda group: group[0][0])


def _per_cpu_mask_list():
    masks = []
    for (leaf, subleaf), registers in sorted(PER_CPU_MASKS.items(), key=lambda item: item[0][0]):
        for reg, mask in sorted(registers.items()):
            masks.append({'leaf': '0x%08x' % leaf,
                          'subleaf': '*' if subleaf is None else '0x%x' % subleaf,
                          'register': REGISTER_NAMES[reg], 'mask': '0x%08x' % mask})
    return masks


def build_host_facts(dump, kvm, fingerprint):
    """Host facts from a ``CpuidDump``, the KVM section and the fingerprint.

    ``kvm`` is the dict of ``facts.kvm_view.read_kvm_view`` plus ``available``/``error`` keys, as built by
    the module; facts use the KVM view as the guest view whenever it is available.
    """
    if not dump.cpus:
        raise VmcpuError('%s: no logical CPU was read.' % dump.source)
    groups = group_cpus(dump.cpus)
    first = identity(groups[0][1], dump.source)
    return {
        'schema_version': FACTS_SCHEMA_VERSION,
        'collection_version': COLLECTION_VERSION,
        'source': dump.source,
        'cpuid_method': dump.method,
        'vendor': first['vendor'],
        'family': first['family'],
        'model': first['model'],
        'stepping': first['stepping'],
        'brand': first['brand'],
        'logical_cpus': len(dump.cpus),
        'hybrid': len({core_type(group[1]) for group in groups}) > 1,
        'raw_cpuid': {
            'per_cpu_masks': _per_cpu_mask_list(),
            'groups': [{'cpus': cpus, 'core_type': core_type(leaves),
                        'cpuid': format_entries(leaves)} for cpus, leaves in groups],
        },
        'dump_msrs': {'0x%08x' % index: '0x%016x' % value for index, value in sorted(dump.msrs.items())},
        'kvm': kvm,
        'guest_view': 'kvm' if kvm.get('available') else 'raw',
        'fingerprint': fingerprint,
    }


def gather_facts(src=None, method='auto', kvm='auto', run_command=None, kvm_device='/dev/kvm', warn=None):
    """Host facts of the running host, or of the host described by the dump file ``src``.

    ``kvm`` is ``auto`` (read the KVM view, report why when it cannot), ``required`` (fail without
    it) or ``skip``. A dump describes another machine, so its facts never carry this host's KVM view.
    ``run_command`` may load the cpuid kernel module (``AnsibleModule.run_command``; None: never).
    ``warn`` receives each warning about the dump (``AnsibleModule.warn``; None: dropped).
    """
    # A host is either described by a dump or read live: each imports only the code it runs, since
    # AnsiballZ compiles every imported module from source on every module run (benchmarks/fleet_play.py).
    if src:
        from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.dump_import import load_dump

        if kvm == 'required':
            raise VmcpuError('kvm: required cannot be combined with src=%s: a dump file has no KVM '
                             'view; gather that host live instead.' % src)
        dump = load_dump(src)
        for warning in dump.warnings if warn else ():
            warn(warning)
        return build_host_facts(dump, {'available': False, 'error': 'facts imported from a dump file'},
                                dump_fingerprint(dump.file_sha256))
    from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_live import read_live_cpuid

    dump = read_live_cpuid(method=method, run_command=run_command)
    return build_host_facts(dump, _kvm_section(kvm, kvm_device), live_fingerprint())


def _kvm_section(kvm, device):
    if kvm == 'skip':
        return {'available': False, 'error': 'not read (kvm: skip)'}
    from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.kvm_view import read_kvm_view

    try:
        view = read_kvm_view(device)
    except HostAccessError as exc:
        if kvm == 'required':
            raise
        return {'available': False, 'error': str(exc)}
    # KVM copies the APIC ID of the CPU the caller runs on into some entries: mask it as in raw_cpuid.
    view['supported_cpuid'] = [
        format_entry(*key, regs=mask_per_cpu({key: regs})[key], flags=entry['flags'])
        for entry in view['supported_cpuid'] for key, regs in [parse_entry(entry)]]
    view.update(available=True, error=None)
    return view


def facts_summary(facts):
    """One line for people: vendor, model, core types, KVM, CPUID leaves and feature MSRs."""
    groups = facts['raw_cpuid']['groups']
    core_types = ', '.join('%s: %d CPUs' % (group['core_type'], len(group['cpus']))
                           for group in groups if group['core_type'])
    kvm = facts['kvm']
    if kvm.get('available'):
        kvm_text = 'KVM yes (%d supported CPUID entries)' % len(kvm['supported_cpuid'])
        msr_count = len(kvm['feature_msrs'])
    else:
        kvm_text = 'KVM no (%s)' % kvm.get('error')
        msr_count = len(facts['dump_msrs'])
    leaf_counts = sorted({len(group['cpuid']) for group in groups})
    return '%s family %#x model %#x stepping %d (%s); %d logical CPUs in %d group(s)%s; %s; %s CPUID leaves; %d feature MSRs' % (
        facts['vendor'], facts['family'], facts['model'], facts['stepping'], facts['brand'],
        facts['logical_cpus'], len(groups), ' [%s]' % core_types if core_types else '', kvm_text,
        '/'.join(str(count) for count in leaf_counts), msr_count)

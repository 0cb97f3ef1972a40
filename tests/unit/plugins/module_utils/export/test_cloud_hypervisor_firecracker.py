# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cloud-hypervisor and Firecracker exports: round trip over the source hosts of bundled and
dump-built profiles, format checks against the shared oracles, and bad input by message."""

import copy
import json
import re

import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.cloud_hypervisor import (
    apply_cloud_hypervisor, to_cloud_hypervisor,
)
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.firecracker import (
    INDEXED_LEAVES, _in_range, apply_bitmap, bitmap, firecracker_overrides, firecracker_warning, reported_subleaves,
    to_firecracker,
)
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.qemu import fixed_bits
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.index import field_index
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import VENDOR_IDS
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.host_view import host_view

jsonschema = pytest.importorskip('jsonschema')

FULL = 0xffffffff


def _guest(profile):
    """The profile as ``{(leaf, subleaf, register): (value, mask)}``; unlisted registers are zero."""
    return {(int(e['leaf'], 16), int(e['subleaf'], 16), e['register']): (int(e['value'], 16), int(e['mask'], 16))
            for e in profile['cpuid']}


@pytest.fixture(scope='module')
def cases(export_cases):
    """(profile, [(host, facts)]) for every bundled profile and every dump-built one."""
    return export_cases


def _views(hosts):
    """Register maps of every CPU group of every host (KVM view when the facts have one, else raw)."""
    return [group for name, facts in hosts for group in host_view(name, facts).groups]


def _visible_keys(registers):
    """CPUID registers a host reports inside its announced leaf ranges (what KVM can pass on)."""
    return {key[1:] for key in registers if key[0] == 'cpuid' and _in_range(registers, key[1])}


def test_cloud_hypervisor_round_trip(cases):
    for profile, hosts in cases:
        guest = _guest(profile)
        adjustments = to_cloud_hypervisor(profile)['cpuid']['adjustments']
        assert len(adjustments) == len(guest), profile['name']
        for registers in _views(hosts):
            for key in _visible_keys(registers) | set(guest):
                leaf, subleaf, register = key
                host = registers.get(('cpuid',) + key, 0)
                # The VMM's lookup: first adjustment whose leaf, sub-leaf range and register match, else zero.
                match = next((adj for params, adj in adjustments
                              if int(params['leaf'], 16) == leaf and params['register'] == register.upper()
                              and int(params['sub_leaf']['start'], 16) <= subleaf <= int(params['sub_leaf']['end'], 16)),
                             {'mask': '0x0', 'replacements': '0x0'})
                value, mask = guest.get(key, (0, FULL))
                want = (host & ~mask | value) if key in guest else 0
                assert apply_cloud_hypervisor(match, host) == want, (profile['name'], key)


def _fc_registers(template):
    return {(int(m['leaf'], 16), int(m['subleaf'], 16), r['register']): r['bitmap']
            for m in template['cpuid_modifiers'] for r in m['modifiers']}


def test_firecracker_round_trip(cases):
    """Exact on every register of every host, except sub-leaves only some hosts report (Firecracker
    cannot zero those without refusing the hosts that lack them); single-CPU profiles have none."""
    for profile, hosts in cases:
        guest = _guest(profile)
        maps = _views(hosts)
        reported = reported_subleaves(maps)
        template = to_firecracker(profile, reported)
        modifiers = _fc_registers(template)
        kept = {key[:2] for key in guest}
        some_only = {key[:2] for registers in maps for key in _visible_keys(registers)} - reported - kept
        assert {key[:2] for key in modifiers} == kept | reported
        for registers in maps:
            for key in _visible_keys(registers) | set(guest) | set(modifiers):
                host = registers.get(('cpuid',) + key, 0)
                value, mask = guest.get(key, (0, FULL))
                want = (host & ~mask | value) if key in guest else 0
                got = apply_bitmap(modifiers[key], host) if key in modifiers else host
                if got != want:
                    assert key[:2] in some_only, (profile['name'], key)
        if len({stem for stem, facts in hosts}) == 1:
            assert not some_only, profile['name']
        for index, (value, mask) in ((int(m['index'], 16), (int(m['value'], 16), int(m['mask'], 16)))
                                     for m in profile['msrs']):
            entry = next(m for m in template['msr_modifiers'] if int(m['addr'], 16) == index)
            for host in (0, 0xffffffffffffffff, 0x0123456789abcdef):
                assert apply_bitmap(entry['bitmap'], host) == host & ~mask | value


def _walk(document, schema, where='template'):
    """Every key of ``document`` must be a property of ``schema`` (Firecracker rejects unknown keys)."""
    if isinstance(document, dict):
        properties = schema.get('properties', {})
        extra = set(document) - set(properties)
        assert not extra, '%s: keys the schema does not define: %s' % (where, sorted(extra))
        for key, value in document.items():
            _walk(value, properties[key], '%s.%s' % (where, key))
    elif isinstance(document, list):
        for position, item in enumerate(document):
            _walk(item, schema['items'], '%s[%d]' % (where, position))


def test_firecracker_schema_and_oracle_shape(cases, shared_dir):
    oracles = shared_dir / 'oracles' / 'firecracker'
    schema = json.loads((oracles / 'schema.json').read_text())
    validator = jsonschema.Draft202012Validator(schema)
    for name in ('T2S', 'T2A', 'T2CL'):  # the walk itself accepts Firecracker's own templates
        _walk(json.loads((oracles / ('%s.json' % name)).read_text()), schema)
    for profile, hosts in cases:
        template = to_firecracker(profile, reported_subleaves(_views(hosts)))
        validator.validate(template)
        _walk(template, schema)
        with_subleaves = {int(m['leaf'], 16) for m in template['cpuid_modifiers'] if int(m['subleaf'], 16)}
        for modifier in template['cpuid_modifiers']:
            assert re.fullmatch(r'0x[0-9a-f]+', modifier['leaf']) and re.fullmatch(r'0x[0-9a-f]+', modifier['subleaf'])
            leaf = int(modifier['leaf'], 16)
            assert modifier['flags'] == (1 if leaf in INDEXED_LEAVES | with_subleaves else 0)
            if leaf in (0x0, 0x1, 0x80000000, 0x80000001):
                assert modifier['flags'] == 0
            assert [r['register'] for r in modifier['modifiers']] == ['eax', 'ebx', 'ecx', 'edx']
            for register in modifier['modifiers']:
                assert re.fullmatch(r'0b[01x]{32}', register['bitmap'])
        for modifier in template['msr_modifiers']:
            assert re.fullmatch(r'0x[0-9a-f]+', modifier['addr']) and re.fullmatch(r'0b[01x]{64}', modifier['bitmap'])
    # Flags as in Firecracker's own T2S: leaf 7 and 0xd by sub-leaf, leaf 1 not.
    t2s = {(m['leaf'], m['subleaf']): m['flags'] for m in json.loads((oracles / 'T2S.json').read_text())['cpuid_modifiers']}
    first = to_firecracker(cases[0][0])
    ours = {(m['leaf'], m['subleaf']): m['flags'] for m in first['cpuid_modifiers']}
    for key in set(t2s) & set(ours):
        assert ours[key] == t2s[key], key


def test_bitmap_inverts_our_mask():
    assert bitmap(0b0101, 0b1111, 4) == '0b0101'
    assert bitmap(0b0101, 0b0111, 4) == '0bx101'
    assert bitmap(0b0100, 0b0110, 4) == '0bx10x'
    assert bitmap(0x80000000, 0, 32) == '0b1' + 'x' * 31  # a value bit outside the mask is still set
    assert apply_bitmap('0bxx_01', 0b1010) == 0b1001


def test_cloud_hypervisor_shape_matches_oracle(cases, shared_dir):
    oracle = json.loads((shared_dir / 'oracles' / 'cloud-hypervisor' / 'sapphire-rapids.msr.json').read_text())
    profile = copy.deepcopy(next(p for p, hosts in cases if p['name'] == 'sapphirerapids'))
    profile.update(msr_index_known=True, required_msrs=['0x00000010', '0x0000003a', '0xc0000080'])
    exported = to_cloud_hypervisor(profile)
    msr = exported['msr']
    assert list(msr) == list(oracle)  # cpu_vendor, hypervisor_type, adjustments, permitted_msrs
    assert msr['cpu_vendor'] == oracle['cpu_vendor'] == 'Intel' and msr['hypervisor_type'] == oracle['hypervisor_type']
    assert [list(adj) for index, adj in msr['adjustments']] == [list(adj) for index, adj in oracle['adjustments']][:len(msr['adjustments'])]
    for (index, adj), (oracle_index, oracle_adj) in zip(msr['adjustments'], oracle['adjustments']):
        assert re.fullmatch(r'0x[0-9a-f]+', index) and not index.startswith('0x0')
        assert all(re.fullmatch(r'0x[0-9a-f]{16}', text) for text in adj.values())
        assert all(re.fullmatch(r'0x[0-9a-f]{16}', text) for text in oracle_adj.values())
    # The allow-list: numerically sorted, minimal hex, the required MSRs plus the adjusted ones.
    permitted = [int(text, 16) for text in msr['permitted_msrs']]
    assert permitted == sorted(permitted) and {0x10, 0x3a, 0xc0000080, 0x10a, 0xcf} <= set(permitted)
    assert [int(text, 16) for text in oracle['permitted_msrs']] == sorted(int(text, 16) for text in oracle['permitted_msrs'])
    assert all(text == '0x%x' % int(text, 16) for text in msr['permitted_msrs'] + oracle['permitted_msrs'])
    # MSR masks are inverted: 0x10a fully fixed by the profile -> mask 0, replacements = value.
    entry = dict((int(index, 16), adj) for index, adj in msr['adjustments'])[0x10a]
    ours = next(m for m in profile['msrs'] if m['index'] == '0x0000010a')
    assert entry == {'mask': '0x%016x' % (~int(ours['mask'], 16) & 0xffffffffffffffff), 'replacements': ours['value']}
    # CPUID: the README's shape, upper-case registers, one sub-leaf per adjustment, 10-character hex.
    cpuid = exported['cpuid']
    assert list(cpuid) == ['cpu_vendor', 'hypervisor', 'adjustments'] and cpuid['hypervisor'] == 'Kvm'
    for params, adj in cpuid['adjustments']:
        assert list(params) == ['leaf', 'sub_leaf', 'register'] and params['register'] in ('EAX', 'EBX', 'ECX', 'EDX')
        assert params['sub_leaf']['start'] == params['sub_leaf']['end']
        assert list(adj) == ['replacements', 'mask'] and all(re.fullmatch(r'0x[0-9a-f]{8}', text) for text in adj.values())
    leaf7 = next(adj for params, adj in cpuid['adjustments']
                 if params == {'leaf': '0x7', 'sub_leaf': {'start': '0x0', 'end': '0x0'}, 'register': 'EBX'})
    assert leaf7['replacements'] != '0x00000000'


def test_zero_value_registers_are_still_expressed(cases, real_dump_facts):
    """A listed register whose value is 0 keeps host bits (VMM-owned fields): it needs an adjustment,
    which keeps exactly the bits the profile does not fix; leaving it out would zero them."""
    profile = next(p for p, hosts in cases if p['name'] == 'hybrid')
    zero = [e for e in profile['cpuid'] if e['value'] == '0x00000000']
    assert zero, 'the hybrid profile lists passthrough-only registers'
    adjustments = {(params['leaf'], params['sub_leaf']['start'], params['register']): adj
                   for params, adj in to_cloud_hypervisor(profile)['cpuid']['adjustments']}
    for e in zero:
        adj = adjustments[('0x%x' % int(e['leaf'], 16), e['subleaf'], e['register'].upper())]
        assert adj == {'replacements': '0x00000000', 'mask': '0x%08x' % (~int(e['mask'], 16) & FULL)}
    modifiers = _fc_registers(to_firecracker(profile))
    for e in zero:
        assert 'x' in modifiers[(int(e['leaf'], 16), int(e['subleaf'], 16), e['register'])]


def test_no_msr_file_without_kvm_msr_list(cases):
    profile = cases[0][0]
    assert profile['msr_index_known'] is False
    assert to_cloud_hypervisor(profile)['msr'] is None


@pytest.mark.parametrize('change, message', [
    ({'vendor': 'CentaurHauls'}, "profile p has CPU vendor 'CentaurHauls', which cloud-hypervisor cannot express"),
    ({'vendor': None}, 'which cloud-hypervisor cannot express (supported: AuthenticAMD, GenuineIntel)'),
    ({'hypervisor': 'hvf'}, "profile p is for hypervisor 'hvf'; cloud-hypervisor profiles are for KVM only"),
    ({'cpuid': [{'leaf': '0x1', 'subleaf': '0x0', 'register': 'eax', 'value': 'zz', 'mask': '0x0'}]},
     "profile p cpuid[0]: value is missing or not a hex string ('zz')"),
    ({'cpuid': [{'leaf': '0x1', 'subleaf': '0x0', 'register': 'esp', 'value': '0x0', 'mask': '0x0'}]},
     'profile p cpuid[0]: not an entry with a register eax/ebx/ecx/edx'),
    ({'cpuid': [{'leaf': '0x1', 'subleaf': '0x0', 'register': 'eax', 'value': '0x1ffffffff', 'mask': '0x0'}]},
     'does not fit in 32 bits'),
])
def test_bad_profiles(change, message):
    profile = {'name': 'p', 'vendor': 'GenuineIntel', 'hypervisor': 'kvm', 'cpuid': [], 'msrs': [], 'msr_index_known': False}
    profile.update(change)
    with pytest.raises(VmcpuError, match=re.escape(message)):
        to_cloud_hypervisor(profile)
    with pytest.raises(VmcpuError, match=re.escape(message.replace('cloud-hypervisor', 'Firecracker'))):
        to_firecracker(profile)


def test_not_a_profile():
    with pytest.raises(VmcpuError, match='Firecracker export needs a profile \\(a mapping\\), got list'):
        to_firecracker([])


def test_cloud_hypervisor_states_the_physical_address_width(cases):
    """cloud-hypervisor overwrites CPUID.0x80000008.EAX[7:0] with min(host, max_phys_bits): the export
    names the option with the profile's width, which no source host is below."""
    for profile, hosts in cases:
        value, mask = _guest(profile)[(0x80000008, 0, 'eax')]
        assert mask & 0xFF == 0xFF
        assert to_cloud_hypervisor(profile)['cpus'] == 'max_phys_bits=%d' % (value & 0xFF), profile['name']
        for registers in _views(hosts):
            assert registers[('cpuid', 0x80000008, 0, 'eax')] & 0xFF >= value & 0xFF, profile['name']
    loose = copy.deepcopy(cases[0][0])
    for entry in loose['cpuid']:
        if entry['leaf'] == '0x80000008' and entry['register'] == 'eax':
            entry['mask'] = '0x%08x' % (int(entry['mask'], 16) & ~0xFF)
    assert to_cloud_hypervisor(loose)['cpus'] is None


# What Firecracker's CPUID normalisation forces after the template, by field name (its
# docs/cpu_templates/cpuid-normalization.md and normalize.rs): the bit positions in the exporter are
# checked against these names through the field table.
FIRECRACKER_FORCED_BY_NAME = {
    'GenuineIntel': {'pdcm': 0, 'tsc_deadline_timer': 1, 'ida': 0, 'epb': 0, 'fdp_excptn_only': 1,
                     'zero_fcs_fds': 1, 'waitpkg': 0},
    'AuthenticAMD': {'pdcm': 0, 'tsc_deadline_timer': 1, 'arch_capabilities': 0, 'topoext': 1},
}


def test_firecracker_overrides_are_named(cases):
    for profile, hosts in cases:
        fixed = fixed_bits(profile, field_index(VENDOR_IDS[profile['vendor']]))
        wanted = {name for name, forced in FIRECRACKER_FORCED_BY_NAME[profile['vendor']].items()
                  if name in fixed and fixed[name] != bool(forced)}
        has_brand = any(int(e['value'], 16) for e in profile['cpuid'] if e['leaf'] in ('0x80000002', '0x80000003', '0x80000004'))
        overrides = firecracker_overrides(profile)
        assert set(overrides) == wanted | ({'brand_string'} if has_brand else set()), profile['name']
        for name in wanted:
            assert overrides[name] == 'Firecracker %s it' % ('sets' if FIRECRACKER_FORCED_BY_NAME[profile['vendor']][name] else 'clears')
        warning = firecracker_warning(overrides)
        assert (warning is None) == (not overrides)
        assert warning is None or all(name in warning for name in overrides)

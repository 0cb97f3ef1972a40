# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster profile built from real CPUs: semantics of policies, toggles, dependencies, XSAVE
sizes and explanations, and every bad input with its message."""

import copy
import itertools

import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_dump import parse_entry
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import Kind
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.table import fields_for, registers_for
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import build_profile, profile_digest

SKYLAKE_CASCADE = ('Xeon-Gold-6152', 'Xeon-Platinum-8268')
XEONS = ('Xeon-E5-2650-v4', 'Xeon-Gold-6152', 'Xeon-Platinum-8268', 'Ice-Lake-Server',
         'Xeon-Bronze-3408U', 'Xeon-6788P')


def _hosts(real_dump_facts, names):
    return [(name, real_dump_facts[name]) for name in names]


def _registers(profile):
    return {(int(e['leaf'], 16), int(e['subleaf'], 16), e['register']): (int(e['value'], 16), int(e['mask'], 16))
            for e in profile['cpuid']}


def _raw(facts, leaf, subleaf):
    entries = dict(parse_entry(entry) for entry in facts['raw_cpuid']['groups'][0]['cpuid'])
    return entries.get((leaf, subleaf), (0, 0, 0, 0))


@pytest.fixture(scope='module')
def xeon_profile(real_dump_facts):
    return build_profile(_hosts(real_dump_facts, XEONS), 'xeons')


def test_features_are_those_every_host_has(real_dump_facts, xeon_profile):
    """Each kept flag is set on every host; each inheritable flag every host has is kept unless a
    policy or a dependency turned it off (and then the profile says why)."""
    intel = fields_for('intel')
    for name in xeon_profile['features']:
        f = intel[name]
        if f.kind == Kind.FLAG:
            for host in XEONS:
                value = _raw(real_dump_facts[host], f.leaf, f.subleaves[0])[('eax', 'ebx', 'ecx', 'edx').index(f.register)] \
                    if f.source == 'cpuid' else None
                if value is not None:
                    assert f.extract(value), '%s kept but %s lacks it' % (name, host)
    assert 'avx512f' not in xeon_profile['features']
    assert xeon_profile['explanation']['avx512f']['limited_by'] == {'Xeon-E5-2650-v4': 0}
    assert {'avx2', 'sse4_2', 'aes'} <= set(xeon_profile['features'])


def test_host_order_does_not_matter(real_dump_facts):
    digests = {build_profile(_hosts(real_dump_facts, order), 'xeons', generated_at='t')['digest']
               for order in itertools.islice(itertools.permutations(XEONS[:4]), 0, 24, 5)}
    assert len(digests) == 1


def test_unknown_and_reserved_bits_never_reach_the_guest(xeon_profile):
    known = {}
    for register in registers_for('intel'):
        mask = 0
        for f in register.fields:
            if f.kind != Kind.RESERVED:
                mask |= f.mask
        for subleaf in range(register.subleaves[0], register.subleaves[1] + 1):
            known[(register.leaf, subleaf, register.register)] = mask
    for key, (value, mask) in _registers(xeon_profile).items():
        assert key in known, 'register %s is not in the field table but in the profile' % (key,)
        assert value & ~known[key] == 0, 'unknown bits in %s' % (key,)


def test_migration_hostile_fields_default_to_off(real_dump_facts):
    profile = build_profile(_hosts(real_dump_facts, SKYLAKE_CASCADE), 'sky')
    assert 'rtm' not in profile['features'] and 'hle' not in profile['features']
    assert profile['disabled']['rtm'] == 'disabled by default policy static: 0'
    assert profile['fields'].get('pmu_version', 0) == 0


def test_minus_toggle_removes_dependents_and_their_xsave_state(real_dump_facts):
    hosts = _hosts(real_dump_facts, SKYLAKE_CASCADE)
    full = build_profile(hosts, 'sky')
    trimmed = build_profile(hosts, 'sky', features=['-avx512f'])
    intel = fields_for('intel')
    avx512 = {name for name in full['features'] if name.startswith('avx512')}
    assert 'avx512f' in avx512 and len(avx512) >= 5
    assert not avx512 & set(trimmed['features'])
    for name in avx512 - {'avx512f'}:
        assert trimmed['disabled'][name].startswith('requires'), name
    for component in ('xsave_opmask_state', 'xsave_zmm_hi256_state', 'xsave_hi16_zmm_state'):
        assert component in full['features'] and component not in trimmed['features']
    # Standard-format size, computed independently from a host's own component table: the kept
    # user components are x87/SSE (legacy area), AVX (2) and PKRU (9) when pku is kept.
    facts = real_dump_facts['Xeon-Gold-6152']
    kept = [2] + ([9] if 'pku' in trimmed['features'] else [])
    expected = max(576, max(_raw(facts, 0xD, n)[1] + _raw(facts, 0xD, n)[0] for n in kept))
    assert trimmed['fields']['xsave_size_max'] == expected
    # The standard format keeps fixed offsets (PKRU lies beyond AVX-512), the compacted one shrinks
    # by exactly the three AVX-512 components.
    avx512_bytes = sum(_raw(facts, 0xD, n)[0] for n in (5, 6, 7))
    assert full['fields']['xsave_size_xcr0_xss'] - trimmed['fields']['xsave_size_xcr0_xss'] == avx512_bytes
    assert intel['xsave_size_max'].kind == Kind.DERIVED


def test_plus_toggle_needs_every_host(real_dump_facts):
    hosts = _hosts(real_dump_facts, SKYLAKE_CASCADE)
    both_have_rtm = all(_raw(real_dump_facts[n], 7, 0)[1] >> 11 & 1 for n in SKYLAKE_CASCADE)
    if both_have_rtm:
        assert 'rtm' in build_profile(hosts, 'sky', features=['+rtm'])['features']
    with pytest.raises(VmcpuError) as error:
        build_profile(_hosts(real_dump_facts, XEONS), 'xeons', features=['+avx512f'])
    assert str(error.value) == 'feature +avx512f is requested but these hosts lack it: Xeon-E5-2650-v4.'


def test_qemu_names_are_accepted_in_toggles(real_dump_facts):
    profile = build_profile(_hosts(real_dump_facts, SKYLAKE_CASCADE), 'sky', features=['-sse4.2'])
    assert 'sse4_2' not in profile['features']
    assert profile['disabled']['sse4_2'] == 'disabled by features: -sse4_2'


def test_digest_covers_content_but_not_generation_time(xeon_profile):
    assert profile_digest(xeon_profile) == xeon_profile['digest']
    later = copy.deepcopy(xeon_profile)
    later['provenance']['generated_at'] = '2030-01-01T00:00:00Z'
    assert profile_digest(later) == xeon_profile['digest']
    tampered = copy.deepcopy(xeon_profile)
    tampered['features'].append('rtm')
    assert profile_digest(tampered) != xeon_profile['digest']


def test_target_host_gives_the_identity(real_dump_facts):
    profile = build_profile(_hosts(real_dump_facts, SKYLAKE_CASCADE), 'sky', target_host='Xeon-Platinum-8268')
    assert profile['target_host'] == 'Xeon-Platinum-8268'
    assert profile['fields']['stepping'] == _raw(real_dump_facts['Xeon-Platinum-8268'], 1, 0)[0] & 0xF
    with pytest.raises(VmcpuError, match=r'^target_host nowhere is not one of the profile hosts \(Xeon-Gold-6152, Xeon-Platinum-8268\)\.$'):
        build_profile(_hosts(real_dump_facts, SKYLAKE_CASCADE), 'sky', target_host='nowhere')


@pytest.mark.parametrize('hosts, features, message', [
    ((), (), 'no hosts given: a profile needs the facts of at least one host.'),
    (('Xeon-Gold-6152', 'EPYC-7601-32-Core'), (),
     'hosts of different CPU vendors cannot share a profile: AuthenticAMD: EPYC-7601-32-Core; '
     'GenuineIntel: Xeon-Gold-6152.'),
    (('Xeon-Gold-6152',), ('-avx512ff',), "unknown feature 'avx512ff' in features; did you mean avx512f"),
    (('Xeon-Gold-6152',), ('+aes', '-aes'), 'feature aes is both enabled and disabled in features.'),
])
def test_bad_input_is_refused_with_a_clear_message(real_dump_facts, hosts, features, message):
    with pytest.raises(VmcpuError) as error:
        build_profile(_hosts(real_dump_facts, hosts), 'bad', features=features)
    assert str(error.value).startswith(message)


def test_equal_fields_that_disagree_name_both_hosts(real_dump_facts):
    """A host whose CLFLUSH line size differs (leaf 1 EBX[15:8], 16 instead of 8 quadwords)."""
    odd = copy.deepcopy(real_dump_facts['Xeon-Platinum-8268'])
    for entry in odd['raw_cpuid']['groups'][0]['cpuid']:
        if entry['leaf'] == '0x00000001':
            entry['ebx'] = '0x%08x' % (int(entry['ebx'], 16) & ~0xFF00 | 16 << 8)
    with pytest.raises(VmcpuError) as error:
        build_profile([('Xeon-Gold-6152', real_dump_facts['Xeon-Gold-6152']), ('odd-8268', odd)], 'x')
    assert str(error.value) == ('field clflush_size (CPUID.(0x1,0).EBX) must be equal on every host, but host '
                                'Xeon-Gold-6152 has 0x8 and host odd-8268 has 0x10; these hosts cannot share a profile.')


def test_zen2_and_zen3_share_a_profile_without_pku(real_dump_facts):
    profile = build_profile(_hosts(real_dump_facts, ('EPYC-7713-64-Core', 'Ryzen-9-3900X-12-Core')), 'zen')
    assert 'pku' not in profile['features'] and 'xsave_pkru_state' not in profile['features']
    assert profile['explanation']['pku']['limited_by'] == {'Ryzen-9-3900X-12-Core': 0}


def test_facts_of_another_schema_version_name_the_host(real_dump_facts):
    old = dict(real_dump_facts['Xeon-Gold-6152'], schema_version=0)
    with pytest.raises(VmcpuError) as error:
        build_profile([('old-host', old)], 'x')
    assert str(error.value) == ('host old-host: facts have schema_version 0, this collection reads version 1; '
                                'gather the host again with this version of vmcpu.profiles.')


def test_policy_overrides_change_the_contract_and_are_recorded(real_dump_facts):
    hosts = _hosts(real_dump_facts, SKYLAKE_CASCADE)
    profile = build_profile(hosts, 'sky', policies={'avx2': 'passthrough', 'sse4.2': 'static:0', 'invtsc': 'inherit'})
    registers = _registers(profile)
    avx2 = fields_for('intel')['avx2']
    value, mask = registers[(avx2.leaf, avx2.subleaves[0], avx2.register)]
    assert not mask & avx2.mask and not value & avx2.mask       # left to the host and VMM
    assert 'avx2' not in profile['features'] and 'avx2' not in profile['disabled']
    assert profile['disabled']['sse4_2'] == 'disabled by policies: sse4_2: static:0'
    both_have_invtsc = all(_raw(real_dump_facts[n], 0x80000007, 0)[3] >> 8 & 1 for n in SKYLAKE_CASCADE)
    assert ('invtsc' in profile['features']) == bool(both_have_invtsc)
    assert profile['provenance']['policies'] == {'avx2': 'passthrough', 'invtsc': 'inherit', 'sse4_2': 'static:0'}


@pytest.mark.parametrize('features, policies, message', [
    ((), {'avx2': 'sometimes'}, "policies: avx2: 'sometimes' is not a policy; use inherit, passthrough, static or static:N."),
    ((), {'avx2': 'static:2'}, "policies: avx2: static value '2' does not fit its 1 bit(s)."),
    ((), {'avx2x': 'inherit'}, "unknown feature 'avx2x' in policies; did you mean avx2"),
    (('-avx2',), {'avx2': 'inherit'}, 'avx2 is set both in features and in policies; use one of them.'),
    ((), {'initial_apic_id': 'inherit'}, 'policies: initial_apic_id is a vmm field, which hosts do not merge'),
    ((), ['avx2'], 'policies must be a mapping of field to policy such as {invtsc: inherit}, got a list.'),
    ('-avx2', {}, 'features must be a list of toggles such as [-avx512f, +rtm], got a string.'),
])
def test_bad_policy_overrides_are_refused(real_dump_facts, features, policies, message):
    with pytest.raises(VmcpuError) as error:
        build_profile(_hosts(real_dump_facts, SKYLAKE_CASCADE), 'sky', features=features, policies=policies)
    assert str(error.value).startswith(message)

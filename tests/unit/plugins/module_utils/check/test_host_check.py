# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host check (design notes section 5) over the real CPU dumps: soundness and monotonicity as
properties, then each rule, message, drift status and bad input."""

import copy
import functools

import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.check.contract import RULE_FLAG, contract_index
from ansible_collections.vmcpu.profiles.plugins.module_utils.check.host_check import MSR_CHECK_NO_KVM, check_host
from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import HostAccessError, VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.fingerprint import with_digest
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.host_facts import gather_facts
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.index import field_index
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import VENDOR_IDS
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import build_profile, profile_digest
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.integrity import verify_profile
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.policy import parse_adjustments

hypothesis = pytest.importorskip('hypothesis')
st = pytest.importorskip('hypothesis.strategies')

GOLD, BROADWELL = 'Xeon-Gold-6152', 'Xeon-E5-2650-v4'
ALDER_LAKE_HYBRID, ALDER_LAKE_P = '12th-gen-intel-core-i7-12700h', 'Core-i7-1270P'
EPYC = 'EPYC-7713-64-Core'


@pytest.fixture(scope='module')
def by_vendor(real_dump_facts):
    hosts = {}
    for name, facts in sorted(real_dump_facts.items()):
        hosts.setdefault(facts['vendor'], []).append(name)
    return hosts


@pytest.fixture(scope='module')
def profile_of(real_dump_facts):
    """``profile_of(names, features)``: the profile of those dumps, built once per argument set."""
    @functools.lru_cache(maxsize=None)
    def build(names, features=()):
        return build_profile([(name, real_dump_facts[name]) for name in names], 'check', features=features,
                             generated_at='2025-01-01T00:00:00Z')
    return build


def _profile_registers(profile):
    registers = {('cpuid', int(e['leaf'], 16), int(e['subleaf'], 16), e['register']): int(e['value'], 16)
                 for e in profile['cpuid']}
    registers.update({('msr', int(e['index'], 16), 0, ''): int(e['value'], 16) for e in profile['msrs']})
    return registers


def _without_bit(facts, key, bit, group=None):
    """A copy of ``facts`` with one bit cleared wherever the host reports that register (every CPU group,
    or the KVM view, which is what the check reads when present), or in raw CPU group ``group`` only."""
    facts = copy.deepcopy(facts)
    source, leaf, subleaf, register = key
    cleared = 0
    if source == 'msr':
        for values in (facts['dump_msrs'], facts['kvm'].get('feature_msrs') or {}):
            for index, text in values.items():
                if int(index, 16) == leaf and int(text, 16) >> bit & 1:
                    values[index] = '0x%016x' % (int(text, 16) & ~(1 << bit))
                    cleared += 1
    else:
        groups = facts['raw_cpuid']['groups']
        entry_lists = ([facts['kvm']['supported_cpuid']] if facts['kvm'].get('available') and group is None
                       else [groups[group]['cpuid']] if group is not None
                       else [each['cpuid'] for each in groups])
        for entries in entry_lists:
            for entry in entries:
                if int(entry['leaf'], 16) == leaf and int(entry['subleaf'], 16) == subleaf \
                        and int(entry[register], 16) >> bit & 1:
                    entry[register] = '0x%08x' % (int(entry[register], 16) & ~(1 << bit))
                    cleared += 1
    assert cleared, 'bit %d of %s is not set in the facts' % (bit, key)
    return facts


def _offered_flag_bits(profile, features=()):
    """``[(register key, bit, field name)]`` of every contract flag bit the profile sets."""
    vendor = VENDOR_IDS[profile['vendor']]
    index = contract_index(vendor, parse_adjustments(field_index(vendor), features))
    registers = _profile_registers(profile)
    offered = []
    for key, check in index.items():
        for checked in check.flags:
            value = checked.field.extract(registers.get(key, 0))
            offered.extend((key, checked.field.first_bit + bit, checked.name)
                           for bit in range(checked.field.width) if value >> bit & 1)
    return offered


def _fields(result):
    return [failure['field'] for failure in result['failures']]


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

def _draw_fleet(data, by_vendor, profile_of, most):
    """Up to ``most`` hosts of one vendor that can share a profile, and their profile (no toggles)."""
    vendor = data.draw(st.sampled_from(sorted(by_vendor)), label='vendor')
    names = tuple(sorted(data.draw(st.lists(st.sampled_from(by_vendor[vendor]), min_size=1, max_size=most,
                                            unique=True), label='hosts')))
    try:
        profile = profile_of(names)
    except VmcpuError:
        profile = None  # an equal-field conflict: these hosts cannot share a profile
    hypothesis.assume(profile is not None)
    return names, profile


@hypothesis.settings(max_examples=60, deadline=None)
@hypothesis.given(data=st.data())
def test_soundness_every_host_that_built_a_profile_passes_it(real_dump_facts, by_vendor, profile_of, data):
    names, plain = _draw_fleet(data, by_vendor, profile_of, 4)
    dropped = data.draw(st.lists(st.sampled_from(plain['features']), max_size=6, unique=True), label='dropped')
    features = tuple('-' + name for name in sorted(dropped))
    profile = profile_of(names, features)
    verify_profile(profile)
    for name in names:
        result = check_host(profile, real_dump_facts[name], name)
        assert result['compatible'], result['summary']
        assert result['failures'] == [] and result['missing_msrs'] == []
        assert result['drift'] == {'status': 'none', 'changes': {}}
        assert result['summary'] == ('host %s is compatible with profile check (%d contract fields checked; '
                                     'fingerprint unchanged since the profile was made).'
                                     % (name, result['checked_fields']))


@hypothesis.settings(max_examples=80, deadline=None)
@hypothesis.given(data=st.data())
def test_monotonicity_clearing_an_offered_flag_bit_fails_naming_it(real_dump_facts, by_vendor, profile_of, data):
    """Clearing one contract flag bit the profile sets makes a passing host fail, and the failures
    name that field. They may name more, always XSAVE fields of leaf 0xd: when the cleared feature
    was the only user of a state component (avx512f and the opmask/ZMM components, pku and PKRU), the
    host no longer counts that component (ComponentPlan.without_unusable, as the merge does), so its
    recomputed XSAVE sizes shrink and the component's own sub-leaf flags (xsave_component_xfd[18])
    are gone too."""
    names, profile = _draw_fleet(data, by_vendor, profile_of, 3)
    host = data.draw(st.sampled_from(names), label='host')
    key, bit, field_name = data.draw(st.sampled_from(_offered_flag_bits(profile)), label='bit')
    result = check_host(profile, _without_bit(real_dump_facts[host], key, bit), host)
    assert not result['compatible']
    assert field_name in _fields(result), result['summary']
    failure = next(f for f in result['failures'] if f['field'] == field_name)
    assert failure['rule'] == RULE_FLAG and failure['host_value'] != failure['profile_value']
    assert failure['message'].startswith('host lacks %s' % field_name)
    for other in result['failures']:
        if other['field'] != field_name:
            assert other['location'].startswith('CPUID.(0xd,'), other


# ---------------------------------------------------------------------------------------------
# Rules and messages
# ---------------------------------------------------------------------------------------------

def test_missing_feature_is_named_with_location_values_and_sentence(real_dump_facts, profile_of):
    result = check_host(profile_of((GOLD,)), real_dump_facts[BROADWELL], BROADWELL)
    assert not result['compatible']
    avx512f = next(f for f in result['failures'] if f['field'] == 'avx512f')
    assert avx512f == {'field': 'avx512f', 'location': 'CPUID.(0x7,0).EBX[16]', 'rule': 'flag',
                       'profile_value': 1, 'host_value': 0,
                       'message': 'host lacks avx512f, which the profile offers to guests'}
    max_leaf = next(f for f in result['failures'] if f['field'] == 'max_std_leaf')
    assert max_leaf['rule'] == 'min' and max_leaf['location'] == 'CPUID.(0x0,0).EAX[31:0]'
    assert max_leaf['message'] == "host has max_std_leaf %d, below the profile's %d" % (
        max_leaf['host_value'], max_leaf['profile_value'])
    assert result['summary'].startswith('host %s is NOT compatible with profile check (%d field(s) fail: '
                                        % (BROADWELL, len(result['failures'])))
    assert result['summary'].endswith('; host was not one of the profile hosts).')


def test_vulnerability_the_profile_does_not_have_fails_as_bug_flag(real_dump_facts, profile_of):
    """The hybrid i7-12700H has no RRSBA in IA32_ARCH_CAPABILITIES, the i7-1270P reports it."""
    result = check_host(profile_of((ALDER_LAKE_HYBRID,)), real_dump_facts[ALDER_LAKE_P], ALDER_LAKE_P)
    assert result['failures'] == [{
        'field': 'rrsba', 'location': 'MSR 0x10a[19]', 'rule': 'bug_flag', 'profile_value': 0, 'host_value': 1,
        'message': 'host has rrsba set, which the profile tells guests is clear'}]


def test_ranged_fields_are_named_by_their_concrete_subleaf(real_dump_facts, profile_of):
    """A different XSAVE component layout fails the equal rule at its own sub-leaf."""
    facts = copy.deepcopy(real_dump_facts[GOLD])
    for entry in facts['raw_cpuid']['groups'][0]['cpuid']:
        if (int(entry['leaf'], 16), int(entry['subleaf'], 16)) == (0xD, 2):
            assert int(entry['eax'], 16) == 256
            entry['eax'] = '0x%08x' % 512
    failures = {f['field']: f for f in check_host(profile_of((GOLD,)), facts, GOLD)['failures']}
    assert failures['xsave_component_size[2]'] == {
        'field': 'xsave_component_size[2]', 'location': 'CPUID.(0xd,2).EAX[31:0]', 'rule': 'equal',
        'profile_value': 256, 'host_value': 512,
        'message': 'host has xsave_component_size[2] 512 where the profile requires exactly 256'}


def test_hybrid_host_is_judged_by_all_of_its_core_types(real_dump_facts, profile_of):
    """The i7-12700H's P-core and E-core groups agree on every contract field, so take away SHA-NI
    from its E-cores only: the host no longer passes the profile that offers SHA-NI, although its
    group 0 (the P-cores) still has it; judging by group 0 alone, it would pass."""
    hybrid = real_dump_facts[ALDER_LAKE_HYBRID]
    assert [group['core_type'] for group in hybrid['raw_cpuid']['groups']] == ['performance', 'efficiency']
    profile = profile_of((ALDER_LAKE_HYBRID,))
    sha_ni = next((key, bit) for key, bit, name in _offered_flag_bits(profile) if name == 'sha_ni')
    e_cores_without = _without_bit(hybrid, *sha_ni, group=1)
    assert _fields(check_host(profile, e_cores_without, ALDER_LAKE_HYBRID)) == ['sha_ni']
    p_cores_only = copy.deepcopy(e_cores_without)
    del p_cores_only['raw_cpuid']['groups'][1]
    assert check_host(profile, p_cores_only, ALDER_LAKE_HYBRID)['compatible']


def test_toggles_decide_what_is_contract(real_dump_facts, profile_of):
    """-avx2: a host without AVX2 passes; +rtm (static 0 by default): a host without RTM fails."""
    facts = real_dump_facts[GOLD]
    avx2 = next((key, bit) for key, bit, name in _offered_flag_bits(profile_of((GOLD,))) if name == 'avx2')
    assert check_host(profile_of((GOLD,), ('-avx2',)), _without_bit(facts, *avx2), GOLD)['compatible']
    assert not check_host(profile_of((GOLD,)), _without_bit(facts, *avx2), GOLD)['compatible']
    profile = profile_of((GOLD,), ('+rtm',))
    rtm = next((key, bit) for key, bit, name in _offered_flag_bits(profile, ['+rtm']) if name == 'rtm')
    assert check_host(profile, facts, GOLD)['compatible']
    assert _fields(check_host(profile, _without_bit(facts, *rtm), GOLD)) == ['rtm']
    plus_rtm = parse_adjustments(field_index('intel'), ['+rtm'])
    assert contract_index('intel', plus_rtm) is contract_index('intel', dict(plus_rtm))


def test_wrong_vendor_fails_with_a_vendor_failure_only(real_dump_facts, profile_of):
    result = check_host(profile_of((GOLD,)), real_dump_facts[EPYC], EPYC)
    assert not result['compatible']
    assert result['vendor'] == {'profile': 'GenuineIntel', 'host': 'AuthenticAMD', 'ok': False}
    assert result['msr_check'] == 'not checked: the CPU vendor differs' and result['checked_fields'] == 0
    assert result['failures'] == [{
        'field': 'vendor',
        'location': 'CPUID.(0x0,0).EBX[31:0], CPUID.(0x0,0).ECX[31:0], CPUID.(0x0,0).EDX[31:0]',
        'rule': 'equal', 'profile_value': 'GenuineIntel', 'host_value': 'AuthenticAMD',
        'message': 'host CPU vendor is AuthenticAMD, but the profile is for GenuineIntel CPUs'}]
    assert result['summary'] == ('host %s is NOT compatible with profile check (its CPU vendor is AuthenticAMD, '
                                 'the profile is for GenuineIntel; host was not one of the profile hosts).' % EPYC)


def test_dump_hosts_cannot_have_their_msrs_checked(real_dump_facts, profile_of):
    result = check_host(profile_of((GOLD,)), real_dump_facts[GOLD], GOLD)
    assert result['host_view'] == 'raw'
    assert result['msr_check'] == 'not required: the profile has no KVM MSR list'
    kvm_profile = dict(profile_of((GOLD,)), msr_index_known=True, required_msrs=['0x0000010a'])
    kvm_profile['digest'] = profile_digest(kvm_profile)
    result = check_host(kvm_profile, real_dump_facts[GOLD], GOLD)
    assert result['msr_check'] == MSR_CHECK_NO_KVM == 'not possible: no KVM view'
    assert result['compatible'] and result['missing_msrs'] == []


# ---------------------------------------------------------------------------------------------
# Drift
# ---------------------------------------------------------------------------------------------

def test_host_not_in_the_profile_has_drift_not_in_profile(real_dump_facts, profile_of):
    result = check_host(profile_of((GOLD,)), real_dump_facts['Xeon-Platinum-8268'], 'Xeon-Platinum-8268')
    assert result['drift'] == {'status': 'not_in_profile', 'changes': {}}


def test_changed_microcode_is_drift_naming_microcode(real_dump_facts, profile_of):
    facts = copy.deepcopy(real_dump_facts[GOLD])
    facts['fingerprint']['microcode'] = '0x2006e05'
    with_digest(facts['fingerprint'])
    result = check_host(profile_of((GOLD,)), facts, GOLD)
    assert result['compatible']
    assert result['drift'] == {'status': 'changed', 'changes': {'microcode': {'profile': None, 'host': '0x2006e05'}}}
    assert result['summary'].endswith('fingerprint changed since the profile was made (microcode)).')


def test_drift_outside_the_summary_names_the_digest(real_dump_facts, profile_of):
    facts = copy.deepcopy(real_dump_facts[GOLD])
    facts['fingerprint']['vulnerabilities'] = {'retbleed': 'Mitigation: IBRS'}
    facts['fingerprint']['kvm_parameters'] = {'kvm_intel.nested': 'N'}
    with_digest(facts['fingerprint'])
    drift = check_host(profile_of((GOLD,)), facts, GOLD)['drift']
    assert drift == {'status': 'changed', 'changes': {'kvm_parameters.kvm_intel.nested': {'profile': None, 'host': 'N'}}}
    del facts['fingerprint']['kvm_parameters']['kvm_intel.nested']
    with_digest(facts['fingerprint'])
    drift = check_host(profile_of((GOLD,)), facts, GOLD)['drift']
    assert list(drift['changes']) == ['fingerprint_digest']
    assert drift['changes']['fingerprint_digest']['host'] == facts['fingerprint']['digest']


# ---------------------------------------------------------------------------------------------
# The profile itself
# ---------------------------------------------------------------------------------------------

def test_tampered_profile_is_refused(real_dump_facts, profile_of):
    profile = copy.deepcopy(profile_of((BROADWELL,)))
    profile['features'].append('avx512f')
    with pytest.raises(VmcpuError, match='was tampered with'):
        check_host(profile, real_dump_facts[BROADWELL], BROADWELL)


def test_bad_facts_are_refused_naming_the_host(profile_of):
    with pytest.raises(VmcpuError) as caught:
        check_host(profile_of((GOLD,)), 'nonsense', 'hv1')
    assert str(caught.value) == ('host hv1: facts are not a mapping (got str); gather them with '
                                 'vmcpu.profiles.cpu_facts.')
    with pytest.raises(VmcpuError, match='host hv1: facts are incomplete or malformed'):
        check_host(profile_of((GOLD,)), {'schema_version': 1, 'vendor': 'GenuineIntel'}, 'hv1')


# ---------------------------------------------------------------------------------------------
# The machine's own live facts
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope='module')
def live_facts():
    try:
        return gather_facts()
    except HostAccessError as exc:
        pytest.skip('live CPUID cannot be read here: %s' % exc)


def test_live_host_passes_a_profile_built_from_its_own_facts(live_facts):
    profile = build_profile([('live', live_facts)], 'live')
    result = check_host(profile, gather_facts(), 'live')  # gathered again: what the module would read
    assert result['compatible'], result['summary']
    assert result['drift']['status'] in ('none', 'changed')  # 'changed' only if the host changed meanwhile
    if live_facts['kvm'].get('available'):
        assert result['host_view'] == 'kvm'
        assert result['msr_check'] == 'ok'
        facts = copy.deepcopy(live_facts)
        facts['kvm']['msr_index_list'].remove(profile['required_msrs'][0])
        result = check_host(profile, facts, 'live')
        assert not result['compatible'] and result['msr_check'] == 'failed'
        assert result['missing_msrs'] == [profile['required_msrs'][0]]
        assert '1 required MSR(s) missing: %s' % profile['required_msrs'][0] in result['summary']


def test_monotonicity_exhaustively_for_single_host_profiles(real_dump_facts):
    """The property above for every contract flag bit of every real CPU's own profile."""
    cleared = 0
    for name, facts in sorted(real_dump_facts.items()):
        profile = build_profile([(name, facts)], name)
        for key, bit, field_name in _offered_flag_bits(profile):
            result = check_host(profile, _without_bit(facts, key, bit), name, verify=False)
            assert field_name in _fields(result), (name, field_name, result['summary'])
            assert all(f['location'].startswith('CPUID.(0xd,') for f in result['failures'] if f['field'] != field_name)
            cleared += 1
    assert cleared > 1000


def test_passthrough_policy_takes_a_field_out_of_the_check(real_dump_facts, profile_of):
    facts = real_dump_facts[GOLD]
    avx2 = next((key, bit) for key, bit, name in _offered_flag_bits(profile_of((GOLD,))) if name == 'avx2')
    profile = build_profile([(GOLD, facts)], 'gold', policies={'avx2': 'passthrough'})
    assert check_host(profile, _without_bit(facts, *avx2), GOLD)['compatible']
    assert not check_host(profile_of((GOLD,)), _without_bit(facts, *avx2), GOLD)['compatible']

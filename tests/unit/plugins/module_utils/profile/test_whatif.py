# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What-if answers (profile.whatif) equal what rebuilding the changed pool from its facts gives:
for every group of identical hosts leaving and every other host joining, over random pools of real
dumps (QEMU's models without ../shared) with random toggles; then the bad inputs by message."""

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.index import field_index
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import Kind, VENDOR_IDS
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import build_profile
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.whatif import what_if, whatif_report

XEON_DUMPS = ('Xeon-E5-2650-v4', 'Xeon-Gold-6152', 'Xeon-Platinum-8268', 'Ice-Lake-Server', 'Xeon-Bronze-3408U',
              'Atom-P5362', 'Core-i7-8700')
XEON_MODELS = ('Haswell-v4', 'Broadwell-v4', 'Skylake-Server-v4', 'Cascadelake-Server-v4', 'Icelake-Server-v6')
TOGGLES = ('-avx2', '-avx512f', '-pcid', '-xsavec', '-aes')


@pytest.fixture(scope='module')
def xeons(request):
    """``{host: facts}`` of Intel hosts that can share a profile."""
    try:
        facts = request.getfixturevalue('real_dump_facts')
        return {name: facts[name] for name in XEON_DUMPS}
    except pytest.skip.Exception:
        facts = request.getfixturevalue('qemu_model_facts')
        return {model: facts[model] for model in XEON_MODELS}


def _expected(before, after):
    """What ``after`` keeps that ``before`` does not, and the non-identity fields that differ."""
    index = field_index(VENDOR_IDS[before['vendor']])
    return (sorted(set(after['features']) - set(before['features'])),
            {name: {'from': before['fields'].get(name, 0), 'to': value} for name, value in sorted(after['fields'].items())
             if value != before['fields'].get(name, 0) and index.by_name[name].kind != Kind.IDENTITY})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_answers_equal_rebuilding_the_changed_pool(xeons, data):
    names = sorted(xeons)
    pool = data.draw(st.lists(st.sampled_from(names), min_size=2, max_size=len(names), unique=True), label='pool')
    twins = data.draw(st.lists(st.sampled_from(pool), max_size=2, unique=True), label='twins')
    toggles = data.draw(st.lists(st.sampled_from(TOGGLES), max_size=2, unique=True), label='toggles')
    hosts = [(name, xeons[name]) for name in pool] + [(name + '-twin', xeons[name]) for name in twins]
    candidates = [(name, xeons[name]) for name in names if name not in pool]
    base = build_profile(hosts, 'pool', features=toggles)
    answer = what_if(hosts, 'pool', join=candidates, features=toggles)
    assert answer['x86_64_level'] == base['x86_64_level'] and answer['features'] == len(base['features'])
    left = sorted(host for entry in answer['leave'] for host in entry['hosts'])
    assert left == sorted(name for name, _facts in hosts) or len({id(f) for _n, f in hosts}) == 1
    for entry in answer['leave']:
        rest = [(name, facts) for name, facts in hosts if name not in entry['hosts']]
        # The target host's identity stays as it is in a what-if.
        target = base['target_host'] if base['target_host'] not in entry['hosts'] else None
        rebuilt = build_profile(rest, 'pool', features=toggles, target_host=target)
        assert (entry['gains'], entry['fields']) == _expected(base, rebuilt), entry['hosts']
        assert entry['loses'] == _expected(rebuilt, base)[0] and entry['x86_64_level'] == rebuilt['x86_64_level']
    for entry in answer['join']:
        rebuilt = build_profile(hosts + [(entry['host'], xeons[entry['host']])], 'pool', features=toggles,
                                target_host=base['target_host'])
        assert entry['loses'] == _expected(rebuilt, base)[0], entry['host']
        assert entry['gains'] == _expected(base, rebuilt)[0] and entry['x86_64_level'] == rebuilt['x86_64_level']
    ranks = [(len(entry['gains']), len(entry['fields'])) for entry in answer['leave']]
    assert ranks == sorted(ranks, reverse=True)


def test_twins_are_asked_about_together(xeons):
    name = sorted(xeons)[0]
    hosts = sorted(xeons.items()) + [(name + '-twin', xeons[name])]
    answer = what_if(hosts, 'pool', leave=[name])
    assert [entry['hosts'] for entry in answer['leave']] == [[name, name + '-twin']]
    assert 'identical hosts (`%s`, `%s-twin`), all of them' % (name, name) in whatif_report(answer)


def test_a_pool_of_one_cpu_has_nobody_holding_it_back(xeons):
    name, facts = sorted(xeons.items())[0]
    answer = what_if([(name, facts), ('copy', facts)], 'pool')
    assert answer['leave'] == []
    assert 'none: every host of the pool has the same CPU.' in whatif_report(answer)


@pytest.mark.parametrize('change, message', [
    (lambda hosts, other: dict(leave=['nosuch']), 'cannot leave host(s) nosuch: not in the pool ('),
    (lambda hosts, other: dict(join=[hosts[0]]), 'candidate %s is already in the pool.'),
    (lambda hosts, other: dict(join=[('amd1', other)]),
     "candidate amd1 has CPU vendor 'AuthenticAMD', the pool 'GenuineIntel': a host of another vendor cannot join."),
])
def test_bad_questions_are_refused_by_message(xeons, qemu_model_facts, change, message):
    hosts = sorted(xeons.items())[:3]
    with pytest.raises(VmcpuError) as raised:
        what_if(hosts, 'pool', **change(hosts, qemu_model_facts['EPYC-v3']))
    assert str(raised.value).startswith(message.replace('%s', hosts[0][0]))


def test_a_candidate_whose_equal_field_differs_cannot_join(xeons):
    """The CLFLUSH line size must be the same on every host: a candidate with another cannot join, and
    the message names the pool's hosts that have the pool's value."""
    hosts = sorted(xeons.items())[:3]
    candidate = copy.deepcopy(hosts[0][1])
    for group in candidate['raw_cpuid']['groups']:
        for entry in group['cpuid']:
            if entry['leaf'] == '0x00000001':
                entry['ebx'] = '0x%08x' % (int(entry['ebx'], 16) & ~0xFF00 | 0x1000)
    with pytest.raises(VmcpuError) as raised:
        what_if(hosts, 'pool', join=[('odd', candidate)])
    assert str(raised.value) == ('candidate odd cannot join: its clflush_size is 0x10, the pool has 0x8 (hosts %s); '
                                 'these hosts cannot share a profile.' % ', '.join(sorted(name for name, _f in hosts)))


def test_only_candidates_when_no_host_is_asked_to_leave(xeons):
    (name, facts), *rest = sorted(xeons.items())
    answer = what_if(rest, 'pool', leave=[], join=[(name, facts)])
    assert answer['leave'] is None and [entry['host'] for entry in answer['join']] == [name]
    report = whatif_report(answer)
    assert 'Hosts that hold the pool back' not in report and '- if `%s` joined: ' % name in report


def test_a_host_named_twice_is_refused(xeons):
    (name, facts), (_other, other_facts) = sorted(xeons.items())[:2]
    with pytest.raises(VmcpuError, match=r'^host\(s\) %s given more than once\.$' % name):
        what_if([(name, facts), (name, other_facts)], 'pool')


def test_a_feature_requested_that_some_host_lacks_is_refused_as_for_the_profile(xeons):
    """+feature keeps a feature off by default only when every host has it: what_if asks about a
    profile that could be made, so it refuses what build_profile refuses, with its message."""
    hosts = sorted(xeons.items())
    requested = message = None
    for feature in ('+rtm', '+hle', '+invtsc', '+mpx'):
        try:
            build_profile(hosts, 'pool', features=[feature])
        except VmcpuError as exc:
            requested, message = feature, str(exc)
            break
    assert requested, 'every host has each of the features tried: the test proves nothing'
    assert 'is requested but these hosts lack it' in message
    with pytest.raises(VmcpuError) as raised:
        what_if(hosts, 'pool', features=[requested])
    assert str(raised.value) == message

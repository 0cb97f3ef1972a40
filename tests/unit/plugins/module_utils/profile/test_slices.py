# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Partial profiles of slices of a fleet, merged (profile.slices, the filter merge_profiles): any
partition of a fleet, merged in any grouping and order, is the one-pass profile of the fleet."""

import random

import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.host_facts import gather_facts
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import build_profile
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.slices import merge_profiles, with_merge_inputs
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.profile_entry import merged_profile

hypothesis = pytest.importorskip('hypothesis')
st = hypothesis.strategies

# Fleets of real dumps (file stems) that share a profile, and QEMU's models of such fleets.
DUMP_FLEETS = {
    'GenuineIntel': ('Xeon-E5-2650-v4', 'Xeon-Gold-6152', 'Xeon-Platinum-8268', 'Ice-Lake-Server', 'Xeon-Bronze-3408U',
                     'Xeon-6788P', 'Core-i7-8700', 'Core-i7-1270P', 'Atom-P5362'),
    'AuthenticAMD': ('EPYC-7601-32-Core', 'EPYC-7713-64-Core', 'Ryzen-9-3900X-12-Core'),
}
MODEL_FLEETS = {
    'GenuineIntel': ('Haswell-v4', 'Broadwell-v4', 'Skylake-Server-v4', 'Cascadelake-Server-v4', 'Icelake-Server-v6'),
    'AuthenticAMD': ('EPYC-v3', 'EPYC-Rome-v2', 'EPYC-Milan-v1'),
}


def _fleets(request):
    """``{vendor: [(host, facts)]}``: every real dump of ../shared (QEMU's models without it), each
    CPU twice under two names (slices share CPU models), and this machine's live facts with its KVM
    view in the fleet of its vendor, so both kinds of merge input are in (``test_kvm_view_is_merged``)."""
    try:
        dumps, members = request.getfixturevalue('real_dump_facts'), DUMP_FLEETS
    except pytest.skip.Exception:
        dumps, members = request.getfixturevalue('qemu_model_facts'), MODEL_FLEETS
    fleets = {vendor: [(name + twin, dumps[name]) for name in names for twin in ('', '-twin')]
              for vendor, names in members.items()}
    live = gather_facts()
    if live['vendor'] in fleets:
        try:  # this machine joins when it can share a profile with the dumps' CPUs (AMD EPYC here)
            build_profile(fleets[live['vendor']] + [('this-machine', live)], 'probe')
            fleets[live['vendor']].append(('this-machine', live))
        except VmcpuError:
            pass
    return fleets


@pytest.fixture(scope='module')
def fleets(request):
    return _fleets(request)


def _partial(hosts, features=()):
    return with_merge_inputs(build_profile(hosts, 'slice', features=features), hosts)


@pytest.mark.parametrize('vendor', ['GenuineIntel', 'AuthenticAMD'])
def test_any_partition_in_any_grouping_is_the_one_pass_profile(fleets, vendor):
    hosts = fleets[vendor]
    one_pass = {features: build_profile(hosts, 'fleet', features=features) for features in ((), ('-avx',))}

    @hypothesis.settings(max_examples=20, deadline=None)
    @hypothesis.given(slice_of=st.lists(st.integers(0, 3), min_size=len(hosts), max_size=len(hosts)),
                      order=st.randoms(use_true_random=False), features=st.sampled_from(sorted(one_pass)))
    def check(slice_of, order, features):
        slices = {}
        for host, number in zip(hosts, slice_of):
            slices.setdefault(number, []).append(host)
        partials = [_partial(members, features) for members in slices.values()]
        # A random merge tree: two random partial profiles are merged (partial again) until one is left.
        while len(partials) > 1:
            order.shuffle(partials)
            partials.append(merge_profiles([partials.pop(), partials.pop()], 'step', partial=True))
        merged = merge_profiles(partials, 'fleet')
        expected = one_pass[features]
        assert merged["digest"] == expected["digest"]
        assert merged == dict(expected, provenance=dict(expected['provenance'], generated_at=merged['provenance']['generated_at']))
        # Partial again, it is the one-pass partial profile: the merge inputs are canonical too.
        assert (merge_profiles(partials, 'fleet', partial=True)['digest']
                == with_merge_inputs(build_profile(hosts, 'fleet', features=features), hosts)['digest'])

    check()


def test_inputs_hold_each_cpu_once(fleets):
    hosts = fleets['GenuineIntel']
    inputs = _partial(hosts)['merge_inputs']
    assert len(inputs['cpus']) == len({id(facts) for _host, facts in hosts})
    assert inputs['hosts'][hosts[0][0]] == inputs['hosts'][hosts[0][0] + '-twin']


def test_refusals_name_the_profile(fleets):
    hosts = fleets['GenuineIntel']
    first, second = _partial(hosts[:2]), _partial(hosts[2:4])
    with pytest.raises(VmcpuError, match=r'profile fleet \(item 2\) has no merge inputs, so it cannot be merged exactly'):
        merge_profiles([first, build_profile(hosts[2:4], 'fleet')], 'x')
    with pytest.raises(VmcpuError, match='different toggles or policies'):
        merge_profiles([first, _partial(hosts[2:4], ('-avx',))], 'x')
    with pytest.raises(VmcpuError, match=r'host %s is in profile slice \(item 1\) and in profile slice \(item 2\)' % hosts[1][0]):
        merge_profiles([first, _partial(hosts[1:3])], 'x')
    with pytest.raises(VmcpuError, match='no profiles given'):
        merge_profiles([], 'x')
    broken = dict(second, merge_inputs=dict(second['merge_inputs'], hosts={hosts[2][0]: 0}))
    with pytest.raises(VmcpuError, match='its merge inputs and its provenance list different hosts'):
        merge_profiles([first, broken], 'x')
    broken = dict(second, merge_inputs=dict(second['merge_inputs'], hosts={hosts[2][0]: 0, hosts[3][0]: 9}))
    with pytest.raises(VmcpuError, match='refers to CPU 9 of'):
        merge_profiles([first, broken], 'x')


def test_the_controller_entry_validates_each_profile(fleets):
    hosts = fleets['GenuineIntel']
    good = _partial(hosts[:2])
    with pytest.raises(VmcpuError, match='expected a list of partial profiles'):
        merged_profile({'a': good}, 'x')
    tampered = dict(good, merge_inputs={'cpus': [{'vendor': 'GenuineIntel', 'groups': [[{'leaf': 'zero'}]]}], 'hosts': {}})
    with pytest.raises(VmcpuError, match='profile 2 of the list'):
        merged_profile([good, tampered], 'x')
    merged = merged_profile([good, _partial(hosts[2:3])], 'fleet', partial=True)
    assert sorted(merged['merge_inputs']['hosts']) == sorted(host for host, _facts in hosts[:3])
    shuffled = list(hosts[:3])
    random.Random(1).shuffle(shuffled)
    assert merged['digest'] == with_merge_inputs(build_profile(shuffled, 'fleet'), shuffled)['digest']


def test_kvm_view_is_merged(fleets):
    """This machine's KVM view is a merge input of its own kind (here, an AMD EPYC under KVM)."""
    hosts = [entry for fleet in fleets.values() for entry in fleet if entry[0] == 'this-machine']
    if not hosts or not hosts[0][1]['kvm'].get('available'):
        pytest.skip('this machine has no KVM view that shares a profile with the dumps of its vendor')
    vendor = hosts[0][1]['vendor']
    inputs = _partial(fleets[vendor])['merge_inputs']
    assert sum('kvm' in cpu for cpu in inputs['cpus']) == 1

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What cpu_profile_check does on the managed node with facts and profiles it is given: malformed,
fuzzed or self-contradicting input gets one clear message, never a raw Python error."""

import copy
import re

import pytest
from hypothesis import given, strategies as st

from ansible_collections.vmcpu.profiles.plugins.module_utils.check.host_check import check_host
from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_dump import REGISTER_NAMES
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.facts_check import check_facts
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.host_view import check_facts_version


def module_check(profile, facts):
    """What the module does with a profile and the facts it was given."""
    check_facts_version('h1', facts)
    check_facts(facts, 'the facts of host h1')
    return check_host(profile, facts, 'h1')


@pytest.fixture(scope='module')
def fleet(export_cases):
    profile, hosts = export_cases[0]
    return profile, [host[1] for host in hosts]


def test_the_real_inputs_are_checked(fleet):
    profile, facts_list = fleet
    assert all(module_check(profile, facts)['compatible'] in (True, False) for facts in facts_list)


@given(data=st.data())
def test_fuzzed_facts_give_a_clear_error_or_a_result(fleet, mutated_document, data):
    profile, facts_list = fleet
    facts = mutated_document(data, data.draw(st.sampled_from(facts_list)))
    try:
        result = module_check(profile, facts)
    except VmcpuError as exc:
        assert str(exc).endswith('.') and 'Traceback' not in str(exc)
    else:
        assert isinstance(result['compatible'], bool)


@given(data=st.data())
def test_fuzzed_profiles_give_a_clear_error_or_a_result(fleet, mutated_document, data):
    profile, facts_list = fleet
    try:
        result = module_check(mutated_document(data, profile), facts_list[0])
    except VmcpuError as exc:
        assert str(exc).endswith('.')
    else:
        assert isinstance(result['compatible'], bool)


def leaf_entry(facts, leaf):
    return next(entry for entry in facts['raw_cpuid']['groups'][0]['cpuid'] if entry['leaf'] == leaf)


def amd_vendor(facts):
    entry = leaf_entry(facts, '0x00000000')
    # "AuthenticAMD" in ebx, edx, ecx: the registers of another vendor under the Intel vendor field.
    entry.update(ebx='0x68747541', edx='0x69746e65', ecx='0x444d4163')


def leaf_twice(facts):
    entries = facts['raw_cpuid']['groups'][0]['cpuid']
    twin = dict(leaf_entry(facts, '0x00000007'), ebx='0x00000000')
    entries.append(twin)


def leaf_twice_spelled_apart(facts):
    """The twin's sub-leaf has a leading zero: the schema allows one spelling, so text comparison finds twins."""
    entries = facts['raw_cpuid']['groups'][0]['cpuid']
    entries.append(dict(leaf_entry(facts, '0x00000007'), subleaf='0x00', ebx='0x00000000'))


def without_leaf_0(facts):
    entries = facts['raw_cpuid']['groups'][0]['cpuid']
    entries.remove(leaf_entry(facts, '0x00000000'))


@pytest.mark.parametrize('change, message', [
    (amd_vendor, "the facts of host h1: the document contradicts itself: vendor is 'GenuineIntel', but its CPUID says 'AuthenticAMD'"),
    (lambda facts: facts.update(model=facts['model'] + 1), 'the facts of host h1: the document contradicts itself: model is '),
    (lambda facts: facts.update(logical_cpus=facts['logical_cpus'] * 2), 'the facts of host h1: the document contradicts itself: logical_cpus is '),
    (lambda facts: facts.update(guest_view='kvm' if facts['guest_view'] == 'raw' else 'raw'),
     'the facts of host h1: the document contradicts itself: guest_view is '),
    (leaf_twice, 'the facts of host h1, raw_cpuid.groups[0].cpuid lists leaf 0x00000007 subleaf 0x0 twice'),
    (leaf_twice_spelled_apart, "the facts of host h1 does not match host_facts.schema.json at raw_cpuid.groups[0].cpuid["),
    (lambda facts: leaf_entry(facts, '0x00000001').update(eax='0x00000001'),
     'the facts of host h1: the document contradicts itself: family is '),
    (without_leaf_0, 'the facts of host h1: CPUID leaf 0 is missing, so the vendor cannot be determined.'),
])
def test_facts_that_contradict_themselves_are_refused(fleet, change, message):
    facts = copy.deepcopy(fleet[1][0])
    assert facts['vendor'] == 'GenuineIntel' and set(REGISTER_NAMES) == {'eax', 'ebx', 'ecx', 'edx'}
    change(facts)
    with pytest.raises(VmcpuError, match='^' + re.escape(message)):
        module_check(fleet[0], facts)

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The meet of host baselines is associative, commutative and idempotent, over real CPUs."""

import functools

import pytest
from hypothesis import given, strategies as st

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.host_view import host_view
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.merge import (
    Baseline, baseline_of, host_baseline, meet, merge_all, register_rules,
)


@pytest.fixture(scope='module')
def baselines_by_vendor(real_dump_facts):
    by_vendor = {}
    for name, facts in real_dump_facts.items():
        view = host_view(name, facts)
        by_vendor.setdefault(view.vendor, []).append(host_baseline(view))
    assert set(by_vendor) == {'intel', 'amd'}
    return by_vendor


def _perturbed(baseline, clear_bits):
    """A synthetic host: a real one with some feature bits cleared (flags and bug flags only, so
    that equal fields stay equal and the hosts still form a cluster)."""
    rules = register_rules(baseline.vendor)
    keys = sorted(baseline.registers, key=str)
    registers = dict(baseline.registers)
    for index, bit in clear_bits:
        key = keys[index % len(keys)]
        flag_bits = rules[key].and_mask | rules[key].or_mask
        registers[key] &= ~(flag_bits & (1 << bit))
    return baseline_of(baseline.vendor, baseline.hosts[0] + '-p', registers)


def _hosts(draw, baselines_by_vendor, count):
    vendor = draw(st.sampled_from(sorted(baselines_by_vendor)))
    pool = baselines_by_vendor[vendor]
    hosts = []
    while len(hosts) < count:
        base = draw(st.sampled_from(pool))
        clears = draw(st.lists(st.tuples(st.integers(0, 500), st.integers(0, 63)), max_size=40))
        hosts.append(_perturbed(base, clears))
    return hosts


def _merged_registers(*baselines):
    """The merged registers, or 'error' when the hosts cannot share a profile."""
    try:
        return merge_all(baselines).registers
    except VmcpuError:
        return 'error'


@pytest.mark.parametrize('law', ['associative', 'commutative', 'idempotent'])
def test_meet_laws_over_real_cpus(baselines_by_vendor, law):
    @given(st.data())
    def check(data):
        a, b, c = _hosts(data.draw, baselines_by_vendor, 3)
        if law == 'idempotent':
            assert meet(a, a).registers == a.registers
        elif law == 'commutative':
            assert _merged_registers(a, b) == _merged_registers(b, a)
        else:
            try:
                left = meet(meet(a, b), c).registers
            except VmcpuError:
                left = 'error'
            try:
                right = meet(a, meet(b, c)).registers
            except VmcpuError:
                right = 'error'
            assert left == right
    check()


def _compatible(baselines):
    """The largest prefix-greedy set of hosts that can share a profile (no equal-field conflict)."""
    chosen = [baselines[0]]
    for candidate in baselines[1:]:
        try:
            merge_all(chosen + [candidate])
        except VmcpuError:
            continue
        chosen.append(candidate)
    return chosen


def test_merge_all_is_order_independent(baselines_by_vendor):
    for vendor, baselines in baselines_by_vendor.items():
        compatible = _compatible(baselines)
        assert len(compatible) >= 2, vendor
        forward = merge_all(compatible).registers
        assert merge_all(list(reversed(compatible))).registers == forward, vendor
        middle = len(compatible) // 2
        sliced = meet(merge_all(compatible[:middle]), merge_all(compatible[middle:]))
        assert sliced.registers == forward, vendor


def test_flags_and_bug_flags_merge_by_their_kind(baselines_by_vendor):
    """Any flag bit in the meet is set on both hosts; any bug bit set on either host is set in it."""
    for baselines in baselines_by_vendor.values():
        a, b = baselines[0], baselines[-1]
        try:
            merged = meet(a, b)
        except VmcpuError:
            continue
        rules = register_rules(a.vendor)
        for key, rule in rules.items():
            left, right, value = a.registers.get(key, 0), b.registers.get(key, 0), merged.registers.get(key, 0)
            assert value & rule.and_mask == left & right & rule.and_mask, key
            assert value & rule.or_mask == (left | right) & rule.or_mask, key


def test_equal_fields_that_disagree_name_both_hosts(baselines_by_vendor):
    intel = baselines_by_vendor['intel'][0]
    rules = register_rules('intel')
    key = next(k for k, rule in rules.items() if any(name == 'clflush_size' for mask, name in rule.equal_fields))
    other = dict(intel.registers)
    other[key] = (other.get(key, 0) & ~0xFF00) | (16 << 8)
    odd = baseline_of('intel', 'odd-host', other)
    with pytest.raises(VmcpuError) as error:
        meet(intel, odd)
    message = str(error.value)
    assert 'field clflush_size (CPUID.(0x1,0).EBX) must be equal on every host' in message
    assert 'host %s has 0x8' % intel.hosts[0] in message and 'host odd-host has 0x10' in message


def test_vendors_never_meet(baselines_by_vendor):
    with pytest.raises(VmcpuError, match='cannot merge intel hosts'):
        meet(baselines_by_vendor['intel'][0], Baseline('amd', ('epyc',), {}))


def test_a_component_no_feature_of_the_host_uses_is_not_compared(baselines_by_vendor):
    """Zen 2 enumerates XSAVE component 9 (PKRU, size 0x40 in the dump) but has no PKU; Zen 3 has
    PKU with a size-8 PKRU. Only the usable Zen 3 layout takes part in the meet."""
    by_name = {b.hosts[0]: b for b in baselines_by_vendor['amd']}
    zen3, zen2 = by_name['EPYC-7713-64-Core'], by_name['Ryzen-9-3900X-12-Core']
    size_key = ('cpuid', 0xD, 9, 'eax')
    assert size_key not in zen2.registers and zen3.registers[size_key] == 8
    assert meet(zen3, zen2).registers[size_key] == 8


def test_merge_all_is_the_fold_of_meet(baselines_by_vendor):
    """merge_all merges each register over its distinct values; the result, and the error when the
    hosts cannot meet, are those of folding meet over the hosts in order."""
    @given(st.data())
    def check(data):
        hosts = _hosts(data.draw, baselines_by_vendor, data.draw(st.integers(2, 6)))
        if data.draw(st.booleans()):
            hosts.append(hosts[0])
        if data.draw(st.booleans()):
            # A host whose clflush_size (an equal field) differs from the others': no meet.
            odd = data.draw(st.sampled_from(hosts))
            key = next(k for k, rule in register_rules(odd.vendor).items()
                       if any(name == 'clflush_size' for mask, name in rule.equal_fields))
            registers = dict(odd.registers)
            registers[key] = (registers.get(key, 0) & ~0xFF00) | (16 << 8)
            hosts.insert(data.draw(st.integers(0, len(hosts))), baseline_of(odd.vendor, 'odd-host', registers))
        try:
            folded = functools.reduce(meet, hosts)
        except VmcpuError as error:
            with pytest.raises(VmcpuError) as merged_error:
                merge_all(hosts)
            assert str(merged_error.value) == str(error)
            return
        merged = merge_all(hosts)
        assert (merged.registers, merged.hosts, merged.equal_origin) == \
            (folded.registers, folded.hosts, folded.equal_origin)
    check()

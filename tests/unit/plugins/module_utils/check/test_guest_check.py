# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The guest check (design notes section 7) on the facts of QEMU's own CPU models: what it compares
exactly, what it leaves out by rule, and bad input by message. Booted guests are checked in
tests/unit/guest."""

import copy
import re

import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.check.guest_check import check_guest
from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.libvirt import to_libvirt_xml
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.qemu import cpu_properties, to_qemu_cpu
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import build_profile
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.registers import profile_cpuid

# Without AVX-512: TCG leaves out AVX-512 but shows its XSAVE components, which a profile drops with
# the feature, so a model with AVX-512 does not equal its own profile there.
MODEL = 'Broadwell-v4'


@pytest.fixture(scope='module')
def alone(qemu_model_facts):
    """``(profile, facts)``: the profile of one model alone, and that model's facts."""
    facts = qemu_model_facts[MODEL]
    return build_profile([(MODEL, facts)], 'broadwell-alone'), facts


def _set_bits(facts, leaf, register, bits):
    """A copy of ``facts`` whose every CPU group has ``bits`` set in ``register`` of (leaf, 0)."""
    changed = copy.deepcopy(facts)
    for group in changed['raw_cpuid']['groups']:
        for entry in group['cpuid']:
            if int(entry['leaf'], 16) == leaf and int(entry['subleaf'], 16) == 0:
                entry[register] = '0x%08x' % (int(entry[register], 16) | bits)
    return changed


def test_a_host_seen_as_a_guest_matches_its_own_profile(alone):
    profile, facts = alone
    result = check_guest(profile, facts, 'vm1')
    assert result['compatible'], result['summary']
    assert result['summary'] == 'guest vm1 sees exactly profile broadwell-alone (%d fixed bits checked)' % (
        result['checked_bits'])


def test_fields_the_vmm_or_the_os_set_are_left_out(alone):
    """APIC ID (CPUID.1:EBX[31:24]), OSXSAVE (CPUID.1:ECX[27]) and the hypervisor bit (ECX[31]) are the
    VMM's or the guest OS's: a guest may show anything there."""
    profile, facts = alone
    changed = _set_bits(_set_bits(facts, 1, 'ebx', 0x7F000000), 1, 'ecx', 1 << 27 | 1 << 31)
    result = check_guest(profile, changed, 'vm1')
    assert result['compatible'], result['summary']


def test_a_bit_the_profile_zeroes_must_be_zero(alone):
    """Exact, not <=: a guest that sees more than the profile (here AVX512-VBMI, CPUID.7.0:ECX[1],
    which Broadwell lacks) fails, naming the field."""
    profile, facts = alone
    assert 'avx512vbmi' not in profile['features']
    assert (7, 0, 'ecx') not in profile_cpuid(profile)  # an unlisted register: zero for the guest
    result = check_guest(profile, _set_bits(facts, 7, 'ecx', 1 << 1), 'vm1')
    assert [failure['field'] for failure in result['failures']] == ['avx512vbmi'], result['summary']
    assert result['failures'][0]['message'] == 'guest has avx512vbmi = 1, the profile fixes 0'
    assert result['failures'][0]['rule'] == 'exact'


def test_a_guest_of_another_vendor_is_named(alone, qemu_model_facts):
    profile, _facts = alone
    result = check_guest(profile, qemu_model_facts['EPYC-v3'], 'vm-amd')
    assert not result['compatible']
    assert result['summary'] == ('guest vm-amd does not see profile broadwell-alone: guest CPU vendor is '
                                 'AuthenticAMD, the profile is for GenuineIntel')


@pytest.mark.parametrize('damage, message', [
    (lambda facts: facts.pop('raw_cpuid'), 'guest vm1: facts are incomplete or malformed'),
    (lambda facts: facts['raw_cpuid']['groups'][0]['cpuid'][0].update(eax='0xzz'),
     'guest vm1: facts are incomplete or malformed'),
    (lambda facts: facts.update(schema_version=99), 'host vm1: facts have schema_version 99'),
])
def test_malformed_guest_facts_are_refused_by_message(alone, damage, message):
    profile, facts = alone
    facts = copy.deepcopy(facts)
    damage(facts)
    with pytest.raises(VmcpuError, match='^' + re.escape(message)):
        check_guest(profile, facts, 'vm1')


def test_a_brand_string_with_a_comma_is_named_by_the_qemu_export_and_carried_by_libvirt(alone):
    """QEMU splits -cpu at every comma, so model-id cannot hold one: the QEMU export leaves it out and
    says why; libvirt's -global takes the value whole."""
    profile, _facts = alone
    brand = dict(cpu_properties(profile))['model-id']
    assert ',' in brand  # QEMU's own model name: "Intel Core Processor (Broadwell, no TSX, IBRS)"
    exported = to_qemu_cpu(profile)
    assert 'model-id=' not in exported.argument
    assert exported.unexpressed['brand_string'] == 'it holds a comma, and QEMU splits -cpu at every comma'
    assert 'brand_string' in exported.warning()
    assert "<qemu:arg value='x86_64-cpu.model-id=%s'/>" % brand in to_libvirt_xml(profile).commandline


@pytest.mark.parametrize('byte', [0x01, 0xE9])
def test_a_brand_string_outside_printable_ascii_is_named_by_both_exports(qemu_model_facts, byte):
    """A control character (0x01) or a Latin-1 letter (0xE9) in the brand: QEMU stores model-id as UTF-8
    text, so neither export can give the guest those bytes; both say so and write no model-id."""
    facts = copy.deepcopy(qemu_model_facts[MODEL])
    for group in facts['raw_cpuid']['groups']:
        for entry in group['cpuid']:
            if entry['leaf'] == '0x80000002':
                entry['eax'] = '0x%08x' % (int(entry['eax'], 16) & 0xFFFFFF00 | byte)
    profile = build_profile([(MODEL, facts)], 'odd-brand')
    assert ord(dict(cpu_properties(profile))['model-id'][0]) == byte
    why = 'it holds bytes outside printable ASCII, which QEMU would not store as they are'
    exported = to_qemu_cpu(profile)
    assert 'model-id=' not in exported.argument and exported.unexpressed['brand_string'] == why
    libvirt = to_libvirt_xml(profile)
    assert 'model-id' not in libvirt.commandline and libvirt.not_carried == {'brand_string': why}
    assert libvirt.warning().endswith('; and a brand string the domain cannot be given (%s)' % why)


def test_a_feature_leaf_is_not_checked_while_the_profile_turns_the_feature_off(alone):
    """CPUID leaf 5 describes MONITOR/MWAIT: with MONITOR off in the profile the guest has no business
    reading it, and QEMU fills CPUID.5.ECX[1:0] for every model; other unlisted registers must be 0."""
    profile, facts = alone
    assert 'monitor' not in profile['features']
    assert check_guest(profile, _set_bits(facts, 5, 'ecx', 0x3), 'vm1')['compatible']


def test_a_field_left_to_the_host_in_an_unlisted_register_is_not_checked(qemu_model_facts):
    """A passthrough policy leaves the field to the host even where no host set a bit of its register
    (so the profile lists no register): a guest may show it."""
    facts = qemu_model_facts[MODEL]
    profile = build_profile([(MODEL, facts)], 'broadwell-loose', policies={'avx_vnni': 'passthrough'})
    assert (7, 1, 'eax') not in profile_cpuid(profile)
    assert check_guest(profile, _set_bits_subleaf(facts, 7, 1, 'eax', 1 << 4), 'vm1')['compatible']


def _set_bits_subleaf(facts, leaf, subleaf, register, bits):
    changed = copy.deepcopy(facts)
    for group in changed['raw_cpuid']['groups']:
        entries = [e for e in group['cpuid'] if int(e['leaf'], 16) == leaf and int(e['subleaf'], 16) == subleaf]
        if not entries:
            entries = [dict(leaf='0x%08x' % leaf, subleaf='0x%08x' % subleaf, eax='0x00000000', ebx='0x00000000',
                            ecx='0x00000000', edx='0x00000000')]
            group['cpuid'].append(entries[0])
        entries[0][register] = '0x%08x' % (int(entries[0][register], 16) | bits)
    return changed

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fleet profile exported to QEMU and to libvirt, booted as a real guest under TCG (``enforce`` for
QEMU; a real libvirtd with ``check='full'`` for libvirt), is what the guest sees: the guest check
finds every bit the profile fixes (identity, leaf ranges, physical address width, features) in the
guest's CPUID, and names the field a wrong export changed.

The fleets are real CPU dumps of ../shared (QEMU's own models booted under TCG in a clone without
it) plus TCG itself as a host: the dumper booted with ``-cpu max``. The profile of them keeps only
what TCG can give, so the exports boot with ``enforce``. TCG's ``max`` has the vendor asked for; for
AMD it boots without PKU, since TCG lays out the XSAVE area with PKRU at 0xa80 (after the AVX-512
components) where Zen has it at 0x980, and XSAVE offsets must be equal on every host.

The exports warn about kept fields they cannot carry (QEMU has no property for them). Booted, the
guest lacks exactly some of those: the test checks that each field the guest lacks was warned about,
then drops them from the profile (``features: [-f]``, what the docs tell operators) and boots again;
that profile the guest must see exactly. (Real Intel CPUs have ``fdp_excptn_only`` and
``zero_fcs_fds``, real Zen CPUs ``efer_lmsle_mbz``, which QEMU cannot set; fleets of QEMU models have
none of them.)
"""

import json
import os
import subprocess
import sys

import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.check.guest_check import check_guest
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.libvirt import to_libvirt_xml
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.qemu import fixed_bits, to_qemu_cpu
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_leaves import enumerate_cpuid
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.host_facts import gather_facts
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.index import field_index
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import VENDOR_IDS
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import build_profile
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.registers import profile_cpuid

# vendor: (real dumps under ../shared/testdata/cpuid, QEMU models in their place, TCG's -cpu max)
FLEETS = {
    'intel': (('libvirt/x86_64-cpuid-Xeon-Platinum-8268.xml', 'libvirt/x86_64-cpuid-Ice-Lake-Server.xml'),
              ('Cascadelake-Server-v4', 'Icelake-Server-v6'), 'max,vendor=GenuineIntel'),
    'amd': (('libvirt/x86_64-cpuid-EPYC-7601-32-Core.xml', 'libvirt/x86_64-cpuid-EPYC-7713-64-Core.xml'),
            ('EPYC-v3', 'EPYC-Milan-v1'), 'max,vendor=AuthenticAMD,-pku'),
}
# Lower than TCG's own 40 bits, so the guest sees it only when the export carries it.
PHYS_BITS = 39
GENERATED_AT = '2026-12-02T00:00:00Z'


@pytest.fixture(scope='module')
def elf(guest_tool, tmp_path_factory):
    return guest_tool.build_guest(str(tmp_path_factory.mktemp('guest')))


def dump_facts(guest_tool, entries, folder, name='guest'):
    """The facts of a guest's CPUID table as cpu_facts imports the guest's dump."""
    path = folder / ('%s.cpuid' % name)
    path.write_text(guest_tool.raw_dump(entries, enumerate_cpuid))
    return gather_facts(src=str(path))


def booted_facts(guest_tool, elf, argument, folder):
    """The facts of a guest booted by QEMU with ``-cpu argument``."""
    return dump_facts(guest_tool, guest_tool.boot(elf, argument)[0], folder)


def lacking(result):
    return sorted(failure['field'] for failure in result['failures'])


@pytest.fixture(scope='module', params=sorted(FLEETS))
def fleet(request, guest_tool, elf, shared_dumps_root, tmp_path_factory):
    """``(hosts, profile)``: the fleet's hosts and the profile of them that QEMU can carry whole."""
    dumps, models, tcg_max = FLEETS[request.param]
    folder = tmp_path_factory.mktemp('fleet')
    if shared_dumps_root is not None:
        hosts = [(dump.rsplit('/', 1)[1], gather_facts(src=str(shared_dumps_root / dump))) for dump in dumps]
    else:
        paths = guest_tool.model_dumps(models, str(folder), enumerate_cpuid)
        hosts = [(model, gather_facts(src=paths[model])) for model in models]
    hosts.append(('tcg-max', dump_facts(guest_tool, guest_tool.boot(elf, tcg_max)[0], folder, 'tcg-max')))
    policies = {'phys_addr_bits': 'static:%d' % PHYS_BITS}
    whole = build_profile(hosts, 'tcg-%s' % request.param, generated_at=GENERATED_AT, policies=policies)
    exported = to_qemu_cpu(whole)
    # It boots with enforce (boot raises otherwise), and what the guest lacks was warned about.
    missing = lacking(check_guest(whole, booted_facts(guest_tool, elf, exported.argument, folder), 'guest'))
    assert set(missing) <= set(exported.unexpressed), (missing, exported.unexpressed)
    carried = build_profile(hosts, whole['name'], generated_at=GENERATED_AT, policies=policies,
                            features=['-' + name for name in missing])
    table = field_index(VENDOR_IDS[whole['vendor']])
    before, after = fixed_bits(whole, table), fixed_bits(carried, table)
    assert sorted(name for name in before if before[name] != after[name]) == missing
    assert not any(after[name] for name in missing)
    return hosts, carried


def assert_sees_exactly(profile, facts):
    result = check_guest(profile, facts, 'guest')
    assert result['compatible'], result['summary']
    assert result['checked_bits'] > 1000
    # What the check covers, seen directly: the leaf ranges and the physical address width.
    wanted = profile_cpuid(profile)
    seen = {(int(e['leaf'], 16), int(e['subleaf'], 16)): e for e in facts['raw_cpuid']['groups'][0]['cpuid']}
    assert int(seen[(0x80000008, 0)]['eax'], 16) & 0xFF == PHYS_BITS == wanted[(0x80000008, 0, 'eax')][0] & 0xFF
    for leaf in (0, 0x80000000):
        assert int(seen[(leaf, 0)]['eax'], 16) == wanted[(leaf, 0, 'eax')][0]
    assert facts['vendor'] == profile['vendor']


def assert_names_popcnt(profile, facts):
    # POPCNT (CPUID.1:ECX[23]) is kept by every fleet here and nothing depends on it.
    result = check_guest(profile, facts, 'guest')
    assert not result['compatible']
    assert lacking(result) == ['popcnt'], result['summary']
    assert result['failures'][0]['message'] == 'guest has popcnt = 0, the profile fixes 1'
    assert result['summary'] == 'guest guest does not see profile %s: guest has popcnt = 0, the profile fixes 1' % (
        profile['name'])


def test_the_qemu_guest_sees_exactly_the_profile(guest_tool, elf, fleet, tmp_path):
    profile = fleet[1]
    exported = to_qemu_cpu(profile)
    assert exported.argument.endswith(',enforce') and 'phys-bits=%d' % PHYS_BITS in exported.argument
    assert_sees_exactly(profile, booted_facts(guest_tool, elf, exported.argument, tmp_path))


def test_a_wrong_qemu_argument_is_named_by_the_guest_check(guest_tool, elf, fleet, tmp_path):
    profile = fleet[1]
    assert 'popcnt' in profile['features']
    argument = to_qemu_cpu(profile).argument.replace(',enforce', ',-popcnt,enforce')
    assert_names_popcnt(profile, booted_facts(guest_tool, elf, argument, tmp_path))


def test_the_libvirt_guest_sees_exactly_the_profile(guest_tool, elf, fleet, libvirtd, tmp_path):
    """libvirtd defines and starts a domain of type qemu with the exported <cpu> (check='full': libvirt
    refuses to start a guest whose CPU differs from the definition) and <qemu:commandline>."""
    profile = fleet[1]
    exported = to_libvirt_xml(profile)
    assert "<maxphysaddr mode='emulate' bits='%d'/>" % PHYS_BITS in exported.xml
    assert_sees_exactly(profile, dump_facts(guest_tool, libvirtd.boot(elf, exported.xml, exported.commandline), tmp_path))


def test_a_wrong_libvirt_definition_is_named_by_the_guest_check(guest_tool, elf, fleet, libvirtd, tmp_path):
    profile = fleet[1]
    exported = to_libvirt_xml(profile)
    assert "name='popcnt'" not in exported.xml  # the base model has it
    wrong = exported.xml.replace('</cpu>', "  <feature policy='disable' name='popcnt'/>\n</cpu>")
    assert_names_popcnt(profile, dump_facts(guest_tool, libvirtd.boot(elf, wrong, exported.commandline), tmp_path))


def test_without_its_commandline_the_libvirt_guest_has_the_model_identity(guest_tool, elf, fleet, libvirtd,
                                                                          tmp_path):
    """The <qemu:commandline> element is what carries identity and leaf ranges: left out, the guest
    check names them (the base model's family/model, brand string, level, xlevel), and nothing else."""
    profile = fleet[1]
    exported = to_libvirt_xml(profile)
    result = check_guest(profile, dump_facts(guest_tool, libvirtd.boot(elf, exported.xml), tmp_path), 'guest')
    assert not result['compatible']
    # Only identity (vendor, the signature in leaf 1 and its copy in 0x80000001, the brand string) and
    # the leaf ranges differ.
    carried = ['CPUID.(%#x,0).%s[' % place for place in (
        (0, 'EAX'), (0, 'EBX'), (0, 'ECX'), (0, 'EDX'), (1, 'EAX'), (0x80000000, 'EAX'), (0x80000001, 'EAX'))]
    carried += ['CPUID.(%#x,0).' % leaf for leaf in (0x80000002, 0x80000003, 0x80000004)]
    assert all(failure['location'].startswith(tuple(carried)) for failure in result['failures']), [
        failure['location'] for failure in result['failures']]


def test_cpu_profile_check_in_guest_mode(guest_tool, elf, fleet, tmp_path, collection_root, module_environment):
    """The module as Ansible runs it, given the booted guest's facts."""
    profile = fleet[1]
    facts = booted_facts(guest_tool, elf, to_qemu_cpu(profile).argument, tmp_path)
    arguments = tmp_path / 'args.json'
    arguments.write_text(json.dumps({'ANSIBLE_MODULE_ARGS': {
        'profile': profile, 'facts': facts, 'host_name': 'vm1', 'mode': 'guest'}}))
    completed = subprocess.run(
        [sys.executable, str(collection_root / 'plugins' / 'modules' / 'cpu_profile_check.py'), str(arguments)],
        capture_output=True, text=True, check=False, timeout=120, env=module_environment)
    result = json.loads(completed.stdout)
    assert result['compatible'] and result['mode'] == 'guest' and result['host'] == 'vm1', result
    assert result['summary'].startswith('guest vm1 sees exactly profile %s (' % profile['name'])


@pytest.fixture(scope='module')
def kvm_applies_models(guest_tool, elf):
    """Skips unless /dev/kvm is usable and applies the CPU model: a guest booted with ``qemu64,-pni``
    must not see SSE3 (CPUID.1:ECX[0]). KVM through PVM, as on the project's test machines, gives
    every guest the host's leaves 1, 7 and 0xD whatever the model; booting there tests the machine."""
    if not os.access('/dev/kvm', os.R_OK | os.W_OK):
        pytest.skip('/dev/kvm is not usable here')
    try:
        entries = guest_tool.boot(elf, 'qemu64,-pni', accel='kvm')[0]
    except guest_tool.GuestError as exc:
        pytest.skip('QEMU cannot boot a guest under KVM here: %s' % exc)
    if entries[(1, 0)][2] & 1:
        pytest.skip('KVM here does not apply the CPU model: a guest booted with -cpu qemu64,-pni sees SSE3 '
                    '(CPUID.1:ECX = %#010x), so a KVM boot would test the machine, not the export' % entries[(1, 0)][2])


def test_the_qemu_guest_under_kvm_sees_exactly_the_profile(guest_tool, elf, fleet, kvm_applies_models, tmp_path):
    profile = fleet[1]
    argument = to_qemu_cpu(profile).argument
    try:
        entries = guest_tool.boot(elf, argument, accel='kvm')[0]
    except guest_tool.GuestError as exc:
        pytest.skip('this host cannot offer the profile under KVM (enforce): %s' % exc)
    assert_sees_exactly(profile, dump_facts(guest_tool, entries, tmp_path))

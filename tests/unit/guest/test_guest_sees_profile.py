# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A profile exported to QEMU, booted as a real guest under TCG with ``enforce``, is what the guest
sees: the guest check finds every bit the profile fixes (identity, leaf ranges, physical address
width, features) in the guest's CPUID, and names the field a wrong argument changed.

The fleets are QEMU's own CPU models booted under TCG (tests/guest/fleet.py's source), so TCG can run
the profile they make: it keeps only what every member's guest saw. Brand strings with a comma
cannot travel in ``-cpu`` (the export warns), so the fleets are members whose shared brand has none.
"""

import json
import subprocess
import sys

import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.check.guest_check import check_guest
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.qemu import to_qemu_cpu
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_leaves import enumerate_cpuid
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.host_facts import gather_facts
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import build_profile
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.registers import profile_cpuid

FLEETS = {
    'intel': ('Cascadelake-Server-v4', 'Icelake-Server-v6'),
    'amd': ('EPYC-v3', 'EPYC-Milan-v1'),
}
# Lower than TCG's own 40 bits, so the guest sees it only when the export carries it.
PHYS_BITS = 39


@pytest.fixture(scope='module')
def elf(guest_tool, tmp_path_factory):
    return guest_tool.build_guest(str(tmp_path_factory.mktemp('guest')))


def booted_facts(guest_tool, elf, argument, folder):
    """The facts of a guest booted with ``-cpu argument``, as cpu_facts imports the dump."""
    entries = guest_tool.boot(elf, argument)[0]
    path = folder / 'guest.cpuid'
    path.write_text(guest_tool.raw_dump(entries, enumerate_cpuid))
    return gather_facts(src=str(path))


@pytest.fixture(scope='module', params=sorted(FLEETS))
def fleet_profile(request, guest_tool, tmp_path_factory):
    folder = tmp_path_factory.mktemp('fleet')
    paths = guest_tool.model_dumps(FLEETS[request.param], str(folder), enumerate_cpuid)
    hosts = [(model, gather_facts(src=path)) for model, path in sorted(paths.items())]
    return build_profile(hosts, 'tcg-%s' % request.param, generated_at='2026-12-02T00:00:00Z',
                         policies={'phys_addr_bits': 'static:%d' % PHYS_BITS})


def test_the_booted_guest_sees_exactly_the_profile(guest_tool, elf, fleet_profile, tmp_path):
    exported = to_qemu_cpu(fleet_profile)
    assert exported.argument.endswith(',enforce') and 'phys-bits=%d' % PHYS_BITS in exported.argument
    facts = booted_facts(guest_tool, elf, exported.argument, tmp_path)
    result = check_guest(fleet_profile, facts, 'guest')
    assert result['compatible'], result['summary']
    assert result['checked_bits'] > 1000
    # What the check covers, seen directly: the leaf ranges and the physical address width.
    wanted = profile_cpuid(fleet_profile)
    seen = {(int(e['leaf'], 16), int(e['subleaf'], 16)): e for e in facts['raw_cpuid']['groups'][0]['cpuid']}
    assert int(seen[(0x80000008, 0)]['eax'], 16) & 0xFF == PHYS_BITS == wanted[(0x80000008, 0, 'eax')][0] & 0xFF
    for leaf in (0, 0x80000000):
        assert int(seen[(leaf, 0)]['eax'], 16) == wanted[(leaf, 0, 'eax')][0]
    assert facts['vendor'] == fleet_profile['vendor']


def test_a_wrong_argument_is_named_by_the_guest_check(guest_tool, elf, fleet_profile, tmp_path):
    # POPCNT (CPUID.1:ECX[23]) is kept by every fleet here and nothing depends on it.
    assert 'popcnt' in fleet_profile['features']
    argument = to_qemu_cpu(fleet_profile).argument.replace(',enforce', ',-popcnt,enforce')
    result = check_guest(fleet_profile, booted_facts(guest_tool, elf, argument, tmp_path), 'guest')
    assert not result['compatible']
    assert [failure['field'] for failure in result['failures']] == ['popcnt'], result['summary']
    assert result['failures'][0]['message'] == 'guest has popcnt = 0, the profile fixes 1'
    assert result['summary'] == 'guest guest does not see profile %s: guest has popcnt = 0, the profile fixes 1' % (
        fleet_profile['name'])


def test_cpu_profile_check_in_guest_mode(guest_tool, elf, fleet_profile, tmp_path, collection_root, module_environment):
    """The module as Ansible runs it, given the booted guest's facts."""
    facts = booted_facts(guest_tool, elf, to_qemu_cpu(fleet_profile).argument, tmp_path)
    arguments = tmp_path / 'args.json'
    arguments.write_text(json.dumps({'ANSIBLE_MODULE_ARGS': {
        'profile': fleet_profile, 'facts': facts, 'host_name': 'vm1', 'mode': 'guest'}}))
    completed = subprocess.run(
        [sys.executable, str(collection_root / 'plugins' / 'modules' / 'cpu_profile_check.py'), str(arguments)],
        capture_output=True, text=True, check=False, timeout=120, env=module_environment)
    result = json.loads(completed.stdout)
    assert result['compatible'] and result['mode'] == 'guest' and result['host'] == 'vm1', result
    assert result['summary'].startswith('guest vm1 sees exactly profile %s (' % fleet_profile['name'])

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""x86-64 levels (fields.levels), checked against three judges that do not use this collection's
field table: glibc's own choice of glibc-hwcaps directories on this machine, QEMU's CPU model
definitions (in QEMU's feature names) less what TCG says it cannot emulate, and libcpuid's decode
stored in its dumps. Then the min_level option: its refusals by message."""

import re
import shutil
import subprocess

import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.qemu_cpu_models import MODELS
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_leaves import enumerate_cpuid
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.host_facts import gather_facts
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.levels import LEVEL_NAMES
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import build_profile
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.host_view import facts_level

# The psABI's lists in QEMU's spelling (LZCNT is QEMU's abm, SSE3 its pni); OSXSAVE is the guest
# kernel's, so QEMU's xsave stands for it; long mode for the baseline's SYSCALL.
QEMU_LEVELS = (
    ('x86-64', 'cmov cx8 fpu fxsr lm mmx sse sse2'),
    ('x86-64-v2', 'cx16 lahf-lm popcnt pni sse4.1 sse4.2 ssse3'),
    ('x86-64-v3', 'abm avx avx2 bmi1 bmi2 f16c fma movbe xsave'),
    ('x86-64-v4', 'avx512bw avx512cd avx512dq avx512f avx512vl'),
)
# Models across the levels, both vendors.
QEMU_MODELS = ('qemu64-v1', 'Conroe-v1', 'Opteron_G3-v1', 'Nehalem-v2', 'SandyBridge-v2', 'Haswell-v4',
               'Skylake-Server-v4', 'Icelake-Server-v6', 'EPYC-v3', 'EPYC-Milan-v1')
LIBCPUID_DUMPS = ('libcpuid/11th-gen-intel-core-i5-1135g7.test', 'libcpuid/hygon-c86-7185-32-core-processor.test')


def _level_of(features, levels):
    level = None
    for name, needed in levels:
        if not set(needed.split()) <= features:
            break
        level = name
    return level


def _glibc_level():
    """The highest x86-64 level glibc's dynamic loader marks as supported here, or skip."""
    loader = shutil.which('ld.so') or '/lib64/ld-linux-x86-64.so.2'
    try:
        text = subprocess.run([loader, '--help'], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip('glibc\'s loader cannot be asked (%s)' % exc)
    supported = re.findall(r'^\s+(x86-64-v\d) \(supported', text, re.M)
    if 'glibc-hwcaps' not in text:
        pytest.skip('this glibc lists no glibc-hwcaps levels (glibc < 2.33)')
    return max(supported, default='x86-64')


def test_the_raw_view_of_this_machine_is_at_glibcs_level():
    """glibc reads CPUID itself (and XCR0 for the OS side): the CPU's level must be its choice. The
    raw view, since glibc runs on the host, not in a guest."""
    facts = gather_facts(kvm='skip')
    assert facts_level(facts) == _glibc_level()


@pytest.fixture(scope='module')
def qemu_model_levels(guest_tool, tmp_path_factory):
    """``{model: (QEMU's level of the model as TCG runs it, the level of its booted dump's profile)}``."""
    folder = str(tmp_path_factory.mktemp('levels'))
    elf = guest_tool.build_guest(folder)
    levels = {}
    for model in QEMU_MODELS:
        entries, warnings = guest_tool.boot(elf, model)
        filtered = set(re.findall(r"TCG doesn't support requested feature: \S+\.([\w.-]+) \[bit", warnings))
        path = tmp_path_factory.mktemp('levels') / ('%s.cpuid' % model)
        path.write_text(guest_tool.raw_dump(entries, enumerate_cpuid))
        profile = build_profile([(model, gather_facts(src=str(path)))], 'alone')
        levels[model] = (_level_of(set(MODELS[model][1]) - filtered, QEMU_LEVELS), profile['x86_64_level'])
    return levels


def test_qemu_models_are_at_the_level_of_their_definition(qemu_model_levels):
    wrong = {model: pair for model, pair in qemu_model_levels.items() if pair[0] != pair[1]}
    assert not wrong, wrong
    assert {ours for _qemu, ours in qemu_model_levels.values()} >= {'x86-64', 'x86-64-v2', 'x86-64-v3'}


@pytest.mark.parametrize('dump', LIBCPUID_DUMPS)
def test_libcpuid_dumps_are_at_the_level_libcpuid_prints(shared_dir, dump):
    """libcpuid writes its decode after the dumped registers; the level is its second line."""
    path = shared_dir / 'testdata' / 'cpuid' / dump
    text = path.read_text()
    printed = re.search(r'^-{20,}\n[^\n]*\n(x86-64[-\w]*)\n', text, re.M).group(1)
    profile = build_profile([('h', gather_facts(src=str(path)))], 'alone')
    assert profile['x86_64_level'] == ('x86-64' if printed == 'x86-64-v1' else printed)


@pytest.fixture(scope='module')
def mixed_fleet(qemu_model_facts):
    """Broadwell (v3) and Skylake-Server (v4 by definition, v3 under TCG) with Haswell: a v3 fleet."""
    return [(model, qemu_model_facts[model]) for model in ('Haswell-v4', 'Broadwell-v4', 'Skylake-Server-v4')]


def test_min_level_at_or_below_the_profile_passes(mixed_fleet):
    assert build_profile(mixed_fleet, 'fleet')['x86_64_level'] == 'x86-64-v3'
    for level in LEVEL_NAMES[:3]:
        assert build_profile(mixed_fleet, 'fleet', min_level=level)['x86_64_level'] == 'x86-64-v3'


def test_min_level_above_the_profile_names_the_features_and_hosts(mixed_fleet):
    with pytest.raises(VmcpuError) as raised:
        build_profile(mixed_fleet, 'fleet', min_level='x86-64-v4')
    # TCG shows Skylake-Server's AVX-512 state components without AVX-512: grouped by the hosts.
    assert str(raised.value) == (
        'profile fleet is x86-64-v3, below min_level x86-64-v4; it lacks avx512bw, avx512cd, avx512dq, avx512f, '
        'avx512vl (hosts without them: Broadwell-v4, Haswell-v4, Skylake-Server-v4); xsave_opmask_state, '
        'xsave_zmm_hi256_state, xsave_hi16_zmm_state (hosts without them: Broadwell-v4, Haswell-v4).')


def test_a_toggle_below_min_level_fails_naming_the_toggle(mixed_fleet):
    with pytest.raises(VmcpuError) as raised:
        build_profile(mixed_fleet, 'fleet', features=['-avx2', '-movbe'], min_level='x86-64-v3')
    assert str(raised.value) == (
        'profile fleet is x86-64-v2, below min_level x86-64-v3; it lacks avx2 (disabled by features: -avx2); movbe '
        '(disabled by features: -movbe).')


@pytest.mark.parametrize('level', ['v3', 'x86-64-v1', 'X86-64-V3', '', None])
def test_an_unknown_level_is_refused_with_the_names(mixed_fleet, level):
    if level is None:
        assert build_profile(mixed_fleet, 'fleet', min_level=None)['x86_64_level']
        return
    with pytest.raises(VmcpuError, match='^' + re.escape(
            "min_level %r is not an x86-64 level; the levels are x86-64, x86-64-v2, x86-64-v3, x86-64-v4." % level)):
        build_profile(mixed_fleet, 'fleet', min_level=level)

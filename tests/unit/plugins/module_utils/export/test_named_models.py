# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Named models (export.named_models): which QEMU models, libvirt models and bundled profiles a pool
can run. The QEMU side is judged by QEMU itself: a pool of one QEMU model booted under TCG lacks
exactly what TCG says it cannot emulate, so that model must miss exactly those features. The libvirt
side is judged by libvirt's own data in test_libvirt_baseline.py. Then the bundled profiles, the
report section and a missing CPU map."""

import json
import re

import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.export.named_models import (
    bundled_fits, named_models, qemu_models)
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.qemu import ACCELERATOR_DEFAULTS
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.qemu_cpu_models import MODELS
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_leaves import enumerate_cpuid
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.host_facts import gather_facts
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import build_profile
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.report import profile_report

# Models TCG runs whole (qemu64, Conroe) and models it cuts (AVX-512, PCID, SPEC_CTRL ...), both vendors.
QEMU_MODELS = ('qemu64-v1', 'Conroe-v1', 'Westmere-v2', 'SandyBridge-v2', 'Haswell-v4', 'Skylake-Server-v4',
               'Icelake-Server-v6', 'Opteron_G3-v1', 'EPYC-v3', 'EPYC-Milan-v1')
REASONS = re.compile(r'^(lacked by .+|no host of the pool has it|follows the features that use it|disabled by .+|requires .+)$')


@pytest.fixture(scope='module')
def alone(guest_tool, tmp_path_factory):
    """``{model: (its profile alone, booted under TCG, the features TCG said it left out)}``."""
    folder = tmp_path_factory.mktemp('named')
    elf = guest_tool.build_guest(str(folder))
    pools = {}
    for model in QEMU_MODELS:
        entries, warnings = guest_tool.boot(elf, model)
        path = folder / ('%s.cpuid' % model)
        path.write_text(guest_tool.raw_dump(entries, enumerate_cpuid))
        filtered = set(re.findall(r"TCG doesn't support requested feature: \S+\.([\w.-]+) \[bit", warnings))
        pools[model] = (build_profile([(model, gather_facts(src=str(path)))], 'alone'), filtered)
    return pools


@pytest.mark.parametrize('model', QEMU_MODELS)
def test_a_qemu_model_misses_what_tcg_left_out(alone, model):
    profile, filtered = alone[model]
    answer = qemu_models(profile, {model: MODELS[model]})
    expected = (filtered & set(MODELS[model][1])) - ACCELERATOR_DEFAULTS
    if expected:
        assert answer['fits'] == [] and [miss['model'] for miss in answer['nearest_misses']] == [model]
        missing = answer['nearest_misses'][0]['missing']
        assert set(missing) == expected
        assert all(REASONS.match(reason) for reason in missing.values()), missing
    else:
        assert answer['fits'] == [model] and answer['best'] == model
        assert answer['to_profile'] == sorted(answer['to_profile'], key=lambda term: term[1:])


def test_tcg_runs_some_models_whole_and_cuts_others(alone):
    verdicts = {model: bool(qemu_models(profile, {model: MODELS[model]})['fits']) for model, (profile, _f) in alone.items()}
    assert verdicts['qemu64-v1'] and not verdicts['Skylake-Server-v4'], verdicts


@pytest.fixture(scope='module')
def bundled(collection_root):
    return {path.stem: json.loads(path.read_text()) for path in sorted((collection_root / 'bundled_profiles').glob('*.json'))}


def test_bundled_profiles_fit_when_the_pool_offers_every_feature(bundled):
    for name, profile in bundled.items():
        answer = bundled_fits(profile, bundled)
        available = set(profile['features']) | {f for f, reason in profile['disabled'].items()
                                                if reason.startswith('disabled by default policy')}
        same_vendor = [other for other in bundled if other != name and bundled[other]['vendor'] == profile['vendor']]
        fitting = [other for other in same_vendor if set(bundled[other]['features']) <= available]
        assert sorted(answer['fits']) == sorted(fitting), name
        assert answer['fits'] == sorted(fitting, key=lambda other: (-len(bundled[other]['features']), other))
        for miss in answer['nearest_misses']:
            assert set(miss['missing']) == set(bundled[miss['model']]['features']) - available
            for feature, reason in miss['missing'].items():
                hosts = profile['explanation'].get(feature, {}).get('limited_by', {})
                assert reason == ('lacked by %s' % ', '.join(sorted(hosts)) if hosts else reason), (name, feature)
                assert REASONS.match(reason), reason


def test_the_xeon_fleet_runs_broadwell_not_skylake(bundled):
    """The example of the guide: the one Broadwell host keeps the fleet from Skylake's AVX-512."""
    answer = bundled_fits(bundled['xeon-fleet'], bundled)
    assert answer['best'] == 'broadwell-server'
    skylake = next(miss for miss in answer['nearest_misses'] if miss['model'] == 'skylake-server')
    assert skylake['missing']['avx512f'] == 'lacked by xeon-e5-2650-v4'


def test_the_report_names_the_models_and_says_what_it_cannot_answer(bundled, tmp_path):
    profile = bundled['skylake-server']
    models = named_models(profile, bundled, cpu_map_dir=str(tmp_path / 'no-cpu-map'))
    assert models['libvirt'] == {'error': models['libvirt']['error']} and 'libvirt CPU map not found' in models['libvirt']['error']
    report = profile_report(profile, models)
    section = report[report.index('## Named CPU models'):report.index('## Hosts')]
    assert '- QEMU %s models: fits `%s` best (' % (models['qemu']['qemu_version'], models['qemu']['best']) in section
    assert '- libvirt: not answered (libvirt CPU map not found' in section
    assert '- bundled profiles: fits `broadwell-server` best; also `xeon-fleet`' in section
    assert '## Named CPU models' not in profile_report(profile)

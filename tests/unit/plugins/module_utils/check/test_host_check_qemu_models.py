# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Profile and check over fleets the tests make themselves: the installed QEMU's CPU models, each
booted under TCG with the CPUID dumper guest (conftest ``QEMU_MODEL_FLEETS``). These run in any
clone, with or without ../shared."""

import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.check.host_check import check_host
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.qemu_cpu_models import MODELS
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import build_profile


@pytest.fixture(scope='module')
def single(qemu_model_facts):
    """The profile of each model alone."""
    return {model: build_profile([(model, facts)], model.lower()) for model, facts in qemu_model_facts.items()}


def test_each_model_dump_has_the_models_vendor(qemu_model_facts):
    for model, facts in qemu_model_facts.items():
        assert facts['vendor'] == MODELS[model][0], model
        assert facts['source'].startswith('cpuid_raw:'), facts['source']


def test_every_host_passes_its_fleet_profile(qemu_model_facts, qemu_fleet):
    fleet, models = qemu_fleet
    hosts = [(model, qemu_model_facts[model]) for model in models]
    profile = build_profile(hosts, fleet)
    for model, facts in hosts:
        result = check_host(profile, facts, model)
        assert result['compatible'], result['summary']
        assert result['checked_fields'] > 100


def test_fleet_keeps_only_what_every_model_has(qemu_model_facts, single, qemu_fleet):
    fleet, models = qemu_fleet
    profile = build_profile([(model, qemu_model_facts[model]) for model in models], fleet)
    common = set.intersection(*(set(single[model]['features']) for model in models))
    assert set(profile['features']) <= common
    # What every model offers alone but the fleet drops is dropped for a stated reason.
    for name in common - set(profile['features']):
        assert name in profile['disabled'], name
    # The models do differ, so the fleet is really below some of them.
    assert any(set(single[model]['features']) - set(profile['features']) for model in models)


@pytest.mark.parametrize('newest, oldest', [('Icelake-Server-v6', 'Haswell-v4'), ('EPYC-Milan-v1', 'EPYC-v3')])
def test_an_older_model_fails_the_newer_ones_profile_naming_what_it_lacks(qemu_model_facts, single, newest, oldest):
    lacking = set(single[newest]['features']) - set(single[oldest]['features'])
    assert lacking, 'the dumps of %s and %s do not differ in features' % (newest, oldest)
    result = check_host(single[newest], qemu_model_facts[oldest], oldest)
    assert not result['compatible']
    failed = {failure['field'] for failure in result['failures']}
    assert lacking <= failed, sorted(lacking - failed)
    for failure in result['failures']:
        if failure['field'] in lacking:
            assert failure['message'] == "host lacks %s, which the profile offers to guests" % failure['field']


def test_a_model_of_the_other_vendor_fails_on_the_vendor(qemu_model_facts, single):
    result = check_host(single['Skylake-Server-v4'], qemu_model_facts['EPYC-Rome-v2'], 'EPYC-Rome-v2')
    assert not result['compatible'] and [f['field'] for f in result['failures']] == ['vendor']

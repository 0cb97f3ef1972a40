# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""QEMU export: every bundled and dump-built profile's -cpu argument expanded by the real QEMU
(query-cpu-model-expansion, TCG, and KVM where /dev/kvm is usable) has exactly the profile's features;
the captured model data matches the installed QEMU; the docs list what the code computes; bad input
fails by message."""

import copy
import json
import os
import re

import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.qemu import (
    ACCELERATOR_DEFAULTS, CPU_PROPERTIES, FLAG_KINDS, fixed_bits, model_terms, qemu_property, to_qemu_cpu, undescribed_properties,
    unnamed_fields, wanted_properties,
)
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.qemu_cpu_models import FEATURES, MODELS, QEMU_VERSION
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.index import field_index
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import VENDOR_IDS, Kind


def _kvm_usable():
    return os.access('/dev/kvm', os.R_OK | os.W_OK)


@pytest.fixture(scope='module')
def profiles(export_cases):
    """Every bundled profile and every dump-built one."""
    return [profile for profile, hosts in export_cases]


def _parsed(argument):
    """``(model, {property: value})`` of a ``-cpu`` argument that ends with ``enforce``: ``+f``/``-f``
    are booleans, ``name=value`` an integer or a string."""
    parts = argument.split(',')
    assert parts[-1] == 'enforce', argument
    properties = {}
    for term in parts[1:-1]:
        if '=' in term:
            name, value = term.split('=', 1)
            assert name in CPU_PROPERTIES, term
            properties[name] = int(value, 0) if re.match(r'^(0x[0-9a-f]+|[0-9]+)$', value) else value
        else:
            assert re.match(r'^[+-][a-z0-9.-]+$', term), term
            properties[term[1:]] = term[0] == '+'
    return parts[0], properties


def _expected(profile):
    """``({QEMU property: on}, {kept fields the argument cannot express})`` from the profile's own lists."""
    index = field_index(VENDOR_IDS[profile['vendor']])
    fixed = fixed_bits(profile, index)
    kept = set(profile['features'])
    # The export reads exactly what the profile keeps and drops.
    assert {name for name, on in fixed.items() if on and index.by_name[name].kind != Kind.BUG_FLAG} == kept
    assert not [name for name in profile['disabled'] if fixed.get(name)]
    assert all(fixed[name] == bool(value) for name, value in profile['fields'].items() if name in fixed)
    by_property = {}
    for name, on in fixed.items():
        by_property.setdefault(qemu_property(index.by_name[name]), {})[name] = on
    expected = {prop: all(fields.values()) for prop, fields in by_property.items() if prop in FEATURES}
    unexpressed = {name for prop, fields in by_property.items() for name, on in fields.items()
                   if on and (prop not in FEATURES or not expected[prop])}
    return expected, unexpressed


def _check_expansions(profiles, generator, accel):
    exports = [to_qemu_cpu(profile) for profile in profiles]
    expansions = generator.expand([_parsed(e.argument) for e in exports], accel=accel)
    for profile, exported, props in zip(profiles, exports, expansions):
        asked = _parsed(exported.argument)[1]
        assert {name: props[name] for name in CPU_PROPERTIES if name in asked} == \
            {name: asked[name] for name in CPU_PROPERTIES if name in asked}, profile['name']
        assert 'level' in asked and 'phys-bits' in asked and 'vendor' in asked, exported.argument
        expected, unexpressed = _expected(profile)
        assert set(exported.unexpressed) - {'brand_string'} == unexpressed, profile['name']
        wrong = {prop: props[prop] for prop, on in expected.items() if props[prop] != on}
        assert not wrong, (profile['name'], accel, exported.argument, wrong)
        described = {qemu_property(f) for f in field_index(VENDOR_IDS[profile['vendor']]).by_name.values()}
        assert not [p for p in FEATURES - described if props[p]], (profile['name'], 'undescribed property on')
        # Every kept feature with a QEMU name is on, every dropped one with a name is off.
        index = field_index(VENDOR_IDS[profile['vendor']])
        for name in profile['features']:
            prop = qemu_property(index.by_name[name])
            assert name in exported.unexpressed or props[prop], (profile['name'], name)
        for name in profile['disabled']:
            prop = qemu_property(index.by_name[name])
            assert prop not in FEATURES or index.by_name[name].kind not in FLAG_KINDS or not props[prop], (
                profile['name'], name)


def test_expansion_under_tcg_has_the_profile_features(profiles, generator):
    _check_expansions(profiles, generator, 'tcg')


def test_expansion_under_kvm_has_the_profile_features(profiles, generator):
    if not _kvm_usable():
        pytest.skip('/dev/kvm is not usable here')
    _check_expansions(profiles, generator, 'kvm')


def test_accelerator_defaults_cover_what_kvm_changes(generator):
    if not _kvm_usable():
        pytest.skip('/dev/kvm is not usable here')
    names = sorted(MODELS)
    tcg = generator.expand([(name, {}) for name in names], 'static', 'tcg')
    kvm = generator.expand([(name, {}) for name in names], 'static', 'kvm')
    changed = {prop for a, b in zip(tcg, kvm) for prop in FEATURES if a[prop] != b[prop]}
    assert changed <= ACCELERATOR_DEFAULTS, sorted(changed - ACCELERATOR_DEFAULTS)


def test_model_data_matches_installed_qemu(generator):
    with open(generator.OUTPUT) as handle:
        assert handle.read() == generator.render(*generator.capture()), \
            'run .venv/bin/python scripts/qemu-cpu-models.py to regenerate qemu_cpu_models.py'


def test_argument_shape_and_choice(collection_root):
    profile = json.loads((collection_root / 'bundled_profiles' / 'skylake-server.json').read_text())
    exported = to_qemu_cpu(profile)
    model, props = _parsed(exported.argument)
    assert model == exported.model and re.search(r'-v[0-9]+$', model) and MODELS[model][0] == 'GenuineIntel'
    features = [name for name in props if name not in CPU_PROPERTIES]
    assert features == sorted(features)
    # The CPU properties follow the features, in CPU_PROPERTIES order, with the profile's values.
    assert [name for name in props if name in CPU_PROPERTIES] == [
        name for name in CPU_PROPERTIES if name in props] == list(props)[len(features):]
    assert (props['vendor'], props['family'], props['model'], props['stepping']) == ('GenuineIntel', 6, 85, 4)
    assert (props['level'], props['xlevel'], props['phys-bits']) == (22, 0x80000008, 46)
    # No other model of the vendor ranks better; the VMX capabilities +vmx brings do not count.
    index = field_index('intel')
    wanted = wanted_properties(profile, index)[0]
    described = {qemu_property(f) for f in index.by_name.values()}
    ranks = {name: model_terms(model, wanted, described)[1] for name, model in MODELS.items() if model[0] == 'GenuineIntel'}
    assert min(ranks.values()) == ranks[model] and model.startswith('Skylake-Server-')
    assert to_qemu_cpu(copy.deepcopy(profile)).argument == exported.argument


def test_shared_property_is_off_when_a_field_is_dropped(collection_root):
    """kvmclock and kvmclock2 are both QEMU's kvmclock: keeping one and dropping the other turns it off."""
    profile = json.loads((collection_root / 'bundled_profiles' / 'skylake-server.json').read_text())
    index = field_index('intel')
    bit0, bit3 = index.by_name['kvmclock'], index.by_name['kvmclock2']
    profile['cpuid'].append({'leaf': '0x%08x' % bit0.leaf, 'subleaf': '0x0', 'register': bit0.register,
                             'value': '0x%08x' % bit3.mask, 'mask': '0xffffffff'})
    exported = to_qemu_cpu(profile)
    assert '-kvmclock' in exported.argument.split(',')
    assert 'kvmclock2' in exported.unexpressed and 'drops' in exported.unexpressed['kvmclock2']
    assert 'kvmclock2' in exported.warning()


@pytest.mark.parametrize('change, models, message', [
    (dict(vendor='AuthenticAMD'), {'Skylake-Server-v4': MODELS['Skylake-Server-v4']},
     "has CPU vendor 'AuthenticAMD', which QEMU %s cannot express (supported: GenuineIntel)" % QEMU_VERSION),
    (dict(vendor='HygonGenuine'), {'Skylake-Server-v4': MODELS['Skylake-Server-v4'], 'EPYC-v3': MODELS['EPYC-v3']},
     "has CPU vendor 'HygonGenuine', which QEMU %s cannot express (supported: AuthenticAMD, GenuineIntel)" % QEMU_VERSION),
    (dict(hypervisor='xen'), None, "is for hypervisor 'xen'"),
])
def test_bad_input(collection_root, change, models, message):
    profile = dict(json.loads((collection_root / 'bundled_profiles' / 'skylake-server.json').read_text()), **change)
    with pytest.raises(VmcpuError, match=re.escape(message)):
        to_qemu_cpu(profile, models)


def _doc_list(text, marker):
    match = re.search(r'^\.\. %s$(.*?)^\.\. /%s$' % (marker, marker), text, re.S | re.M)
    assert match, 'docs/docsite/rst/qemu.rst lacks the %s list' % marker
    return re.findall(r'``([^`]+)``', match.group(1))


@pytest.mark.parametrize('vendor', ['intel', 'amd'])
def test_docs_list_what_the_code_computes(collection_root, vendor):
    text = (collection_root / 'docs' / 'docsite' / 'rst' / 'qemu.rst').read_text()
    assert _doc_list(text, 'unnamed-%s' % vendor) == unnamed_fields(vendor)
    assert _doc_list(text, 'undescribed-%s' % vendor) == undescribed_properties(vendor)
    assert 'QEMU %s' % QEMU_VERSION in text

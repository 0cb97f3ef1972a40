# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Proxmox VE export: the -cpu that Proxmox builds from each profile's custom model expands, in the
real QEMU (TCG, and KVM where /dev/kvm is usable), to exactly the profile's features, level and
physical address width; the section reads back as Proxmox reads it; bad input fails by message.

Proxmox itself (Perl, pve-cluster) cannot run here, so ``proxmox_command`` follows its
``PVE::QemuServer::CPUConfig::get_cpu_options`` for a custom model (qemu-server, 2026): the reported
model, ``level``, every flag sorted by name after Proxmox's own (``+kvm_pv_unhalt``, ``+kvm_pv_eoi``
under KVM, ``-rdtscp`` for Opteron models) and the model's overriding them, ``enforce``,
``vendor=<the reported model's vendor>``, then ``phys-bits``."""

import copy
import os
import re

import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.proxmox import (
    PROXMOX_MODELS, PROXMOX_SETS, reported_models, to_proxmox)
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.proxmox_config import PROPERTY, sections
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.qemu import qemu_property, to_qemu_cpu, wanted_properties
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.qemu_cpu_models import ALIASES, FEATURES, MODELS
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.index import field_index
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import VENDOR_IDS

FLAG = re.compile(r'^([+-])([a-zA-Z0-9\-_.]+)$')  # qemu-server's cpu_flag_any_re


def section_keys(section):
    """``{key: value}`` of a one-model section, read line by line as Proxmox reads it."""
    lines = section.split('\n')
    keys = {}
    for line in lines[1:]:
        if not line:
            break
        match = PROPERTY.match(line)
        keys[match.group(1)] = match.group(3)
    return keys


def proxmox_command(section):
    """The ``-cpu`` value Proxmox builds for a Linux VM with ``cpu: custom-NAME`` under KVM."""
    keys = section_keys(section)
    reported = keys['reported-model']
    flags = {'kvm_pv_unhalt': ('+', None), 'kvm_pv_eoi': ('+', None)}
    if reported.startswith('Opteron'):
        flags['rdtscp'] = ('-', None)
    for flag in keys.get('flags', '').split(';'):
        match = FLAG.match(flag)
        assert match, (flag, 'Proxmox would drop it')
        flags[match.group(2)] = (match.group(1), None)
    vendor = [vendor for vendor, names in PROXMOX_MODELS.items() if reported in names][0]
    flags.update(enforce=('', None), vendor=('', vendor))
    text = reported + (',level=%s' % keys['level'] if 'level' in keys else '')
    for name in sorted(flags):
        op, value = flags[name]
        text += ',' + op + name + ('=' + value if value else '')
    return text + (',phys-bits=%s' % keys['phys-bits'] if 'phys-bits' in keys else '')


def expansion_input(command):
    """``(model, {property: value})`` for query-cpu-model-expansion; QEMU reads '_' in a flag as '-'."""
    parts = command.split(',')
    props = {}
    for term in parts[1:]:
        if term == 'enforce':
            continue
        if '=' in term:
            name, value = term.split('=', 1)
            props[name] = value if name == 'vendor' else int(value, 0)
            continue
        name = term[1:].replace('_', '-')
        # Two spellings of one flag would both reach QEMU, and the minus one would win.
        assert name not in props, (command, name)
        props[name] = term[0] == '+'
    return parts[0], props


def _kvm_usable():
    return os.access('/dev/kvm', os.R_OK | os.W_OK)


@pytest.fixture(scope='module')
def exports(export_cases):
    return [(profile, to_proxmox(profile)) for profile, hosts in export_cases]


@pytest.mark.parametrize('accel', ['tcg', 'kvm'])
def test_command_proxmox_builds_expands_to_the_profile(exports, generator, accel):
    if accel == 'kvm' and not _kvm_usable():
        pytest.skip('/dev/kvm is not usable here')
    inputs = [expansion_input(proxmox_command(exported.section())) for profile, exported in exports]
    for (profile, exported), asked, props in zip(exports, inputs, generator.expand(inputs, accel=accel)):
        index = field_index(VENDOR_IDS[profile['vendor']])
        wanted, _unexpressed = wanted_properties(profile, index)
        wrong = {prop: props[prop] for prop, on in wanted.items() if prop in FEATURES and props[prop] != on}
        assert not wrong, (profile['name'], accel, exported.section(), wrong)
        described = {qemu_property(f) for f in index.by_name.values()}
        assert not [prop for prop in FEATURES - described if props[prop]], (profile['name'], 'undescribed property on')
        assert props['vendor'] == profile['vendor']
        for name in ('level', 'phys-bits'):
            assert props[name] == asked[1][name], (profile['name'], name)
        # The same features as the QEMU export, which test_qemu checks against the profile on its own.
        assert exported.unexpressed == sorted(set(to_qemu_cpu(profile).unexpressed) - {'brand_string'})


def test_section_is_what_proxmox_reads_and_writes(exports):
    for profile, exported in exports:
        section = exported.section()
        assert sections(section, 'export') == {profile['name']: (0, len(section.split('\n')) - 2)}
        keys = section_keys(section)
        assert list(keys) == sorted(keys), 'Proxmox writes the keys sorted'
        assert section.startswith('cpu-model: %s\n\t' % profile['name']) and section.endswith('\n\n')
        assert keys['reported-model'] in PROXMOX_MODELS[profile['vendor']]
        assert keys['reported-model'] == to_qemu_cpu(profile, models=reported_models(profile['vendor'])).model
        flags = keys['flags'].split(';')
        assert [flag[1:] for flag in flags] == sorted((flag[1:] for flag in flags), key=lambda name: name.replace('_', '-'))
        # Each flag Proxmox sets itself that the profile fixes is written, in Proxmox's spelling.
        wanted, _unexpressed = wanted_properties(profile, field_index(VENDOR_IDS[profile['vendor']]))
        for prop, spelt in PROXMOX_SETS.items():
            if prop in wanted:
                assert ('+' if wanted[prop] else '-') + spelt in flags, (profile['name'], prop)


def test_every_reported_model_resolves_in_the_captured_qemu():
    for vendor in PROXMOX_MODELS:
        for name, model in reported_models(vendor).items():
            assert model is MODELS[ALIASES.get(name, name)] and model[0] == vendor, name


def test_warning_names_what_has_no_key(collection_root):
    import json
    profile = json.loads((collection_root / 'bundled_profiles' / 'skylake-server.json').read_text())
    exported = to_proxmox(profile)
    assert exported.not_carried == ['family', 'model', 'stepping', 'model-id', 'xlevel']
    assert exported.warning().startswith('needs CPU properties a Proxmox custom model has no key for, which the guest '
                                         'gets from its reported model %s instead: family, model, stepping, model-id, '
                                         'xlevel; and kept fields no flag can ask for: ' % exported.reported_model)
    assert to_proxmox(profile, model_name='fleet_2').section().startswith('cpu-model: fleet_2\n')


@pytest.mark.parametrize('name', ['2fleet', 'x', 'fleet.v2', 'a b', 'fleet:', '', 'fleet\n'])
def test_names_proxmox_refuses(collection_root, name):
    import json
    profile = json.loads((collection_root / 'bundled_profiles' / 'skylake-server.json').read_text())
    with pytest.raises(VmcpuError, match=r"^%s is not a name Proxmox VE accepts for a CPU model \(a letter, then "
                                         % re.escape(repr(name))):
        to_proxmox(profile, model_name=name)


def test_vendor_proxmox_has_no_model_of(collection_root):
    import json
    profile = json.loads((collection_root / 'bundled_profiles' / 'epyc-milan.json').read_text())
    hygon = copy.deepcopy(profile)
    hygon['vendor'] = 'HygonGenuine'
    with pytest.raises(VmcpuError, match=r'^Proxmox VE \(pve-qemu-kvm 11\.0\.0\) has no CPU model of vendor HygonGenuine '
                                         r'that QEMU 7\.2\.\d+ knows, so a custom model cannot report one\.$'):
        to_proxmox(hygon)

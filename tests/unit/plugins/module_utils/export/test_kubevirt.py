# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""KubeVirt export: for every bundled and dump-built profile, a VirtualMachine with the exported
``domain.cpu`` and node selector, and the KubeVirt resource with the exported ``cpuModel``, validate
against KubeVirt's published OpenAPI definitions (tests/platforms/kubevirt/openapi-subset.json, made
by scripts/kubevirt-openapi-subset.py) read strictly - an unknown field fails, as with
``kubectl apply --validate=strict``; the features are the libvirt export's lines (which test_libvirt
checks against the profile with libvirt's and QEMU's own expansion) by names of libvirt's CPU map,
with policies KubeVirt's admission webhook accepts; the node selector is what KubeVirt's labeller and
virt-controller use, in valid Kubernetes label syntax."""

import copy
import json
import os
import re

import jsonschema
import pytest
import yaml

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.kubevirt import (
    FEATURE_LABEL, MODEL_LABEL, OBSOLETE_MODELS, to_kubevirt)
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.libvirt import (
    CPU_MAP_DIR, KVM_TURNS_OFF, VMM_SET_FEATURES, qemu_model_features, read_cpu_map, to_libvirt_xml)
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.opennebula import to_opennebula
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import build_profile

# pkg/virt-api/webhooks/validating-webhook/admitters/vmi-create-admitter.go: validCPUFeaturePolicies.
KUBEVIRT_POLICIES = {'', 'force', 'require', 'optional', 'disable', 'forbid'}
# A Kubernetes label key: an optional DNS-subdomain prefix and '/', then a name of at most 63 characters.
LABEL_NAME = re.compile(r'^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$')
LABEL_PREFIX = re.compile(r'^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')


def _strict(definition):
    """``definition`` with no properties besides its own (swagger leaves additionalProperties open)."""
    if isinstance(definition, dict):
        strict = {key: _strict(value) for key, value in definition.items()}
        if 'properties' in strict and 'additionalProperties' not in strict:
            strict['additionalProperties'] = False
        return strict
    if isinstance(definition, list):
        return [_strict(value) for value in definition]
    return definition


@pytest.fixture(scope='module')
def validators(collection_root):
    with open(collection_root / 'tests' / 'platforms' / 'kubevirt' / 'openapi-subset.json') as handle:
        definitions = _strict(json.load(handle)['definitions'])
    return {kind: jsonschema.Draft4Validator({'definitions': definitions, '$ref': '#/definitions/v1.%s' % kind})
            for kind in ('VirtualMachine', 'KubeVirt')}


@pytest.fixture(scope='module')
def cases(export_cases, collection_root):
    """The export cases and the bundled profiles (in every clone: the QEMU-model fleets booted under TCG
    lack vme, so no libvirt model is whole for them)."""
    if not os.path.isfile(os.path.join(CPU_MAP_DIR, 'index.xml')):
        pytest.skip('libvirt CPU map not found at %s (Debian package libvirt0)' % CPU_MAP_DIR)
    profiles = {profile['name']: profile for profile, hosts in export_cases}
    for path in sorted((collection_root / 'bundled_profiles').glob('*.json')):
        profiles.setdefault(path.stem, json.loads(path.read_text()))
    expressed = []
    for name, profile in sorted(profiles.items()):
        try:
            expressed.append((profile, to_kubevirt(profile), to_libvirt_xml(profile)))
        except VmcpuError as exc:
            # Only when no model is one every host can run whole (a hybrid pool: its E-cores lack
            # features every model of their generation has; the TCG fleets: no vme).
            assert 'KubeVirt labels only the models a node can run whole' in str(exc), name
    assert len(expressed) >= 8, 'every bundled profile but graniterapids-like ones has a model KubeVirt labels'
    return expressed


def virtual_machine(data, name='fleet-vm'):
    return {'apiVersion': 'kubevirt.io/v1', 'kind': 'VirtualMachine', 'metadata': {'name': name},
            'spec': {'runStrategy': 'Always', 'template': {'metadata': {'labels': {'app': name}}, 'spec': {
                'domain': {'cpu': data['domain_cpu'], 'devices': {}, 'memory': {'guest': '1Gi'}},
                'nodeSelector': data['node_selector']}}}}


def kubevirt_resource(data):
    return {'apiVersion': 'kubevirt.io/v1', 'kind': 'KubeVirt', 'metadata': {'name': 'kubevirt', 'namespace': 'kubevirt'},
            'spec': {'configuration': data['kubevirt_configuration']}}


def _errors(validator, document):
    return ['%s: %s' % ('/'.join(str(part) for part in error.absolute_path), error.message)
            for error in validator.iter_errors(document)]


def test_documents_validate_against_kubevirt_openapi(cases, validators):
    for profile, exported, _libvirt in cases:
        data = exported.data()
        # What the filter returns goes through YAML unchanged (kubectl apply -f).
        assert yaml.safe_load(yaml.safe_dump(data)) == data
        assert not _errors(validators['VirtualMachine'], virtual_machine(data)), profile['name']
        assert not _errors(validators['KubeVirt'], kubevirt_resource(data)), profile['name']


def merge_patch(target, patch):
    """RFC 7386 JSON merge patch, as ``kubectl patch --type merge`` applies it."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def test_patches_give_an_existing_vm_and_the_cluster_the_profile(cases, validators):
    for profile, exported, _libvirt in cases:
        data = exported.data()
        # A VM of the operator's, with its own CPU topology, an older model and feature, and a node selector.
        existing = virtual_machine({'domain_cpu': {'cores': 4, 'model': 'Westmere', 'features': [{'name': 'avx512f'}]},
                                    'node_selector': {'pool': 'gold'}})
        patched = merge_patch(existing, json.loads(json.dumps(exported.vm_patch())))
        cpu = patched['spec']['template']['spec']['domain']['cpu']
        assert cpu == dict(data['domain_cpu'], cores=4), profile['name']
        assert patched['spec']['template']['spec']['nodeSelector'] == dict(data['node_selector'], pool='gold')
        assert not _errors(validators['VirtualMachine'], patched), profile['name']
        resource = merge_patch(kubevirt_resource({'kubevirt_configuration': {'developerConfiguration': {}}}),
                               exported.kubevirt_patch())
        assert resource['spec']['configuration'] == {'developerConfiguration': {}, 'cpuModel': exported.model}
        assert not _errors(validators['KubeVirt'], resource), profile['name']


@pytest.mark.parametrize('change, message', [
    (lambda vm: vm['spec']['template']['spec']['domain']['cpu'].update(featurs=[]), "'featurs' was unexpected"),
    (lambda vm: vm['spec']['template']['spec']['domain']['cpu']['features'][0].update(policy=1), "1 is not of type 'string'"),
    (lambda vm: vm['spec']['template']['spec']['domain']['cpu']['features'][0].pop('name'), "'name' is a required property"),
    (lambda vm: vm['spec']['template']['spec']['domain']['cpu'].update(model=['Skylake']), "is not of type 'string'"),
    (lambda vm: vm['spec']['template']['spec'].update(nodeSelector={'a': True}), "True is not of type 'string'"),
])
def test_the_schema_refuses_what_kubevirt_refuses(cases, validators, change, message):
    document = virtual_machine(cases[0][1].data())
    change(document)
    errors = _errors(validators['VirtualMachine'], document)
    assert errors and any(message in error for error in errors), errors


def test_model_is_one_the_labeller_labels_and_the_lines_give_the_profile(cases):
    """The model is OpenNebula's choice outside KubeVirt's obsolete models: one every host can run whole,
    which test_libvirt checks with libvirt's and QEMU's expansion (the guest sees the kept features and
    what OpenNebula's warning names). KubeVirt can disable those, and does."""
    cpu_map = read_cpu_map()
    for profile, exported, _libvirt in cases:
        assert exported.model in cpu_map.models and exported.model not in OBSOLETE_MODELS, profile['name']
        opennebula = to_opennebula(profile, qemu_models={name: features for name, features in qemu_model_features().items()
                                                         if name not in OBSOLETE_MODELS})
        assert exported.model == opennebula.model, profile['name']
        require = [name for name, policy in exported.features if policy == 'require']
        disable = [name for name, policy in exported.features if policy == 'disable']
        assert require == [name for name in opennebula.features if name not in VMM_SET_FEATURES], profile['name']
        assert set(opennebula.seen_anyway) <= set(disable) and set(disable) - set(opennebula.seen_anyway) <= KVM_TURNS_OFF, (
            profile['name'], sorted(set(disable) - set(opennebula.seen_anyway)))
        assert {name for name, _policy in exported.features} <= cpu_map.features, profile['name']
        assert {policy for _name, policy in exported.features} <= KUBEVIRT_POLICIES
        assert exported.unnamed == opennebula.unnamed


def test_no_model_the_labeller_labels(export_cases, cases):
    """A toggle that turns off a feature every model has (every x86-64 model has SSE3): no node could
    run the model whole, so KubeVirt would label none."""
    profile, hosts = export_cases[0]
    with pytest.raises(VmcpuError, match=r'^profile no-sse3: every \w+ model of the libvirt CPU map .+ has a feature the '
                                         r'profile turns off or some host lacks, and KubeVirt labels only the models a '
                                         r'node can run whole\.$'):
        to_kubevirt(build_profile(hosts, 'no-sse3', features=['-pni']))


def test_node_selector_is_what_kubevirt_schedules_by(cases):
    for profile, exported, _libvirt in cases:
        data = exported.data()
        # virt-controller: the model label, and a feature label for each feature of policy require (or none).
        expected = {MODEL_LABEL + exported.model: 'true'}
        expected.update((FEATURE_LABEL + entry['name'], 'true') for entry in data['domain_cpu']['features']
                        if entry['policy'] in ('', 'require'))
        assert data['node_selector'] == expected, profile['name']
        for key in data['node_selector']:
            prefix, name = key.split('/')
            assert LABEL_PREFIX.match(prefix) and len(prefix) <= 253 and LABEL_NAME.match(name), key
        assert data['kubevirt_configuration'] == {'cpuModel': exported.model}


def test_warning_names_what_kubevirt_cannot_carry(cases):
    profile, exported, libvirt = copy.deepcopy(cases[0])
    assert exported.warning().endswith("what a KubeVirt VM cannot set, so the guest gets the model's, QEMU's or libvirt's: "
                                       "physical address width, vendor, check='full', fallback='forbid', the CPU identity "
                                       "and leaf ranges of the <qemu:commandline> element"), exported.warning()
    if libvirt.unnamed:
        assert ', '.join(libvirt.unnamed) in exported.warning()

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt export, checked by the real libvirt tools for every bundled profile and profiles built from
the real dumps in ``../shared``:

- ``virt-xml-validate FILE domain`` accepts the ``<cpu>`` and the ``<qemu:commandline>`` element inside
  a minimal ``<domain type='kvm'>``;
- ``virsh -c test:///default cpu-baseline --features`` expands the definition: the feature set the
  guest gets is exactly the profile's kept features by their libvirt names (no dropped feature on, no
  kept one missing). ``cpu-baseline`` reads host CPU descriptions, which take neither ``mode`` nor
  feature policies (the test driver implements neither ``hypervisor-cpu-baseline`` nor
  ``cpu-compare``, and its ``define`` checks no feature names). So libvirt is asked twice: for the
  model alone, and for the model plus the required features (as plain host features; libvirt rejects an
  unknown name). The disable lines then remove features of libvirt's expansion of the model, as the
  domain XML documentation defines ``policy='disable'``; the test asserts that each of them is in that
  expansion and each require line is not, so every line is needed. The guest gets the kept features
  and ``hypervisor``, which QEMU sets in every guest;
- the ``<qemu:commandline>`` element sets exactly the CPU properties of the QEMU export that ``<cpu>``
  has no XML for, with the same values;
- the warned names are exactly the kept features without a name in the installed CPU map;
- the chosen model needs no more lines than any other model of the vendor, counted on libvirt's own
  expansion of every model;
- the OpenNebula export, which has require lines only, gives the guest the kept features plus exactly
  those its warning names.

Skipped when ``../shared``, ``virsh``, ``virt-xml-validate`` or libvirt's CPU map is missing.
"""

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.libvirt import (
    CPU_MAP_DIR, KVM_TURNS_OFF, LIBVIRT_VENDORS, QEMU_NAMESPACE, VMM_SET_FEATURES, read_cpu_map, to_libvirt_xml,
)
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.opennebula import to_opennebula
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.whole_models import KVM_TURNS_ON
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.qemu import ACCELERATOR_DEFAULTS, cpu_properties
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.index import field_index
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import VENDOR_IDS
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import build_profile
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.registers import fixed_value, profile_cpuid, profile_msrs

DOMAIN = """<domain type='kvm'>
  <name>vmcpu-libvirt-export</name>
  <memory unit='MiB'>256</memory>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
  </os>
%s
%s
</domain>
"""


def _tool(name, package):
    path = shutil.which(name)
    if path is None:
        pytest.skip('%s not found (Debian package %s)' % (name, package))
    return path


@pytest.fixture(scope='module')
def virsh():
    return _tool('virsh', 'libvirt-clients')


@pytest.fixture(scope='module')
def xml_validate():
    return _tool('virt-xml-validate', 'libvirt-clients')


@pytest.fixture(scope='module')
def cpu_map_names():
    """Feature names of the installed cpu_map, read straight from ``x86_features.xml``."""
    path = '%s/x86_features.xml' % CPU_MAP_DIR
    try:
        root = ET.parse(path).getroot()
    except OSError:
        pytest.skip('libvirt CPU map not found at %s (Debian package libvirt0)' % CPU_MAP_DIR)
    return {feature.get('name') for feature in root.iter('feature')}


@pytest.fixture(scope='module')
def cases(export_cases, cpu_map_names):
    """(profile, LibvirtCpu) for every bundled profile and every dump-built one."""
    return [(profile, to_libvirt_xml(profile)) for profile, hosts in export_cases]


def _run(argv, what):
    result = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 0, '%s failed: %s%s' % (what, result.stdout, result.stderr)
    return result.stdout


def _expand(virsh, tmp_path, model, vendor, features=()):
    """libvirt's feature set of ``model`` plus ``features`` (``cpu-baseline`` of one host CPU)."""
    lines = ['<cpu>', '  <arch>x86_64</arch>', '  <model>%s</model>' % model, '  <vendor>%s</vendor>' % vendor]
    lines.extend("  <feature name='%s'/>" % name for name in features)
    lines.append('</cpu>')
    path = tmp_path / 'host-cpu.xml'
    path.write_text('\n'.join(lines))
    root = ET.fromstring(_run([virsh, '-c', 'test:///default', 'cpu-baseline', '--features', str(path)],
                              'virsh cpu-baseline of %s' % model))
    return {f.get('name') for f in root.findall('feature') if f.get('policy', 'require') == 'require'}


def _kept(profile, cpu_map_names):
    """The profile's kept features by libvirt name, those the cpu_map knows, and the others (ours)."""
    table = field_index(VENDOR_IDS[profile['vendor']]).by_name
    named = {table[name].libvirt_name for name in profile['features']} & cpu_map_names
    unnamed = sorted(name for name in profile['features'] if table[name].libvirt_name not in cpu_map_names)
    return named, unnamed


def test_domain_validates(cases, xml_validate, tmp_path):
    for profile, exported in cases:
        path = tmp_path / ('%s.xml' % profile['name'])
        assert exported.commandline, profile['name']
        path.write_text(DOMAIN % (exported.xml, exported.commandline))
        _run([xml_validate, str(path), 'domain'], 'virt-xml-validate of profile %s' % profile['name'])


def test_shape(cases):
    for profile, exported in cases:
        root = ET.fromstring(exported.xml)
        assert root.attrib == {'mode': 'custom', 'match': 'exact', 'check': 'full'}
        assert [child.tag for child in root][:2] == ['model', 'vendor']
        assert root.find('model').attrib == {'fallback': 'forbid'} and root.find('model').text == exported.model
        assert root.find('vendor').text == LIBVIRT_VENDORS[profile['vendor']]
        # The guest's physical address width is the profile's (CPUID.0x8000_0008.EAX[7:0]).
        phys_bits = profile_cpuid(profile)[(0x80000008, 0, 'eax')][0] & 0xFF
        assert root.find('maxphysaddr').attrib == {'mode': 'emulate', 'bits': str(phys_bits)}
        assert phys_bits >= 36
        policies = [(f.get('policy'), f.get('name')) for f in root.findall('feature')]
        assert policies == [('require', name) for name in exported.require] + [('disable', name) for name in exported.disable]
        assert exported.require == sorted(exported.require) and exported.disable == sorted(exported.disable)
        assert exported.xml == to_libvirt_xml(json.loads(json.dumps(profile))).xml  # stable
        commandline = ET.fromstring(exported.commandline)
        assert commandline.tag == '{%s}commandline' % QEMU_NAMESPACE
        values = [arg.get('value') for arg in commandline]
        assert values[::2] == ['-global'] * (len(values) // 2)
        properties = dict(cpu_properties(profile))
        assert 'phys-bits' in properties and {'level', 'xlevel', 'vendor'} <= set(properties), profile['name']
        properties.pop('phys-bits')  # <maxphysaddr> carries it
        assert values[1::2] == ['x86_64-cpu.%s=%s' % item for item in properties.items()], profile['name']


def _left_to_host(profile):
    """libvirt names of the fields the profile does not fix (kind vmm, policy passthrough)."""
    table = field_index(VENDOR_IDS[profile['vendor']]).by_name
    cpuid, msrs = profile_cpuid(profile), profile_msrs(profile)
    return {f.libvirt_name for f in table.values() if fixed_value(f, cpuid, msrs) is None}


def _qemu_expansion(generator, model, vendor, cpu_map_names):
    """The libvirt names of what real QEMU turns on for libvirt's ``model`` (passed to -cpu as it is),
    and of what KVM turns on in every model."""
    table = field_index(VENDOR_IDS[vendor]).by_name
    to_libvirt = {f.qemu_name.replace('_', '-'): f.libvirt_name for f in table.values()}
    (props,) = generator.expand([(model, {})], 'static')
    on = {prop for prop, value in props.items() if value is True} | ACCELERATOR_DEFAULTS
    return {to_libvirt.get(prop, prop) for prop in on} & cpu_map_names


def test_libvirt_expansion_is_the_profile(cases, cpu_map_names, virsh, generator, tmp_path):
    for profile, exported in cases:
        vendor = LIBVIRT_VENDORS[profile['vendor']]
        model = _expand(virsh, tmp_path, exported.model, vendor)
        with_required = _expand(virsh, tmp_path, exported.model, vendor, exported.require)
        assert with_required == model | set(exported.require), profile['name']
        # What KVM turns off in every guest is required even where the model has it (nested svm).
        assert not model & set(exported.require) - KVM_TURNS_OFF, (profile['name'], 'required although the model has it')
        assert _kept(profile, cpu_map_names)[0] & KVM_TURNS_OFF <= set(exported.require), profile['name']
        # QEMU's model of the name may turn on more than libvirt's map says (QEMU's EPYC has topoext):
        # the guest gets those unless they are disabled.
        qemu = _qemu_expansion(generator, exported.model, profile['vendor'], cpu_map_names)
        assert set(exported.disable) <= model | qemu, (profile['name'], 'disabled although the model lacks it')
        named, unnamed = _kept(profile, cpu_map_names)
        assert not (qemu - model) - named - set(exported.disable) - set(VMM_SET_FEATURES) - _left_to_host(profile), (
            profile['name'], 'QEMU turns on features the profile drops')
        guest = with_required - set(exported.disable)
        assert guest == named | set(VMM_SET_FEATURES), '%s: libvirt gives the guest -%s +%s' % (
            profile['name'], sorted(named - guest), sorted(guest - named))
        dropped = {field_index(VENDOR_IDS[profile['vendor']]).by_name[name].libvirt_name for name in profile['disabled']}
        assert not guest & dropped, profile['name']
        assert exported.unnamed == unnamed, profile['name']


def test_closest_model_by_libvirt_expansion(cases, cpu_map_names, virsh, generator, tmp_path):
    """The rule of the module doc, recomputed on libvirt's and QEMU's expansion of every model of the
    vendor; this also checks our reading of the cpu_map models against libvirt's."""
    cpu_map = read_cpu_map()
    (definitions,) = generator.qmp([{'execute': 'query-cpu-definitions'}])
    qemu_names = {definition['name'] for definition in definitions}
    expanded = {}
    for model in cpu_map.models.values():
        if model.vendor in LIBVIRT_VENDORS.values() and model.name in qemu_names:
            expanded[model.name] = (model.vendor, _expand(virsh, tmp_path, model.name, model.vendor))
            assert expanded[model.name][1] == model.features, model.name
    for profile, exported in cases:
        named, unnamed = _kept(profile, cpu_map_names)
        left = _left_to_host(profile)
        ranks = []
        for name, (vendor, features) in expanded.items():
            if vendor == LIBVIRT_VENDORS[profile['vendor']]:
                disable = (features | _qemu_expansion(generator, name, profile['vendor'], cpu_map_names)) - named - left
                ranks.append((len(named - features) + len(disable), len(disable), name))
        assert min(ranks)[2] == exported.model, (profile['name'], sorted(ranks)[:3])


def test_passthrough_model_feature_gets_no_line(real_dump_facts):
    """A field the profile leaves to the host (policy passthrough) has no line, so the model decides;
    the same field dropped (``-avx512vl``) is disabled."""
    hosts = [('spr', real_dump_facts['Xeon-Bronze-3408U'])]
    models = read_cpu_map().models
    loose = build_profile(hosts, 'spr-loose', policies={'avx512vl': 'passthrough'})
    assert 'avx512vl' not in loose['features'] and 'avx512vl' not in loose['disabled']
    exported = to_libvirt_xml(loose)
    assert 'avx512vl' in models[exported.model].features
    assert 'avx512vl' not in exported.require + exported.disable
    exported = to_libvirt_xml(build_profile(hosts, 'spr-dropped', features=['-avx512vl']))
    assert 'avx512vl' in models[exported.model].features and 'avx512vl' in exported.disable


def _tiny_map(tmp_path, models):
    """A cpu_map with two features and the given ``(name, vendor, parent, features, removed)`` models."""
    (tmp_path / 'x86_features.xml').write_text(''.join((
        "<cpus><feature name='fpu'><cpuid eax_in='0x01' edx='0x00000001'/></feature>",
        "<feature name='avx2'><cpuid eax_in='0x07' ecx_in='0x00' ebx='0x00000020'/></feature></cpus>")))
    (tmp_path / 'x86_vendors.xml').write_text("<cpus><vendor name='Intel' string='GenuineIntel'/></cpus>")
    body = []
    for name, vendor, parent, features, removed in models:
        body.append("<model name='%s'>" % name)
        body.extend(["<model name='%s'/>" % parent] if parent else [])
        body.extend(["<vendor name='%s'/>" % vendor] if vendor else [])
        body.extend("<feature name='%s'/>" % feature for feature in features)
        body.extend("<feature name='%s' removed='yes'/>" % feature for feature in removed)
        body.append('</model>')
    (tmp_path / 'x86_models.xml').write_text('<cpus>%s</cpus>' % ''.join(body))
    (tmp_path / 'index.xml').write_text(''.join((
        "<cpus><arch name='x86'><include filename='x86_vendors.xml'/><include filename='x86_features.xml'/>",
        "<include filename='x86_models.xml'/></arch></cpus>")))
    return str(tmp_path)


def _profile(features=('fpu',), vendor='GenuineIntel'):
    return {'name': 'p', 'vendor': vendor, 'hypervisor': 'kvm', 'features': list(features), 'disabled': {},
            'cpuid': [], 'msrs': []}


def test_inherited_models_and_tie_break(tmp_path):
    directory = _tiny_map(tmp_path, [('Base', 'Intel', None, ['fpu'], ['avx2']), ('Child', None, 'Base', ['avx2'], []),
                                     ('Zeta', 'Intel', None, ['fpu', 'avx2'], []), ('Generic', None, None, ['fpu'], [])])
    cpu_map = read_cpu_map(directory)
    assert cpu_map.models['Base'] == ('Base', 'Intel', frozenset({'fpu'}))  # removed='yes' is not in the model
    assert cpu_map.models['Child'] == ('Child', 'Intel', frozenset({'fpu', 'avx2'}))
    assert cpu_map.models['Generic'].vendor is None
    qemu = dict.fromkeys(('Base', 'Child', 'Zeta', 'Generic'), frozenset())
    assert to_libvirt_xml(_profile(['fpu', 'avx2']), directory, qemu).model == 'Child'  # 0 lines, name before Zeta
    exported = to_libvirt_xml(_profile(['fpu']), directory, qemu)
    assert (exported.model, exported.require, exported.disable) == ('Base', [], [])
    # Unknown to this map: warned, never required.
    assert to_libvirt_xml(_profile(['fpu', 'sse2']), directory, qemu).unnamed == ['sse2']
    assert read_cpu_map(directory) is cpu_map  # read once per (path, mtime)


def test_what_qemu_makes_of_a_model_counts(tmp_path):
    """QEMU's model of a name may turn on more than libvirt's map says: a dropped feature it turns on is
    disabled, and a model QEMU does not have is no candidate."""
    directory = _tiny_map(tmp_path, [('Base', 'Intel', None, ['fpu'], []), ('Zeta', 'Intel', None, ['fpu'], [])])
    exported = to_libvirt_xml(_profile(['fpu']), directory, {'Base': frozenset(['avx2']), 'Zeta': frozenset(['fpu'])})
    assert (exported.model, exported.disable) == ('Zeta', [])
    exported = to_libvirt_xml(_profile(['fpu']), directory, {'Base': frozenset(['avx2'])})
    assert (exported.model, exported.disable) == ('Base', ['avx2'])
    with pytest.raises(VmcpuError, match='has no x86 CPU model of vendor Intel that QEMU 7.2.22 has'):
        to_libvirt_xml(_profile(['fpu']), directory, {})


@pytest.mark.parametrize('change, message', [
    ({'vendor': 'CentaurHauls'}, "profile p has CPU vendor 'CentaurHauls', which libvirt cannot express " +
                                 '(supported: AuthenticAMD, GenuineIntel, HygonGenuine)'),
    ({'hypervisor': 'hvf'}, "profile p is for hypervisor 'hvf'; libvirt profiles are for KVM only"),
    ({'vendor': 'AuthenticAMD'}, 'profile p: the libvirt CPU map %s has no x86 CPU model of vendor AMD that QEMU'),
    ({'features': ['fpu', 'warp_drive']}, 'profile p keeps features the GenuineIntel field table does not know: warp_drive'),
])
def test_bad_profiles(change, message, tmp_path):
    directory = _tiny_map(tmp_path, [('Base', 'Intel', None, ['fpu'], [])])
    profile = dict(_profile(), **change)
    with pytest.raises(VmcpuError, match=re.escape(message.replace('%s', directory))):
        to_libvirt_xml(profile, directory, {'Base': frozenset()})


def test_bad_cpu_maps(tmp_path):
    with pytest.raises(VmcpuError, match=re.escape(('libvirt CPU map not found (no %s/none/index.xml): install the ' +
                                                    'Debian package libvirt0') % tmp_path)):
        read_cpu_map(str(tmp_path / 'none'))
    (tmp_path / 'index.xml').write_text("<cpus><arch name='ppc64'/></cpus>")
    with pytest.raises(VmcpuError, match='has no x86 architecture'):
        read_cpu_map(str(tmp_path))
    (tmp_path / 'index.xml').write_text("<cpus><arch name='x86'><include filename='gone.xml'/></arch></cpus>")
    with pytest.raises(VmcpuError, match='gone.xml cannot be read'):
        read_cpu_map(str(tmp_path))


def test_opennebula_cpu_model_gives_the_guest_the_profile(cases, cpu_map_names, virsh, generator, tmp_path):
    """OpenNebula makes of CPU_MODEL a custom model with require lines only: libvirt's expansion of the
    model plus FEATURES, and what QEMU turns on for the model, must hold every kept feature, and
    anything more must be what the warning names - features every host has that the profile leaves
    off by default policy, or that KVM gives every guest - or what KVM turns off anyway."""
    for profile, _libvirt in cases:
        try:
            exported = to_opennebula(profile)
        except VmcpuError as exc:
            # Only when every model has a feature the guest must not see.
            assert 'OpenNebula cannot disable features' in str(exc), profile['name']
            continue
        assert exported.attribute == 'CPU_MODEL = [ MODEL = "%s"%s ]' % (
            exported.model, ', FEATURES = "%s"' % ','.join(exported.features) if exported.features else '')
        vendor = LIBVIRT_VENDORS[profile['vendor']]
        model = _expand(virsh, tmp_path, exported.model, vendor)
        assert not model & set(exported.features) - KVM_TURNS_OFF, (profile['name'], 'required although the model has it')
        # KVM turns some features off in every guest unless they are asked for (QEMU's kvm_default_props).
        guest = (_expand(virsh, tmp_path, exported.model, vendor, exported.features)
                 | _qemu_expansion(generator, exported.model, profile['vendor'], cpu_map_names)) - (
            KVM_TURNS_OFF - set(exported.features))
        named, unnamed = _kept(profile, cpu_map_names)
        assert named <= guest, (profile['name'], sorted(named - guest))
        extra = guest - named - set(VMM_SET_FEATURES) - _left_to_host(profile)
        assert extra == set(exported.seen_anyway), (profile['name'], sorted(extra ^ set(exported.seen_anyway)))
        table = field_index(VENDOR_IDS[profile['vendor']]).by_name
        default_off = {table[name].libvirt_name for name, reason in profile['disabled'].items()
                       if reason.startswith('disabled by default policy')}
        assert extra <= default_off | KVM_TURNS_ON, (profile['name'], sorted(extra - default_off))
        assert exported.unnamed == unnamed, profile['name']


def test_opennebula_refuses_a_profile_no_model_fits(export_cases):
    """A toggle that turns off a feature every model has (sse2 is in every x86-64 model): OpenNebula
    cannot disable it, so no model fits."""
    profile, hosts = export_cases[0]
    toggled = build_profile(hosts, 'no-sse3', features=['-pni'])
    with pytest.raises(VmcpuError, match=r'^profile no-sse3: every \w+ model of the libvirt CPU map .+ has a feature the '
                                         r'profile turns off or some host lacks, and OpenNebula cannot disable features\.$'):
        to_opennebula(toggled)

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Nova export, read by Nova itself: for every bundled and dump-built profile, the ``[libvirt]``
fragment, put as a managed block at the end of an operator's nova.conf that sets other CPU options
before it, is parsed by oslo.config against Nova's own option definitions, and the guest ``<cpu>``
Nova's libvirt driver builds from it (``tests/platforms/nova_guest_cpu.py``, in ``.venv-nova``) is the
libvirt export's model and feature lines - which test_libvirt checks against the profile with
libvirt's and QEMU's own expansion - without the ``hypervisor`` line that only ``check='full'``
needs. Skipped without ``.venv-nova`` (scripts/setup.sh makes it) or libvirt's CPU map."""

import json
import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.export.libvirt import CPU_MAP_DIR, VMM_SET_FEATURES, to_libvirt_xml
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.nova import to_nova
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.common import phys_addr_bits

# What an operator's nova.conf may already say: another CPU mode, in the [libvirt] section the block follows.
OPERATOR_CONF = '[DEFAULT]\nhost = compute-1\n\n[libvirt]\nvirt_type = kvm\ncpu_mode = host-model\n\n[workarounds]\n'
BLOCK = '# BEGIN vmcpu.profiles migration_gate\n%s# END vmcpu.profiles migration_gate\n'


def _nova_python(collection_root):
    """The Python of .venv-nova: ``VMCPU_NOVA_PYTHON`` (scripts/test.sh sets it, the tree under test
    being a copy of the checkout), else the checkout's own."""
    python = Path(os.environ.get('VMCPU_NOVA_PYTHON') or collection_root / '.venv-nova' / 'bin' / 'python')
    if not python.exists():
        pytest.skip('no %s (scripts/setup.sh makes .venv-nova from requirements/nova.txt)' % python)
    return python


def _read_as_nova(python, collection_root, paths):
    result = subprocess.run([str(python), str(collection_root / 'tests' / 'platforms' / 'nova_guest_cpu.py')]
                            + [str(path) for path in paths], capture_output=True, text=True, timeout=300, check=False)
    return result.returncode, result.stdout, result.stderr


@pytest.fixture(scope='module')
def cases(export_cases):
    if not os.path.isfile(os.path.join(CPU_MAP_DIR, 'index.xml')):
        pytest.skip('libvirt CPU map not found at %s (Debian package libvirt0)' % CPU_MAP_DIR)
    return [(profile, to_nova(profile), to_libvirt_xml(profile)) for profile, hosts in export_cases]


def test_nova_reads_the_libvirt_export(cases, collection_root, tmp_path):
    python = _nova_python(collection_root)
    paths = []
    for profile, exported, _libvirt in cases:
        path = tmp_path / ('%s.conf' % profile['name'])
        path.write_text(OPERATOR_CONF + BLOCK % exported.fragment())
        paths.append(path)
    code, stdout, stderr = _read_as_nova(python, collection_root, paths)
    assert code == 0, stderr
    results = json.loads(stdout)
    assert len(results) == len(cases)
    for (profile, exported, libvirt), read in zip(cases, results):
        assert (read['cpu_mode'], read['cpu_models']) == ('custom', [libvirt.model]), profile['name']
        assert read['cpu_model_extra_flags'] == exported.flags, profile['name']
        cpu = ET.fromstring(read['guest_cpu'])
        assert cpu.attrib == {'mode': 'custom', 'match': 'exact'} and cpu.find('model').text == libvirt.model
        lines = {(feature.get('policy'), feature.get('name')) for feature in cpu.findall('feature')}
        assert lines == {('require', name) for name in libvirt.require if name not in VMM_SET_FEATURES} | {
            ('disable', name) for name in libvirt.disable}, profile['name']
        assert exported.flavor_properties == {'hw:maxphysaddr_mode': 'emulate',
                                              'hw:maxphysaddr_bits': str(phys_addr_bits(profile))}
        assert exported.unnamed == libvirt.unnamed


def test_nova_refuses_what_it_would_not_start_with(cases, collection_root, tmp_path):
    """The reader is Nova's parser, not a formality: a value outside Nova's choices fails."""
    python = _nova_python(collection_root)
    path = tmp_path / 'bad.conf'
    path.write_text(cases[0][1].fragment().replace('cpu_mode = custom', 'cpu_mode = custom-ish'))
    code, _stdout, stderr = _read_as_nova(python, collection_root, [path])
    assert code == 1 and "Valid values are [host-model, host-passthrough, custom, none], but found 'custom-ish'" in stderr


def test_fragment_and_warning(cases):
    for profile, exported, libvirt in cases:
        assert exported.fragment() == '[libvirt]\ncpu_mode = custom\ncpu_models = %s\ncpu_model_extra_flags = %s\n' % (
            libvirt.model, ', '.join(exported.flags))
        assert exported.flags == ['+' + name for name in libvirt.require if name not in VMM_SET_FEATURES] + [
            '-' + name for name in libvirt.disable]
        assert "what nova.conf cannot set, so the guest gets the model's or libvirt's: vendor, check='full', " \
            "fallback='forbid', the CPU identity and leaf ranges of the <qemu:commandline> element" in exported.warning()
        if libvirt.unnamed:
            assert exported.warning().startswith("needs features libvirt's CPU map has no name for, so no flag can "
                                                 'require them: ' + ', '.join(libvirt.unnamed) + '; and ')

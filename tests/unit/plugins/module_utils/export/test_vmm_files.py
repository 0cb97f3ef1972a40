# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The file set of the VMM exports: names, bytes and refusals (the formats themselves are tested
with their exporters)."""

import json
import os

import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.cloud_hypervisor import to_cloud_hypervisor
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.firecracker import (
    firecracker_overrides, firecracker_warning, to_firecracker)
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.kubevirt import to_kubevirt
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.libvirt import CPU_MAP_DIR, to_libvirt_xml
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.nova import to_nova
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.proxmox import to_proxmox
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.qemu import to_qemu_cpu
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.vmm_files import EXPORTERS, vmm_files


@pytest.fixture(scope='module')
def profile(collection_root):
    return json.loads((collection_root / 'bundled_profiles' / 'skylake-server.json').read_text())


def test_file_names_and_content(profile):
    files, warnings = vmm_files(profile, ['firecracker', 'cloud_hypervisor'])
    assert sorted(files) == ['skylake-server.cloud-hypervisor-cpus', 'skylake-server.cpuid.json',
                             'skylake-server.firecracker.json']
    assert json.loads(files['skylake-server.cpuid.json']) == to_cloud_hypervisor(profile)['cpuid']
    assert files['skylake-server.cloud-hypervisor-cpus'] == to_cloud_hypervisor(profile)['cpus'] + '\n'
    assert json.loads(files['skylake-server.firecracker.json']) == to_firecracker(profile)
    for name in ('skylake-server.cpuid.json', 'skylake-server.firecracker.json'):
        assert files[name].endswith('}\n') and '\n  "' in files[name]  # two-space indent, final newline
    # Firecracker writes its own brand string: warned, naming the field.
    assert warnings == {'firecracker': firecracker_warning(firecracker_overrides(profile))}
    assert 'brand_string (Firecracker writes its own)' in warnings['firecracker']


def test_qemu_and_libvirt_files_carry_the_exports_and_their_warnings(profile):
    if not os.path.isdir(CPU_MAP_DIR):
        pytest.skip('no libvirt CPU map at %s (Debian package libvirt0)' % CPU_MAP_DIR)
    files, warnings = vmm_files(profile, ['qemu', 'libvirt'])
    qemu, libvirt = to_qemu_cpu(profile), to_libvirt_xml(profile)
    assert files == {'skylake-server.qemu-cpu': qemu.argument + '\n', 'skylake-server.libvirt.xml': libvirt.xml + '\n',
                     'skylake-server.libvirt-qemu.xml': libvirt.commandline + '\n'}
    # Both have kept fields they cannot name (XSAVE state components at least): one warning each,
    # naming those fields.
    assert sorted(warnings) == ['libvirt', 'qemu']
    assert warnings['libvirt'].endswith(': ' + ', '.join(libvirt.unnamed))
    assert all(name in warnings['qemu'] for name in qemu.unexpressed)


def test_kubevirt_files_are_the_merge_patches(profile):
    if not os.path.isdir(CPU_MAP_DIR):
        pytest.skip('no libvirt CPU map at %s (Debian package libvirt0)' % CPU_MAP_DIR)
    files, warnings = vmm_files(profile, ['kubevirt'])
    exported = to_kubevirt(profile)
    assert {name: json.loads(text) for name, text in files.items()} == {
        'skylake-server.kubevirt-vm-patch.json': exported.vm_patch(), 'skylake-server.kubevirt-patch.json': exported.kubevirt_patch()}
    assert warnings == {'kubevirt': exported.warning()}


def test_nova_file_is_the_libvirt_section(profile):
    if not os.path.isdir(CPU_MAP_DIR):
        pytest.skip('no libvirt CPU map at %s (Debian package libvirt0)' % CPU_MAP_DIR)
    files, warnings = vmm_files(profile, ['nova'])
    assert files == {'skylake-server.nova.conf': to_nova(profile).fragment(),
                     'skylake-server.nova-flavor-properties': '--property hw:maxphysaddr_bits=46 '
                                                              '--property hw:maxphysaddr_mode=emulate\n'}
    assert warnings == {'nova': to_nova(profile).warning()}


def test_proxmox_file_is_the_model_section(profile):
    files, warnings = vmm_files(profile, ['proxmox'])
    assert files == {'skylake-server.proxmox-cpu-model': to_proxmox(profile).section()}
    assert warnings == {'proxmox': to_proxmox(profile).warning()}


def test_msr_file_only_when_the_profile_knows_the_msr_index(profile):
    assert 'skylake-server.msr.json' not in vmm_files(profile, ['cloud_hypervisor'])[0]
    with_index = dict(profile, msr_index_known=True)
    msr = json.loads(vmm_files(with_index, ['cloud_hypervisor'])[0]['skylake-server.msr.json'])
    assert msr == to_cloud_hypervisor(with_index)['msr'] and msr['hypervisor_type'] == 'Kvm'


def test_same_profile_same_bytes(profile):
    assert vmm_files(profile, list(EXPORTERS)) == vmm_files(json.loads(json.dumps(profile)), list(reversed(EXPORTERS)))


def test_no_vmm_no_files(profile):
    assert vmm_files(profile, []) == ({}, {})


def test_unknown_vmm_is_refused_before_anything_is_converted(profile):
    with pytest.raises(VmcpuError, match=r'no export for hyperv, vbox; known VMMs: cloud_hypervisor, firecracker, '
                                         r'kubevirt, libvirt, nova, opennebula, proxmox, qemu\.'):
        vmm_files(profile, ['cloud_hypervisor', 'vbox', 'hyperv'])


def test_missing_libvirt_cpu_map_is_refused(profile, tmp_path):
    with pytest.raises(VmcpuError, match='libvirt CPU map not found'):
        vmm_files(profile, ['qemu', 'libvirt'], libvirt_cpu_map=str(tmp_path / 'absent'))


def test_a_vmm_that_cannot_express_the_profile_is_refused(profile):
    with pytest.raises(VmcpuError, match="profile skylake-server has CPU vendor 'HygonGenuine', which Firecracker cannot"):
        vmm_files(dict(profile, vendor='HygonGenuine'), ['firecracker'])

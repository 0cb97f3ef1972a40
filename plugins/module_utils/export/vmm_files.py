# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The files a profile becomes for each VMM, named as the migration gate writes them next to the
deployed profile ``<name>.json``:

- ``cloud_hypervisor``: ``<name>.cpuid.json`` and, when the profile knows KVM's MSR index,
  ``<name>.msr.json`` (cloud-hypervisor's CPU profile files), and ``<name>.cloud-hypervisor-cpus``
  (one line, the ``--cpus`` option the VM needs: ``max_phys_bits=N``);
- ``firecracker``: ``<name>.firecracker.json`` (a custom CPU template);
- ``kubevirt``: ``<name>.kubevirt-vm-patch.json`` (a JSON merge patch giving a VirtualMachine the
  profile's CPU and node selector) and ``<name>.kubevirt-patch.json`` (the ``KubeVirt`` resource's
  default ``cpuModel``);
- ``libvirt``: ``<name>.libvirt.xml`` (the guest ``<cpu>`` element, from the libvirt CPU map in
  ``libvirt_cpu_map``) and, when the profile fixes the CPU's identity or leaf ranges,
  ``<name>.libvirt-qemu.xml`` (the ``<qemu:commandline>`` element that sets them);
- ``nova``: ``<name>.nova.conf`` (the ``[libvirt]`` CPU options of ``nova.conf``, an ini fragment) and,
  when the profile fixes the physical address width, ``<name>.nova-flavor-properties`` (the
  ``openstack flavor set`` options that give a flavor that width, one line);
- ``opennebula``: ``<name>.opennebula`` (the ``CPU_MODEL`` attribute of a VM template, one line);
- ``proxmox``: ``<name>.proxmox-cpu-model`` (the custom CPU model's section of Proxmox VE's
  ``cpu-models.conf``, named after the profile);
- ``qemu``: ``<name>.qemu-cpu`` (the ``-cpu`` argument, one line).

One function so that the role converts the profile once, on the controller, before any host is
touched: a profile a VMM cannot express stops the play there, and no host gets part of the files.
"""

import json

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.cloud_hypervisor import to_cloud_hypervisor
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.firecracker import (
    firecracker_overrides, firecracker_warning, to_firecracker)
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.kubevirt import to_kubevirt
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.libvirt import CPU_MAP_DIR, to_libvirt_xml
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.nova import to_nova
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.opennebula import to_opennebula
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.proxmox import to_proxmox
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.qemu import to_qemu_cpu


def json_text(document):
    """JSON as the exports are written: stable key order, two-space indent, final newline."""
    return json.dumps(document, indent=2, sort_keys=True) + '\n'


def _cloud_hypervisor(profile, options):
    data = to_cloud_hypervisor(profile)
    files = {'cpuid.json': json_text(data['cpuid'])}
    if data['msr'] is not None:
        files['msr.json'] = json_text(data['msr'])
    if data['cpus']:
        files['cloud-hypervisor-cpus'] = data['cpus'] + '\n'
    return files, None


def _firecracker(profile, options):
    return {'firecracker.json': json_text(to_firecracker(profile))}, firecracker_warning(firecracker_overrides(profile))


def _kubevirt(profile, options):
    exported = to_kubevirt(profile, options.get('libvirt_cpu_map') or CPU_MAP_DIR)
    return {'kubevirt-vm-patch.json': json_text(exported.vm_patch()),
            'kubevirt-patch.json': json_text(exported.kubevirt_patch())}, exported.warning()


def _libvirt(profile, options):
    exported = to_libvirt_xml(profile, options.get('libvirt_cpu_map') or CPU_MAP_DIR)
    files = {'libvirt.xml': exported.xml + '\n'}
    if exported.commandline:
        files['libvirt-qemu.xml'] = exported.commandline + '\n'
    return files, exported.warning()


def _nova(profile, options):
    exported = to_nova(profile, options.get('libvirt_cpu_map') or CPU_MAP_DIR)
    files = {'nova.conf': exported.fragment()}
    if exported.flavor_properties:
        files['nova-flavor-properties'] = ' '.join('--property %s=%s' % item for item in sorted(
            exported.flavor_properties.items())) + '\n'
    return files, exported.warning()


def _opennebula(profile, options):
    exported = to_opennebula(profile, options.get('libvirt_cpu_map') or CPU_MAP_DIR)
    return {'opennebula': exported.attribute + '\n'}, exported.warning()


def _proxmox(profile, options):
    exported = to_proxmox(profile)
    return {'proxmox-cpu-model': exported.section()}, exported.warning()


def _qemu(profile, options):
    exported = to_qemu_cpu(profile)
    return {'qemu-cpu': exported.argument + '\n'}, exported.warning()


EXPORTERS = {
    'cloud_hypervisor': _cloud_hypervisor,
    'firecracker': _firecracker,
    'kubevirt': _kubevirt,
    'libvirt': _libvirt,
    'nova': _nova,
    'opennebula': _opennebula,
    'proxmox': _proxmox,
    'qemu': _qemu,
}


def vmm_files(profile, vmms, libvirt_cpu_map=None):
    """``(files, warnings)`` of ``profile`` for the VMMs in ``vmms``: ``{file name: text}`` and
    ``{vmm: what its files cannot express}`` (the guest gets less than the profile keeps there, never
    more). ``VmcpuError`` for an unknown VMM or a profile one of them cannot express."""
    unknown = sorted(set(vmms) - set(EXPORTERS))
    if unknown:
        raise VmcpuError('no export for %s; known VMMs: %s.' % (', '.join(unknown), ', '.join(sorted(EXPORTERS))))
    options = {'libvirt_cpu_map': libvirt_cpu_map}
    files, warnings = {}, {}
    for vmm in sorted(set(vmms)):
        exported, warning = EXPORTERS[vmm](profile, options)
        for suffix, text in exported.items():
            files['%s.%s' % (profile['name'], suffix)] = text
        if warning:
            warnings[vmm] = warning
    return files, warnings

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that turn a profile into VMM configuration: cloud-hypervisor CPU profile data, a
Firecracker custom CPU template, KubeVirt's VM CPU and node selector, a libvirt guest CPU definition,
OpenStack Nova's [libvirt] CPU options, an OpenNebula CPU_MODEL attribute, a Proxmox VE custom CPU model
and a QEMU -cpu argument. The profile
is validated against its schema first; nothing is returned for a profile that is invalid or that the
target cannot express."""

from ansible.errors import AnsibleFilterError
from ansible.utils.display import Display

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError, kind_of
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.cloud_hypervisor import to_cloud_hypervisor
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.firecracker import (
    firecracker_overrides, firecracker_warning, reported_subleaves, to_firecracker)
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.kubevirt import to_kubevirt
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.libvirt import CPU_MAP_DIR, to_libvirt_xml
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.nova import to_nova
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.opennebula import to_opennebula
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.proxmox import to_proxmox
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.qemu import to_qemu_cpu
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.host_view import host_view
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.host_inputs import facts_mapping
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.schemas import profile_name, validate_profile


def _host_registers(facts_by_host):
    """The register maps (every CPU group) of the hosts in ``{host: facts}``, facts validated."""
    maps = []
    for host, facts in facts_mapping(facts_by_host):
        maps.extend(host_view(host, facts).groups)
    return maps


def cloud_hypervisor(profile):
    try:
        validate_profile(profile)
        return to_cloud_hypervisor(profile)
    except VmcpuError as exc:
        raise AnsibleFilterError('vmcpu.profiles.to_cloud_hypervisor: profile %s: %s' % (profile_name(profile), exc)) from None


def firecracker(profile, facts=None):
    try:
        validate_profile(profile)
        reported = reported_subleaves(_host_registers(facts)) if facts else ()
        template = to_firecracker(profile, reported)
    except VmcpuError as exc:
        raise AnsibleFilterError('vmcpu.profiles.to_firecracker: profile %s: %s' % (profile_name(profile), exc)) from None
    warning = firecracker_warning(firecracker_overrides(profile))
    if warning:
        # Not an error: Firecracker's own values for them (docs/docsite/rst/vmm-exports.rst).
        Display().warning('vmcpu.profiles.to_firecracker: profile %s %s' % (profile['name'], warning))
    return template


LIBVIRT_ELEMENTS = ('cpu', 'qemu_commandline')


def _exported(filter_name, profile, convert):
    """``convert(profile)`` of the validated ``profile``, its warning shown naming the profile; any
    ``VmcpuError`` (invalid profile, bad option, a profile the target cannot express) is the filter's error."""
    try:
        validate_profile(profile)
        exported = convert(profile)
    except VmcpuError as exc:
        raise AnsibleFilterError('vmcpu.profiles.%s: profile %s: %s' % (filter_name, profile_name(profile), exc)) from None
    if exported.warning():
        # Not an error: the guest gets less than the profile keeps, or the VMM's own value, as the warning says
        # (docs/docsite/rst/vmm-exports.rst, qemu.rst, libvirt.rst).
        Display().warning('vmcpu.profiles.%s: profile %s %s' % (filter_name, profile['name'], exported.warning()))
    return exported


def _directory(cpu_map_dir):
    if not isinstance(cpu_map_dir, str):
        raise VmcpuError('cpu_map_dir must be a directory path, got %s.' % kind_of(cpu_map_dir))
    return cpu_map_dir


def kubevirt(profile, cpu_map_dir=CPU_MAP_DIR):
    return _exported('to_kubevirt', profile, lambda valid: to_kubevirt(valid, _directory(cpu_map_dir))).data()


def libvirt_xml(profile, cpu_map_dir=CPU_MAP_DIR, element='cpu'):
    def convert(valid):
        if element not in LIBVIRT_ELEMENTS:
            raise VmcpuError('element must be one of %s, got %r.' % (', '.join(LIBVIRT_ELEMENTS), element))
        return to_libvirt_xml(valid, _directory(cpu_map_dir))

    exported = _exported('to_libvirt_xml', profile, convert)
    if element == 'qemu_commandline':
        return exported.commandline or ''
    return exported.xml


def nova(profile, cpu_map_dir=CPU_MAP_DIR):
    return _exported('to_nova', profile, lambda valid: to_nova(valid, _directory(cpu_map_dir))).fragment()


def opennebula(profile, cpu_map_dir=CPU_MAP_DIR):
    return _exported('to_opennebula', profile, lambda valid: to_opennebula(valid, _directory(cpu_map_dir))).attribute


def proxmox(profile, model_name=None):
    return _exported('to_proxmox', profile, lambda valid: to_proxmox(valid, model_name)).section()


def qemu_cpu(profile):
    return _exported('to_qemu_cpu', profile, to_qemu_cpu).argument


class FilterModule:
    def filters(self):
        return {'to_cloud_hypervisor': cloud_hypervisor, 'to_firecracker': firecracker, 'to_kubevirt': kubevirt,
                'to_libvirt_xml': libvirt_xml, 'to_nova': nova, 'to_opennebula': opennebula, 'to_proxmox': proxmox,
                'to_qemu_cpu': qemu_cpu}

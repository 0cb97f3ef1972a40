# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The export filters: the exporters' output, validated input first, refusals and warnings by message."""

import json
import re

import pytest
from ansible.errors import AnsibleFilterError
from ansible.utils.display import Display

from ansible_collections.vmcpu.profiles.plugins.filter.exports import FilterModule
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.cloud_hypervisor import to_cloud_hypervisor
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.firecracker import reported_subleaves, to_firecracker
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.libvirt import to_libvirt_xml
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.kubevirt import to_kubevirt
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.nova import to_nova
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.opennebula import to_opennebula
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.proxmox import to_proxmox
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.qemu import cpu_properties
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.qemu import to_qemu_cpu
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.host_view import host_view


def _views(hosts):
    """Register maps of every CPU group of every host (KVM view when the facts have one, else raw)."""
    return [group for name, facts in hosts for group in host_view(name, facts).groups]


def test_cloud_hypervisor_and_firecracker_filters_validate_first(export_cases):
    filters = FilterModule().filters()
    profile, hosts = export_cases[0]
    assert filters['to_cloud_hypervisor'](profile) == to_cloud_hypervisor(profile)
    facts = dict(hosts)
    assert filters['to_firecracker'](profile, facts=facts) == to_firecracker(profile, reported_subleaves(_views(hosts)))
    broken = dict(profile, cpuid=[{'leaf': '0x1'}])
    with pytest.raises(AnsibleFilterError, match=r'to_cloud_hypervisor: profile %s: profile %s does not match '
                                                 r'profile.schema.json at cpuid\[0\]' % (profile['name'], profile['name'])):
        filters['to_cloud_hypervisor'](broken)
    with pytest.raises(AnsibleFilterError, match=r'to_firecracker: profile %s: .*profile.schema.json' % profile['name']):
        filters['to_firecracker'](dict(profile, vendor='CyrixInstead'))
    with pytest.raises(AnsibleFilterError, match='to_firecracker: profile \\(not a mapping\\): expected a profile'):
        filters['to_firecracker']('nope')
    with pytest.raises(AnsibleFilterError, match='expected a mapping of host name to facts, got a list'):
        filters['to_firecracker'](profile, facts=[1])


def test_libvirt_filter_warns_and_refuses_by_message(collection_root, capfd, tmp_path):
    to_xml = FilterModule().filters()['to_libvirt_xml']
    profile = json.loads((collection_root / 'bundled_profiles' / 'skylake-server.json').read_text())
    exported = to_libvirt_xml(profile)
    capfd.readouterr()
    assert to_xml(profile) == exported.xml
    assert to_xml(profile, element='qemu_commandline') == exported.commandline
    assert "'x86_64-cpu.model-id=%s'" % dict(cpu_properties(profile))['model-id'] in exported.commandline
    warning = ' '.join(capfd.readouterr().err.split())
    assert ("vmcpu.profiles.to_libvirt_xml: profile skylake-server keeps features libvirt's CPU map has no name for, " +
            'so the CPU definition cannot require them: ' + ', '.join(exported.unnamed)) in warning
    with pytest.raises(AnsibleFilterError, match=r'to_libvirt_xml: profile skylake-server: profile skylake-server ' +
                                                 r'does not match profile.schema.json at cpuid\[0\]'):
        to_xml(dict(profile, cpuid=[{'leaf': '0x1'}]))
    with pytest.raises(AnsibleFilterError, match=re.escape(
            ('to_libvirt_xml: profile skylake-server: libvirt CPU map not found (no %s/index.xml): install the ' +
             'Debian package libvirt0') % tmp_path)):
        to_xml(profile, cpu_map_dir=str(tmp_path))
    with pytest.raises(AnsibleFilterError, match='cpu_map_dir must be a directory path, got a number'):
        to_xml(profile, cpu_map_dir=1)
    with pytest.raises(AnsibleFilterError, match="element must be one of cpu, qemu_commandline, got 'domain'"):
        to_xml(profile, element='domain')
    with pytest.raises(AnsibleFilterError, match='to_libvirt_xml: profile \\(not a mapping\\): expected a profile'):
        to_xml('nope')


def test_opennebula_filter_warns_and_refuses_by_message(collection_root, capfd, tmp_path):
    to_opennebula_filter = FilterModule().filters()['to_opennebula']
    profile = json.loads((collection_root / 'bundled_profiles' / 'skylake-server.json').read_text())
    exported = to_opennebula(profile)
    capfd.readouterr()
    assert to_opennebula_filter(profile) == exported.attribute
    warning = ' '.join(capfd.readouterr().err.split())
    assert ('vmcpu.profiles.to_opennebula: profile skylake-server needs features OpenNebula cannot disable, so the guest '
            'sees them although the profile leaves them off (every host has them, or KVM gives them to every guest): '
            + ', '.join(exported.seen_anyway)) in warning
    with pytest.raises(AnsibleFilterError, match=re.escape(
            ('to_opennebula: profile skylake-server: libvirt CPU map not found (no %s/index.xml): install the ' +
             'Debian package libvirt0') % tmp_path)):
        to_opennebula_filter(profile, cpu_map_dir=str(tmp_path))
    with pytest.raises(AnsibleFilterError, match='to_opennebula: profile skylake-server: cpu_map_dir must be a directory '
                                                 'path, got a list'):
        to_opennebula_filter(profile, cpu_map_dir=['/usr'])
    with pytest.raises(AnsibleFilterError, match='to_opennebula: profile \\(not a mapping\\): expected a profile'):
        to_opennebula_filter('nope')


@pytest.mark.parametrize('name, export, rendered', [
    ('to_kubevirt', to_kubevirt, lambda exported: exported.data()),
    ('to_nova', to_nova, lambda exported: exported.fragment()),
])
def test_platform_filters_on_libvirt_warn_and_refuse_by_message(collection_root, capfd, tmp_path, name, export, rendered):
    platform_filter = FilterModule().filters()[name]
    profile = json.loads((collection_root / 'bundled_profiles' / 'skylake-server.json').read_text())
    exported = export(profile)
    capfd.readouterr()
    assert platform_filter(profile) == rendered(exported)
    warning = ' '.join(capfd.readouterr().err.split())
    assert 'vmcpu.profiles.%s: profile skylake-server %s' % (name, exported.warning()) in warning
    with pytest.raises(AnsibleFilterError, match=re.escape(
            ('%s: profile skylake-server: libvirt CPU map not found (no %s/index.xml): install the ' +
             'Debian package libvirt0') % (name, tmp_path))):
        platform_filter(profile, cpu_map_dir=str(tmp_path))
    with pytest.raises(AnsibleFilterError, match='%s: profile skylake-server: cpu_map_dir must be a directory path' % name):
        platform_filter(profile, cpu_map_dir=None)
    with pytest.raises(AnsibleFilterError, match='%s: profile \\(not a mapping\\): expected a profile' % name):
        platform_filter('nope')


def test_proxmox_filter_warns_and_refuses_by_message(collection_root, capfd):
    to_proxmox_filter = FilterModule().filters()['to_proxmox']
    profile = json.loads((collection_root / 'bundled_profiles' / 'skylake-server.json').read_text())
    exported = to_proxmox(profile)
    capfd.readouterr()
    assert to_proxmox_filter(profile) == exported.section()
    assert to_proxmox_filter(profile, model_name='fleet') == to_proxmox(profile, 'fleet').section()
    warning = ' '.join(capfd.readouterr().err.split())
    assert 'vmcpu.profiles.to_proxmox: profile skylake-server ' + exported.warning() in warning
    with pytest.raises(AnsibleFilterError, match="to_proxmox: profile skylake-server: 'sky.lake' is not a name Proxmox VE"):
        to_proxmox_filter(profile, model_name='sky.lake')
    with pytest.raises(AnsibleFilterError, match='to_proxmox: profile \\(not a mapping\\): expected a profile'):
        to_proxmox_filter('nope')


def test_qemu_filter_warns_and_refuses_by_message(collection_root, monkeypatch):

    to_qemu = FilterModule().filters()['to_qemu_cpu']
    warnings = []
    monkeypatch.setattr(Display, 'warning', lambda self, message, *args, **kwargs: warnings.append(message))
    profile = json.loads((collection_root / 'bundled_profiles' / 'skylake-server.json').read_text())
    assert to_qemu(profile) == to_qemu_cpu(profile).argument
    assert len(warnings) == 1 and 'profile skylake-server' in warnings[0] and 'flush_l1d' in warnings[0]
    with pytest.raises(AnsibleFilterError, match=r'to_qemu_cpu: profile skylake-server: .*does not match '
                                                 r'profile.schema.json at vendor'):
        to_qemu(dict(profile, vendor='CyrixInstead'))
    with pytest.raises(AnsibleFilterError, match=r'to_qemu_cpu: profile \(not a mapping\): expected a profile'):
        to_qemu(['not', 'a', 'profile'])


def test_firecracker_filter_warns_about_what_firecracker_sets(collection_root, monkeypatch):
    profile = json.loads((collection_root / 'bundled_profiles' / 'broadwell-server.json').read_text())
    shown = []
    monkeypatch.setattr(Display, 'warning', lambda self, message, *args, **kwargs: shown.append(message))
    assert FilterModule().filters()['to_firecracker'](profile) == to_firecracker(profile)
    assert len(shown) == 1
    assert ('vmcpu.profiles.to_firecracker: profile broadwell-server keeps fields Firecracker sets itself, so its '
            'guests see them differently: brand_string (Firecracker writes its own); fdp_excptn_only '
            '(Firecracker sets it)') == shown[0]

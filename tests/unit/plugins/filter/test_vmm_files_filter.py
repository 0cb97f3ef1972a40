# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter vmm_files: bad input fails with one sentence naming the profile."""

import json

import pytest

from ansible.errors import AnsibleFilterError
from ansible.utils.display import Display

from ansible_collections.vmcpu.profiles.plugins.filter.vmm_files import profile_vmm_files


@pytest.fixture(scope='module')
def profile(collection_root):
    return json.loads((collection_root / 'bundled_profiles' / 'skylake-server.json').read_text())


def test_files_of_a_valid_profile(profile):
    assert sorted(profile_vmm_files(profile, ['cloud_hypervisor'])) == [
        'skylake-server.cloud-hypervisor-cpus', 'skylake-server.cpuid.json']


def test_warning_names_the_vmm_and_the_profile(profile, monkeypatch):
    shown = []
    monkeypatch.setattr(Display, 'warning', lambda self, message, *args, **kwargs: shown.append(message))
    files = profile_vmm_files(profile, ['qemu', 'cloud_hypervisor'])
    assert sorted(files) == ['skylake-server.cloud-hypervisor-cpus', 'skylake-server.cpuid.json',
                             'skylake-server.qemu-cpu']
    assert len(shown) == 1 and shown[0].startswith(
        'vmcpu.profiles.vmm_files: qemu export of profile skylake-server keeps fields the -cpu argument cannot ask for (')


@pytest.mark.parametrize('make, vmms, message', [
    (lambda p: [p], ['firecracker'], r'profile \(not a mapping\): expected a profile \(a mapping\), got a list\.'),
    (lambda p: dict(p, vendor='CyrixInstead'), ['firecracker'],
     'profile skylake-server: profile skylake-server does not match profile.schema.json at vendor'),
    (lambda p: p, 'firecracker', "profile skylake-server: vmms must be a list of VMM names, got 'firecracker'"),
    (lambda p: p, ['xen'], 'profile skylake-server: no export for xen; known VMMs: '),
    (lambda p: p, ['libvirt'], 'profile skylake-server: libvirt_cpu_map must be a directory path, got a number'),
])
def test_refusals(profile, make, vmms, message):
    cpu_map = 7 if 'libvirt_cpu_map' in message else None
    with pytest.raises(AnsibleFilterError, match='^vmcpu.profiles.vmm_files: ' + message):
        profile_vmm_files(make(profile), vmms, libvirt_cpu_map=cpu_map)

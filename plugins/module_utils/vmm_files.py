# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The files a profile becomes for each VMM, named as the migration gate writes them next to the
deployed profile ``<name>.json``:

- ``cloud_hypervisor``: ``<name>.cpuid.json`` and, when the profile knows KVM's MSR index,
  ``<name>.msr.json`` (cloud-hypervisor's CPU profile files);
- ``firecracker``: ``<name>.firecracker.json`` (a custom CPU template).

One function so that the role converts the profile once, on the controller, before any host is
touched: a profile a VMM cannot express stops the play there, and no host gets part of the files.
"""

import json

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.export_cloud_hypervisor import to_cloud_hypervisor
from ansible_collections.vmcpu.profiles.plugins.module_utils.export_firecracker import to_firecracker


def json_text(document):
    """JSON as the exports are written: stable key order, two-space indent, final newline."""
    return json.dumps(document, indent=2, sort_keys=True) + '\n'


def _cloud_hypervisor(profile):
    data = to_cloud_hypervisor(profile)
    files = {'cpuid.json': json_text(data['cpuid'])}
    if data['msr'] is not None:
        files['msr.json'] = json_text(data['msr'])
    return files


def _firecracker(profile):
    return {'firecracker.json': json_text(to_firecracker(profile))}


EXPORTERS = {
    'cloud_hypervisor': _cloud_hypervisor,
    'firecracker': _firecracker,
}


def vmm_files(profile, vmms):
    """``{file name: text}`` of ``profile`` for every VMM in ``vmms``; ``VmcpuError`` for an unknown
    VMM or a profile one of them cannot express."""
    unknown = sorted(set(vmms) - set(EXPORTERS))
    if unknown:
        raise VmcpuError('no export for %s; known VMMs: %s.' % (', '.join(unknown), ', '.join(sorted(EXPORTERS))))
    files = {}
    for vmm in sorted(set(vmms)):
        for suffix, text in EXPORTERS[vmm](profile).items():
            files['%s.%s' % (profile['name'], suffix)] = text
    return files

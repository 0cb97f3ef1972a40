#!/usr/bin/python
# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: profile_export_files
short_description: Write a deployed profile's VMM configuration files next to it, atomically and under the gate lock
version_added: 0.2.0
description:
  - Writes each file of O(files) to C(<root>/etc/vmcpu/profiles/), next to the profile the gate deployed
    there (C(<name>.json)), for VMM files made outside the role P(vmcpu.profiles.migration_gate#role)
    (which writes its VMM files with the profile, through P(vmcpu.profiles.migration_gate_files#module)).
  - The files change in one transaction with the rest of the host's gate files, as a new generation
    switched in with one C(rename) under the host's gate lock C(<root>/etc/vmcpu/.gate.lock) (see
    P(vmcpu.profiles.migration_gate_files#module)); identical content writes nothing.
  - The profile must be deployed; the files are recorded as made from its digest. Other VMM files of
    the profile made from another digest are removed in the same generation.
  - Every file name is checked before anything is written; one bad name writes nothing.
author:
  - vmcpu.profiles developers (@vmcpu)
options:
  root:
    description:
      - Folder that stands for C(/); the files go under C(<root>/etc/vmcpu/profiles). Empty means C(/).
    type: str
    default: ''
  profile_name:
    description: Name of the deployed profile; every file name must start with it and a dot.
    type: str
    required: true
  files:
    description:
      - File name (no folder) to content. Names are C(<profile_name>.<suffix>); C(<profile_name>.json) is
        the deployed profile itself and is refused.
    type: dict
    required: true
extends_documentation_fragment:
  - vmcpu.profiles.gate_files
"""

EXAMPLES = r"""
- name: Write the cloud-hypervisor files of the deployed profile fleet
  vmcpu.profiles.profile_export_files:
    profile_name: fleet
    files:
      fleet.cpuid.json: "{{ ch.cpuid | to_nice_json }}"
      fleet.msr.json: "{{ ch.msr | to_nice_json }}"
"""

RETURN = r"""
paths:
  description: Path on the host of each file of O(files), by file name.
  returned: always
  type: dict
  sample: {"fleet.cpuid.json": "/etc/vmcpu/profiles/fleet.cpuid.json"}
generation:
  description: The generation the host's gate files are in after this run (not returned in check mode).
  returned: success
  type: str
  sample: /etc/vmcpu/generations/000005
backup_files:
  description: The earlier versions of replaced files, in the previous generation (kept with O(backup)).
  returned: always
  type: list
  elements: str
"""

import os
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.gate.generation import commit, next_files, read_view
from ansible_collections.vmcpu.profiles.plugins.module_utils.gate.paths import (
    export_files, gate_dir, lock_path, profile_relpath)
from ansible_collections.vmcpu.profiles.plugins.module_utils.gate.record import gate_document
from ansible_collections.vmcpu.profiles.plugins.module_utils.gate.writer import (
    WRITER_ARGUMENTS, exit_with, under_gate_lock)


def deployed_digest(view, profile_file):
    """The digest of the profile deployed at ``profile_file``: the VMM files are made from it."""
    digest = (gate_document(view.files.get(profile_file)) or {}).get('digest')
    if not isinstance(digest, str):
        raise VmcpuError('%s is not a deployed profile; deploy the profile with vmcpu.profiles.migration_gate_files '
                         'first (its VMM files belong next to it).' % view.display_path(profile_file))
    return digest


def apply_export_files(module):
    params = module.params
    etc = gate_dir(params['root'])
    profile_file = profile_relpath(params['profile_name'])
    exports = export_files(params['profile_name'], params['files'])
    result = {'paths': {name: os.path.join(etc, relpath) for name, (relpath, data) in exports.items()},
              'backup_files': [], 'diff': [], 'changed': False}

    def run():
        view = read_view(etc)
        digest = deployed_digest(view, profile_file)
        files, owners = next_files(view, params['profile_name'], digest, dict(exports.values()))
        created_at = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())
        result['changed'] = commit(module, view, files, owners, result, created_at)

    under_gate_lock(module, etc, lock_path(etc), run)
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            root=dict(type='str', default=''),
            profile_name=dict(type='str', required=True),
            files=dict(type='dict', required=True),
            **WRITER_ARGUMENTS
        ),
        supports_check_mode=True,
    )
    exit_with(module, apply_export_files)


if __name__ == '__main__':
    main()

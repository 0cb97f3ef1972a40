#!/usr/bin/python
# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: profile_export_files
short_description: Write a deployed profile's VMM configuration files next to it, atomically and under the gate lock
version_added: 0.1.0
description:
  - Writes each file of O(files) to C(<root>/etc/vmcpu/profiles/), next to the profile the gate deployed
    there (C(<name>.json)). Used by the VMM exporters of the role P(vmcpu.profiles.migration_gate#role)
    (for example C(<name>.cpuid.json) and C(<name>.msr.json) for cloud-hypervisor).
  - A file is replaced only when its content differs, through a temporary file in the same folder that
    is renamed over the old one (atomic), with a backup of the replaced file, mode C(0644) and the given
    owner.
  - All files of one call are written under the host's gate lock C(<root>/etc/vmcpu/.gate.lock), so
    files that must agree (and the deployed profile) always come from the same run.
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
backup_files:
  description: Backups made of replaced files.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vmcpu.profiles.plugins.module_utils.gate.paths import export_paths
from ansible_collections.vmcpu.profiles.plugins.module_utils.gate.writer import (
    WRITER_ARGUMENTS, exit_with, replace_file, under_gate_lock,
)


def apply_export_files(module):
    params = module.params
    profiles_dir, lock_path, paths = export_paths(params['root'], params['profile_name'], params['files'])
    result = {'paths': paths, 'backup_files': [], 'diff': [], 'changed': False}

    def run():
        for name in sorted(paths):
            text = params['files'][name]
            if not text.endswith('\n'):
                text += '\n'  # a text file ends with a newline, whatever the template trimmed
            result['changed'] = replace_file(module, paths[name], text, result) or result['changed']

    under_gate_lock(module, profiles_dir, lock_path, run)
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

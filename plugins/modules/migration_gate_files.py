#!/usr/bin/python
# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: migration_gate_files
short_description: Write the migration gate's files on a host (deployed profile and migration.json) under a lock
version_added: 0.1.0
description:
  - Deploys a CPU profile to C(<root>/etc/vmcpu/profiles/<name>.json) and writes the host's migration
    decision to C(<root>/etc/vmcpu/migration.json) (profile name, digest, compatible, state, reasons,
    drift, checked_at).
  - Both files are written to a temporary file in the same folder and renamed over the old one
    (atomic), with a backup of the replaced file, mode C(0644) and the given owner.
  - The whole read-compare-write runs under an exclusive C(flock) on C(<root>/etc/vmcpu/.gate.lock), so
    two gate runs on one host at the same time are serialised and the two files always come from the
    same run. The kernel releases the lock when a run dies; nothing stale is left.
  - C(checked_at) is kept from the previous record when nothing else in it changed, so a second run
    with the same outcome reports no change.
  - Used by the role P(vmcpu.profiles.migration_gate#role); the profile must have been validated on the
    controller (schema and digest) before.
author:
  - vmcpu.profiles developers (@vmcpu)
options:
  root:
    description:
      - Folder that stands for C(/); the files go under C(<root>/etc/vmcpu). Empty means C(/).
    type: str
    default: ''
  profile:
    description:
      - The profile document (as validated by the P(vmcpu.profiles.validated_profile#filter) filter).
        Its C(name) becomes the file name and is refused when it contains a path separator or C(..).
    type: dict
    required: true
  compatible:
    description: Whether the host passed the check against O(profile).
    type: bool
    required: true
  reasons:
    description: Why the host is not compatible, one sentence each (empty when it is).
    type: list
    elements: str
    default: []
  drift:
    description:
      - The fingerprint drift the check reported (C(status) and C(changes)), recorded so the pair check
        can tell reviewed drift from new drift.
    type: dict
  checked_at:
    description: Time of this check (RFC 3339, UTC); kept from the previous record when nothing else changed.
    type: str
    required: true
extends_documentation_fragment:
  - vmcpu.profiles.gate_files
"""

EXAMPLES = r"""
- name: Deploy the profile and record that migration is enabled
  vmcpu.profiles.migration_gate_files:
    profile: "{{ profile }}"
    compatible: true
    checked_at: "{{ now(utc=true, fmt='%Y-%m-%dT%H:%M:%SZ') }}"
"""

RETURN = r"""
profile_path:
  description: Path of the deployed profile.
  returned: always
  type: str
  sample: /etc/vmcpu/profiles/xeon-fleet.json
record_path:
  description: Path of the migration record.
  returned: always
  type: str
  sample: /etc/vmcpu/migration.json
record:
  description: The record as it is (or, in check mode, would be) on the host.
  returned: always
  type: dict
previous_state:
  description: C(state) of the record before this run, or null when there was none.
  returned: always
  type: str
  sample: disabled
state_changed:
  description: Whether the migration state (enabled/disabled), profile or digest differs from the previous record.
  returned: always
  type: bool
backup_files:
  description: Backups made of replaced files.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vmcpu.profiles.plugins.module_utils.gate.paths import gate_paths
from ansible_collections.vmcpu.profiles.plugins.module_utils.gate.record import (
    keep_checked_at, new_record, profile_text, read_record, record_text)
from ansible_collections.vmcpu.profiles.plugins.module_utils.gate.writer import (
    WRITER_ARGUMENTS, exit_with, read_text, replace_file, under_gate_lock,
)


def apply_gate_files(module):
    params = module.params
    etc, profiles_dir, profile_path, record_path, lock_path = gate_paths(params['root'], params['profile'].get('name'))
    result = {'profile_path': profile_path, 'record_path': record_path, 'backup_files': [], 'diff': [],
              'changed': False}
    record = new_record(params['profile'], params['compatible'], params['reasons'], params['drift'],
                        params['checked_at'])

    def run():
        previous = read_record(read_text(record_path))
        final = keep_checked_at(previous, record)
        result['previous_state'] = previous.get('state') if previous else None
        result['state_changed'] = previous is None or any(
            previous.get(key) != final[key] for key in ('state', 'profile', 'digest'))
        result['record'] = final
        changed = replace_file(module, profile_path, profile_text(params['profile']), result)
        changed = replace_file(module, record_path, record_text(final), result) or changed
        result['changed'] = changed

    under_gate_lock(module, profiles_dir, lock_path, run)
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            root=dict(type='str', default=''),
            profile=dict(type='dict', required=True),
            compatible=dict(type='bool', required=True),
            reasons=dict(type='list', elements='str', default=[]),
            drift=dict(type='dict'),
            checked_at=dict(type='str', required=True),
            **WRITER_ARGUMENTS
        ),
        supports_check_mode=True,
    )
    for key in ('name', 'digest'):
        if not isinstance(module.params['profile'].get(key), str):
            module.fail_json(msg='the profile has no %s; give the document validated by '
                                 'vmcpu.profiles.validated_profile.' % key)
    exit_with(module, apply_gate_files)


if __name__ == '__main__':
    main()

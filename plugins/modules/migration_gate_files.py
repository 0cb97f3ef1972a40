#!/usr/bin/python
# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: migration_gate_files
short_description: Write the migration gate's files on a host (profile, VMM files, migration.json) as one transaction
version_added: 0.2.0
description:
  - Deploys a CPU profile to C(<root>/etc/vmcpu/profiles/<name>.json), its VMM files (O(files)) next to
    it, and writes the host's migration decision to C(<root>/etc/vmcpu/migration.json) (profile name,
    digest, compatible, state, reasons, drift, checked_at).
  - All of it changes as one transaction. A run that changes anything writes a new generation
    C(<root>/etc/vmcpu/generations/<number>/) (the record, the C(profiles/) folder and a
    C(manifest.json) naming every file's sha256 and the profile digest it was made from), syncs it, and
    switches the link C(<root>/etc/vmcpu/current) to it with one C(rename). C(migration.json) and
    C(profiles) are links into C(current), so readers see the files of one run or of the next, never a
    mix. A run killed at any point leaves the previous generation in place; the next run removes its
    leftovers.
  - Files of the old layout (a plain C(migration.json) and C(profiles/) folder), or files edited by hand
    at those paths, are shown in the diff, carried into the new generation, and moved aside as
    C(<name>.<time>~) when the links are put in place.
  - VMM files of this profile that a run does not write (an incompatible host) stay only when they were
    made from the same profile digest; a generation never holds a profile next to VMM files of
    another version of it. Files of other profile names are carried over.
  - The whole read-compare-write runs under an exclusive C(flock) on C(<root>/etc/vmcpu/.gate.lock), so
    two gate runs on one host at the same time are serialised (the second waits, up to
    O(lock_timeout)). The kernel releases the lock when a run dies; nothing stale is left.
  - C(checked_at) is kept from the previous record when nothing else in it changed, so a second run
    with the same outcome reports no change and writes no generation.
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
  files:
    description:
      - VMM files of the profile, file name (no folder) to content, written next to it in the same
        generation (see P(vmcpu.profiles.vmm_files#filter)). Names are C(<name>.<suffix>).
      - Omitted (an incompatible host, or no VMM exports), earlier VMM files of this profile stay only
        when they were made from the same digest.
    type: dict
extends_documentation_fragment:
  - vmcpu.profiles.gate_files
"""

EXAMPLES = r"""
- name: Deploy the profile and record that migration is enabled
  vmcpu.profiles.migration_gate_files:
    profile: "{{ profile }}"
    compatible: true
    checked_at: "{{ now(utc=true, fmt='%Y-%m-%dT%H:%M:%SZ') }}"

- name: The same, with the profile's cloud-hypervisor and QEMU files in the same generation
  vmcpu.profiles.migration_gate_files:
    profile: "{{ profile }}"
    compatible: true
    checked_at: "{{ now(utc=true, fmt='%Y-%m-%dT%H:%M:%SZ') }}"
    files: "{{ profile | vmcpu.profiles.vmm_files(['cloud_hypervisor', 'qemu']) }}"
"""

RETURN = r"""
profile_path:
  description: Path of the deployed profile.
  returned: always
  type: str
  sample: /etc/vmcpu/profiles/xeon-fleet.json
paths:
  description: Path on the host of each file of O(files), by file name.
  returned: always
  type: dict
  sample: {"xeon-fleet.cpuid.json": "/etc/vmcpu/profiles/xeon-fleet.cpuid.json"}
generation:
  description: The generation the host's gate files are in after this run (not returned in check mode).
  returned: success
  type: str
  sample: /etc/vmcpu/generations/000004
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
  description:
    - The earlier versions of replaced files, in the previous generation (kept with O(backup)), and
      files of the old layout or edited by hand, moved aside.
  returned: always
  type: list
  elements: str
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vmcpu.profiles.plugins.module_utils.gate.generation import commit, next_files, read_view
from ansible_collections.vmcpu.profiles.plugins.module_utils.gate.paths import (
    RECORD_FILE, export_files, gate_dir, lock_path, profile_relpath)
from ansible_collections.vmcpu.profiles.plugins.module_utils.gate.record import (
    keep_checked_at, new_record, profile_text, read_record, record_text)
from ansible_collections.vmcpu.profiles.plugins.module_utils.gate.writer import (
    WRITER_ARGUMENTS, exit_with, under_gate_lock)


def apply_gate_files(module):
    params = module.params
    profile = params['profile']
    etc = gate_dir(params['root'])
    profile_file = profile_relpath(profile['name'])
    exports = export_files(profile['name'], params['files']) if params['files'] else {}
    result = {'profile_path': os.path.join(etc, profile_file), 'record_path': os.path.join(etc, RECORD_FILE),
              'paths': {name: os.path.join(etc, relpath) for name, (relpath, data) in exports.items()},
              'backup_files': [], 'diff': [], 'changed': False}
    record = new_record(profile, params['compatible'], params['reasons'], params['drift'], params['checked_at'])

    def run():
        view = read_view(etc)
        previous = read_record(view.files.get(RECORD_FILE))
        final = keep_checked_at(previous, record)
        result['previous_state'] = previous.get('state') if previous else None
        result['state_changed'] = previous is None or any(
            previous.get(key) != final[key] for key in ('state', 'profile', 'digest'))
        result['record'] = final
        updates = {RECORD_FILE: record_text(final).encode('utf-8'), profile_file: profile_text(profile).encode('utf-8')}
        updates.update(exports.values())
        files, owners = next_files(view, profile['name'], profile['digest'], updates)
        result['changed'] = commit(module, view, files, owners, result, params['checked_at'])

    under_gate_lock(module, etc, lock_path(etc), run)
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
            files=dict(type='dict'),
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

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the migration gate's files live on a host, under ``<root>/etc/vmcpu``: the deployed profile
``profiles/<name>.json``, the VMM files next to it, the decision ``migration.json`` and the lock
``.gate.lock``. Names are checked here, since each becomes a file name.
Standard library only (runs on the managed node).
"""

import os

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.file_names import check_profile_name

LOCK_NAME = '.gate.lock'


def gate_paths(root, profile_name):
    """``(etc dir, profiles dir, profile file, record file, lock file)`` under ``root`` ('' means /)."""
    check_profile_name(profile_name)
    etc = os.path.join(root or '/', 'etc', 'vmcpu')
    profiles = os.path.join(etc, 'profiles')
    return etc, profiles, os.path.join(profiles, profile_name + '.json'), \
        os.path.join(etc, 'migration.json'), os.path.join(etc, LOCK_NAME)


def export_paths(root, profile_name, files):
    """``(profiles dir, lock file, {file name: path})`` for VMM files written next to the deployed
    profile ``<name>.json``; every name must be ``<name>.<suffix>``, a plain file name, and not the
    profile itself."""
    paths_of_gate = gate_paths(root, profile_name)
    profiles, profile_path, lock = paths_of_gate[1], paths_of_gate[2], paths_of_gate[4]
    if not files:
        raise VmcpuError('no files to write for profile %s.' % profile_name)
    paths = {}
    for file_name in sorted(files):
        if not isinstance(files[file_name], str):
            raise VmcpuError('the content of %s is a %s, not text.' % (file_name, type(files[file_name]).__name__))
        path = os.path.join(profiles, file_name)
        if (not file_name.startswith(profile_name + '.') or '/' in file_name or '\0' in file_name
                or file_name.endswith('.') or path == profile_path):
            raise VmcpuError('invalid export file name %r: it must be %s.<suffix>, a file name without '
                             'folders, and not %s.json (the deployed profile).'
                             % (file_name, profile_name, profile_name))
        paths[file_name] = path
    return profiles, lock, paths

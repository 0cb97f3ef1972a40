# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the migration gate's files live on a host, under ``<root>/etc/vmcpu``: the decision
``migration.json``, the folder ``profiles/`` with the deployed profile ``<name>.json`` and its VMM
files, both links into the current generation (see ``generation``), and the lock ``.gate.lock``.
Names are checked here, since each becomes a file name.
Standard library only (runs on the managed node).
"""

import os
import re

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError, kind_of
from ansible_collections.vmcpu.profiles.plugins.module_utils.file_names import check_profile_name
from ansible_collections.vmcpu.profiles.plugins.module_utils.gate.record import vmm_file_text
from ansible_collections.vmcpu.profiles.plugins.module_utils.gate.writer import MAX_GATE_FILE_BYTES

LOCK_FILE = '.gate.lock'
RECORD_FILE = 'migration.json'
PROFILES_DIR = 'profiles'
GENERATIONS_DIR = 'generations'
CURRENT_LINK = 'current'
MANIFEST_FILE = 'manifest.json'
# What follows ``<profile name>.`` in a VMM file's name: a plain suffix such as ``cpuid.json``.
_EXPORT_SUFFIX = re.compile(r'[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\Z')


def gate_dir(root):
    """``<root>/etc/vmcpu``; ``root`` must be absolute ('' means /), since a relative one would
    depend on the module's working folder on the host."""
    if root and not os.path.isabs(root):
        raise VmcpuError('the gate root %r is a relative path; give an absolute one (a relative path would be '
                         'taken from the working folder of the module on the host, which nobody chooses).' % root)
    return os.path.join(root or '/', 'etc', 'vmcpu')


def lock_path(etc):
    return os.path.join(etc, LOCK_FILE)


def profile_relpath(profile_name):
    """``profiles/<name>.json``, the deployed profile, relative to ``<root>/etc/vmcpu``."""
    check_profile_name(profile_name)
    return '%s/%s.json' % (PROFILES_DIR, profile_name)


def export_files(profile_name, files):
    """``{file name: (relative path, bytes as written)}`` for VMM files written next to the deployed
    profile ``<name>.json``; every name must be ``<name>.<suffix>``, a plain file name, and not the
    profile itself, and every content text the gate can write and read back."""
    profile = profile_relpath(profile_name)
    if not files:
        raise VmcpuError('no files to write for profile %s.' % profile_name)
    exports = {}
    for file_name in sorted(files):
        content = files[file_name]
        if not isinstance(content, str):
            raise VmcpuError('the content of %s is %s, not text.' % (file_name, kind_of(content)))
        try:
            data = vmm_file_text(content).encode('utf-8')
        except UnicodeEncodeError as exc:
            raise VmcpuError('the content of %s is not valid text (character %d cannot be written as UTF-8).'
                             % (file_name, exc.start)) from None
        if len(data) > MAX_GATE_FILE_BYTES:
            raise VmcpuError('the content of %s is larger than %d MiB; the gate writes no file it could not read '
                             'back.' % (file_name, MAX_GATE_FILE_BYTES >> 20))
        relpath = '%s/%s' % (PROFILES_DIR, file_name)
        suffix = file_name[len(profile_name) + 1:]
        if not file_name.startswith(profile_name + '.') or not _EXPORT_SUFFIX.match(suffix) or relpath == profile:
            raise VmcpuError('invalid export file name %r: it must be %s.<suffix> (letters, digits, "_", "-" and '
                             'inner dots), and not %s.json (the deployed profile).'
                             % (file_name, profile_name, profile_name))
        exports[file_name] = (relpath, data)
    return exports

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migration gate's files on a host: where they live, what the record says, and the lock.

A gate run writes two files under ``<root>/etc/vmcpu``: the deployed profile
``profiles/<name>.json`` and the decision ``migration.json``. Both are replaced by atomic renames
(a reader never sees half a file), and the whole read-compare-write of one run happens under an
exclusive ``flock`` on ``<root>/etc/vmcpu/.gate.lock``, so two gate runs on one host at the same
time are serialised: the profile file and the record always come from the same run.
Standard library only (runs on the managed node).
"""

import errno
import fcntl
import json
import os
import time
from contextlib import contextmanager

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError

RECORD_VERSION = 1
LOCK_NAME = '.gate.lock'


def gate_paths(root, profile_name):
    """``(etc dir, profiles dir, profile file, record file, lock file)`` under ``root`` ('' means /)."""
    if (not isinstance(profile_name, str) or not profile_name or profile_name.startswith('.')
            or '/' in profile_name or '\0' in profile_name or '..' in profile_name):
        raise VmcpuError('invalid profile name %r: it becomes a file name, so no path separators, '
                         'no "..", not starting with a dot.' % (profile_name,))
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


def profile_text(profile):
    """The deployed profile: canonical, so the same profile always gives the same bytes."""
    return json.dumps(profile, indent=4, sort_keys=True) + '\n'


def record_text(record):
    return json.dumps(record, indent=4, sort_keys=True) + '\n'


def new_record(profile, compatible, reasons, drift, checked_at):
    """The decision written to ``migration.json``."""
    return {
        'record_version': RECORD_VERSION,
        'profile': profile['name'],
        'digest': profile['digest'],
        'compatible': bool(compatible),
        'state': 'enabled' if compatible else 'disabled',
        'reasons': [str(reason) for reason in reasons or ()],
        'drift': drift or {'status': 'none', 'changes': {}},
        'checked_at': checked_at,
    }


def read_record(text):
    """The previous record from its text, or None when absent or not a record (then it is replaced)."""
    if not text:
        return None
    try:
        record = json.loads(text)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def keep_checked_at(previous, record):
    """``record`` with the previous ``checked_at`` when nothing else differs.

    ``checked_at`` says when the decision was last *made differently*; rewriting it on every run
    would make every run a change (and defeat idempotence checks).
    """
    if previous and 'checked_at' in previous:
        rest = dict(record, checked_at=None)
        if dict(previous, checked_at=None) == rest:
            return dict(record, checked_at=previous['checked_at'])
    return record


@contextmanager
def gate_lock(path, timeout):
    """Hold an exclusive ``flock`` on ``path`` (created 0600 when missing) for the ``with`` body.

    ``flock`` is released by the kernel when the process dies, so a killed run never leaves a stale
    lock behind. Waits at most ``timeout`` seconds, then raises ``VmcpuError``.
    """
    try:
        handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise VmcpuError('cannot open the gate lock %s: %s.' % (path, exc.strerror))
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise VmcpuError('cannot lock %s: %s.' % (path, exc.strerror))
                if time.monotonic() >= deadline:
                    raise VmcpuError('another migration gate run holds %s; gave up after %d seconds '
                                     '(lock_timeout).' % (path, timeout))
                time.sleep(0.1)
        yield
    finally:
        os.close(handle)  # closing the descriptor releases the lock

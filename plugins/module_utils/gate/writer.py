# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How the gate's modules replace a file on a host: only when its content differs, through a
temporary file in the same folder that is synced and renamed over the old one (a reader never sees
half a file), with an optional backup, explicit mode and owner, and a diff entry for diff mode.
Standard library only; the module object supplies Ansible's atomic move, backup and attributes."""

import os

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.gate.lock import gate_lock

FILE_MODE = '0644'
# The options of the gate's writers that say how files are written (doc fragment gate_files).
WRITER_ARGUMENTS = dict(
    owner=dict(type='str', default='root'),
    backup=dict(type='bool', default=True),
    lock_timeout=dict(type='int', default=120),
)


def read_text(path):
    """The text of ``path``, or None when it does not exist."""
    try:
        with open(path, 'r') as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise VmcpuError('cannot read %s: %s.' % (path, exc))


def make_dirs(path):
    try:
        os.makedirs(path, mode=0o755, exist_ok=True)
    except OSError as exc:
        raise VmcpuError('cannot create the folder %s: %s.' % (path, exc.strerror))


def replace_file(module, path, text, result):
    """Replace ``path`` with ``text`` when it differs; set mode and owner either way.

    Appends to ``result['diff']`` and ``result['backup_files']``; writes nothing in check mode.
    Returns whether anything changed.
    """
    before = read_text(path)
    changed = before != text
    if changed:
        result['diff'].append({'before_header': path if before is not None else '%s (absent)' % path,
                               'after_header': path, 'before': before or '', 'after': text})
        if not module.check_mode:
            if before is not None and module.params['backup']:
                result['backup_files'].append(module.backup_local(path))
            temp = os.path.join(os.path.dirname(path), '.%s.%d.tmp' % (os.path.basename(path), os.getpid()))
            try:
                with open(temp, 'w') as handle:
                    handle.write(text)
                    handle.flush()
                    os.fsync(handle.fileno())
            except OSError as exc:
                raise VmcpuError('cannot write %s: %s.' % (temp, exc.strerror))
            module.atomic_move(temp, path)
    if os.path.exists(path):
        file_args = module.load_file_common_arguments({'mode': FILE_MODE, 'owner': module.params['owner']}, path=path)
        changed = module.set_fs_attributes_if_different(file_args, changed) or changed
    return changed


def under_gate_lock(module, folder, lock_path, write):
    """Call ``write()`` holding the host's gate lock, ``folder`` created first; in check mode call it
    without either, so that check mode creates nothing, not even the lock file."""
    if module.check_mode:
        write()
        return
    make_dirs(folder)
    with gate_lock(lock_path, module.params['lock_timeout']):
        write()


def exit_with(module, apply):
    """End the module with ``apply(module)``'s result (its diff only in diff mode), or fail with the
    ``VmcpuError`` it raised."""
    try:
        result = apply(module)
    except VmcpuError as exc:
        module.fail_json(msg=str(exc))
    if not module._diff:
        result.pop('diff')
    module.exit_json(**result)

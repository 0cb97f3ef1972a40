# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How the gate's modules replace a file on a host: only when its content differs, through a
temporary file in the same folder that is synced and renamed over the old one (a reader never sees
half a file), with an optional backup, explicit mode and owner, and a diff entry for diff mode.
Standard library only; the module object supplies Ansible's atomic move, backup and attributes."""

import os
import tempfile

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.gate.lock import gate_lock
from ansible_collections.vmcpu.profiles.plugins.module_utils.input_file import InputFileError, read_input

FILE_MODE = '0644'
# The options of the gate's writers that say how files are written (doc fragment gate_files).
WRITER_ARGUMENTS = dict(
    owner=dict(type='str', default='root'),
    backup=dict(type='bool', default=True),
    lock_timeout=dict(type='int', default=120),
)


# Gate files are a few KiB; a bound keeps a planted huge file from filling the module's memory.
MAX_GATE_FILE_BYTES = 16 * 1024 * 1024


def read_text(path):
    """The text of the gate's file ``path`` (undecodable bytes replaced), or None when it does not exist.
    A symlink, FIFO, device or folder there is refused, never followed or opened."""
    try:
        data = read_input(path, MAX_GATE_FILE_BYTES, what='gate file', follow_links=False)
    except InputFileError as exc:
        if exc.kind == 'missing':
            return None
        if exc.kind == 'link':
            raise VmcpuError('%s is a symbolic link; the gate never writes or reads through a link it did not '
                             'make: remove it (the gate then writes a regular file there).' % path) from None
        if exc.kind == 'not_regular':
            raise VmcpuError('%s is not a regular file; remove it (the gate then writes a regular file there).'
                             % path) from None
        raise
    return data.decode('utf-8', errors='replace')


def make_dirs(path):
    try:
        os.makedirs(path, mode=0o755, exist_ok=True)
    except OSError as exc:
        raise VmcpuError('cannot create the folder %s: %s.' % (path, exc.strerror))


def replace_file(module, path, text, result):
    """Replace ``path`` with ``text`` when it differs; set mode and owner either way.

    Appends to ``result['diff']`` and ``result['backup_files']``; writes nothing in check mode.
    Outside check mode, first removes what killed runs left next to it (``remove_leftovers``).
    Returns whether anything changed.
    """
    if not module.check_mode:
        remove_leftovers(path)
    before = read_text(path)
    changed = before != text
    if changed:
        result['diff'].append({'before_header': path if before is not None else '%s (absent)' % path,
                               'after_header': path, 'before': before or '', 'after': text})
        if not module.check_mode:
            if before is not None and module.params['backup']:
                result['backup_files'].append(module.backup_local(path))
            module.atomic_move(_written_temp_file(path, text), path)
    if os.path.exists(path):
        file_args = module.load_file_common_arguments({'mode': FILE_MODE, 'owner': module.params['owner']}, path=path)
        changed = module.set_fs_attributes_if_different(file_args, changed) or changed
    return changed


def remove_leftovers(path):
    """Remove the temporary files an earlier run left next to ``path`` when it was killed or failed
    (``.<name>.<anything>.tmp``, this writer's names now and before). Only called under the gate lock,
    so no other gate run is writing them. Returns the paths removed."""
    folder, name = os.path.split(path)
    removed = []
    try:
        entries = os.listdir(folder)
    except FileNotFoundError:
        return removed
    for entry in sorted(entries):
        if entry.startswith('.%s.' % name) and entry.endswith('.tmp') and entry[len(name) + 2:-4]:
            leftover = os.path.join(folder, entry)
            try:
                os.unlink(leftover)  # a link is removed itself, never followed
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise VmcpuError('cannot remove the leftover %s of an earlier run: %s.' % (leftover, exc.strerror))
            removed.append(leftover)
    return removed


def _written_temp_file(path, text):
    """A new file next to ``path`` holding ``text``, synced: created with O_EXCL and O_NOFOLLOW under
    an unpredictable name (tempfile.mkstemp), so nothing planted in the folder is followed or reused.
    A failed write (disk full) removes it."""
    folder, name = os.path.split(path)
    try:
        handle, temp = tempfile.mkstemp(prefix='.%s.' % name, suffix='.tmp', dir=folder)
    except OSError as exc:
        raise VmcpuError('cannot create a temporary file in %s: %s.' % (folder, exc.strerror or exc))
    try:
        with os.fdopen(handle, 'wb') as stream:
            stream.write(text.encode('utf-8'))
            stream.flush()
            os.fsync(stream.fileno())
    except OSError as exc:
        os.unlink(temp)
        raise VmcpuError('cannot write %s: %s; nothing was replaced.' % (path, exc.strerror or exc))
    return temp


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

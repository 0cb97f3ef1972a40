# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the gate's writing modules share: their options, reading a gate file without following
links, running under the gate lock, and ending with a result or a clear error. How files change is in
``generation``. Standard library only (runs on the managed node)."""

import errno
import os

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


def read_gate_file(path):
    """The bytes of the gate's file ``path``, or None when it does not exist. A symlink, FIFO, device
    or folder there is refused, never followed or opened; so is a file over ``MAX_GATE_FILE_BYTES``."""
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
    return data


def make_dirs(path):
    """Create ``path`` and its missing parents, each 0755 whatever the umask (readers of the gate's
    files are often not root)."""
    parent = os.path.dirname(path)
    if parent != path and not os.path.isdir(parent):
        make_dirs(parent)
    try:
        os.mkdir(path, 0o755)
        os.chmod(path, 0o755)
    except FileExistsError:
        if not os.path.isdir(path):
            raise VmcpuError('cannot create the folder %s: %s.' % (path, os.strerror(errno.ENOTDIR))) from None
    except OSError as exc:
        raise VmcpuError('cannot create the folder %s: %s.' % (path, exc.strerror)) from None


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
    ``VmcpuError`` (or ``OSError``, naming its path) it raised."""
    try:
        result = apply(module)
    except VmcpuError as exc:
        module.fail_json(msg=str(exc))
    except OSError as exc:  # what no step foresaw (a folder made read-only under a run): still one sentence
        module.fail_json(msg='cannot write the gate files: %s: %s.' % (exc.filename or '(no path)', exc.strerror or exc))
    if not module._diff:
        result.pop('diff')
    module.exit_json(**result)

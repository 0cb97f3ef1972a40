# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replace a file in one rename: readers see the old content or the new, never a part of it."""

import os
import tempfile

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError


def write_file_atomically(path, data, mode=None):
    """Write the bytes ``data`` to ``path`` through a temporary file in its folder and one rename, with
    permission bits ``mode`` when given (else the temporary file's 0600); on any failure the file is
    as it was and no temporary file is left."""
    temporary = None
    try:
        handle, temporary = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), dir=os.path.dirname(path) or '.')
        with os.fdopen(handle, 'wb') as stream:
            if mode is not None:
                os.fchmod(stream.fileno(), mode)
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.rename(temporary, path)
        temporary = None
    except OSError as exc:
        raise VmcpuError('cannot write %s: %s.' % (path, exc.strerror)) from None
    finally:
        if temporary is not None and os.path.exists(temporary):
            os.unlink(temporary)

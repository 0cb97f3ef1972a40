# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migration gate's lock on a host: the whole read-compare-write of one gate run happens under an
exclusive ``flock`` on ``<root>/etc/vmcpu/.gate.lock``, so two gate runs on one host at the same time
are serialised and the profile file and the record always come from the same run.
Standard library only (runs on the managed node).
"""

import errno
import fcntl
import os
import stat
import time
from contextlib import contextmanager

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError


@contextmanager
def gate_lock(path, timeout):
    """Hold an exclusive ``flock`` on ``path`` (created 0600 when missing) for the ``with`` body.

    ``flock`` is released by the kernel when the process dies, so a killed run never leaves a stale
    lock behind. Waits at most ``timeout`` seconds, then raises ``VmcpuError``.
    """
    try:
        # O_NOFOLLOW: a link planted at the lock's path must not make the gate create a file elsewhere.
        handle = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o600)
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            os.close(handle)
            raise VmcpuError('the gate lock %s is not a regular file; remove it.' % path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise VmcpuError('the gate lock %s is a symbolic link; remove it (the gate never follows a link it '
                             'did not make).' % path) from None
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

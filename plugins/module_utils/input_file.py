# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read a file (a dump, a facts file, a profile, a gate file) without ever blocking and within a size limit.

The file is opened non-blocking, so a FIFO or a device at the path cannot hang the reader, and only
a regular file is read: anything else is refused with what it is. Standard library only.
"""

import errno
import os
import stat

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError

# What the path is, for the message when it is not a regular file.
_KINDS = ((stat.S_ISDIR, 'a directory'), (stat.S_ISFIFO, 'a FIFO (named pipe)'), (stat.S_ISCHR, 'a character device'),
          (stat.S_ISBLK, 'a block device'), (stat.S_ISSOCK, 'a socket'))


class InputFileError(VmcpuError):
    """Why the file cannot be read. The message is "<what> <path> <reason>."; ``reason`` is the phrase
    after the path, for callers that word the message themselves, and ``kind`` one of missing,
    permission, link, not_regular, too_large, os."""

    def __init__(self, what, path, kind, reason):
        super().__init__('%s %s %s.' % (what, shown_path(path), reason))
        self.kind = kind
        self.reason = reason


def shown_path(path):
    """``path`` as a message shows it: a relative one with where it was looked for, since it depends on
    a working folder nobody chose (the module's on the host, the playbook's on the controller)."""
    if isinstance(path, str) and not os.path.isabs(path):
        return '%s (a relative path: %s)' % (path, os.path.abspath(path))
    return path


def read_input(path, max_bytes, what='file', follow_links=True):
    """The bytes of the regular file ``path`` (at most ``max_bytes``), or ``InputFileError``;
    ``what`` names the expected file in the message ("is a FIFO (named pipe), not a dump file").
    With ``follow_links=False`` a symbolic link at ``path`` is refused (kind ``link``) unopened."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, 'O_CLOEXEC', 0) | (0 if follow_links else os.O_NOFOLLOW)
    try:
        handle = os.open(path, flags)
    except FileNotFoundError:
        raise InputFileError(what, path, 'missing', 'does not exist') from None
    except PermissionError:
        raise InputFileError(what, path, 'permission', 'cannot be read: permission denied') from None
    except OSError as exc:
        if exc.errno == errno.ELOOP and not follow_links:
            raise InputFileError(what, path, 'link', 'is a symbolic link') from None
        raise InputFileError(what, path, 'os', 'cannot be read: %s' % (exc.strerror or exc)) from None
    try:
        mode = os.fstat(handle).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _KINDS if test(mode)), 'not a regular file')
            raise InputFileError(what, path, 'not_regular', 'is %s, not a %s' % (kind, what))
        chunks, size = [], 0
        while size <= max_bytes:
            chunk = os.read(handle, min(1 << 20, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise InputFileError(what, path, 'os', 'cannot be read: %s' % (exc.strerror or exc)) from None
    finally:
        os.close(handle)
    if size > max_bytes:
        raise InputFileError(what, path, 'too_large', 'is larger than %d MiB' % (max_bytes // (1 << 20)))
    return b''.join(chunks)

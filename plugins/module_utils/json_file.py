# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read a JSON document (facts, profile) from a file with one clear message per way it can fail."""

import json

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.input_file import InputFileError, read_input, shown_path

# Facts of a 512-CPU host are a few MiB; a profile is far smaller.
MAX_JSON_BYTES = 64 * 1024 * 1024


class _DuplicateKey(Exception):
    def __init__(self, key):
        super().__init__(key)
        self.key = key


def _without_duplicate_keys(pairs):
    document = {}
    for key, value in pairs:
        if key in document:
            raise _DuplicateKey(key)
        document[key] = value
    return document


def read_json_file(path, what, when_missing):
    """The document in ``path``; ``what`` names it in messages ("facts file"), ``when_missing`` ends
    the message for a missing file ("write it with playbooks/gather.yml")."""
    try:
        data = read_input(path, MAX_JSON_BYTES, what=what)
    except InputFileError as exc:
        if exc.kind == 'missing':
            raise VmcpuError('%s %s does not exist; %s.' % (what, shown_path(path), when_missing)) from None
        raise
    try:
        return json.loads(data.decode('utf-8-sig'), object_pairs_hook=_without_duplicate_keys)
    except _DuplicateKey as exc:
        raise VmcpuError('%s %s has the key %r twice in one object; a file with duplicate keys is refused, since '
                         'readers disagree on which one counts.' % (what, path, exc.key)) from None
    except UnicodeDecodeError as exc:
        raise VmcpuError('%s %s is not UTF-8 text (byte %d).' % (what, path, exc.start)) from None
    except json.JSONDecodeError as exc:
        raise VmcpuError('%s %s is not valid JSON (line %d, column %d: %s).'
                         % (what, path, exc.lineno, exc.colno, exc.msg)) from None
    except RecursionError:
        raise VmcpuError('%s %s nests too deeply to be a %s.' % (what, path, what)) from None

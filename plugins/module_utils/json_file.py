# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read a JSON document (facts, profile) from a file with one clear message per way it can fail."""

import json

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError


def read_json_file(path, what, when_missing):
    """The document in ``path``; ``what`` names it in messages ("facts file"), ``when_missing`` ends
    the message for a missing file ("write it with playbooks/gather.yml")."""
    try:
        with open(path) as handle:
            return json.load(handle)
    except FileNotFoundError:
        raise VmcpuError('%s %s does not exist; %s.' % (what, path, when_missing)) from None
    except json.JSONDecodeError as exc:
        raise VmcpuError('%s %s is not valid JSON (line %d, column %d: %s).'
                         % (what, path, exc.lineno, exc.colno, exc.msg)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise VmcpuError('%s %s cannot be read: %s.' % (what, path, getattr(exc, 'strerror', None) or exc)) from None

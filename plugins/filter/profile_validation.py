# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter validated_profile: a profile read on the controller, checked before any host is touched."""

import json

from ansible.errors import AnsibleFilterError

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError, kind_of
from ansible_collections.vmcpu.profiles.plugins.module_utils.file_names import check_profile_name
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.integrity import verify_profile
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.schemas import PROFILE, validate


def profile_problems(document, source):
    """The profile in ``document`` (JSON text or a mapping); ``VmcpuError`` naming ``source`` if unfit.

    Order: JSON, name (it becomes a file name on every host), schema, then schema version and digest
    (``verify_profile``), so each message names the first thing that is wrong.
    """
    if isinstance(document, bytes):
        document = document.decode('utf-8', errors='replace')
    if isinstance(document, str):
        try:
            # A BOM is what some editors put first; dump files with one are read too.
            document = json.loads(document[1:] if document.startswith('\ufeff') else document)
        except ValueError as exc:
            raise VmcpuError('profile %s is not JSON: %s.' % (source, exc))
    if not isinstance(document, dict):
        raise VmcpuError('profile %s is not a JSON object but %s.' % (source, kind_of(document)))
    if 'name' in document:
        try:
            check_profile_name(document['name'])
        except VmcpuError as exc:
            raise VmcpuError('profile %s: %s' % (source, exc))
    validate(document, PROFILE, 'profile %s' % source)
    try:
        verify_profile(document)
    except VmcpuError as exc:
        raise VmcpuError('profile %s: %s' % (source, exc))
    return document


def validated_profile(document, source='(given data)'):
    try:
        return profile_problems(document, source)
    except VmcpuError as exc:
        raise AnsibleFilterError('vmcpu.profiles.validated_profile: %s' % exc) from None


class FilterModule:
    def filters(self):
        return {'validated_profile': validated_profile}

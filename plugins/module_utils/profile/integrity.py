# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a profile document can be trusted as this collection made it: a mapping of this schema
version, of the layout schemas/profile.schema.json describes, a vendor with a field table, and a
digest that matches its content (a profile edited by hand is refused; regenerate it instead).
Standard library only: the managed node's check runs it too.
"""

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError, kind_of
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import VENDOR_IDS, vendor_refusal
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import PROFILE_SCHEMA_VERSION, profile_digest
from ansible_collections.vmcpu.profiles.plugins.module_utils.schemas.validator import validate_document

PROFILE_SCHEMA = 'profile.schema.json'


def verify_profile(profile):
    """Refuse a profile the check cannot trust: not a mapping, another schema version, not of the
    profile schema (checked without jsonschema, as on a managed node), or a digest that does not match
    its content (modified after generation)."""
    if not isinstance(profile, dict):
        raise VmcpuError('the profile is not a mapping (got %s); pass the JSON document built by the '
                         'vmcpu.profiles.cluster_profile lookup.' % kind_of(profile))
    name = profile.get('name', '(unnamed)')
    version = profile.get('schema_version')
    if version != PROFILE_SCHEMA_VERSION:
        raise VmcpuError('profile %s has schema_version %r, this collection reads version %d; regenerate it '
                         'with this version of vmcpu.profiles.' % (name, version, PROFILE_SCHEMA_VERSION))
    validate_document(profile, PROFILE_SCHEMA, 'profile %s' % name)
    if profile['vendor'] not in VENDOR_IDS:
        raise VmcpuError('profile %s has vendor %r, which cannot be profiled: %s.'
                         % (name, profile['vendor'], vendor_refusal(profile['vendor'])))
    try:
        digest = profile_digest(profile)
    except (TypeError, ValueError) as exc:
        raise VmcpuError('profile %s cannot be serialised to compute its digest (%s).' % (name, exc))
    if digest != profile['digest']:
        raise VmcpuError('profile %s was tampered with: its digest %s does not match its content (%s); '
                         'regenerate it instead of editing it.' % (name, profile['digest'], digest))

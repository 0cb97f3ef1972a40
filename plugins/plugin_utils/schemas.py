# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""JSON Schema validation of facts and profiles, on the controller.

The schemas ship in the collection's ``schemas/`` folder; every controller entry point (lookup,
filters, the migration gate) validates through here so that a message names the document, the
place in it and what was expected.

jsonschema (pure Python) reads every document; a large fleet's facts take it about 9 ms per host.
When jsonschema-rs is installed (requirements.txt), it accepts a valid document in a few tens of
microseconds; only a document it refuses, or holds values it cannot read, goes through jsonschema,
whose first error is what the message shows, so messages do not depend on which library is installed.
"""

import json
import os

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError, kind_of

try:
    import jsonschema
except ImportError:  # reported when validation is asked for, not at import time
    jsonschema = None
try:
    import jsonschema_rs
except ImportError:  # optional: without it every document is read by jsonschema alone
    jsonschema_rs = None

SCHEMA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                          'schemas')
HOST_FACTS = 'host_facts.schema.json'
PROFILE = 'profile.schema.json'

_VALIDATORS = {}


def _validators(schema_name):
    """(jsonschema validator, jsonschema-rs validator or None) of ``schema_name``."""
    if jsonschema is None:
        raise VmcpuError('the Python library jsonschema is required on the controller to validate '
                         '%s documents; install it (pip install jsonschema).' % schema_name)
    if schema_name not in _VALIDATORS:
        schema = load_schema(schema_name)
        _VALIDATORS[schema_name] = (
            jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER),
            fast_validator(schema))
    return _VALIDATORS[schema_name]


def load_schema(schema_name):
    """The schema document ``schema_name`` of the collection's ``schemas/`` folder."""
    with open(os.path.join(SCHEMA_DIR, schema_name)) as handle:
        return json.load(handle)


def fast_validator(schema):
    """The jsonschema-rs validator of ``schema``; None without jsonschema-rs."""
    return None if jsonschema_rs is None else jsonschema_rs.validator_for(schema, validate_formats=True)


def validate(document, schema_name, what):
    """Raise ``VmcpuError`` naming ``what`` and the first offending place when ``document`` is invalid."""
    thorough, fast = _validators(schema_name)
    if fast is not None and fast_accepts(fast, document):
        return
    errors = sorted(thorough.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        place = ''.join('[%d]' % p if isinstance(p, int) else '.%s' % p for p in error.absolute_path) or '(top level)'
        raise VmcpuError('%s does not match %s at %s: %s%s.' % (
            what, schema_name, place.lstrip('.'), error.message[:300],
            ' (and %d more problems)' % (len(errors) - 1) if len(errors) > 1 else ''))


def fast_accepts(fast, document):
    """Whether jsonschema-rs accepts ``document``. It reads plain JSON types and dict subclasses only;
    a document holding anything else (Ansible's tagged strings and lazy values, as a profile passed
    through a template has them) goes to jsonschema."""
    try:
        return fast.is_valid(document)
    except (ValueError, TypeError):
        return False


def profile_name(profile):
    """How messages name ``profile``: its name, also before it is known to be valid."""
    return profile.get('name', '(unnamed)') if isinstance(profile, dict) else '(not a mapping)'


def validate_profile(profile):
    """Raise ``VmcpuError`` unless ``profile`` is a mapping that matches the profile schema."""
    if not isinstance(profile, dict):
        raise VmcpuError('expected a profile (a mapping), got %s.' % kind_of(profile))
    validate(profile, PROFILE, 'profile %s' % profile_name(profile))

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's JSON schemas checked on a managed node, where jsonschema is not available.

Only the keywords ``schemas/*.schema.json`` use are implemented (local ``$ref``, ``type``, ``const``,
``enum``, ``properties``, ``required``, ``additionalProperties``, ``propertyNames``, ``items``,
``minItems``, ``uniqueItems``, ``maxProperties``, ``minLength``, ``maxLength``, ``pattern``,
``minimum``, ``if``/``then``; ``format`` is an annotation here, checked on the controller); a
schema using another keyword is refused rather than half-checked. The unit tests check that this validator and jsonschema agree on real and
fuzzed documents. Standard library only.
"""

import re

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError, kind_of
from ansible_collections.vmcpu.profiles.plugins.module_utils.schemas.documents import SCHEMAS

_ANNOTATIONS = frozenset(('$schema', '$id', '$defs', 'title', 'description', 'format'))
_TYPES = {
    'object': lambda value: isinstance(value, dict),
    'array': lambda value: isinstance(value, list),
    'string': lambda value: isinstance(value, str),
    'integer': lambda value: isinstance(value, int) and not isinstance(value, bool)
    or isinstance(value, float) and value.is_integer(),
    'number': lambda value: isinstance(value, (int, float)) and not isinstance(value, bool),
    'boolean': lambda value: isinstance(value, bool),
    'null': lambda value: value is None,
}


def validate_document(document, schema_name, what):
    """Raise ``VmcpuError`` naming ``what``, the schema and the first offending place (as the
    controller's jsonschema check does) when ``document`` does not match ``schema_name``."""
    schema = SCHEMAS[schema_name]
    errors = sorted(_errors(document, schema, schema, ()), key=lambda error: [str(part) for part in error[0]])
    if errors:
        path, message = errors[0]
        place = ''.join('[%d]' % part if isinstance(part, int) else '.%s' % part for part in path) or '(top level)'
        raise VmcpuError('%s does not match %s at %s: %s%s.' % (
            what, schema_name, place.lstrip('.'), message[:300],
            ' (and %d more problems)' % (len(errors) - 1) if len(errors) > 1 else ''))


def _errors(value, schema, root, path):
    """Every ``(path, message)`` where ``value`` breaks ``schema``."""
    if schema is True:
        return []
    if schema is False:
        return [(path, 'nothing is allowed here')]
    unknown = set(schema) - _ANNOTATIONS - set(_KEYWORDS)
    if unknown:
        raise VmcpuError('the schema uses %s, which the managed-node validator does not implement.'
                         % ', '.join(sorted(unknown)))
    errors = []
    for keyword in _KEYWORDS:
        if keyword in schema:
            errors.extend(_KEYWORDS[keyword](value, schema, root, path))
    return errors


def _ref(value, schema, root, path):
    target = root
    for part in schema['$ref'].lstrip('#').strip('/').split('/'):
        target = target[part]
    return _errors(value, target, root, path)


def _type(value, schema, root, path):
    types = schema['type'] if isinstance(schema['type'], list) else [schema['type']]
    if any(_TYPES[name](value) for name in types):
        return []
    return [(path, '%s is not of type %s' % (_shown(value), ', '.join(repr(name) for name in types)))]


def _const(value, schema, root, path):
    return [] if _same(value, schema['const']) else [(path, '%r was expected' % (schema['const'],))]


def _enum(value, schema, root, path):
    if any(_same(value, option) for option in schema['enum']):
        return []
    return [(path, '%s is not one of %r' % (_shown(value), schema['enum']))]


def _properties(value, schema, root, path):
    if not isinstance(value, dict):
        return []
    return [error for name, subschema in schema['properties'].items() if name in value
            for error in _errors(value[name], subschema, root, path + (name,))]


def _required(value, schema, root, path):
    if not isinstance(value, dict):
        return []
    return [(path, '%r is a required property' % name) for name in schema['required'] if name not in value]


def _additional_properties(value, schema, root, path):
    if not isinstance(value, dict):
        return []
    extra = sorted(name for name in value if name not in schema.get('properties', {}))
    if schema['additionalProperties'] is False:
        return [(path, 'additional properties are not allowed (%s)' % ', '.join(repr(name) for name in extra))] \
            if extra else []
    subschema = schema['additionalProperties']
    return [error for name in extra for error in _errors(value[name], subschema, root, path + (name,))]


def _property_names(value, schema, root, path):
    if not isinstance(value, dict):
        return []
    return [(path, 'property name %s' % error[1]) for name in value
            for error in _errors(name, schema['propertyNames'], root, path)]


def _max_properties(value, schema, root, path):
    if isinstance(value, dict) and len(value) > schema['maxProperties']:
        return [(path, 'more than %d properties' % schema['maxProperties'])]
    return []


def _items(value, schema, root, path):
    if not isinstance(value, list):
        return []
    return [error for index, item in enumerate(value) for error in _errors(item, schema['items'], root, path + (index,))]


def _min_items(value, schema, root, path):
    if isinstance(value, list) and len(value) < schema['minItems']:
        return [(path, '%s should have at least %d items' % (_shown(value), schema['minItems']))]
    return []


def _unique_items(value, schema, root, path):
    if isinstance(value, list) and schema['uniqueItems']:
        for index, item in enumerate(value):
            if any(_same(item, other) for other in value[:index]):
                return [(path, '%s has non-unique elements' % _shown(value))]
    return []


def _min_length(value, schema, root, path):
    if isinstance(value, str) and len(value) < schema['minLength']:
        return [(path, '%s is too short' % _shown(value))]
    return []


def _max_length(value, schema, root, path):
    if isinstance(value, str) and len(value) > schema['maxLength']:
        return [(path, '%s is too long' % _shown(value))]
    return []


def _pattern(value, schema, root, path):
    if isinstance(value, str) and not re.search(schema['pattern'], value):
        return [(path, '%s does not match %r' % (_shown(value), schema['pattern']))]
    return []


def _minimum(value, schema, root, path):
    if _TYPES['number'](value) and value < schema['minimum']:
        return [(path, '%r is less than the minimum of %r' % (value, schema['minimum']))]
    return []


def _if_then(value, schema, root, path):
    if 'then' in schema and not _errors(value, schema['if'], root, path):
        return _errors(value, schema['then'], root, path)
    return []


_KEYWORDS = {
    '$ref': _ref, 'type': _type, 'const': _const, 'enum': _enum, 'required': _required,
    'properties': _properties, 'additionalProperties': _additional_properties,
    'propertyNames': _property_names, 'maxProperties': _max_properties, 'items': _items,
    'minItems': _min_items, 'uniqueItems': _unique_items, 'minLength': _min_length,
    'maxLength': _max_length, 'pattern': _pattern, 'minimum': _minimum, 'if': _if_then,
    'then': lambda value, schema, root, path: [],  # checked with 'if'
}


def _same(value, other):
    """JSON equality: 1 and 1.0 are equal, True and 1 are not."""
    if isinstance(value, bool) or isinstance(other, bool):
        return isinstance(value, bool) and isinstance(other, bool) and value == other
    if isinstance(value, dict) and isinstance(other, dict):
        return value.keys() == other.keys() and all(_same(value[key], other[key]) for key in value)
    if isinstance(value, list) and isinstance(other, list):
        return len(value) == len(other) and all(_same(a, b) for a, b in zip(value, other))
    return type(value) in (int, float) and type(other) in (int, float) and value == other or \
        type(value) is type(other) and value == other


def _shown(value):
    text = repr(value) if isinstance(value, (str, int, float, bool)) or value is None else kind_of(value)
    return text if len(text) <= 80 else text[:77] + '...'

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A profile's own adjustments to the field table's default policies.

Two inputs, both recorded in the profile's provenance so that the check reads the same contract:

* ``features``: toggles. ``-name`` sets ``static: 0`` (and, through dependencies, turns off what
  needs the feature); ``+name`` makes a default-off feature ``inherit`` and requires every host to
  have it.
* ``policies``: ``{name: 'inherit' | 'passthrough' | 'static' | 'static:N'}`` for any other change,
  for example ``invtsc: inherit`` for a cluster with a pinned TSC frequency, or a field left to the VMM.

Names are ours or QEMU's; unknown names fail with suggestions.
"""

import difflib
from collections import namedtuple

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError, kind_of
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import Kind, Policy

# policy, static value, whether every host must have the field ('+'), and where it came from.
Adjustment = namedtuple('Adjustment', 'policy value required origin')


def _resolve(index, name, where):
    resolved = index.resolve(name)
    if resolved is None:
        close = difflib.get_close_matches(name, list(index.by_name) + list(index.qemu_names), n=3)
        raise VmcpuError('unknown feature %r in %s%s.'
                         % (name, where, '; did you mean %s?' % ', '.join(close) if close else ''))
    return resolved


def _parse_policy(f, text):
    policy, separator, number = str(text).strip().partition(':')
    if policy in (Policy.INHERIT, Policy.PASSTHROUGH) and not separator:
        return policy, 0
    if policy == Policy.STATIC:
        try:
            value = int(number, 0) if separator else 0
        except ValueError:
            value = -1
        if 0 <= value < 1 << f.width:
            return policy, value
        raise VmcpuError('policies: %s: static value %r does not fit its %d bit(s).' % (f.name, number, f.width))
    raise VmcpuError("policies: %s: %r is not a policy; use inherit, passthrough, static or static:N."
                     % (f.name, text))


def parse_adjustments(index, features=(), policies=None):
    """``{field name: Adjustment}`` from a profile's toggles and policy overrides."""
    if not isinstance(features or (), (list, tuple)):
        raise VmcpuError('features must be a list of toggles such as [-avx512f, +rtm], got %s.' % kind_of(features))
    if not isinstance(policies or {}, dict):
        raise VmcpuError('policies must be a mapping of field to policy such as {invtsc: inherit}, got %s.'
                         % kind_of(policies))
    adjustments = {}
    for item in features or ():
        text = str(item).strip()
        sign, name = (text[0], text[1:]) if text[:1] in '+-' else ('+', text)
        resolved = _resolve(index, name, 'features')
        previous = adjustments.get(resolved)
        if previous is not None and previous.required != (sign == '+'):
            raise VmcpuError('feature %s is both enabled and disabled in features.' % resolved)
        adjustments[resolved] = (Adjustment(Policy.INHERIT, 0, True, 'features: +%s' % resolved) if sign == '+'
                                 else Adjustment(Policy.STATIC, 0, False, 'features: -%s' % resolved))
    for name, text in sorted((policies or {}).items()):
        resolved = _resolve(index, str(name), 'policies')
        if resolved in adjustments:
            raise VmcpuError('%s is set both in features and in policies; use one of them.' % resolved)
        f = index.by_name[resolved]
        policy, value = _parse_policy(f, text)
        if policy == Policy.INHERIT and f.kind in (Kind.VMM, Kind.STATIC):
            raise VmcpuError('policies: %s is a %s field, which hosts do not merge; use static or passthrough.'
                             % (resolved, f.kind))
        adjustments[resolved] = Adjustment(policy, value, False, 'policies: %s: %s' % (resolved, text))
    return adjustments


def field_policy(f, adjustments):
    """``(policy, static value)`` of field ``f`` in a profile with ``adjustments``."""
    adjustment = adjustments.get(f.name)
    if adjustment is not None:
        return adjustment.policy, adjustment.value
    return f.policy, f.static_value

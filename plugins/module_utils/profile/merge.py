# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster baseline: a meet of host views, register by register (design notes section 3).

Every register of the field table gets a ``RegisterRule`` that says, bit by bit, how two values
combine: ``flag`` (and one-bit ``derived`` component flags) by AND, ``bug_flag`` by OR (both
bitwise, so a multi-bit flag field is a vector of flags), ``min`` fields by
their minimum, ``equal`` fields must agree. The meet of two ``Baseline`` values is again a
``Baseline``, so merging is associative and commutative: slices of a fleet can be merged apart and
combined later with the same result as one pass.
"""

import collections
import functools
import itertools
import operator
from dataclasses import dataclass, field
from typing import Dict, Tuple

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import Kind, Policy
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.table import fields_for, registers_for
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.xsave_layout import ComponentPlan


@dataclass(frozen=True)
class RegisterRule:
    """How one register merges: bit masks for AND/OR, the fields merged by min or compared."""

    and_mask: int
    or_mask: int
    min_fields: Tuple[Tuple[int, str], ...]      # (mask, field name)
    equal_fields: Tuple[Tuple[int, str], ...]    # (mask, field name)

    @property
    def merged_mask(self):
        """Every bit the meet computes; a baseline keeps only these."""
        mask = self.and_mask | self.or_mask
        for field_mask, field_name in self.min_fields + self.equal_fields:
            mask |= field_mask
        return mask


def _rule(register):
    and_mask = or_mask = 0
    min_fields, equal_fields = [], []
    for f in register.fields:
        if f.kind == Kind.FLAG or (f.kind == Kind.DERIVED and f.width == 1):
            and_mask |= f.mask
        elif f.kind == Kind.BUG_FLAG:
            or_mask |= f.mask
        elif f.kind == Kind.MIN:
            min_fields.append((f.mask, f.name))
        elif f.kind == Kind.EQUAL and f.policy == Policy.INHERIT:
            # An equal field a profile never inherits (static by default) cannot block a merge.
            equal_fields.append((f.mask, f.name))
    return RegisterRule(and_mask, or_mask, tuple(min_fields), tuple(equal_fields))


_RULES_CACHE = {}


def register_rules(vendor):
    """``{register key: RegisterRule}`` for every (source, leaf, sub-leaf, register) of ``vendor``."""
    if vendor not in _RULES_CACHE:
        rules = {}
        for register in registers_for(vendor):
            rule = _rule(register)
            for subleaf in range(register.subleaves[0], register.subleaves[1] + 1):
                rules[(register.source, register.leaf, subleaf, register.register)] = rule
        _RULES_CACHE[vendor] = rules
    return _RULES_CACHE[vendor]


_MASKS_CACHE = {}


def merged_masks(vendor):
    """``{register key: bits the meet computes}`` for ``vendor``."""
    if vendor not in _MASKS_CACHE:
        _MASKS_CACHE[vendor] = {key: rule.merged_mask for key, rule in register_rules(vendor).items()}
    return _MASKS_CACHE[vendor]


_EQUAL_KEYS_CACHE = {}


def _equal_keys(vendor):
    """The register keys of ``vendor`` that hold ``equal`` fields."""
    if vendor not in _EQUAL_KEYS_CACHE:
        _EQUAL_KEYS_CACHE[vendor] = frozenset(key for key, rule in register_rules(vendor).items() if rule.equal_fields)
    return _EQUAL_KEYS_CACHE[vendor]


@dataclass
class Baseline:
    """The meet of some hosts: merged register values, and who set each ``equal`` field.

    ``registers`` holds only known registers, zero values left out. ``equal_origin`` maps
    (register key, field name) to the first host that supplied a non-zero value, so that a
    disagreement names both hosts.
    """

    vendor: str
    hosts: Tuple[str, ...]
    registers: Dict[tuple, int]
    equal_origin: Dict[tuple, str] = field(default_factory=dict)


def baseline_of(vendor, name, registers):
    """The baseline of one register map (one host or one CPU group): the merged bits of the known
    registers. Identity, VMM and static bits are not part of a baseline, which keeps the meet
    idempotent; the profile takes them from the target host's view."""
    masks = merged_masks(vendor)
    rules = register_rules(vendor)
    # Every host of a fleet passes here: the values are masked and the zeros dropped in C loops.
    values = list(map(operator.and_, registers.values(), map(masks.get, registers, itertools.repeat(0))))
    known = dict(itertools.compress(zip(registers, values), values))
    origin = {(key, fname): name for key in _equal_keys(vendor).intersection(known)
              for mask, fname in rules[key].equal_fields if known[key] & mask}
    return Baseline(vendor, (name,), known, origin)


def _describe(key):
    source, leaf, subleaf, register = key
    if source == 'msr':
        return 'MSR %#x' % leaf
    return 'CPUID.(%#x,%d).%s' % (leaf, subleaf, register.upper())


def meet(a, b):
    """The meet of two baselines of the same vendor (associative, commutative, idempotent)."""
    if a.vendor != b.vendor:
        raise VmcpuError('cannot merge %s hosts (%s) with %s hosts (%s)'
                         % (a.vendor, ', '.join(a.hosts), b.vendor, ', '.join(b.hosts)))
    rules = register_rules(a.vendor)
    merged = {}
    origin = dict(b.equal_origin)
    origin.update(a.equal_origin)
    conflicts = []
    for key in a.registers.keys() | b.registers.keys():
        left = a.registers.get(key, 0)
        right = b.registers.get(key, 0)
        rule = rules[key]
        value = (left & right & rule.and_mask) | ((left | right) & rule.or_mask)
        for mask, field_name in rule.min_fields:
            value |= min(left & mask, right & mask)
        for mask, fname in rule.equal_fields:
            left_field, right_field = left & mask, right & mask
            # Zero means "not present" (an XSAVE component the host lacks has size 0): the other
            # side's value stands; the component itself is dropped by the AND of its flag.
            if left_field and right_field and left_field != right_field:
                conflicts.append((key, mask, fname, left_field, right_field))
            value |= left_field or right_field
        if value:
            merged[key] = value
    if conflicts:
        # Report the first conflict in register order, so the message does not depend on hashing.
        key, mask, fname, left_field, right_field = min(conflicts)
        shift = (mask & -mask).bit_length() - 1
        raise VmcpuError(
            'field %s (%s) must be equal on every host, but host %s has %#x and host %s has %#x; '
            'these hosts cannot share a profile.'
            % (fname, _describe(key), a.equal_origin.get((key, fname), a.hosts[0]), left_field >> shift,
               b.equal_origin.get((key, fname), b.hosts[0]), right_field >> shift))
    return Baseline(a.vendor, a.hosts + b.hosts, merged,
                    {k: v for k, v in origin.items() if k[0] in merged})


_COMPONENT_PLANS = {}


def component_plan(vendor):
    """The ``ComponentPlan`` of ``vendor`` (built once)."""
    if vendor not in _COMPONENT_PLANS:
        _COMPONENT_PLANS[vendor] = ComponentPlan(fields_for(vendor))
    return _COMPONENT_PLANS[vendor]


def host_baseline(view):
    """The baseline of one ``HostView``: the meet of its CPU groups, named after the host."""
    plan = component_plan(view.vendor)
    merged = merge_all(baseline_of(view.vendor, view.name, plan.without_unusable(group)) for group in view.groups)
    merged.hosts = (view.name,)
    return merged


def merge_values(vendor, values):
    """``{register key: merged value}`` (zeros left out) of ``{register key: [distinct values]}``,
    or None when an ``equal`` field has two non-zero values (the caller names the hosts)."""
    rules = register_rules(vendor)
    merged = {}
    for key, distinct in values.items():
        rule = rules[key]
        value = (functools.reduce(operator.and_, distinct) & rule.and_mask
                 | functools.reduce(operator.or_, distinct) & rule.or_mask)
        for mask, field_name in rule.min_fields:
            value |= min(v & mask for v in distinct)
        for mask, field_name in rule.equal_fields:
            field_values = {v & mask for v in distinct} - {0}
            if len(field_values) > 1:
                return None
            value |= field_values.pop() if field_values else 0
        if value:
            merged[key] = value
    return merged


def merge_all(baselines):
    """The meet of a non-empty sequence of baselines: what folding ``meet`` over it gives.

    AND, OR, min and "equal" are idempotent, so each register is merged over its distinct values
    once instead of once per baseline: distinct hosts of a fleet share most register values. When
    the baselines cannot meet, the fold runs instead, so the error names the same hosts."""
    baselines = list(baselines)
    if len(baselines) == 1:
        return baselines[0]
    vendor = baselines[0].vendor
    if any(b.vendor != vendor for b in baselines):
        return functools.reduce(meet, baselines)
    counts = collections.Counter(itertools.chain.from_iterable(b.registers.items() for b in baselines))
    values = {}
    present = collections.Counter()
    for (key, value), count in counts.items():
        values.setdefault(key, []).append(value)
        present[key] += count
    for key, distinct in values.items():
        if present[key] < len(baselines):
            distinct.append(0)      # a baseline without the register has it zero
    merged = merge_values(vendor, values)
    if merged is None:
        return functools.reduce(meet, baselines)
    origin = {}
    for b in reversed(baselines):
        origin.update(b.equal_origin)     # the first baseline that set a field names it
    return Baseline(vendor, tuple(itertools.chain.from_iterable(b.hosts for b in baselines)), merged,
                    {k: v for k, v in origin.items() if k[0] in merged})

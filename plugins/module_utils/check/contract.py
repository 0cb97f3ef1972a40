# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The contract of a profile: which fields a host must meet, per register, and by which rule.

A field is a contract field when its kind is checked (flag, bug flag, min, equal, derived) and its
effective policy, given the table default and the profile's adjustments (``provenance.features`` and
``provenance.policies``), is ``inherit``; the policy logic is the profile engine's own
(``profile.policy``). Built once per (vendor, adjustments).
"""

import dataclasses

from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.index import field_index
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import Kind, Policy
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.merge import merged_masks
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.policy import field_policy
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.xsave_layout import SIZE_FIELDS


# Rules of the check, one per comparison; ``rule`` in a failure is one of these.
RULE_FLAG = Kind.FLAG
RULE_BUG_FLAG = Kind.BUG_FLAG
RULE_MIN = Kind.MIN
RULE_EQUAL = Kind.EQUAL
RULE_DERIVED = Kind.DERIVED
CHECKED_KINDS = (Kind.FLAG, Kind.BUG_FLAG, Kind.MIN, Kind.EQUAL, Kind.DERIVED)


@dataclasses.dataclass(frozen=True)
class _Checked:
    """One contract field at one concrete sub-leaf: its field, reported name and location."""

    field: object
    name: str
    location: str
    rule: str


@dataclasses.dataclass
class _RegisterCheck:
    """The contract fields of one register key, split by rule; masks make the common case one test."""

    flag_mask: int = 0
    bug_mask: int = 0
    flags: list = dataclasses.field(default_factory=list)
    bugs: list = dataclasses.field(default_factory=list)
    values: list = dataclasses.field(default_factory=list)       # min, equal, derived sizes
    from_host: list = dataclasses.field(default_factory=list)    # fields a baseline does not carry


def _concrete(f, subleaf):
    """The field at one sub-leaf of its range: ``xsave_component_size[2]`` at ``CPUID.(0xd,2).EAX[31:0]``."""
    if f.subleaves[0] == f.subleaves[1]:
        return f.name, f.location
    return '%s[%d]' % (f.name, subleaf), dataclasses.replace(f, subleaves=(subleaf, subleaf)).location


def _rule_of(f):
    """The comparison of a checked field: XSAVE sizes by ``derived`` (P <= H), the other derived fields
    (XCR0/IA32_XSS component bits) are vectors of flags."""
    if f.kind == Kind.DERIVED:
        return RULE_DERIVED if f.name in SIZE_NAMES else RULE_FLAG
    return f.kind


SIZE_NAMES = {name: which for which, name in SIZE_FIELDS.items()}
_INDEX_CACHE = {}


class ContractIndex(dict):
    """``{register key: _RegisterCheck}`` in table order, and how many (field, sub-leaf) it checks."""

    checked_fields = 0


def contract_index(vendor, adjustments):
    """The ``ContractIndex`` of the contract fields of ``vendor`` under a profile's ``adjustments``
    (``profile.policy.parse_adjustments``), built once per (vendor, adjustments)."""
    cache_key = (vendor, tuple(sorted(adjustments.items())))
    index = _INDEX_CACHE.get(cache_key)
    if index is not None:
        return index
    layout = field_index(vendor)
    masks = merged_masks(vendor)
    index = ContractIndex()
    for register in layout.registers:
        for subleaf in range(register.subleaves[0], register.subleaves[1] + 1):
            key = (register.source, register.leaf, subleaf, register.register)
            check = _RegisterCheck()
            for f in register.fields:
                if f.kind not in CHECKED_KINDS or field_policy(f, adjustments)[0] != Policy.INHERIT:
                    continue
                name, location = _concrete(f, subleaf)
                checked = _Checked(f, name, location, _rule_of(f))
                if checked.rule == RULE_FLAG:
                    check.flag_mask |= f.mask
                    check.flags.append(checked)
                elif checked.rule == RULE_BUG_FLAG:
                    check.bug_mask |= f.mask
                    check.bugs.append(checked)
                else:
                    check.values.append(checked)
                if f.mask & ~masks.get(key, 0):
                    check.from_host.append(checked)
            if check.flags or check.bugs or check.values:
                index[key] = check
                index.checked_fields += len(check.flags) + len(check.bugs) + len(check.values)
    _INDEX_CACHE[cache_key] = index
    return index

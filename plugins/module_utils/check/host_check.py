# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check one host against a cluster profile (design notes section 5).

The host is judged by its baseline (``host_baseline``: the meet of its CPU groups, so a hybrid host
offers only what every core type has), in the same view the profile engine uses (KVM when the facts
have it). Every contract field of the profile's vendor table is compared by its kind:

- ``flag`` and one-bit ``derived`` (XSAVE component) fields: P <= H bitwise (multi-bit flag fields,
  such as the VMX allowed-1 settings, are vectors of flags);
- ``bug_flag``: H <= P bitwise (a host that is affected where the profile says "not affected");
- ``min``: P <= H;
- ``equal``: P == H when both are non-zero. Zero means "not present" (the size of an XSAVE component
  the host lacks, a feature MSR a dump did not record), exactly as the merge reads it: whether the
  thing itself is offered is decided by its flag (``profile.merge.meet``);
- the XSAVE area sizes (multi-bit ``derived``): P <= H, where H is recomputed from the host's own
  state components like the profile's, because the raw CPUID.(0xd,0).EBX and CPUID.(0xd,1).EBX
  describe what the host's OS had enabled in XCR0 / IA32_XSS, not what the CPU can hold.

Which fields are contract fields is ``check.contract``'s answer. Required MSRs must be in the host's
KVM MSR index list. The fingerprint of the host is compared with the one the profile recorded for it
(``check.drift``).
"""

import functools
import operator

from ansible_collections.vmcpu.profiles.plugins.module_utils.check.contract import (
    RULE_BUG_FLAG, RULE_DERIVED, RULE_EQUAL, RULE_FLAG, RULE_MIN, SIZE_NAMES, contract_index,
)
from ansible_collections.vmcpu.profiles.plugins.module_utils.check.drift import drift_text, fingerprint_drift
from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.fingerprint import fingerprint_summary
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.index import field_index
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import VENDOR_IDS, Kind
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.host_view import check_facts_version, host_view
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.integrity import verify_profile
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.merge import host_baseline
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.policy import parse_adjustments
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.xsave_layout import (
    area_sizes, component_kinds, component_number, is_component_flag,
)


MSR_CHECK_NO_KVM = 'not possible: no KVM view'
MSR_CHECK_NO_LIST = 'not required: the profile has no KVM MSR list'
MSR_CHECK_VENDOR = 'not checked: the CPU vendor differs'


_COMPONENTS_CACHE = {}


def _component_flags(layout):
    """``[(field, state component number)]`` of the XCR0 / IA32_XSS component bits of a layout."""
    if id(layout) not in _COMPONENTS_CACHE:
        _COMPONENTS_CACHE[id(layout)] = [(f, component_number(f)) for f in layout.by_name.values()
                                         if is_component_flag(f)]
    return _COMPONENTS_CACHE[id(layout)]


class _Host:
    """The host's side of the check: its baseline, plus the fields a baseline does not carry."""

    def __init__(self, view, layout):
        self.view = view
        self.layout = layout
        self.baseline = host_baseline(view)
        self._sizes = None

    def register(self, key, check):
        value = self.baseline.registers.get(key, 0)
        for checked in check.from_host:
            f = checked.field
            value = (value & ~f.mask) | (self._field(checked, key) << f.first_bit)
        return value

    def _field(self, checked, key):
        f = checked.field
        if checked.rule == RULE_DERIVED:
            return self.sizes()[SIZE_NAMES[f.name]]
        # Fields a toggle turned on (static by default, so the meet skips them): combined over the
        # CPU groups as the meet would combine them.
        values = [f.extract(group.get(key, 0)) for group in self.view.groups]
        if checked.rule == RULE_FLAG:
            return functools.reduce(operator.and_, values)
        if checked.rule == RULE_BUG_FLAG:
            return functools.reduce(operator.or_, values)
        return min(values)

    def sizes(self):
        """The host's XSAVE area sizes for all of its own usable state components, recomputed as the
        profile's are. The raw CPUID.(0xd,0).EBX and CPUID.(0xd,1).EBX describe what the host's OS
        enabled in XCR0 / IA32_XSS when it was read, not what the CPU can hold."""
        if self._sizes is None:
            registers = self.baseline.registers
            by_name = self.layout.by_name

            def read(name, subleaf=None):
                f = by_name[name]
                subleaf = f.subleaves[0] if subleaf is None else subleaf
                return f.extract(registers.get((f.source, f.leaf, subleaf, f.register), 0))

            present = [number for f, number in _component_flags(self.layout) if f.extract(registers.get(f.key, 0))]
            self._sizes = area_sizes(component_kinds(present, read), read)
        return self._sizes


def _failure(checked, rule, profile_value, host_value, message):
    return {'field': checked.name, 'location': checked.location, 'rule': rule,
            'profile_value': profile_value, 'host_value': host_value, 'message': message}


# Sentences of the bitwise rules: (one-bit field, bits of a multi-bit field).
_BIT_MESSAGES = {
    RULE_FLAG: ('host lacks %s, which the profile offers to guests',
                'host lacks %s bits %#x, which the profile offers to guests'),
    RULE_BUG_FLAG: ('host has %s set, which the profile tells guests is clear',
                    'host has %s bits %#x set, which the profile tells guests are clear'),
}


def _bit_failures(rule, fields, offending, profile_register, host_register):
    """Failures of the ``fields`` (all of ``rule``) that have bits in ``offending``: flags the host
    lacks, or vulnerability bits it has beyond the profile."""
    one_bit, several_bits = _BIT_MESSAGES[rule]
    failures = []
    for checked in fields:
        f = checked.field
        bits = f.extract(offending)
        if bits:
            message = one_bit % checked.name if f.width == 1 else several_bits % (checked.name, bits)
            failures.append(_failure(checked, rule, f.extract(profile_register), f.extract(host_register), message))
    return failures


def _value_failures(check, profile_register, host_register):
    failures = []
    for checked in check.values:
        f = checked.field
        wanted = f.extract(profile_register)
        if not wanted:
            continue  # zero asks nothing of the host under any of these rules
        have = f.extract(host_register)
        if checked.rule == RULE_MIN and have < wanted:
            message = 'host has %s %d, below the profile\'s %d' % (checked.name, have, wanted)
        elif checked.rule == RULE_EQUAL and have and have != wanted:
            message = 'host has %s %d where the profile requires exactly %d' % (checked.name, have, wanted)
        elif checked.rule == RULE_DERIVED and have < wanted:
            message = 'host has %s %d, smaller than the profile\'s %d' % (checked.name, have, wanted)
        else:
            continue
        failures.append(_failure(checked, checked.rule, wanted, have, message))
    return failures


def _profile_registers(profile):
    """``{register key: value}`` of the profile's CPUID and MSR entries (unlisted registers are 0)."""
    registers = {}
    try:
        for entry in profile['cpuid']:
            registers[('cpuid', int(entry['leaf'], 16), int(entry['subleaf'], 16), entry['register'])] = \
                int(entry['value'], 16)
        for entry in profile['msrs']:
            registers[('msr', int(entry['index'], 16), 0, '')] = int(entry['value'], 16)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise VmcpuError('profile %s: a cpuid or msrs entry is malformed (%s: %s); regenerate the profile.'
                         % (profile.get('name'), type(exc).__name__, exc))
    return registers


def _msr_number(profile, text):
    try:
        return int(text, 16)
    except (TypeError, ValueError):
        raise VmcpuError('profile %s: required_msrs holds %r, which is not a hex MSR index; regenerate the profile.'
                         % (profile['name'], text))


def _profile_adjustments(profile, layout):
    provenance = profile['provenance']
    try:
        return parse_adjustments(layout, provenance['features'], provenance.get('policies'))
    except VmcpuError as exc:
        raise VmcpuError('profile %s: provenance: %s' % (profile['name'], exc))


def _listed(items, shown=8):
    return ', '.join(items[:shown]) + (', ...' if len(items) > shown else '')


def _summary(result):
    head = 'host %s is %s with profile %s' % (
        result['host'], 'compatible' if result['compatible'] else 'NOT compatible', result['profile'])
    reasons = []
    if not result['vendor']['ok']:
        vendor = result['vendor']
        reasons.append('its CPU vendor is %s, the profile is for %s' % (vendor['host'], vendor['profile']))
    if result['failures'] and result['vendor']['ok']:
        names = [failure['field'] for failure in result['failures']]
        reasons.append('%d field(s) fail: %s' % (len(names), _listed(names)))
    if result['missing_msrs']:
        reasons.append('%d required MSR(s) missing: %s' % (len(result['missing_msrs']), _listed(result['missing_msrs'])))
    detail = '; '.join(reasons) if reasons else '%d contract fields checked' % result['checked_fields']
    return '%s (%s; %s).' % (head, detail, drift_text(result['drift']))


def check_host(profile, facts, host_name, verify=True):
    """Check host ``host_name`` with ``facts`` (as cpu_facts returns them) against ``profile``.

    Returns a JSON-ready dict (see the module's RETURN); raises ``VmcpuError`` with one sentence for a
    profile or facts it cannot read. ``verify=False`` skips ``verify_profile`` for a caller that
    already verified this profile."""
    if verify:
        verify_profile(profile)
    check_facts_version(host_name, facts)
    vendor = VENDOR_IDS[profile['vendor']]
    result = {
        'compatible': False,
        'host': host_name,
        'profile': profile['name'],
        'profile_digest': profile['digest'],
        'host_view': None,
        'vendor': {'profile': profile['vendor'], 'host': facts.get('vendor'), 'ok': facts.get('vendor') == profile['vendor']},
        'failures': [],
        'missing_msrs': [],
        'msr_check': MSR_CHECK_VENDOR,
        'checked_fields': 0,
    }
    if not result['vendor']['ok']:
        # Another vendor's registers mean other things: no field is compared, and the host's view
        # is not built (its vendor may have no field table at all).
        try:
            fingerprint = facts['fingerprint']
            result['drift'] = fingerprint_drift(profile, host_name, fingerprint['digest'], fingerprint_summary(fingerprint))
        except (KeyError, TypeError, AttributeError) as exc:
            raise VmcpuError('host %s: facts are incomplete or malformed (%s: %s); gather the host again.'
                             % (host_name, type(exc).__name__, exc))
        vendor_fields = [f for f in field_index(vendor).by_name.values()
                         if f.kind == Kind.EQUAL and f.leaf == 0 and f.source == 'cpuid']
        result['failures'].append({
            'field': 'vendor', 'location': ', '.join(f.location for f in vendor_fields), 'rule': RULE_EQUAL,
            'profile_value': profile['vendor'], 'host_value': facts.get('vendor'),
            'message': 'host CPU vendor is %s, but the profile is for %s CPUs' % (facts.get('vendor'), profile['vendor'])})
        result['summary'] = _summary(result)
        return result

    view = host_view(host_name, facts)
    result['host_view'] = view.view
    result['msr_check'] = MSR_CHECK_NO_KVM
    result['drift'] = fingerprint_drift(profile, host_name, view.fingerprint_digest, view.fingerprint)
    index = contract_index(vendor, _profile_adjustments(profile, field_index(vendor)))
    profile_registers = _profile_registers(profile)
    host = _Host(view, field_index(vendor))
    failures = result['failures']
    for key, check in index.items():
        profile_register = profile_registers.get(key, 0)
        if not profile_register and not check.bug_mask:
            continue  # a zero profile register asks nothing of flag, min, equal or size fields
        host_register = host.register(key, check)
        missing = profile_register & ~host_register & check.flag_mask
        if missing:
            failures.extend(_bit_failures(RULE_FLAG, check.flags, missing, profile_register, host_register))
        extra = host_register & ~profile_register & check.bug_mask
        if extra:
            failures.extend(_bit_failures(RULE_BUG_FLAG, check.bugs, extra, profile_register, host_register))
        if check.values and profile_register:
            failures.extend(_value_failures(check, profile_register, host_register))
    result['checked_fields'] = index.checked_fields

    if not profile['msr_index_known']:
        result['msr_check'] = MSR_CHECK_NO_LIST
    elif view.msr_index is not None:
        result['missing_msrs'] = [index_text for index_text in profile['required_msrs']
                                  if _msr_number(profile, index_text) not in view.msr_index]
        result['msr_check'] = 'failed' if result['missing_msrs'] else 'ok'
    result['compatible'] = not failures and not result['missing_msrs']
    result['summary'] = _summary(result)
    return result

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check a guest against its profile (design notes section 7): did the VMM apply the profile?

The host check asks "can this host offer P" (H >= P by kind); the guest check asks "does this guest
see exactly P": every CPUID bit the profile fixes (mask 1) must have the profile's value in the guest,
zeroed bits included, so the leaf ranges, the identity and the physical address width are checked
like feature bits. Excluded by rule, because the VMM or the guest's running OS sets them: fields of
kind ``vmm`` (APIC IDs, topology, caches, the hypervisor bit, OSXSAVE, OSPKE), registers that hold
only such fields, and the XSAVE sizes of what the OS enabled now (CPUID.(0xd,0).EBX, CPUID.(0xd,1).EBX). Every CPU group of the guest is
checked (a guest's vCPUs normally form one).

Registers the profile does not list are zero for the guest too: every register of the field table
the guest shows inside the profile's leaf ranges (CPUID.0.EAX, CPUID.0x8000_0000.EAX) is checked
for zero on the bits the rule does not exclude. Registers no field describes (hypervisor leaves,
leaves the table does not know) are the VMM's, and so are the unlisted registers of a feature's own
leaf when the profile turns that feature off (``FEATURE_LEAVES``). Standard library only (managed
node).
"""

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_dump import REGISTER_NAMES, parse_entry
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_leaves import EXTENDED_BASE
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.index import field_index
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import VENDOR_IDS, Kind, Policy
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.host_view import check_facts_version
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.integrity import verify_profile
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.registers import fixed_value, profile_cpuid

# Set by the guest's OS at run time: the XSAVE area size for the components it enabled now.
OS_STATE_FIELDS = ('xsave_size_enabled', 'xsave_size_xcr0_xss')
# Leaves that enumerate the parameters of one feature, valid only when it is on (Intel SDM vol. 2A,
# CPUID): when the profile turns the feature off, a guest has no business reading them, and a VMM may
# fill them anyway (QEMU 7.2 sets CPUID.5.ECX[1:0] for every model), so they are not checked.
FEATURE_LEAVES = {0x5: 'monitor', 0x12: 'sgx', 0x14: 'intel_pt', 0x19: 'kl', 0x1D: 'amx_tile', 0x1E: 'amx_tile'}
# How many mismatches the summary names.
SHOWN = 8


def excluded_masks(index):
    """``{(leaf, subleaf, register): mask}`` of the bits the guest check leaves out by rule: the
    VMM's and OS-state fields, and the whole of a register all of whose named fields are the VMM's
    (a cache descriptor: the VMM fills its reserved bits as it likes, QEMU with Intel's layout)."""
    masks = {}
    for register in index.registers:
        if register.source != 'cpuid':
            continue
        named = [f for f in register.fields if f.kind != Kind.RESERVED]
        if named and all(f.kind == Kind.VMM for f in named):
            mask = 0xFFFFFFFF
        else:
            mask = 0
            for f in named:
                if f.kind == Kind.VMM or f.name in OS_STATE_FIELDS:
                    mask |= f.mask
        for subleaf in range(register.subleaves[0], register.subleaves[1] + 1):
            key = (register.leaf, subleaf, register.register)
            masks[key] = masks.get(key, 0) | mask
    return masks


def _mismatches(index, key, wanted, seen, differing, group):
    """One failure per field with a differing bit at ``key``, and one for differing bits no field names."""
    leaf, subleaf, register = key
    failures = []
    named = 0
    for f in index.fields_at(leaf, subleaf, register):
        if differing & f.mask:
            named |= f.mask
            failures.append(_failure(f.name, f.location, f.extract(wanted), f.extract(seen), group,
                                     'guest has %s = %s, the profile fixes %s' % (
                                         f.name, _shown(f.extract(seen), f.width), _shown(f.extract(wanted), f.width))))
    rest = differing & ~named
    if rest:
        location = 'CPUID.(%#x,%d).%s' % (leaf, subleaf, register.upper())
        failures.append(_failure(None, location, wanted & rest, seen & rest, group,
                                 'guest has %s bits %#010x = %#010x, the profile fixes %#010x (no field names them)'
                                 % (location, rest, seen & rest, wanted & rest)))
    return failures


def _failure(name, location, profile_value, guest_value, group, message):
    """A failure entry shaped as the host check's (``host_value`` is the guest's), rule ``exact``."""
    return {'field': name, 'location': location, 'rule': 'exact', 'profile_value': profile_value,
            'host_value': guest_value, 'group': group, 'message': message}


def _shown(value, width):
    return str(value) if width == 1 else '%#x' % value


def check_guest(profile, facts, guest_name):
    """Check the guest ``guest_name`` with ``facts`` (``cpu_facts`` inside it, or its dump) against
    ``profile``: ``{'compatible', 'host', 'profile', 'profile_digest', 'checked_bits',
    'failures', 'summary'}``, ``compatible`` meaning the guest sees exactly the profile."""
    verify_profile(profile)
    check_facts_version(guest_name, facts)
    result = {'host': guest_name, 'profile': profile['name'],
              'profile_digest': profile['digest'], 'failures': [], 'checked_bits': 0}
    if facts.get('vendor') != profile['vendor']:
        result['failures'].append(_failure('vendor', 'CPUID.(0x0,0).EBX/EDX/ECX', profile['vendor'], facts.get('vendor'),
                                           None, 'guest CPU vendor is %s, the profile is for %s'
                                           % (facts.get('vendor'), profile['vendor'])))
        return _finish(result)
    index = field_index(VENDOR_IDS[profile['vendor']])
    excluded = excluded_masks(index)
    wanted_registers = profile_cpuid(profile)
    try:
        groups = [dict(parse_entry(entry) for entry in group['cpuid']) for group in facts['raw_cpuid']['groups']]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise VmcpuError('guest %s: facts are incomplete or malformed (%s: %s); gather the guest again.'
                         % (guest_name, type(exc).__name__, exc)) from None
    in_range = _leaf_ranges(wanted_registers)
    passthrough = _passthrough_masks(index, (profile.get('provenance') or {}).get('policies') or {})
    gated = {leaf for leaf, feature in FEATURE_LEAVES.items()
             if feature in index.by_name and fixed_value(index.by_name[feature], wanted_registers, {}) == 0}
    for number, leaves in enumerate(groups):
        unlisted = {(leaf, subleaf, register): (0, 0xFFFFFFFF & ~passthrough.get((leaf, subleaf, register), 0))
                    for (leaf, subleaf) in leaves for register in REGISTER_NAMES
                    if (leaf, subleaf, register) in excluded and in_range(leaf) and leaf not in gated}
        unlisted.update(wanted_registers)
        for key, (wanted, mask) in unlisted.items():
            leaf, subleaf, register = key
            checked = mask & ~excluded.get(key, 0)
            seen = leaves.get((leaf, subleaf), (0, 0, 0, 0))[REGISTER_NAMES.index(register)]
            result['checked_bits'] += bin(checked).count('1')
            differing = (seen ^ wanted) & checked
            if differing:
                result['failures'].extend(_mismatches(index, key, wanted, seen, differing, number))
    return _finish(result)


def _passthrough_masks(index, overrides):
    """``{(leaf, subleaf, register): mask}`` of the fields the profile leaves to the host (policy
    passthrough, by default or by the profile's override): not fixed where the profile lists no
    register either."""
    masks = {}
    for f in index.by_name.values():
        if f.source == 'cpuid' and str(overrides.get(f.name, f.policy)).split(':', maxsplit=1)[0] == Policy.PASSTHROUGH:
            for subleaf in range(f.subleaves[0], f.subleaves[1] + 1):
                key = (f.leaf, subleaf, f.register)
                masks[key] = masks.get(key, 0) | f.mask
    return masks


def _leaf_ranges(wanted_registers):
    """Whether a leaf is inside the profile's basic or extended leaf range."""
    basic = wanted_registers.get((0, 0, 'eax'), (0, 0))[0]
    extended = wanted_registers.get((EXTENDED_BASE, 0, 'eax'), (0, 0))[0]
    return lambda leaf: leaf <= basic or EXTENDED_BASE <= leaf <= extended


def _finish(result):
    result['compatible'] = not result['failures']
    if result['compatible']:
        result['summary'] = 'guest %s sees exactly profile %s (%d fixed bits checked)' % (
            result['host'], result['profile'], result['checked_bits'])
    else:
        reasons = [failure['message'] for failure in result['failures']]
        result['summary'] = 'guest %s does not see profile %s: %s%s' % (
            result['host'], result['profile'], '; '.join(reasons[:SHOWN]),
            ' (and %d more)' % (len(reasons) - SHOWN) if len(reasons) > SHOWN else '')
    return result

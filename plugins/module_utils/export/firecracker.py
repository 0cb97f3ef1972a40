# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Export a profile as a Firecracker custom CPU template (design notes section 6).

Layout (Firecracker's ``docs/cpu-templates/schema.json``; its parser also rejects unknown keys, so no
other key is written)::

    {"cpuid_modifiers": [{"leaf": "0x7", "subleaf": "0x0", "flags": 1,
                          "modifiers": [{"register": "ebx", "bitmap": "0b<32 of 0/1/x>"}, ...]}, ...],
     "msr_modifiers": [{"addr": "0x10a", "bitmap": "0b<64 of 0/1/x>"}, ...]}

Bitmaps, most significant bit first: ``1``/``0`` set/clear the bit, ``x`` keeps the host's. From our
``(host & ~mask) | value``: a value bit 1 is ``1``, a mask bit 1 with value 0 is ``0``, the rest ``x``
(our mask 1 = fixed; Firecracker's ``x`` is the opposite, "keep the host").

``flags`` is written into the KVM CPUID entry by Firecracker, so it must be KVM's own:
``KVM_CPUID_FLAG_SIGNIFCANT_INDEX`` (1) for the leaves KVM enumerates by sub-leaf (4, 7, 0xb, 0xd, ...),
0 for the others, whose single entry is sub-leaf 0.

What a template cannot say, and what that means for a guest:

- Firecracker starts from KVM's supported CPUID (after its own normalisation) and changes only the
  (leaf, sub-leaf) entries a template names; every other entry reaches the guest as the host has it.
  A profile means "registers not listed are zero", so the template zeroes explicitly what it can:
  every register of a sub-leaf the profile keeps (a register the profile does not list gets an all-``0``
  bitmap), and, when the caller says which (leaf, sub-leaf) entries every target host reports
  (``reported``, e.g. ``reported_subleaves`` of the source hosts' facts), those entries as well.
- It cannot zero more: Firecracker refuses a template naming an entry the host's CPUID lacks
  ("CpuidFeatureNotSupported"), so zeroing a sub-leaf that only some hosts report would stop the VM on
  the others. Such entries (e.g. leaves above the profile's maximum leaf that only newer hosts have, or
  sub-leaves of XSAVE components the profile drops) reach the guest from those hosts. The profile's
  maximum leaves and sub-leaf counts do not announce them, so a guest that follows the CPUID
  enumeration rules never reads them, but a guest probing beyond them sees host values: use
  cloud-hypervisor (which zeroes everything not covered) where that matters.
- Likewise a sub-leaf the profile lists must exist on every host (it would be refused otherwise),
  which is the profile's own requirement for non-zero entries.
- MSRs: one modifier per MSR the profile lists; Firecracker refuses one the host cannot read. MSRs the
  profile does not list keep KVM's value.

What Firecracker changes after the template: its CPUID normalisation runs on the templated CPUID
(``src/vmm/src/cpu_config/x86_64/cpuid/normalize.rs`` and the ``intel``/``amd`` variants). It owns
topology, APIC IDs, caches and the hypervisor bit (the profile leaves them to the VMM), copies the
host's vendor string (the host check makes it the profile's), writes its own brand string, and sets or
clears a few feature bits (``FIRECRACKER_FORCED``). ``firecracker_overrides`` names the fields where
the guest therefore differs from the profile; the filter and the role warn about them. The physical
address width (CPUID.0x8000_0008.EAX[7:0]) and the leaf ranges are not normalised: the template's
values reach the guest.
"""

from ansible_collections.vmcpu.profiles.plugins.module_utils.export.common import check_exportable
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_dump import REGISTER_NAMES
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_leaves import BRAND_LEAVES
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.index import field_index
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import VENDOR_IDS
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.registers import profile_cpuid, profile_msrs

# Leaves KVM_GET_SUPPORTED_CPUID enumerates by sub-leaf (KVM_CPUID_FLAG_SIGNIFCANT_INDEX, linux
# arch/x86/kvm/cpuid.c); any leaf the profile lists with a sub-leaf above 0 is treated the same.
KVM_SIGNIFICANT_INDEX = 1
INDEXED_LEAVES = frozenset((0x4, 0x7, 0xb, 0xd, 0xf, 0x10, 0x12, 0x14, 0x17, 0x18, 0x1d, 0x1e, 0x1f, 0x20, 0x23, 0x24,
                            0x8000001d, 0x80000020, 0x80000026))


def bitmap(value, mask, width):
    """``'0b' + width`` characters, most significant first: ``1`` value bit, ``0`` fixed zero, ``x`` host."""
    chars = []
    for bit in range(width - 1, -1, -1):
        if value >> bit & 1:
            chars.append('1')
        elif mask >> bit & 1:
            chars.append('0')
        else:
            chars.append('x')
    return '0b' + ''.join(chars)


def apply_bitmap(bitmap_text, host):
    """What Firecracker makes of ``host`` with one bitmap (``_`` separators allowed, as Firecracker does)."""
    bits = bitmap_text[2:].replace('_', '')
    result = host
    for position, char in enumerate(reversed(bits)):
        if char == '1':
            result |= 1 << position
        elif char == '0':
            result &= ~(1 << position)
    return result


def _in_range(registers, leaf):
    """Whether ``leaf`` is within the range its block's maximum leaf announces in ``registers``."""
    for base, limit in ((0x0, 0x3fffffff), (0x40000000, 0x400000ff), (0x80000000, 0x8fffffff)):
        if base <= leaf <= limit:
            top = registers.get(('cpuid', base, 0, 'eax'), 0)
            return base <= top <= limit and leaf <= top
    return False


def reported_subleaves(register_maps):
    """(leaf, sub-leaf) pairs with a non-zero register in every one of ``register_maps``.

    ``register_maps``: ``{('cpuid', leaf, subleaf, register): value}`` per host view or CPU group (as in
    ``profile.host_view.HostView.groups``). Only these are safe to zero in a template meant for all of them.
    Leaves above their block's maximum leaf (0, 0x40000000, 0x80000000) are left out: a raw dump's
    answer there is the CPU's out-of-range behaviour, not an entry KVM reports. From raw dumps the result
    approximates what KVM reports; from KVM views (facts gathered live) it is what KVM reports."""
    common = None
    for registers in register_maps:
        keys = {(key[1], key[2]) for key, value in registers.items()
                if key[0] == 'cpuid' and value and _in_range(registers, key[1])}
        common = keys if common is None else common & keys
    return common or set()


# The vendors Firecracker runs on (its CPUID normalisation refuses any other host).
FIRECRACKER_VENDORS = ('GenuineIntel', 'AuthenticAMD')
# Bits Firecracker's normalisation sets (1) or clears (0) whatever the template says, as (leaf,
# sub-leaf, register, bit, value): for every vendor, then per vendor (Firecracker 1.x source).
FIRECRACKER_FORCED = {
    None: ((1, 0, 'ecx', 15, 0), (1, 0, 'ecx', 24, 1)),
    'GenuineIntel': ((6, 0, 'eax', 1, 0), (6, 0, 'ecx', 3, 0), (7, 0, 'ebx', 6, 1), (7, 0, 'ebx', 13, 1),
                     (7, 0, 'ecx', 5, 0)),
    'AuthenticAMD': ((7, 0, 'edx', 29, 0), (0x80000001, 0, 'ecx', 22, 1)),
}


def _field_at(index, leaf, subleaf, register, bit):
    named = index.fields_at(leaf, subleaf, register, bit)
    return named[0].name if named else '%s bit %d of CPUID.(%#x,%d)' % (register.upper(), bit, leaf, subleaf)


def firecracker_overrides(profile):
    """``{field: what Firecracker does}`` for the fields the profile fixes where Firecracker's
    normalisation gives the guest another value (see the module doc)."""
    cpuid = profile_cpuid(profile)
    index = field_index(VENDOR_IDS[profile['vendor']])
    overrides = {}
    for leaf, subleaf, register, bit, forced in FIRECRACKER_FORCED[None] + FIRECRACKER_FORCED[profile['vendor']]:
        value, mask = cpuid.get((leaf, subleaf, register), (0, 0xFFFFFFFF))
        if mask >> bit & 1 and (value >> bit & 1) != forced:
            overrides[_field_at(index, leaf, subleaf, register, bit)] = 'Firecracker %s it' % (
                'sets' if forced else 'clears')
    if any(cpuid.get((leaf, 0, register), (0, 0))[0] for leaf in BRAND_LEAVES for register in REGISTER_NAMES):
        overrides['brand_string'] = 'Firecracker writes its own'
    return dict(sorted(overrides.items()))


def firecracker_warning(overrides):
    """The end of a sentence starting with the profile, or None when nothing is overridden."""
    if not overrides:
        return None
    return 'keeps fields Firecracker sets itself, so its guests see them differently: %s' % '; '.join(
        '%s (%s)' % item for item in overrides.items())


def to_firecracker(profile, reported=()):
    """The Firecracker custom CPU template of ``profile`` (see the module doc); ``reported`` is an
    iterable of (leaf, sub-leaf) every target host reports, zeroed when the profile does not keep them."""
    check_exportable(profile, 'Firecracker', FIRECRACKER_VENDORS)
    by_subleaf = {}
    for (leaf, subleaf, register), entry in profile_cpuid(profile).items():
        by_subleaf.setdefault((leaf, subleaf), {})[register] = entry
    for key in reported:
        by_subleaf.setdefault((int(key[0]), int(key[1])), {})
    indexed = INDEXED_LEAVES | {leaf for leaf, subleaf in by_subleaf if subleaf}
    cpuid_modifiers = []
    for (leaf, subleaf), registers in sorted(by_subleaf.items()):
        cpuid_modifiers.append({
            'leaf': '0x%x' % leaf,
            'subleaf': '0x%x' % subleaf,
            'flags': KVM_SIGNIFICANT_INDEX if leaf in indexed else 0,
            'modifiers': [{'register': register, 'bitmap': bitmap(*registers.get(register, (0, 0xffffffff)), width=32)}
                          for register in REGISTER_NAMES],
        })
    msr_modifiers = [{'addr': '0x%x' % index, 'bitmap': bitmap(value, mask, 64)}
                     for index, (value, mask) in profile_msrs(profile).items()]
    return {'cpuid_modifiers': cpuid_modifiers, 'msr_modifiers': msr_modifiers}

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Export a profile as a QEMU ``-cpu`` argument: ``BASE,+f,-f,...,enforce`` (design notes section 6).

QEMU builds a guest CPU from a named model and ``+f``/``-f`` feature properties; ``enforce`` makes it
refuse to start when the host's KVM cannot give every feature asked for, so a host that could not
honour the profile fails loudly instead of running a guest with less. How the argument is made:

- What the profile fixes: every one-bit field of kind flag, bug flag or derived whose bit the profile
  fixes (mask 1; a register or MSR the profile does not list is zero) has a wanted state, its value.
  Fields the VMM owns (kind ``vmm``: ``hypervisor``, ``ht``...) and bits the profile leaves to the host
  (policy ``passthrough``) are not fixed, and QEMU keeps its own value for them.
- Names: a field's QEMU property is ``Field.qemu_name`` from the field table, with QEMU's ``_`` -> ``-``
  spelling; ``export.qemu_cpu_models.FEATURES`` says which properties the QEMU the data was captured from has.
- The base model is the versioned model of the profile's vendor that needs the fewest terms about its
  own features (see ``model_terms``); ties go to fewer ``-f`` terms (a model that is a subset of the
  profile), then to the name in sort order.
  Versioned names (``Skylake-Server-v4``) are the only ones QEMU promises never to change, so the same
  argument gives the same CPU with every later QEMU.
- Terms: ``+f`` for a wanted feature the model lacks, ``-f`` for a model feature the profile does not
  want, and ``-f`` for a model feature no field describes (the profile zeroes bits it does not know;
  QEMU 7.2 has a few: VMX capabilities our VMX MSR fields do not cover). Model features QEMU hides
  while a feature they depend on is off count once the argument turns that feature on (an Intel
  model's VMX capabilities with ``+vmx``). Properties that KVM or TCG change on every model
  (``ACCELERATOR_DEFAULTS``) are always written out when the profile fixes them, so the argument
  means the same under both accelerators.
- Not expressible, returned as warnings: fields the profile keeps that QEMU has no property for, and
  kept fields whose property also sets a field the profile drops (QEMU's ``kvmclock`` sets two bits);
  the guest does not get them from QEMU (``docs/docsite/rst/qemu.rst`` lists which ones QEMU derives itself).

- CPU properties (``cpu_properties``): what the profile fixes beyond feature bits - vendor, family,
  model, stepping, brand string, the highest basic and extended leaf and the physical address width
  - is written as QEMU's ``vendor=``, ``family=``, ``model=``, ``stepping=``, ``model-id=``, ``level=``,
  ``xlevel=`` and ``phys-bits=``, so a booted guest sees them.

Cache and topology leaves are QEMU's for the machine's topology (the VMM owns them), and the XSAVE
sizes follow from the features. The profile is expected to be schema-valid (the filter validates it
first).
"""

from ansible_collections.vmcpu.profiles.plugins.module_utils.export.common import check_exportable, phys_addr_bits
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_leaves import (
    BRAND_LEAVES, EXTENDED_BASE, brand_string, cpu_signature, vendor_string)
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.qemu_cpu_models import FEATURES, MODELS, QEMU_VERSION
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.index import field_index
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import VENDOR_IDS, Kind
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.registers import fixed_value, profile_cpuid, profile_msrs

# CPUID.1:EAX bits of the signature (stepping, model, family, type, extended model and family).
SIGNATURE_BITS = 0x0FFF3FFF
# The CPU properties ``cpu_properties`` may write, in the order it writes them.
CPU_PROPERTIES = ('vendor', 'family', 'model', 'stepping', 'model-id', 'level', 'xlevel', 'phys-bits')
# Kinds of the one-bit fields the argument sets.
FLAG_KINDS = (Kind.FLAG, Kind.BUG_FLAG, Kind.DERIVED)
# Properties QEMU's accelerators set on every model before the -cpu options apply (kvm_default_props and
# tcg_default_props in QEMU's target/i386, and the SVM sub-features that go with svm=off under KVM); the
# captured models are the TCG view, so a wanted state of these is always written out.
ACCELERATOR_DEFAULTS = frozenset((
    'acpi', 'kvm-asyncpf', 'kvm-nopiodelay', 'kvm-pv-eoi', 'kvm-steal-time', 'kvmclock', 'kvmclock-stable-bit',
    'monitor', 'npt', 'nrip-save', 'svm', 'svme-addr-chk', 'vme', 'x2apic',
))


def qemu_property(field):
    """The property name of ``field`` as QEMU lists it (QEMU's -cpu parser reads '_' as '-')."""
    return field.qemu_name.replace('_', '-')


class QemuCpu:
    """An exported ``-cpu`` argument: ``argument``, its base ``model``, its ``feature_terms`` (the
    ``+f``/``-f`` terms), and ``unexpressed`` (``{field: why}`` of the kept fields the argument cannot
    give the guest)."""

    def __init__(self, argument, model, feature_terms, unexpressed):
        self.argument = argument
        self.model = model
        self.feature_terms = feature_terms
        self.unexpressed = unexpressed

    def warning(self):
        """What the argument cannot express, as the end of a sentence starting with the profile ("profile
        fleet keeps fields ..."), the fields grouped by why; None when it expresses everything."""
        if not self.unexpressed:
            return None
        by_reason = {}
        for name, why in self.unexpressed.items():
            by_reason.setdefault(why, []).append(name)
        return 'keeps fields the -cpu argument cannot ask for (%s)' % '; '.join(
            '%s: %s' % (why, ', '.join(names)) for why, names in sorted(by_reason.items()))


def fixed_bits(profile, index):
    """``{field name: wanted value}`` of the one-bit flag-like fields ``profile`` fixes."""
    cpuid, msrs = profile_cpuid(profile), profile_msrs(profile)
    fixed = {}
    for name, f in index.by_name.items():
        if f.width == 1 and f.kind in FLAG_KINDS:
            value = fixed_value(f, cpuid, msrs)
            if value is not None:
                fixed[name] = bool(value)
    return fixed


def wanted_properties(profile, index, features=FEATURES, version=QEMU_VERSION):
    """``({QEMU property: on}, {kept field: why not expressible})`` for ``profile``.

    A property shared by several fixed fields is on only when all of them are (never more than the
    profile); the kept ones among them are then not expressible."""
    by_property, unexpressed = {}, {}
    for name, on in fixed_bits(profile, index).items():
        prop = qemu_property(index.by_name[name])
        if prop in features:
            by_property.setdefault(prop, {})[name] = on
        elif on:
            unexpressed[name] = 'QEMU %s has no property for them' % version
    wanted = {}
    for prop, fields in by_property.items():
        wanted[prop] = all(fields.values())
        if not wanted[prop]:
            for name in sorted(n for n, on in fields.items() if on):
                unexpressed[name] = 'their QEMU property %s also sets %s, which the profile drops' % (
                    prop, ', '.join(sorted(n for n, on in fields.items() if not on)))
    return wanted, dict(sorted(unexpressed.items()))


def model_terms(model, wanted, described):
    """``(terms, rank)`` for ``model`` (a ``MODELS`` value): the sorted ``+f``/``-f`` terms that turn it
    into ``wanted`` (``described``: the properties some field of the vendor describes), and how well it
    fits, lower first: the terms about the model's own features, then its ``-f`` terms among them.
    Features a model hides behind another one (its VMX capabilities behind vmx) do not count: QEMU
    gives nearly every model of a generation the same ones, and ranking by them would pick the one
    model without any (Knights Mill) for every profile that keeps vmx."""
    hidden = set()
    for parent, added in model[2].items():
        if wanted.get(parent):
            hidden |= added
    model_on = set(model[1]) | hidden
    terms = []
    for prop, on in wanted.items():
        if on != (prop in model_on) or prop in ACCELERATOR_DEFAULTS:
            terms.append(('+' if on else '-') + prop)
    for prop in model_on:
        if prop not in described:
            terms.append('-' + prop)
    own = [term for term in terms if term[1:] not in hidden]
    return sorted(terms, key=lambda term: term[1:]), (len(own), sum(term[0] == '-' for term in own))


def to_qemu_cpu(profile, models=None, features=FEATURES, version=QEMU_VERSION):
    """The ``QemuCpu`` of ``profile`` against QEMU's ``models`` (``export.qemu_cpu_models.MODELS`` by default:
    ``{versioned name: (vendor, features on, {feature: features it brings})}``); raises ``VmcpuError``
    (from ``check_exportable``) for a profile QEMU cannot express: another hypervisor than KVM, a vendor
    without models."""
    models = MODELS if models is None else models
    vendors = sorted({model[0] for model in models.values()} & set(VENDOR_IDS))
    check_exportable(profile, 'QEMU %s' % version, vendors)
    index = field_index(VENDOR_IDS[profile['vendor']])
    wanted, unexpressed = wanted_properties(profile, index, features, version)
    described = {qemu_property(f) for f in index.by_name.values()}
    choices = sorted(model_terms(model, wanted, described)[::-1] + (name,) for name, model in models.items()
                     if model[0] == profile['vendor'])
    # check_exportable let only vendors with a model through, so there is a choice.
    terms, name = choices[0][1:]
    properties, not_carried = cpu_terms(profile)
    unexpressed.update(not_carried)
    return QemuCpu(','.join([name] + terms + properties + ['enforce']), name, terms, dict(sorted(unexpressed.items())))


def cpu_properties(profile):
    """QEMU's CPU properties for what the profile fixes beyond feature bits (design notes section 7):
    ``vendor``, ``family``/``model``/``stepping``, ``model-id`` (the brand string), ``level`` and
    ``xlevel`` (the highest basic and extended leaf) and ``phys-bits`` (a guest told more address bits
    than its destination host has can crash after migration), as ``[(property, value text)]`` in
    ``CPU_PROPERTIES`` order. Each only when the profile fixes every bit it comes from (a register the
    profile does not list is fixed at zero) and it is not zero."""
    cpuid = profile_cpuid(profile)

    def fixed(leaf, register, mask=0xFFFFFFFF):
        value, fixed_mask = cpuid.get((leaf, 0, register), (0, 0xFFFFFFFF))
        return value & mask if fixed_mask & mask == mask else None

    properties = []
    vendor = [fixed(0, register) for register in ('ebx', 'edx', 'ecx')]
    if None not in vendor and any(vendor):
        properties.append(('vendor', vendor_string(*vendor)))
    signature = fixed(1, 'eax', SIGNATURE_BITS)
    if signature:
        properties.extend(zip(('family', 'model', 'stepping'), (str(part) for part in cpu_signature(signature))))
    brand = [fixed(leaf, register) for leaf in BRAND_LEAVES for register in ('eax', 'ebx', 'ecx', 'edx')]
    if None not in brand and brand_string(brand):
        properties.append(('model-id', brand_string(brand)))
    for name, leaf, shown in (('level', 0, '%d'), ('xlevel', EXTENDED_BASE, '%#x')):
        value = fixed(leaf, 'eax')
        if value:
            properties.append((name, shown % value))
    if phys_addr_bits(profile):
        properties.append(('phys-bits', '%d' % phys_addr_bits(profile)))
    return properties


def brand_not_carried(brand, in_cpu_argument):
    """Why the brand string ``brand`` cannot be given as ``model-id``, or None. QEMU stores the text's
    UTF-8 bytes, so only printable ASCII is the guest's brand byte for byte (and no control character
    reaches a command line or XML); ``-cpu`` is split at every comma."""
    if not all(' ' <= char <= '~' for char in brand):
        return 'it holds bytes outside printable ASCII, which QEMU would not store as they are'
    if in_cpu_argument and ',' in brand:
        return 'it holds a comma, and QEMU splits -cpu at every comma'
    return None


def cpu_terms(profile):
    """``(terms, {what: why not carried})``: ``cpu_properties`` as ``-cpu`` terms."""
    terms, not_carried = [], {}
    for name, value in cpu_properties(profile):
        why = brand_not_carried(value, in_cpu_argument=True) if name == 'model-id' else None
        if why:
            not_carried['brand_string'] = why
        else:
            terms.append('%s=%s' % (name, value))
    return terms, not_carried


def unnamed_fields(vendor, features=FEATURES):
    """Names of the one-bit flag-like fields of ``vendor`` ('intel'/'amd') QEMU has no property for:
    what a profile can keep but an argument cannot ask for (``docs/docsite/rst/qemu.rst`` lists them)."""
    index = field_index(vendor)
    return sorted(name for name, f in index.by_name.items()
                  if f.width == 1 and f.kind in FLAG_KINDS and qemu_property(f) not in features)


def undescribed_properties(vendor, features=FEATURES):
    """QEMU properties no field of ``vendor`` describes (``docs/docsite/rst/qemu.rst`` lists them)."""
    index = field_index(vendor)
    return sorted(features - {qemu_property(f) for f in index.by_name.values()})

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Vocabulary of the field tables (design notes sections 1 and 3).

A *field* is a named run of bits in one CPUID output register or one feature MSR. The tables in
``fields/tables/`` are written with the small constructors below, one ``Register`` per covered
register, one row per field; every bit of a covered register is either in a field or ``reserved``.
The merge, the check, the decoded view, the explanation and every exporter read these tables; no
other code names a CPUID bit.
"""

from dataclasses import dataclass, field
from typing import Optional, Tuple


class Kind:
    """How a field merges over hosts and how a host is checked against the profile (notes section 3)."""

    FLAG = 'flag'            # 1 = feature present: AND over hosts; host ok when P <= H (bitwise)
    BUG_FLAG = 'bug_flag'    # 1 = affected/worse: OR over hosts; host ok when H <= P (bitwise)
    MIN = 'min'              # counts, max leaf, sizes of capability: min; host ok when P <= H
    EQUAL = 'equal'          # must agree on every host (component sizes/offsets, vendor)
    IDENTITY = 'identity'    # taken from the compatibility target (family/model/stepping, brand)
    VMM = 'vmm'              # set by the VMM (APIC IDs, topology, caches): not in the contract
    STATIC = 'static'        # always the policy's fixed value
    DERIVED = 'derived'      # recomputed from the enabled fields (XCR0 mask, XSAVE sizes)
    RESERVED = 'reserved'    # no meaning assigned: zeroed in every profile

    ALL = (FLAG, BUG_FLAG, MIN, EQUAL, IDENTITY, VMM, STATIC, DERIVED, RESERVED)


class Policy:
    """What a profile does with a field (notes section 4); the table gives each field a default."""

    INHERIT = 'inherit'          # the merge result over hosts
    STATIC = 'static'            # a fixed value (``static_value``), usually 0
    PASSTHROUGH = 'passthrough'  # the host's own value, not part of the contract

    ALL = (INHERIT, STATIC, PASSTHROUGH)


INTEL = 'intel'
AMD = 'amd'
VENDORS = (INTEL, AMD)
# CPU vendor string -> the field table its CPUID follows. Hygon's Dhyana (family 0x18) is licensed Zen:
# its CPUID follows AMD's layout (Linux's arch/x86/kernel/cpu/hygon.c reads it as AMD's), so its
# profiles use the AMD table and keep their own vendor string.
VENDOR_IDS = {'GenuineIntel': INTEL, 'AuthenticAMD': AMD, 'HygonGenuine': AMD}
# Vendors whose CPUs the tables cannot describe, and why (named in the refusal).
UNSUPPORTED_VENDORS = {
    'CentaurHauls': 'VIA/Zhaoxin CPUs describe features in their own leaves 0xC000_0000 and up, which no field '
                    'table of this collection describes',
    '  Shanghai  ': 'Zhaoxin CPUs describe features in their own leaves 0xC000_0000 and up, which no field '
                    'table of this collection describes',
}


def vendor_refusal(vendor):
    """Why ``vendor`` has no field table, as the end of a sentence."""
    why = UNSUPPORTED_VENDORS.get(vendor)
    return '%s (supported: %s)' % (why or 'it has no field table', ', '.join(sorted(VENDOR_IDS)))


@dataclass(frozen=True)
class Field:
    """One named run of bits, with how it merges, its default policy and its names elsewhere."""

    name: str
    first_bit: int
    last_bit: int
    kind: str
    description: str
    policy: str = Policy.INHERIT
    static_value: int = 0
    depends: Tuple[str, ...] = ()
    qemu: Optional[str] = None      # QEMU's feature name where it differs from ``name``
    libvirt: Optional[str] = None   # libvirt's cpu_map name where it differs from the QEMU name
    # Filled in by Register so that a Field knows where it lives.
    source: str = ''
    leaf: int = 0
    subleaves: Tuple[int, int] = (0, 0)
    register: str = ''
    # Derived once: the engine reads them millions of times for a large fleet.
    width: int = field(init=False, repr=False, compare=False, default=0)
    mask: int = field(init=False, repr=False, compare=False, default=0)

    def __post_init__(self):
        width = self.last_bit - self.first_bit + 1
        object.__setattr__(self, 'width', width)
        object.__setattr__(self, 'mask', ((1 << width) - 1) << self.first_bit)

    @property
    def location(self):
        """Where the field lives, as people write it: ``CPUID.(7,0).EBX[16]``, ``MSR 0x10a[19]``."""
        bits = ('%d' % self.first_bit if self.width == 1
                else '%d:%d' % (self.last_bit, self.first_bit))
        if self.source == 'msr':
            return 'MSR %#x[%s]' % (self.leaf, bits)
        first, last = self.subleaves
        sub = '%d' % first if first == last else '%d..%d' % (first, last)
        return 'CPUID.(%#x,%s).%s[%s]' % (self.leaf, sub, self.register.upper(), bits)

    @property
    def qemu_name(self):
        """The name QEMU's ``-cpu`` option knows this field by (QEMU reads '_' as '-')."""
        return self.qemu or self.name

    @property
    def libvirt_name(self):
        """The name libvirt's CPU map (``x86_features.xml``) gives this field; domain XML takes no
        other spelling."""
        return self.libvirt or self.qemu_name

    @property
    def key(self):
        """The register key of the field's first sub-leaf: ``(source, leaf, subleaf, register)``."""
        return (self.source, self.leaf, self.subleaves[0], self.register)

    def extract(self, value):
        return (value & self.mask) >> self.first_bit


def _placed(f, register):
    """The constructor arguments of ``f`` with the location of ``register`` filled in."""
    arguments = {name: value for name, value in f.__dict__.items() if name not in ('width', 'mask')}
    arguments.update(source=register.source, leaf=register.leaf, subleaves=register.subleaves,
                     register=register.register)
    return arguments


@dataclass(frozen=True)
class Register:
    """One covered CPUID output register (for a sub-leaf range) or one feature MSR, with its fields.

    ``vendors`` says on which vendors' CPUs the layout applies. For an MSR, ``register`` is ``''``
    and ``width`` is 64.
    """

    source: str
    leaf: int
    subleaves: Tuple[int, int]
    register: str
    vendors: Tuple[str, ...]
    fields: Tuple[Field, ...] = field(default_factory=tuple)
    width: int = 32

    def __post_init__(self):
        object.__setattr__(self, 'fields', tuple(Field(**_placed(f, self)) for f in self.fields))


def cpuid(leaf, register, fields, subleaf=0, vendors=VENDORS):
    """A CPUID register; ``subleaf`` is a number or an inclusive ``(first, last)`` range."""
    subleaves = subleaf if isinstance(subleaf, tuple) else (subleaf, subleaf)
    return Register('cpuid', leaf, subleaves, register, tuple(vendors), tuple(fields))


def msr(index, fields, vendors=VENDORS):
    """A 64-bit feature MSR."""
    return Register('msr', index, (0, 0), '', tuple(vendors), tuple(fields), width=64)


def flag(bit, name, description, **options):
    """A one-bit feature flag: 1 means present."""
    return Field(name, bit, bit, options.pop('kind', Kind.FLAG), description, **options)


def bits(first_bit, last_bit, name, kind, description, **options):
    """A multi-bit field of any kind."""
    return Field(name, first_bit, last_bit, kind, description, **options)


def reserved(first_bit, last_bit=None):
    """Bits no public spec assigns; always zero in profiles."""
    last_bit = first_bit if last_bit is None else last_bit
    name = 'reserved_%d_%d' % (last_bit, first_bit) if last_bit != first_bit else 'reserved_%d' % first_bit
    return Field(name, first_bit, last_bit, Kind.RESERVED, 'reserved', policy=Policy.STATIC)


def off(bit, name, description, **options):
    """A feature flag that cannot migrate and defaults to ``static: 0`` (PMU, PT, SGX, TSX...)."""
    return flag(bit, name, description, policy=Policy.STATIC, **options)

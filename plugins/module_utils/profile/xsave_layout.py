# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Recompute the XSAVE area sizes of a profile from the state components it keeps.

The field table marks the XCR0/IA32_XSS component bits and the three area sizes as ``derived``.
Once features and their components are settled, the sizes a guest reads must describe exactly the
components it may enable, otherwise a guest sizes its buffers for state it cannot use or, worse, too
small for state it can. Component numbers come from the position of the component bit (EDX holds
components 32..63); sizes and offsets from the per-component sub-leaves.
"""

from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_dump import REGISTER_NAMES

# Legacy region (512 bytes) plus the XSAVE header (64 bytes): where the first extended component may start.
XSAVE_HEADER_END = 576

SIZE_FIELDS = {
    'enabled': 'xsave_size_enabled',      # size for what XCR0 enables (KVM updates it at run time)
    'max': 'xsave_size_max',              # standard format, every XCR0 component
    'compacted': 'xsave_size_xcr0_xss',   # compacted format, XCR0 | IA32_XSS components
}
# Instructions that use the compacted format (and so read its size).
COMPACTED_FORMAT_USERS = ('xsavec', 'xsaves')
COMPONENT_SIZE = 'xsave_component_size'
COMPONENT_SUPERVISOR = 'xsave_component_supervisor'
COMPONENT_OFFSET = 'xsave_component_offset'
COMPONENT_ALIGNED = 'xsave_component_aligned'


def component_number(component_field):
    """State component number of an ``xsave_*_state`` field (EDX halves hold components 32..63)."""
    return component_field.first_bit + (32 if component_field.register == 'edx' else 0)


def is_component_flag(f):
    """State component bits are the one-bit ``derived`` fields of the table."""
    return f.kind == 'derived' and f.width == 1


class ComponentPlan:
    """Which per-component sub-leaves of a host matter, computed once per field table.

    A component counts when its XCR0/IA32_XSS bit is set and, if features use it, one of them is
    present: Zen 2 enumerates the PKRU component (with a size of its own) but has no PKU, so its
    PKRU layout is never seen by a guest and must not be compared with another host's.
    """

    def __init__(self, fields):
        size_field = fields.get(COMPONENT_SIZE)
        self.leaf_key = (size_field.source, size_field.leaf) if size_field else None
        self.subleaves = size_field.subleaves if size_field else (1, 0)
        users = {}
        for f in fields.values():
            if not is_component_flag(f):
                for dependency in f.depends:
                    users.setdefault(dependency, []).append((f.key, f.mask))
        self.components = [(f.key, f.mask, component_number(f), users.get(f.name, []))
                           for f in fields.values() if is_component_flag(f)]
        # Every register key of the per-component sub-leaves, to find a host's in one set operation.
        self.component_keys = frozenset(self.leaf_key + (subleaf, register)
                                        for subleaf in range(self.subleaves[0], self.subleaves[1] + 1)
                                        for register in REGISTER_NAMES) if size_field else frozenset()
        # The bits ``supported`` reads, per register.
        self.support_masks = {}
        for key, mask, number, users in self.components:
            for bits_key, bits in [(key, mask)] + users:
                self.support_masks[bits_key] = self.support_masks.get(bits_key, 0) | bits

    def supported(self, registers):
        """The numbers of the components of ``registers`` (keyed as ``profile.host_view`` keys them) that a
        feature of the host can use."""
        return frozenset(number for key, mask, number, users in self.components
                         if registers.get(key, 0) & mask
                         and (not users or any(registers.get(user_key, 0) & user_mask
                                               for user_key, user_mask in users)))

    def without_unusable(self, registers):
        """``registers`` without the sub-leaves of components no feature of the host can use."""
        supported = self.supported(registers)
        kept = dict(registers)
        for key in self.component_keys.intersection(registers):
            if key[2] not in supported:
                del kept[key]
        return kept


def component_kinds(numbers, read):
    """``{number: 'supervisor' | 'user'}`` of the state components ``numbers``, as each component's
    own sub-leaf says (CPUID.(0xd,n).ECX[0]: held in IA32_XSS, not XCR0)."""
    return {number: 'supervisor' if read(COMPONENT_SUPERVISOR, number) else 'user' for number in numbers}


def area_sizes(components, read):
    """Sizes of the standard and compacted XSAVE areas for the enabled ``components``.

    ``components`` maps component number to ``'user'`` (XCR0) or ``'supervisor'`` (IA32_XSS);
    ``read(field_name, subleaf)`` returns a field's value in the profile.
    """
    standard = XSAVE_HEADER_END
    compacted = XSAVE_HEADER_END
    for number in sorted(n for n in components if n >= 2):
        size = read(COMPONENT_SIZE, number)
        if components[number] == 'user':
            standard = max(standard, read(COMPONENT_OFFSET, number) + size)
        if read(COMPONENT_ALIGNED, number):
            compacted = (compacted + 63) & ~63
        compacted += size
    return {'enabled': standard, 'max': standard, 'compacted': compacted}

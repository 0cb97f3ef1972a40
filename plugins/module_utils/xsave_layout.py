# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Recompute the XSAVE area sizes of a profile from the state components it keeps.

The field table marks the XCR0/IA32_XSS component bits and the three area sizes as ``derived``.
Once features and their components are settled, the sizes a guest reads must describe exactly the
components it may enable, otherwise a guest sizes its buffers for state it cannot use or, worse, too
small for state it can. Component numbers come from the position of the component bit (EDX holds
components 32..63); sizes and offsets from the per-component sub-leaves.
"""

# Legacy region (512 bytes) plus the XSAVE header (64 bytes): where the first extended component may start.
XSAVE_HEADER_END = 576

SIZE_FIELDS = {
    'enabled': 'xsave_size_enabled',      # size for what XCR0 enables (KVM updates it at run time)
    'max': 'xsave_size_max',              # standard format, every XCR0 component
    'compacted': 'xsave_size_xcr0_xss',   # compacted format, XCR0 | IA32_XSS components
}
COMPONENT_SIZE = 'xsave_component_size'
COMPONENT_OFFSET = 'xsave_component_offset'
COMPONENT_ALIGNED = 'xsave_component_aligned'


def component_number(component_field):
    """State component number of an ``xsave_*_state`` field (EDX halves hold components 32..63)."""
    return component_field.first_bit + (32 if component_field.register == 'edx' else 0)


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

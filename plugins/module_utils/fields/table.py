# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The field table: every CPUID register and feature MSR the collection knows, per vendor.

The rows live in ``fields/tables/`` (basic CPUID leaves, extended leaves, KVM paravirtual leaves,
feature MSRs); this module joins them and answers "which registers and fields apply to vendor V".
"""

from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import Kind, VENDORS
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.tables import (
    cpuid_basic, cpuid_extended, feature_msrs, kvm_paravirt,
)

REGISTERS = (cpuid_basic.REGISTERS + cpuid_extended.REGISTERS + kvm_paravirt.REGISTERS
             + feature_msrs.REGISTERS)


def registers_for(vendor):
    """Registers whose layout applies to ``vendor`` (``intel`` or ``amd``)."""
    if vendor not in VENDORS:
        raise ValueError('unknown vendor %r; field tables exist for %s' % (vendor, ', '.join(VENDORS)))
    return tuple(register for register in REGISTERS if vendor in register.vendors)


def fields_for(vendor):
    """``{name: Field}`` of every named (non-reserved) field of ``vendor``."""
    return {f.name: f for register in registers_for(vendor) for f in register.fields
            if f.kind != Kind.RESERVED}

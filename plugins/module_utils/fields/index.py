# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The field table of one vendor, indexed the ways the profile build and the check look it up."""

from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import Kind
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.table import registers_for

# Field names of earlier releases, renamed to follow the naming rule (docs/docsite/rst/profiles.rst,
# "Feature names"): still accepted in toggles and in the features of profiles made before.
FORMER_NAMES = {'prefetchw': '3dnowprefetch', 'amd_3dnow': '3dnow', 'amd_3dnowext': '3dnowext',
                'svsm_comm_page_msr': 'svsm'}
# Kinds whose merged value is the contract: merged, explained and checked.
CONTRACT_KINDS = (Kind.FLAG, Kind.BUG_FLAG, Kind.MIN, Kind.EQUAL)


class FieldIndex:
    """Registers, fields by name (ours and QEMU's), contract fields per register, dependents."""

    def __init__(self, vendor):
        self.vendor = vendor
        self.registers = registers_for(vendor)
        self.by_name = {}
        self.qemu_names = {}
        for register in self.registers:
            for f in register.fields:
                if f.kind != Kind.RESERVED:
                    self.by_name[f.name] = f
                    if f.qemu:
                        self.qemu_names[f.qemu] = f.name
        # Register key -> the contract fields in it.
        self.contract_fields = {}
        for f in self.by_name.values():
            if f.kind in CONTRACT_KINDS:
                for subleaf in range(f.subleaves[0], f.subleaves[1] + 1):
                    self.contract_fields.setdefault((f.source, f.leaf, subleaf, f.register), []).append(f)
        self.dependents = {}
        for f in self.by_name.values():
            for dependency in f.depends:
                self.dependents.setdefault(dependency, []).append(f.name)
        # (field, its dependency fields) of every field that has dependencies, in table order.
        self.depends = [(f, tuple(self.by_name[d] for d in f.depends)) for f in self.by_name.values() if f.depends]
        # (leaf, sub-leaf, register) -> every CPUID field there, whatever its kind.
        self._cpuid_fields = {}
        for f in self.by_name.values():
            if f.source == 'cpuid':
                for subleaf in range(f.subleaves[0], f.subleaves[1] + 1):
                    self._cpuid_fields.setdefault((f.leaf, subleaf, f.register), []).append(f)
        # Register key -> the bits of its feature flags (their count ranks hosts by strength).
        self.flag_masks = {}
        for f in self.by_name.values():
            if f.kind == Kind.FLAG:
                self.flag_masks[f.key] = self.flag_masks.get(f.key, 0) | f.mask

    def fields_at(self, leaf, subleaf, register, bit=None):
        """The CPUID fields in ``register`` of (``leaf``, ``subleaf``), in table order; with ``bit``,
        only the one holding that bit (a list of at most one)."""
        fields = self._cpuid_fields.get((leaf, subleaf, register), [])
        return fields if bit is None else [f for f in fields if f.first_bit <= bit <= f.last_bit]

    def resolve(self, name):
        """Our field name for ``name`` (ours, a former one of ours, or QEMU's), or None."""
        if name in self.by_name:
            return name
        if FORMER_NAMES.get(name) in self.by_name:
            return FORMER_NAMES[name]
        return self.qemu_names.get(name)


_INDEXES = {}


def field_index(vendor):
    """The ``FieldIndex`` of ``vendor`` (built once)."""
    if vendor not in _INDEXES:
        _INDEXES[vendor] = FieldIndex(vendor)
    return _INDEXES[vendor]

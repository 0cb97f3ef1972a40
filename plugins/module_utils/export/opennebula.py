# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The profile as OpenNebula's ``CPU_MODEL`` attribute of a VM template.

``CPU_MODEL = [ MODEL = "...", FEATURES = "..." ]``: OpenNebula's KVM driver makes of it a libvirt
``<cpu mode='custom'>`` with ``<model fallback='forbid'>MODEL</model>`` and one
``<feature policy='require'/>`` per name of the comma-separated ``FEATURES`` (libvirt's names), and
schedules the VM on hosts whose monitored ``KVM_CPU_FEATURES`` have them. It has no way to disable a
feature, nor to set the physical address width, the leaf ranges or the brand string.

So the base model is one of the libvirt CPU map's models (of the profile's vendor, that QEMU has)
whose every feature - by libvirt's map and by what QEMU turns on for it - is one the guest may see:
kept by the profile, left to the host, set by KVM in every guest (``KVM_TURNS_OFF``, ``KVM_TURNS_ON``),
or off only by the collection's default policy (every host of the pool has those, so a guest that sees
them still moves between the hosts; the warning names them and the ones KVM turns on). A feature some host lacks, or that a toggle or policy turned off, rules
the model out. Among the rest, the one needing the fewest ``FEATURES`` wins (then by name), as the
libvirt export chooses.
"""

from collections import namedtuple

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.libvirt import (
    CPU_MAP_DIR, KVM_TURNS_OFF, VMM_SET_FEATURES, libvirt_inputs, model_lines)
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.named_models import offered_by_every_host
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.qemu import cpu_properties
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.index import field_index
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import VENDOR_IDS


# What KVM turns on in every guest whatever the model (QEMU's kvm_default_props; x2apic, which KVM
# emulates), by libvirt's names: the guest sees them on every host of the pool, whatever the profile says.
KVM_TURNS_ON = frozenset(('x2apic',))


class OpenNebulaCpu(namedtuple('OpenNebulaCpu', 'attribute model features seen_anyway unnamed not_carried')):
    """The ``CPU_MODEL`` attribute, its model and features (libvirt names), the features of the model
    the profile leaves off that the guest sees anyway, the kept fields libvirt has no name for, and
    the CPU properties of the profile the template cannot set."""

    def warning(self):
        """What the template cannot express, as the end of a sentence starting with the profile; None
        when it expresses all of it."""
        parts = []
        if self.seen_anyway:
            parts.append('features OpenNebula cannot disable, so the guest sees them although the profile leaves '
                         'them off (every host has them, or KVM gives them to every guest): %s' % ', '.join(self.seen_anyway))
        if self.unnamed:
            parts.append("features libvirt's CPU map has no name for, so the template cannot require them: %s"
                         % ', '.join(self.unnamed))
        if self.not_carried:
            parts.append('CPU properties a template cannot set, which the guest gets from QEMU instead: %s'
                         % ', '.join(self.not_carried))
        return 'needs ' + '; and '.join(parts) if parts else None


def _attribute(model, features):
    values = ['MODEL = "%s"' % model] + (['FEATURES = "%s"' % ','.join(features)] if features else [])
    return 'CPU_MODEL = [ %s ]' % ', '.join(values)


def to_opennebula(profile, cpu_map_dir=CPU_MAP_DIR, qemu_models=None):
    """``OpenNebulaCpu`` of ``profile`` (see the module doc); ``VmcpuError`` when no model of the
    CPU map has only features the guest may see."""
    inputs = libvirt_inputs(profile, cpu_map_dir, qemu_models)
    index = field_index(VENDOR_IDS[profile['vendor']])
    offered = {inputs.table[name].libvirt_name for name in offered_by_every_host(profile, index)}
    best = None
    for model in inputs.candidates:
        require, disable = model_lines(inputs, model)
        disable = [name for name in disable if name not in KVM_TURNS_OFF]
        if not set(disable) <= offered | KVM_TURNS_ON:
            continue
        rank = (len(require), len(disable), model.name)
        if best is None or rank < best[0]:
            best = (rank, model.name, require, disable)
    if best is None:
        raise VmcpuError('profile %s: every %s model of the libvirt CPU map %s has a feature the profile turns off '
                         'or some host lacks, and OpenNebula cannot disable features.'
                         % (profile.get('name', '(unnamed)'), inputs.vendor, cpu_map_dir))
    _rank, model, require, disable = best
    # What KVM turns off in every guest is asked for even where the model has it (nested svm).
    features = sorted(set(require) | (set(VMM_SET_FEATURES) & inputs.cpu_map.features) | (inputs.wanted & KVM_TURNS_OFF))
    not_carried = sorted(name for name, _value in cpu_properties(profile))
    return OpenNebulaCpu(_attribute(model, features), model, features, disable, inputs.unnamed, not_carried)

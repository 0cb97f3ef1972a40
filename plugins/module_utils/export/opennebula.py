# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The profile as OpenNebula's ``CPU_MODEL`` attribute of a VM template.

``CPU_MODEL = [ MODEL = "...", FEATURES = "..." ]``: OpenNebula's KVM driver makes of it a libvirt
``<cpu mode='custom'>`` with ``<model fallback='forbid'>MODEL</model>`` and one
``<feature policy='require'/>`` per name of the comma-separated ``FEATURES`` (libvirt's names), and
schedules the VM on hosts whose monitored ``KVM_CPU_FEATURES`` have them. It has no way to disable a
feature, nor to set the physical address width, the leaf ranges or the brand string.

So the base model is the one ``export.whole_models`` chooses: a libvirt CPU map model whose every
feature the guest may see. The warning names those the profile leaves off and the ones KVM turns on.
"""

from collections import namedtuple

from ansible_collections.vmcpu.profiles.plugins.module_utils.export.libvirt import (
    CPU_MAP_DIR, KVM_TURNS_OFF, VMM_SET_FEATURES)
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.qemu import cpu_properties
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.whole_models import whole_model


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
    chosen = whole_model(profile, 'OpenNebula', 'cannot disable features', cpu_map_dir, qemu_models)
    inputs = chosen.inputs
    # What KVM turns off in every guest is asked for even where the model has it (nested svm).
    features = sorted(set(chosen.require) | (set(VMM_SET_FEATURES) & inputs.cpu_map.features) | (inputs.wanted & KVM_TURNS_OFF))
    seen_anyway = [name for name in chosen.disable if name not in KVM_TURNS_OFF]
    not_carried = sorted(name for name, _value in cpu_properties(profile))
    return OpenNebulaCpu(_attribute(chosen.model, features), chosen.model, features, seen_anyway, inputs.unnamed, not_carried)

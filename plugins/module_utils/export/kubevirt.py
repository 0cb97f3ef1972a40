# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The profile for KubeVirt, as data ready for YAML:

- ``domain_cpu``: a VM's ``spec.template.spec.domain.cpu`` - ``model`` and ``features`` (``{name,
  policy}``). virt-launcher makes of it the libvirt ``<cpu mode='custom'>`` with that model and one
  ``<feature>`` per entry (libvirt's names, passed as they are): ``require`` for what the model
  lacks, ``disable`` for what it has that the profile leaves off. The model is one KubeVirt's node
  labeller labels on every host of the pool: it labels only the models a node can run whole (libvirt's
  usable models) and none of its obsolete ones, so the model is ``export.whole_models``' choice (every
  feature offered by every host) outside ``OBSOLETE_MODELS``. ``hypervisor`` is not required: KubeVirt
  sets no ``check='full'``, and QEMU sets the bit in every guest.
- ``kubevirt_configuration``: ``{cpuModel: model}`` for the ``KubeVirt`` resource's
  ``spec.configuration``, the model of every VM that names none. It has no features: a VM gets the
  profile only with ``domain_cpu``.
- ``node_selector``: the labels KubeVirt's node labeller puts on a node that can run the model and has
  the required features - ``cpu-model.node.kubevirt.io/<model>`` and
  ``cpu-feature.node.kubevirt.io/<feature>`` for each ``require`` feature, all ``"true"``. virt-controller
  adds the same selector to a VM's pod; with it the profile chooses nodes before any VM exists (a
  node pool, a pre-migration check with ``kubectl get nodes -l``).

Not carried (the warning): the physical address width (KubeVirt has no field for it), the vendor,
``check='full'``, ``fallback='forbid'`` and the CPU identity and leaf ranges of the libvirt export's
``<qemu:commandline>``, and the kept features libvirt has no name for.
"""

from collections import namedtuple

from ansible_collections.vmcpu.profiles.plugins.module_utils.export.libvirt import (
    CARRIED_BY_CPU_ELEMENT, CPU_MAP_DIR, KVM_TURNS_OFF, VMM_SET_FEATURES)
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.qemu import cpu_properties
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.whole_models import whole_model

MODEL_LABEL = 'cpu-model.node.kubevirt.io/'
FEATURE_LABEL = 'cpu-feature.node.kubevirt.io/'
# The models KubeVirt's node labeller never labels (DefaultObsoleteCPUModels of its node-labeller util).
OBSOLETE_MODELS = frozenset((
    '486', 'pentium', 'pentium2', 'pentium3', 'pentiumpro', 'coreduo', 'n270', 'core2duo', 'Conroe', 'athlon',
    'phenom', 'qemu64', 'qemu32', 'kvm64', 'kvm32', 'Opteron_G1', 'Opteron_G2',
))


class KubeVirtCpu(namedtuple('KubeVirtCpu', 'model features unnamed not_carried')):
    """The model, ``features`` (``[(name, policy)]``), the kept fields libvirt has no name for, and what
    KubeVirt does not carry of the libvirt export."""

    def data(self):
        """``{domain_cpu, kubevirt_configuration, node_selector}`` (see the module doc)."""
        selector = {MODEL_LABEL + self.model: 'true'}
        selector.update((FEATURE_LABEL + name, 'true') for name, policy in self.features if policy == 'require')
        return {
            'domain_cpu': {'model': self.model, 'features': [{'name': name, 'policy': policy} for name, policy in self.features]},
            'kubevirt_configuration': {'cpuModel': self.model},
            'node_selector': selector,
        }

    def vm_patch(self):
        """A JSON merge patch (``kubectl patch vm NAME --type merge``) that gives a VirtualMachine the
        profile: its ``domain.cpu`` model and features (a merge patch replaces the features list and
        keeps the other CPU settings), and the node selector."""
        data = self.data()
        return {'spec': {'template': {'spec': {'domain': {'cpu': data['domain_cpu']}, 'nodeSelector': data['node_selector']}}}}

    def kubevirt_patch(self):
        """A JSON merge patch of the ``KubeVirt`` resource that makes the model the cluster's default."""
        return {'spec': {'configuration': self.data()['kubevirt_configuration']}}

    def warning(self):
        """What KubeVirt cannot carry, as the end of a sentence starting with the profile; None when nothing."""
        parts = []
        if self.unnamed:
            parts.append("features libvirt's CPU map has no name for, so no feature entry can require them: %s"
                         % ', '.join(self.unnamed))
        parts.append("what a KubeVirt VM cannot set, so the guest gets the model's, QEMU's or libvirt's: %s"
                     % ', '.join(self.not_carried))
        return 'needs ' + '; and '.join(parts)


def to_kubevirt(profile, cpu_map_dir=CPU_MAP_DIR):
    """``KubeVirtCpu`` of ``profile`` (see the module doc); ``VmcpuError`` when no model KubeVirt would
    label qualifies, and as for ``to_libvirt_xml``."""
    chosen = whole_model(profile, 'KubeVirt', 'labels only the models a node can run whole', cpu_map_dir,
                         excluded=OBSOLETE_MODELS)
    inputs = chosen.inputs
    # What KVM turns off in every guest is asked for even where the model has it (nested svm).
    require = sorted((set(chosen.require) | (inputs.wanted & KVM_TURNS_OFF)) - set(VMM_SET_FEATURES))
    features = [(name, 'require') for name in require] + [(name, 'disable') for name in chosen.disable]
    not_carried = ['physical address width', 'vendor', "check='full'", "fallback='forbid'"]
    if [name for name, _value in cpu_properties(profile) if name not in CARRIED_BY_CPU_ELEMENT]:
        not_carried.append('the CPU identity and leaf ranges of the <qemu:commandline> element')
    return KubeVirtCpu(chosen.model, features, inputs.unnamed, not_carried)

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The libvirt model a platform can use only whole: one whose every feature - by libvirt's CPU map and
by what QEMU turns on for it - is offered by every host of the pool.

OpenNebula cannot disable a feature, so the guest sees all of the model; KubeVirt's node labeller
labels only the models a node can run without disabling anything (libvirt's ``usable`` models), and
a VM of any other model is never scheduled. So a candidate model may have, besides what the profile
keeps, only features every host has (off by the collection's default policy: the guest still moves
between the hosts), those left to the host, and those KVM sets in every guest (``KVM_TURNS_ON``,
``KVM_TURNS_OFF``). Among the candidates the one needing the fewest required features wins (then by
name), as the libvirt export chooses.
"""

from collections import namedtuple

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.libvirt import KVM_TURNS_OFF, libvirt_inputs, model_lines
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.named_models import offered_by_every_host
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.index import field_index
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import VENDOR_IDS

# What KVM turns on in every guest whatever the model (QEMU's kvm_default_props; x2apic, which KVM
# emulates), by libvirt's names: the guest sees them on every host of the pool, whatever the profile says.
KVM_TURNS_ON = frozenset(('x2apic',))

WholeModel = namedtuple('WholeModel', 'inputs model require disable')


def whole_model(profile, platform, why, cpu_map_dir, qemu_models=None, excluded=()):
    """``WholeModel(inputs, model, require, disable)``: the chosen model, the features it lacks, and
    those it has that the profile leaves off (none of them some host lacks), both libvirt names;
    ``excluded`` models are never candidates. ``VmcpuError`` naming ``platform`` and ``why`` when no
    model qualifies."""
    inputs = libvirt_inputs(profile, cpu_map_dir, qemu_models)
    index = field_index(VENDOR_IDS[profile['vendor']])
    offered = {inputs.table[name].libvirt_name for name in offered_by_every_host(profile, index)}
    best = None
    for model in inputs.candidates:
        if model.name in excluded:
            continue
        require, disable = model_lines(inputs, model)
        if not {name for name in disable if name not in KVM_TURNS_OFF} <= offered | KVM_TURNS_ON:
            continue
        rank = (len(require), len(disable), model.name)
        if best is None or rank < best[0]:
            best = (rank, model.name, require, disable)
    if best is None:
        name = profile.get('name', '(unnamed)')
        raise VmcpuError('profile %s: every %s model of the libvirt CPU map %s has a feature the profile turns off '
                         'or some host lacks, and %s %s.' % (name, inputs.vendor, cpu_map_dir, platform, why))
    return WholeModel(inputs, *best[1:])

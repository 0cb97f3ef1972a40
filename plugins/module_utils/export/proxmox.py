# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The profile as a Proxmox VE custom CPU model: a section of ``/etc/pve/virtual-guest/cpu-models.conf``
that VMs use as ``cpu: custom-NAME``.

Proxmox builds a VM's ``-cpu`` from the section (qemu-server's ``PVE::QemuServer::CPUConfig``):
``REPORTED,level=N`` then every flag sorted by name - its own (``+kvm_pv_unhalt``, ``+kvm_pv_eoi``, the
Hyper-V ones for Windows), the section's ``flags`` overriding them, ``enforce`` and
``vendor=<the reported model's vendor>`` - then ``phys-bits=N``. So:

- ``reported-model`` is a model of Proxmox's fixed list (``PROXMOX_MODELS``) of the profile's vendor,
  chosen as the QEMU export chooses its base model, among the ones the captured QEMU model data knows
  (aliases resolved the way QEMU resolves them);
- ``flags`` are the QEMU export's ``+f``/``-f`` terms, joined by ``;``, and the profile's state of
  every flag Proxmox may set itself (``PROXMOX_SETS``), spelt as Proxmox spells it so that the
  section's value replaces Proxmox's instead of standing next to it;
- ``level`` and ``phys-bits`` are the profile's highest basic leaf and physical address width. The
  other CPU properties of the QEMU export (family, model, stepping, brand string, highest extended
  leaf) have no key: the guest gets the reported model's, and the warning names them.

The keys are written in the order Proxmox writes them (sorted), so a section Proxmox rewrites through
its API stays byte for byte the same.
"""

import re
from collections import namedtuple

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.qemu import cpu_properties, to_qemu_cpu, wanted_properties
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.qemu_cpu_models import ALIASES, MODELS, QEMU_VERSION
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.index import field_index
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import VENDOR_IDS

# The x86 models a Proxmox VE custom model may report, by vendor: pve-qemu-kvm 11.0.0's
# /usr/share/kvm/cpu-models-x86_64.json (the names of `qemu-system-x86_64 -cpu help` that
# qemu-server offers). Its vendor-neutral ones (kvm64, qemu64, max...) take the host's vendor and are left out.
PROXMOX_VERSION = 'pve-qemu-kvm 11.0.0'
PROXMOX_MODELS = {
    'GenuineIntel': frozenset((
        '486', 'Broadwell', 'Broadwell-IBRS', 'Broadwell-noTSX', 'Broadwell-noTSX-IBRS', 'Cascadelake-Server',
        'Cascadelake-Server-noTSX', 'Cascadelake-Server-v2', 'Cascadelake-Server-v4', 'Cascadelake-Server-v5',
        'ClearwaterForest', 'ClearwaterForest-v2', 'ClearwaterForest-v3', 'Conroe', 'Cooperlake',
        'Cooperlake-v2', 'DiamondRapids', 'GraniteRapids', 'GraniteRapids-v2', 'GraniteRapids-v3',
        'GraniteRapids-v4', 'GraniteRapids-v5', 'Haswell', 'Haswell-IBRS', 'Haswell-noTSX',
        'Haswell-noTSX-IBRS', 'Icelake-Client', 'Icelake-Client-noTSX', 'Icelake-Server',
        'Icelake-Server-noTSX', 'Icelake-Server-v3', 'Icelake-Server-v4', 'Icelake-Server-v5',
        'Icelake-Server-v6', 'Icelake-Server-v7', 'IvyBridge', 'IvyBridge-IBRS', 'KnightsMill', 'Nehalem',
        'Nehalem-IBRS', 'Penryn', 'SandyBridge', 'SandyBridge-IBRS', 'SapphireRapids', 'SapphireRapids-v2',
        'SapphireRapids-v3', 'SapphireRapids-v4', 'SapphireRapids-v5', 'SapphireRapids-v6', 'SierraForest',
        'SierraForest-v2', 'SierraForest-v3', 'SierraForest-v4', 'SierraForest-v5', 'Skylake-Client',
        'Skylake-Client-IBRS', 'Skylake-Client-noTSX-IBRS', 'Skylake-Client-v4', 'Skylake-Server',
        'Skylake-Server-IBRS', 'Skylake-Server-noTSX-IBRS', 'Skylake-Server-v4', 'Skylake-Server-v5',
        'Westmere', 'Westmere-IBRS', 'core2duo', 'coreduo', 'pentium', 'pentium2', 'pentium3',
    )),
    'AuthenticAMD': frozenset((
        'EPYC', 'EPYC-Genoa', 'EPYC-Genoa-v2', 'EPYC-IBPB', 'EPYC-Milan', 'EPYC-Milan-v2', 'EPYC-Milan-v3',
        'EPYC-Rome', 'EPYC-Rome-v2', 'EPYC-Rome-v3', 'EPYC-Rome-v4', 'EPYC-Rome-v5', 'EPYC-Turin', 'EPYC-v3',
        'EPYC-v4', 'EPYC-v5', 'Opteron_G1', 'Opteron_G2', 'Opteron_G3', 'Opteron_G4', 'Opteron_G5', 'athlon',
        'phenom',
    )),
}
# Flags Proxmox may set itself on a custom model (get_pve_cpu_flags: +kvm_pv_unhalt and +kvm_pv_eoi
# under KVM, -rdtscp on Opteron, -x2apic for Solaris, -cet-ibt/-cet-ss for Windows 11...), by QEMU's
# spelling -> Proxmox's. The section's flags override Proxmox's of the same spelling, so each one the
# profile fixes is written out in that spelling, even where the reported model already agrees.
PROXMOX_SETS = {
    'cet-ibt': 'cet-ibt', 'cet-ss': 'cet-ss', 'kvm-pv-eoi': 'kvm_pv_eoi', 'kvm-pv-unhalt': 'kvm_pv_unhalt',
    'lahf-lm': 'lahf_lm', 'rdtscp': 'rdtscp', 'sep': 'sep', 'x2apic': 'x2apic',
}
# The CPU properties of the QEMU export a section has a key for, by QEMU's name -> the key.
PROXMOX_KEYS = {'level': 'level', 'phys-bits': 'phys-bits'}
# A section name (pve-configid): a letter, then letters, digits, '_' or '-'.
MODEL_NAME = re.compile(r'^[A-Za-z][A-Za-z0-9_-]+$')
SECTION_TYPE = 'cpu-model'


class ProxmoxCpuModel(namedtuple('ProxmoxCpuModel', 'name reported_model flags keys not_carried unexpressed')):
    """The custom model ``name``: its ``reported_model``, ``flags`` (``+f``/``-f``, Proxmox's
    spelling), ``keys`` (``[(key, value)]`` besides those two), the CPU properties of the profile no key
    carries, and the QEMU export's ``{kept field: why}`` of what no flag can ask for."""

    def section(self):
        """The section of ``cpu-models.conf``, as Proxmox writes it (ends with the blank line that ends a section)."""
        keys = dict(self.keys, **{'reported-model': self.reported_model})
        if self.flags:
            keys['flags'] = ';'.join(self.flags)
        lines = ['%s: %s' % (SECTION_TYPE, self.name)] + ['\t%s %s' % item for item in sorted(keys.items())]
        return '\n'.join(lines) + '\n\n'

    def warning(self):
        """What the model cannot express, as the end of a sentence starting with the profile; None when
        it expresses all of it."""
        parts = []
        if self.not_carried:
            parts.append('CPU properties a Proxmox custom model has no key for, which the guest gets from '
                         'its reported model %s instead: %s' % (self.reported_model, ', '.join(self.not_carried)))
        if self.unexpressed:
            parts.append('kept fields no flag can ask for: %s' % ', '.join(self.unexpressed))
        return 'needs ' + '; and '.join(parts) if parts else None


def reported_models(vendor):
    """``{Proxmox model name: QEMU model data}`` of ``vendor``'s models that Proxmox offers and the
    captured QEMU data knows (Proxmox's newer models than that QEMU's are not candidates)."""
    return {name: MODELS[ALIASES.get(name, name)] for name in PROXMOX_MODELS.get(vendor, ())
            if ALIASES.get(name, name) in MODELS}


def to_proxmox(profile, model_name=None):
    """``ProxmoxCpuModel`` of ``profile`` named ``model_name`` (default the profile's name);
    ``VmcpuError`` for a name Proxmox refuses or a vendor it has no model of."""
    name = profile['name'] if model_name is None else model_name
    if not isinstance(name, str) or not MODEL_NAME.fullmatch(name):
        raise VmcpuError('%r is not a name Proxmox VE accepts for a CPU model (a letter, then letters, digits, '
                         "'_' or '-'; at least two characters): give the export another model name." % (name,))
    candidates = reported_models(profile['vendor'])
    if not candidates:
        raise VmcpuError('Proxmox VE (%s) has no CPU model of vendor %s that QEMU %s knows, so a custom model '
                         'cannot report one.' % (PROXMOX_VERSION, profile['vendor'], QEMU_VERSION))
    exported = to_qemu_cpu(profile, models=candidates)
    signs = {term[1:]: term[0] for term in exported.feature_terms}
    wanted, _unexpressed = wanted_properties(profile, field_index(VENDOR_IDS[profile['vendor']]))
    signs.update((prop, '+' if wanted[prop] else '-') for prop in PROXMOX_SETS if prop in wanted)
    flags = [signs[prop] + PROXMOX_SETS.get(prop, prop) for prop in sorted(signs)]
    keys, not_carried = [], []
    for prop, value in cpu_properties(profile):
        if prop in PROXMOX_KEYS:
            keys.append((PROXMOX_KEYS[prop], value))
        elif prop != 'vendor':  # Proxmox sets vendor= from the reported model: the profile's vendor.
            not_carried.append(prop)
    unexpressed = sorted(field for field in exported.unexpressed if field != 'brand_string')
    return ProxmoxCpuModel(name, exported.model, flags, keys, not_carried, unexpressed)

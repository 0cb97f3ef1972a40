# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The profile as OpenStack Nova's ``[libvirt]`` CPU options of ``nova.conf``::

    [libvirt]
    cpu_mode = custom
    cpu_models = Skylake-Server-noTSX-IBRS
    cpu_model_extra_flags = +clflushopt, -hle, ...

Nova's libvirt driver makes of them the guest ``<cpu mode='custom' match='exact'>`` with the first
model of ``cpu_models`` and one ``<feature>`` per flag, ``policy='disable'`` for ``-flag`` and
``require`` otherwise (the ``-`` sign since Nova 23.0.0, Wallaby), and at start-up compares that CPU
with each compute host's (``compareHypervisorCPU``), refusing to start on a host that cannot give it.
So the model and the flags are the libvirt export's (``export.libvirt``): the same base model, its
require lines as ``+flag`` and its disable lines as ``-flag``, by libvirt's names, lower case as Nova
reads them.

- One model only: Nova takes another model of the list when a flavor asks for CPU traits the first
  lacks, and that guest would not see the profile.
- ``hypervisor`` (required in the libvirt export because of ``check='full'``) is left out: Nova sets no
  ``check``, and QEMU sets the bit in every guest.
- Not in ``nova.conf``: the physical address width, which is the flavor's (extra specs
  ``hw:maxphysaddr_mode=emulate`` and ``hw:maxphysaddr_bits=N``, Nova 2023.1 and later: returned as
  ``flavor_properties``); and what the libvirt export adds beyond model and features - the vendor,
  ``check='full'``, ``fallback='forbid'`` and the ``<qemu:commandline>`` with the CPU's identity and
  leaf ranges - which the warning names.
"""

from collections import namedtuple

from ansible_collections.vmcpu.profiles.plugins.module_utils.export.common import phys_addr_bits
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.libvirt import CPU_MAP_DIR, model_and_features_only, to_libvirt_xml

SECTION = 'libvirt'


class NovaCpu(namedtuple('NovaCpu', 'model flags flavor_properties unnamed not_carried')):
    """The ``cpu_models`` model, the ``cpu_model_extra_flags`` (``+f``/``-f``), the flavor extra specs
    for what ``nova.conf`` cannot set, the kept fields libvirt has no name for, and what a Nova guest
    does not get of the libvirt export."""

    def options(self):
        """``[(option, value)]`` of the ``[libvirt]`` section, as written."""
        # Written even when empty: an earlier cpu_model_extra_flags of nova.conf must not stay in force.
        return [('cpu_mode', 'custom'), ('cpu_models', self.model), ('cpu_model_extra_flags', ', '.join(self.flags))]

    def fragment(self):
        """The ini fragment: the ``[libvirt]`` section with the options."""
        return '[%s]\n%s\n' % (SECTION, '\n'.join(('%s = %s' % option).rstrip() for option in self.options()))

    def warning(self):
        """What Nova cannot carry, as the end of a sentence starting with the profile; None when nothing."""
        parts = []
        if self.unnamed:
            parts.append("features libvirt's CPU map has no name for, so no flag can require them: %s"
                         % ', '.join(self.unnamed))
        if self.not_carried:
            parts.append('what nova.conf cannot set, so the guest gets the model\'s or libvirt\'s: %s'
                         % ', '.join(self.not_carried))
        return 'needs ' + '; and '.join(parts) if parts else None


def to_nova(profile, cpu_map_dir=CPU_MAP_DIR):
    """``NovaCpu`` of ``profile`` (see the module doc); ``VmcpuError`` as for ``to_libvirt_xml``."""
    exported = to_libvirt_xml(profile, cpu_map_dir)
    require, disable, not_carried = model_and_features_only(exported)
    flags = ['+' + name.lower() for name in require] + ['-' + name.lower() for name in disable]
    bits = phys_addr_bits(profile)
    flavor = {'hw:maxphysaddr_mode': 'emulate', 'hw:maxphysaddr_bits': str(bits)} if bits else {}
    return NovaCpu(exported.model, flags, flavor, exported.unnamed, not_carried)

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Export a profile as a libvirt guest CPU definition (design notes section 6)::

    <cpu mode='custom' match='exact' check='full'>
      <model fallback='forbid'>Skylake-Server-IBRS</model>
      <vendor>Intel</vendor>
      <maxphysaddr mode='emulate' bits='46'/>
      <feature policy='require' name='clflushopt'/>
      <feature policy='disable' name='hle'/>
      <feature policy='require' name='hypervisor'/>
    </cpu>

and, for what the ``<cpu>`` element has no XML for, QEMU's CPU properties as ``-global`` options in a
``<qemu:commandline>`` element (libvirt's QEMU namespace) to put into the same domain::

    <qemu:commandline xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
      <qemu:arg value='-global'/>
      <qemu:arg value='x86_64-cpu.family=6'/>
      ...
    </qemu:commandline>

Why this shape:

- ``mode='custom' match='exact'``: the guest sees exactly the model plus/minus the listed features on
  every host, which is what a migration contract needs. ``fallback='forbid'``: a host whose libvirt
  does not know the model must refuse the domain, not substitute another model. ``check='full'``:
  libvirt compares the virtual CPU QEMU really created with this definition and refuses to start
  when a required feature is missing or a disabled one present.
- ``<vendor>``: without it libvirt would run the guest on a CPU "regardless of its vendor" (libvirt's
  domain XML documentation); the profile is for one vendor and the host check refuses the others.
- ``<maxphysaddr mode='emulate' bits='N'/>`` (libvirt 8.7 and later): the guest's physical address
  width is the profile's (CPUID.0x8000_0008.EAX[7:0], the minimum over its hosts), not the host's or
  QEMU's default; a guest told more bits than its destination host has can crash after migration.
- ``hypervisor`` is required: QEMU sets CPUID.1:ECX[31] in every guest, and ``check='full'`` refuses
  to start a guest with a feature the definition does not name. The profile leaves the bit to the VMM.
- ``<qemu:commandline>``: libvirt has no XML for the CPU's identity and leaf ranges, so without it the
  guest sees the base model's family, model, stepping, brand string, ``level`` and ``xlevel`` (leaves
  above the model's ``level`` vanish). ``-global x86_64-cpu.<property>=<value>`` sets QEMU's property
  on every virtual CPU whatever the model (``x86_64-cpu`` is the type all x86 models derive from), with
  the values of the QEMU export (``export.qemu.cpu_properties``; ``-global`` takes the value whole, so
  a brand string with a comma is carried too). libvirt copies the element to the destination host on
  migration and marks the domain "tainted: custom-argv".
- Base model: the installed libvirt CPU map (``cpu_map/index.xml`` and the files it includes) is
  read, models inherit the features and vendor of a ``<model name='Parent'/>`` they name, and only
  models of the profile's vendor are candidates. A model feature marked ``removed='yes'`` (QEMU
  dropped it from its model, e.g. ``monitor`` of EPYC) is not part of the model for libvirt: its own
  expansion (``virsh cpu-baseline --features``) leaves it out, so it needs no disable line. The chosen model needs the fewest ``<feature>``
  lines (require + disable); ties go to fewer disable lines (a model that is a subset of the profile),
  then to the model name, so the result does not depend on file order.
- A model is what QEMU makes of it, too: libvirt passes its model name to QEMU's ``-cpu``, and QEMU's
  model of that name (``export.qemu_cpu_models.ALIASES``: ``EPYC`` is ``EPYC-v1``) may turn on features
  libvirt's map does not list for it (QEMU's EPYC has ``topoext``), and KVM turns a few on in every
  model (``export.qemu.ACCELERATOR_DEFAULTS``: ``x2apic``...). Those the profile drops are disabled as
  well; else the guest would get them, or ``check='full'`` would refuse to start it. Models that QEMU
  does not have (libvirt still lists ``Icelake-Client``, which QEMU 7.1 removed) are no candidates.
- Features, by the field table's libvirt name (``Field.libvirt_name``; the mapping lives there only):
  every feature the profile keeps is on (required when the model lacks it, or when KVM turns it off in
  every guest, ``KVM_TURNS_OFF``: a kept ``svm`` is required on EPYC too); every feature of the model
  that the profile does not keep is disabled, including model features that are no field of ours
  (the profile zeroes unknown bits). A field whose bit the profile leaves to the host or the VMM (its
  register or MSR is listed with mask 0 there: kind vmm, policy passthrough) gets no line; the model
  decides. Dropped features the model lacks need no line: a custom model exposes nothing it does not
  name.
- Kept features libvirt's CPU map has no name for (XSAVE state components, AMD's leaf-1 mirrors,
  features newer than the map) cannot be required: they are returned in ``unnamed`` for the caller to
  warn about; ``docs/docsite/rst/libvirt.rst`` says what they are.

Only ``GenuineIntel``, ``AuthenticAMD`` and ``HygonGenuine`` profiles for KVM can be expressed; anything else, a
feature name the field table does not know, or a CPU map without a model of the vendor raises
``VmcpuError``. The profile is expected to be schema-valid (the filter validates it first).
"""

import os
import xml.etree.ElementTree as ET
from collections import namedtuple
from xml.sax.saxutils import escape

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.common import check_exportable, phys_addr_bits
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.qemu import (
    ACCELERATOR_DEFAULTS, brand_not_carried, cpu_properties, qemu_property)
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.qemu_cpu_models import ALIASES, MODELS, QEMU_VERSION
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.index import field_index
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import VENDOR_IDS
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.registers import fixed_value, profile_cpuid, profile_msrs

CPU_MAP_DIR = '/usr/share/libvirt/cpu_map'
# The Debian package that ships CPU_MAP_DIR (``dpkg -S /usr/share/libvirt/cpu_map``).
CPU_MAP_PACKAGE = 'libvirt0'
# Profile vendor string -> libvirt's vendor name (cpu_map/x86_vendors.xml).
LIBVIRT_VENDORS = {'GenuineIntel': 'Intel', 'AuthenticAMD': 'AMD', 'HygonGenuine': 'Hygon'}
# Features QEMU sets in every guest whatever the model (the profile leaves them to the VMM).
VMM_SET_FEATURES = ('hypervisor',)
# What KVM turns off in every guest whatever the model has (QEMU's kvm_default_props: svm=off, which
# takes its sub-features with it, acpi=off, monitor=off), by libvirt's names: a kept one is required
# even where the model has it (nested svm), and a model having them gives the guest nothing.
KVM_TURNS_OFF = frozenset(('acpi', 'monitor', 'svm', 'npt', 'nrip-save', 'svme-addr-chk'))
QEMU_NAMESPACE = 'http://libvirt.org/schemas/domain/qemu/1.0'
# QEMU's type that every x86 CPU model derives from: a -global for it applies to any model.
QEMU_CPU_TYPE = 'x86_64-cpu'
# CPU properties the <cpu> element itself carries (<maxphysaddr>).
CARRIED_BY_CPU_ELEMENT = ('phys-bits',)

CpuMap = namedtuple('CpuMap', 'path features models')
Model = namedtuple('Model', 'name vendor features')


class LibvirtCpu(namedtuple('LibvirtCpu', 'xml commandline model require disable unnamed not_carried')):
    """An exported ``<cpu>`` element, the ``<qemu:commandline>`` element with the CPU properties it has
    no XML for (None when the profile fixes none), its base model, its feature lines, the kept fields
    libvirt has no name for and ``{field: why}`` of the fixed ones neither element carries."""

    def warning(self):
        """What the definition cannot require, as the end of a sentence starting with the profile
        ("profile fleet keeps features ..."); None when it can require everything."""
        parts = ["features libvirt's CPU map has no name for, so the CPU definition cannot require them: %s"
                 % ', '.join(self.unnamed)] if self.unnamed else []
        parts.extend('a %s the domain cannot be given (%s)' % (name.replace('_', ' '), why)
                     for name, why in sorted(self.not_carried.items()))
        return 'keeps ' + '; and '.join(parts) if parts else None


_CPU_MAPS = {}


def _parse(path, where):
    try:
        return ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        raise VmcpuError('libvirt CPU map %s cannot be read: %s.' % (where, exc)) from None


def _x86_elements(directory):
    """The children of ``<arch name='x86'>`` in ``index.xml``, each ``<include>`` replaced by the
    children of the file it names, in file order (a model may only name a parent defined before it)."""
    index = os.path.join(directory, 'index.xml')
    arch = next((a for a in _parse(index, index).findall('arch') if a.get('name') == 'x86'), None)
    if arch is None:
        raise VmcpuError('libvirt CPU map %s has no x86 architecture.' % index)
    for element in arch:
        if element.tag == 'include':
            included = os.path.join(directory, element.get('filename', ''))
            yield from _parse(included, included)
        else:
            yield element


def _read_cpu_map(directory):
    features, models = set(), {}
    for element in _x86_elements(directory):
        if element.tag == 'feature':
            features.add(element.get('name'))
        elif element.tag == 'model':
            vendor, names = None, set()
            for child in element:
                if child.tag == 'model':
                    parent = models.get(child.get('name'))
                    if parent is None:
                        raise VmcpuError('libvirt CPU map %s: model %s is based on unknown model %s.'
                                         % (directory, element.get('name'), child.get('name')))
                    vendor, names = parent.vendor, set(parent.features)
            for child in element:
                if child.tag == 'vendor':
                    vendor = child.get('name')
                elif child.tag == 'feature' and child.get('removed') != 'yes':
                    names.add(child.get('name'))
            models[element.get('name')] = Model(element.get('name'), vendor, frozenset(names))
    return CpuMap(directory, frozenset(features), models)


def read_cpu_map(directory=CPU_MAP_DIR):
    """libvirt's x86 CPU map in ``directory``: feature names and models (with inherited features).

    Read once per directory and modification time (a package upgrade replaces the files)."""
    index = os.path.join(directory, 'index.xml')
    try:
        stamp = (os.stat(directory).st_mtime_ns, os.stat(index).st_mtime_ns)
    except OSError:
        raise VmcpuError(('libvirt CPU map not found (no %s): install the Debian package %s, which ships ' +
                          '%s, or point cpu_map_dir at a libvirt cpu_map directory.')
                         % (index, CPU_MAP_PACKAGE, CPU_MAP_DIR)) from None
    key = os.path.realpath(directory)
    cached = _CPU_MAPS.get(key)
    if cached is None or cached[0] != stamp:
        cached = _CPU_MAPS[key] = (stamp, _read_cpu_map(directory))
    return cached[1]


def qemu_model_features():
    """``{model name: QEMU properties it turns on}`` of every name QEMU's ``-cpu`` takes (versioned
    models and their aliases), from the captured QEMU data."""
    features = {name: frozenset(model[1]) for name, model in MODELS.items()}
    features.update((alias, features[versioned]) for alias, versioned in ALIASES.items())
    return features


def _qemu_features(on, to_libvirt, cpu_map):
    """The libvirt names of the QEMU properties ``on`` and of those KVM turns on in every model;
    ``to_libvirt`` maps QEMU property names to libvirt's where they differ."""
    return {to_libvirt.get(prop, prop) for prop in on | ACCELERATOR_DEFAULTS} & cpu_map.features


def _choose(inputs):
    """``(model, require, disable)`` with the fewest lines, then fewest disables, then by name.
    Required: what libvirt's model lacks; disabled: what libvirt's or QEMU's model has."""
    to_libvirt = {qemu_property(f): f.libvirt_name for f in inputs.table.values()}
    best = None
    for model in inputs.candidates:
        require, disable = model_lines(inputs, model, to_libvirt)
        rank = (len(require) + len(disable), len(disable), model.name)
        if best is None or rank < best[0]:
            best = (rank, model, require, disable)
    return best[1:]


def _quoted(text):
    return "'%s'" % escape(text, {"'": '&apos;'})


def _xml(model, vendor, phys_bits, require, disable):
    lines = ["<cpu mode='custom' match='exact' check='full'>",
             "  <model fallback='forbid'>%s</model>" % escape(model),
             '  <vendor>%s</vendor>' % escape(vendor)]
    if phys_bits:
        lines.append("  <maxphysaddr mode='emulate' bits='%d'/>" % phys_bits)
    lines.extend("  <feature policy='require' name=%s/>" % _quoted(name) for name in require)
    lines.extend("  <feature policy='disable' name=%s/>" % _quoted(name) for name in disable)
    lines.append('</cpu>')
    return '\n'.join(lines)


def _commandline(profile):
    """``(the <qemu:commandline> element of the CPU properties <cpu> cannot carry or None, {field: why
    not carried})``."""
    properties, not_carried = [], {}
    for name, value in cpu_properties(profile):
        why = brand_not_carried(value, in_cpu_argument=False) if name == 'model-id' else None
        if why:
            not_carried['brand_string'] = why
        elif name not in CARRIED_BY_CPU_ELEMENT:
            properties.append((name, value))
    if not properties:
        return None, not_carried
    lines = ['<qemu:commandline xmlns:qemu=%s>' % _quoted(QEMU_NAMESPACE)]
    for name, value in properties:
        lines.append("  <qemu:arg value='-global'/>")
        lines.append('  <qemu:arg value=%s/>' % _quoted('%s.%s=%s' % (QEMU_CPU_TYPE, name, value)))
    lines.append('</qemu:commandline>')
    return '\n'.join(lines), not_carried


class LibvirtInputs(namedtuple('LibvirtInputs', 'table cpu_map wanted host_owned unnamed vendor candidates qemu_models')):
    """What the choice of a libvirt model works on, for one profile."""


def libvirt_inputs(profile, cpu_map_dir=CPU_MAP_DIR, qemu_models=None):
    """The libvirt names the profile wants (``wanted``), those left to the host (``host_owned``), the
    kept fields libvirt has no name for, and the candidate models: the CPU map's models of the
    profile's vendor that QEMU has (``qemu_models``: what QEMU turns on for each model name)."""
    check_exportable(profile, 'libvirt', LIBVIRT_VENDORS)
    name = profile.get('name', '(unnamed)')
    index = field_index(VENDOR_IDS[profile['vendor']])
    table = index.by_name
    # A profile of an earlier release may keep a feature by its former name.
    kept = [index.resolve(feature) or feature for feature in profile.get('features') or []]
    unknown = sorted(feature for feature in kept if feature not in table)
    if unknown:
        raise VmcpuError('profile %s keeps features the %s field table does not know: %s.'
                         % (name, profile['vendor'], ', '.join(unknown)))
    cpu_map = read_cpu_map(cpu_map_dir)
    wanted = {table[feature].libvirt_name for feature in kept} & cpu_map.features
    unnamed = sorted(feature for feature in kept if table[feature].libvirt_name not in cpu_map.features)
    cpuid, msrs = profile_cpuid(profile), profile_msrs(profile)
    host_owned = {f.libvirt_name for f in table.values() if fixed_value(f, cpuid, msrs) is None} - wanted
    vendor = LIBVIRT_VENDORS[profile['vendor']]
    # A model QEMU no longer has (Icelake-Client left in QEMU 7.1) would not start.
    qemu_models = qemu_model_features() if qemu_models is None else qemu_models
    candidates = [model for model in cpu_map.models.values() if model.vendor == vendor and model.name in qemu_models]
    if not candidates:
        raise VmcpuError('profile %s: the libvirt CPU map %s has no x86 CPU model of vendor %s that QEMU %s has.'
                         % (name, cpu_map_dir, vendor, QEMU_VERSION))
    return LibvirtInputs(table, cpu_map, wanted, host_owned, unnamed, vendor, candidates, qemu_models)


def model_lines(inputs, model, to_libvirt=None):
    """``(require, disable)``: the feature lines that turn libvirt's ``model`` into the profile."""
    if to_libvirt is None:
        to_libvirt = {qemu_property(f): f.libvirt_name for f in inputs.table.values()}
    qemu = _qemu_features(inputs.qemu_models[model.name], to_libvirt, inputs.cpu_map)
    return sorted(inputs.wanted - model.features), sorted((model.features | qemu) - inputs.wanted - inputs.host_owned)


def to_libvirt_xml(profile, cpu_map_dir=CPU_MAP_DIR, qemu_models=None):
    """The profile as a libvirt ``<cpu>`` element and its ``<qemu:commandline>`` companion:
    ``LibvirtCpu(xml, commandline, model, require, disable, unnamed, not_carried)``, ``require``/``disable`` libvirt
    feature names, ``unnamed`` the kept fields libvirt has no name for. ``qemu_models``: what QEMU
    turns on for each model name (``qemu_model_features()`` by default)."""
    inputs = libvirt_inputs(profile, cpu_map_dir, qemu_models)
    model, require, disable = _choose(inputs)
    require = sorted(set(require) | (set(VMM_SET_FEATURES) & inputs.cpu_map.features) | (inputs.wanted & KVM_TURNS_OFF))
    phys_bits = phys_addr_bits(profile)
    commandline, not_carried = _commandline(profile)
    return LibvirtCpu(_xml(model.name, inputs.vendor, phys_bits, require, disable), commandline, model.name,
                      require, disable, inputs.unnamed, not_carried)


def model_and_features_only(exported):
    """``(require, disable, not_carried)`` of the libvirt export ``exported`` for a platform that writes
    a custom ``<cpu>`` with only the model and the feature lines (Nova, KubeVirt): without
    ``VMM_SET_FEATURES`` (required only because of ``check='full'``, which such a platform does not set;
    QEMU sets the bit in every guest), and what of the export it cannot carry."""
    require = [name for name in exported.require if name not in VMM_SET_FEATURES]
    not_carried = ['vendor', "check='full'", "fallback='forbid'"]
    if exported.commandline:
        not_carried.append('the CPU identity and leaf ranges of the <qemu:commandline> element')
    not_carried.extend(name.replace('_', ' ') for name in sorted(exported.not_carried))
    return require, list(exported.disable), not_carried

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which named CPU models a profile can run, like VMware EVC's list of modes: QEMU's versioned models,
libvirt's CPU map models and the bundled profiles.

A model fits the pool when every feature it turns on is one every host of the pool offers: kept by
the profile, or off only by the collection's default policy (MONITOR, ACPI... which every host has,
but no profile promises by default). A guest started on it runs on every host of the pool. The VMX
capabilities QEMU gives a model with vmx are not counted: KVM decides those for nested guests. The
fitting models are listed from the best (ranked as the exports choose their base model: fewest terms
to the profile; bundled profiles: most features first), with the ``+f,-f`` terms or the
``require``/``disable`` lines that turn the best one into the profile; the larger models that do not
fit are listed with what they miss and why the pool lacks it: the hosts without it, the toggle
or policy that turned it off, or the feature it needs that is off.

The answer depends on the QEMU and libvirt the export reads (QEMU's captured models, the installed
CPU map), not only on the hosts, so it is part of the report, not of the profile file: a libvirt
upgrade on the controller must not change a profile's digest.
"""

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.libvirt import CPU_MAP_DIR, libvirt_inputs, model_lines
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.qemu import (
    ACCELERATOR_DEFAULTS, model_terms, qemu_property, wanted_properties)
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.qemu_cpu_models import MODELS, QEMU_VERSION
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.index import field_index
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import VENDOR_IDS, Kind

# How many models above the highest fitting one are listed with what they miss.
NEAREST_MISSES = 3
# Hosts named per missing feature.
HOSTS_SHOWN = 10


def why_missing(profile, field_name, index):
    """Why the pool's profile lacks ``field_name``: the hosts without it, the reason it is off, that it
    follows other features (XSAVE state components), or that no host has it."""
    entry = profile['explanation'].get(field_name)
    if entry and entry['limited_by']:
        hosts = sorted(entry['limited_by'])
        more = entry['limited_by_count'] - len(hosts[:HOSTS_SHOWN])
        return 'lacked by %s' % ', '.join(hosts[:HOSTS_SHOWN]) + (' and %d more' % more if more > 0 else '')
    if field_name in profile['disabled']:
        return profile['disabled'][field_name]
    if index.by_name[field_name].kind == Kind.DERIVED:
        return 'follows the features that use it'
    return 'no host of the pool has it'


def offered_by_every_host(profile, index):
    """Our field names every host of the pool offers: kept, off by the default policy alone, or set
    by the VMM itself (``hypervisor``)."""
    return set(profile['features']) | {name for name, reason in profile['disabled'].items()
                                       if reason.startswith('disabled by default policy')} | {
        name for name, f in index.by_name.items() if f.kind == Kind.VMM}


def _missing(profile, names, fields_of):
    """``{model feature: why the pool lacks it}``; ``fields_of(name)`` gives our field names."""
    index = field_index(VENDOR_IDS[profile['vendor']])
    missing = {}
    for name in sorted(names):
        reasons = sorted({why_missing(profile, field, index) for field in fields_of(name)}) or ['no field describes it']
        missing[name] = '; '.join(reasons)
    return missing


def _answer(fitting, misses, change_of):
    """The answer of one side. ``fitting``: ``(rank, name, size)`` of each model that fits, the best
    (lowest rank) first; ``misses``: ``(name, size, missing)`` of the others, of which those larger
    than the best fit are listed, fewest missing features first; ``change_of(name)``: what turns
    model ``name`` into the profile."""
    fitting.sort()
    best = fitting[0] if fitting else None
    above = sorted((item for item in misses if best is None or item[1] > best[2]),
                   key=lambda item: (len(item[2]), -item[1], item[0]))
    return {'fits': [name for _rank, name, _size in fitting],
            'best': best[1] if best else None,
            'to_profile': change_of(best[1]) if best else [],
            'nearest_misses': [{'model': name, 'missing': missing} for name, _size, missing in above[:NEAREST_MISSES]]}


def qemu_models(profile, models=None):
    """The QEMU side of ``named_models``."""
    models = MODELS if models is None else models
    index = field_index(VENDOR_IDS[profile['vendor']])
    wanted, _unexpressed = wanted_properties(profile, index)
    described = {qemu_property(f) for f in index.by_name.values()}
    fields_by_property = {}
    for f in index.by_name.values():
        fields_by_property.setdefault(qemu_property(f), []).append(f.name)
    available = {qemu_property(index.by_name[name]) for name in offered_by_every_host(profile, index)}
    fitting, misses, terms_of = [], [], {}
    for name, model in models.items():
        if model[0] != profile['vendor']:
            continue
        terms_of[name], rank = model_terms(model, wanted, described)
        lacking = [prop for prop in model[1] if prop not in available and prop not in ACCELERATOR_DEFAULTS]
        if lacking:
            misses.append((name, len(model[1]), _missing(profile, lacking, lambda prop: fields_by_property.get(prop, ()))))
        else:
            fitting.append((rank, name, len(model[1])))
    answer = _answer(fitting, misses, terms_of.__getitem__)
    answer['qemu_version'] = QEMU_VERSION
    return answer


def libvirt_models(profile, cpu_map_dir=CPU_MAP_DIR):
    """The libvirt side of ``named_models``."""
    inputs = libvirt_inputs(profile, cpu_map_dir)
    fields_by_name = {}
    for f in inputs.table.values():
        fields_by_name.setdefault(f.libvirt_name, []).append(f.name)
    available = {inputs.table[name].libvirt_name for name in offered_by_every_host(profile, field_index(VENDOR_IDS[profile['vendor']]))}
    fitting, misses, lines_of = [], [], {}
    for model in inputs.candidates:
        require, disable = model_lines(inputs, model)
        lines_of[model.name] = ['require %s' % name for name in require] + ['disable %s' % name for name in disable]
        lacking = model.features - available - inputs.host_owned
        if lacking:
            misses.append((model.name, len(model.features), _missing(profile, lacking, lambda n: fields_by_name.get(n, ()))))
        else:
            # Ranked as the export chooses its model: fewest lines, then fewest disables.
            fitting.append(((len(require) + len(disable), len(disable)), model.name, len(model.features)))
    answer = _answer(fitting, misses, lines_of.__getitem__)
    answer['cpu_map'] = inputs.cpu_map.path
    return answer


def bundled_fits(profile, bundled):
    """Which of the ``bundled`` profiles (``{name: profile}``) of the same vendor the pool can run:
    every feature they keep, every host of the pool offers."""
    fitting, misses = [], []
    available = offered_by_every_host(profile, field_index(VENDOR_IDS[profile['vendor']]))
    for name, other in sorted(bundled.items()):
        if other.get('vendor') != profile['vendor'] or name == profile['name']:
            continue
        lacking = sorted(set(other['features']) - available)
        if lacking:
            misses.append((name, len(other['features']), _missing(profile, lacking, lambda feature: (feature,))))
        else:
            # The most capable bundled profile the pool can run first.
            fitting.append((-len(other['features']), name, len(other['features'])))
    return _answer(fitting, misses, lambda name: [])


def named_models(profile, bundled=None, cpu_map_dir=CPU_MAP_DIR):
    """``{'qemu': ..., 'libvirt': ..., 'bundled': ...}``, each ``{'fits': [models, best first],
    'best', 'to_profile' (QEMU's +f,-f terms or libvirt's require/disable lines that turn the best
    into the profile), 'nearest_misses': [{'model', 'missing': {feature: why}}]}``. A side that cannot be
    answered (no libvirt CPU map, a vendor QEMU has no models of) is ``{'error': message}``."""
    answer = {}
    for side, compute in (('qemu', lambda: qemu_models(profile)), ('libvirt', lambda: libvirt_models(profile, cpu_map_dir)),
                          ('bundled', lambda: bundled_fits(profile, bundled or {}))):
        try:
            answer[side] = compute()
        except VmcpuError as exc:
            answer[side] = {'error': str(exc)}
    return answer

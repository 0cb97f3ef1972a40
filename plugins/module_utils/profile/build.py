# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build the cluster-wide CPU profile from host facts (design notes section 4).

Steps: host views -> per-host baseline (meet of its CPU groups) -> cluster baseline (meet of hosts)
-> policies and toggles per field -> dependency closure -> derived fields (XSAVE components and
sizes) -> explanation -> canonical document with a digest. Every step reads the field table; no
CPUID location is written here.
"""

import datetime
import functools
import hashlib
import heapq
import itertools
import json
import operator

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.index import field_index
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.levels import (
    check_level, level_features, level_rank, x86_64_level)
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import Kind, Policy
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.fleet import Fleet, cyclic_gc_paused
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.policy import field_policy, parse_adjustments
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.xsave_layout import (
    COMPACTED_FORMAT_USERS, SIZE_FIELDS, area_sizes, component_kinds, component_number, is_component_flag,
)
from ansible_collections.vmcpu.profiles.plugins.module_utils.version import COLLECTION_VERSION

PROFILE_SCHEMA_VERSION = 1
# At most this many hosts are named per explained field (the count says how many there are).
EXPLAINED_HOSTS = 50
# Contract kinds where a larger value is better for the guest; for bug_flag, smaller is better.
_BEST = {Kind.FLAG: max, Kind.MIN: max, Kind.EQUAL: max, Kind.BUG_FLAG: min}
_HOSTS = operator.attrgetter('hosts')


def _key(f, subleaf):
    return (f.source, f.leaf, subleaf, f.register)


class _Registers:
    """Profile register values and masks (mask bit 1 = fixed by the profile) of every register
    of the table; ``entries`` later keeps those worth writing down."""

    def __init__(self):
        self.value = {}
        self.mask = {}
        self.full = {}

    def read(self, f, subleaf=None):
        subleaf = f.subleaves[0] if subleaf is None else subleaf
        return f.extract(self.value.get(_key(f, subleaf), 0))

    def write(self, f, field_value, subleaf=None):
        subleaves = range(f.subleaves[0], f.subleaves[1] + 1) if subleaf is None else (subleaf,)
        for sub in subleaves:
            key = _key(f, sub)
            kept = self.value.get(key, 0) & ~f.mask
            self.value[key] = kept | (field_value << f.first_bit & f.mask)


def _strength(layout):
    """``strength(items)``: how many contract feature bits some ``(register key, value)`` items of
    a baseline have (fewest = weakest)."""
    flag_masks = layout.flag_masks

    def strength(items):
        # Runs once per distinct baseline part (int.bit_count needs Python 3.10).
        return ''.join(bin(value & flag_masks.get(key, 0)) for key, value in items).count('1')
    return strength


class _Plan:
    """What the policies make of every register, worked out once per (vendor, adjustments): a
    profile's fixed cost would otherwise be a walk over the ~6,000 (field, sub-leaf) pairs of the
    table on every build.

    Per register key: ``mask`` (bits the profile fixes), ``full``, ``static`` (the fixed bits'
    static part, the value every register starts from), ``from_merge`` and ``from_target`` (bits
    taken from the cluster meet and from the target host; non-zero masks only) and ``static_flags``
    (``(mask, name, reason)`` of the one-bit features a static policy turns off). ``features`` and
    ``fields``: the ``(name, field)`` pairs of the decoded view, by name."""

    def __init__(self, layout, adjustments):
        self.mask, self.full, self.static = {}, {}, {}
        self.from_merge, self.from_target, self.static_flags = {}, {}, {}
        for register in layout.registers:
            mask = static = from_merge = from_target = 0
            static_flags = []
            for f in register.fields:
                policy, static_value = field_policy(f, adjustments)
                if f.kind == Kind.VMM or policy == Policy.PASSTHROUGH:
                    continue
                mask |= f.mask
                if policy == Policy.STATIC or f.kind == Kind.RESERVED:
                    static |= static_value << f.first_bit
                    if f.kind in (Kind.FLAG, Kind.DERIVED) and f.width == 1:
                        static_flags.append((f.mask, f.name, 'disabled by %s' % (
                            adjustments[f.name].origin if f.name in adjustments else 'default policy static: 0')))
                elif f.kind == Kind.IDENTITY:
                    from_target |= f.mask
                else:
                    from_merge |= f.mask
            for subleaf in range(register.subleaves[0], register.subleaves[1] + 1):
                key = (register.source, register.leaf, subleaf, register.register)
                self.mask[key] = mask
                self.full[key] = (1 << register.width) - 1
                self.static[key] = static
                if from_merge:
                    self.from_merge[key] = from_merge
                if from_target:
                    self.from_target[key] = from_target
                if static_flags:
                    self.static_flags[key] = tuple(static_flags)
        self.features, self.fields = [], []
        for name, f in sorted(layout.by_name.items()):
            if f.kind == Kind.VMM or not self.mask.get(_key(f, f.subleaves[0]), 0) & f.mask:
                continue
            if f.kind in (Kind.FLAG, Kind.DERIVED) and f.width == 1:
                self.features.append((name, f))
            elif f.subleaves[0] == f.subleaves[1] and field_policy(f, adjustments)[0] == Policy.INHERIT:
                self.fields.append((name, f))


_PLANS = {}


def _plan(layout, adjustments):
    cache_key = (layout.vendor, tuple(sorted(adjustments.items())))
    if cache_key not in _PLANS:
        _PLANS[cache_key] = _Plan(layout, adjustments)
    return _PLANS[cache_key]


def _compose(plan, cluster, target_registers):
    """Register values and masks from the merge result, the target host and the policies."""
    regs = _Registers()
    regs.mask, regs.full = plan.mask, plan.full     # read-only from here on, shared between builds
    regs.value = value = dict(plan.static)
    from_merge = plan.from_merge
    for key, merged in cluster.items():
        if key in from_merge:
            value[key] |= merged & from_merge[key]
    for key, mask in plan.from_target.items():
        value[key] |= target_registers.get(key, 0) & mask
    disabled = {}
    for key, static_flags in plan.static_flags.items():
        merged = cluster.get(key, 0)
        if merged:
            for mask, name, reason in static_flags:
                if merged & mask:
                    disabled.setdefault(name, reason)
    return regs, disabled


def _profile_registers(layout, plan, cluster, identity):
    """``(registers, disabled)`` of the profile whose hosts meet in ``cluster``, with the identity
    registers of its target host: policies and toggles, dependency closure, XSAVE derivation."""
    regs, disabled = _compose(plan, cluster, identity)
    _close_dependencies(layout, regs, disabled)
    _derive_xsave(layout, regs, disabled)
    return regs, disabled


def outcome_of(vendor, features=(), policies=None):
    """``outcome(cluster, identity)``: the ``(kept features, inherited fields)`` of a profile of
    ``vendor`` ('intel'/'amd') whose hosts meet in ``cluster`` (register key -> merged value, as
    ``Fleet.cluster`` gives), with the toggles and policies read once, for questions that change the
    hosts but not the toggles (what-if, pools)."""
    layout = field_index(vendor)
    plan = _plan(layout, parse_adjustments(layout, features, policies))
    return lambda cluster, identity: _decoded(plan, _profile_registers(layout, plan, cluster, identity)[0])


def prepared_pool(hosts, target_host=None, entries=None):
    """``(fleet, cluster, target host, its identity registers)`` of ``hosts`` (``(host, facts)``
    pairs): every host in the ``Fleet`` (host lists sorted), their merge, and the host whose identity
    the profile takes. Where a profile starts, and so a what-if. ``entries``: see ``build_profile``."""
    fleet = Fleet(target_host, entries)
    for host, facts in hosts:
        fleet.add(host, facts)
    for host_group in fleet.distinct.values():
        host_group.hosts.sort()
    cluster = fleet.cluster()
    target, identity = fleet.choose_target(_strength(field_index(fleet.vendor)))
    return fleet, cluster, target, identity


def check_requested_features(fleet, cluster, identity, features=(), policies=None):
    """Refuse the ``+feature`` toggles the pool cannot keep, as ``build_profile`` does: a what-if
    answers only about a profile that can be made."""
    layout = field_index(fleet.vendor)
    adjustments = parse_adjustments(layout, features, policies)
    regs, disabled = _profile_registers(layout, _plan(layout, adjustments), cluster, identity)
    _check_required_features(layout, adjustments, fleet, regs, disabled)


def _close_dependencies(layout, regs, disabled):
    """Disable every field whose dependency is disabled, until nothing changes."""
    changed = True
    while changed:
        changed = False
        for f, depends in layout.depends:
            if not regs.read(f):
                continue
            missing = [d.name for d in depends if not regs.read(d)]
            if missing:
                regs.write(f, 0)
                disabled[f.name] = 'requires %s' % ', '.join(missing)
                changed = True


def _derive_xsave(layout, regs, disabled):
    """Drop state components no kept feature uses, then recompute the XSAVE area sizes."""
    kept = []
    for f in layout.by_name.values():
        if not is_component_flag(f) or not regs.read(f):
            continue
        users = [name for name in layout.dependents.get(f.name, ()) if layout.by_name[name].kind != Kind.DERIVED]
        if users and not any(regs.read(layout.by_name[name]) for name in users):
            regs.write(f, 0)
            disabled[f.name] = 'no kept feature uses it (%s)' % ', '.join(sorted(users))
            continue
        kept.append(component_number(f))
    if 'xsave_component_size' not in layout.by_name:
        return

    def read(name, subleaf):
        return regs.read(layout.by_name[name], subleaf)

    size_field = layout.by_name['xsave_component_size']
    for key in regs.value:
        if key[:2] == (size_field.source, size_field.leaf) and key[2] >= size_field.subleaves[0] \
                and key[2] not in kept:
            regs.value[key] = 0
    sizes = area_sizes(component_kinds(kept, read), read)
    if not regs.read(layout.by_name['xsave']):
        sizes = dict.fromkeys(sizes, 0)
    # The compacted size only means something to a guest that has XSAVEC or XSAVES.
    if not any(regs.read(layout.by_name[name]) for name in COMPACTED_FORMAT_USERS if name in layout.by_name):
        sizes['compacted'] = 0
    for which, name in SIZE_FIELDS.items():
        if name in layout.by_name:
            regs.write(layout.by_name[name], sizes[which])


def _explain(layout, fleet, cluster, regs):
    """For every contract field the hosts disagree on: the merged, best and final values and the
    hosts below the best (the ones that lowered the profile)."""
    explanation = {}
    # The distinct hosts per register value (gathered per distinct part, see Fleet): fields are
    # decoded once per value, not per host, and the hosts of a value are sorted once per register,
    # not per field.
    for key, by_value in fleet.disagreements():
        # Per register value: the names of its hosts (only for values below some field's best: the
        # best is usually the value most hosts have). Per split of the values into those below the
        # best and the others: the hosts that limit the profile (fields of a register that the same
        # CPU models lack share it).
        first_hosts, limited = {}, {}
        differing = functools.reduce(operator.or_, by_value) ^ functools.reduce(operator.and_, by_value)
        for f in layout.contract_fields.get(key, ()):
            if not differing & f.mask:
                continue
            if f.width == 1:
                # The bit differs, so both values are there: the values below the best are those
                # without the bit (with it, for a bug flag).
                best = 0 if f.kind == Kind.BUG_FLAG else 1
                split = filter if best == 0 else itertools.filterfalse
                below = ((1 - best, tuple(split(f.mask.__and__, by_value))),)
            else:
                by_field_value = {}
                for value in by_value:
                    by_field_value.setdefault(f.extract(value), []).append(value)
                if len(by_field_value) == 1:
                    continue
                best = _BEST[f.kind](by_field_value)
                below = tuple((field_value, tuple(values)) for field_value, values in by_field_value.items()
                              if field_value != best)
            if below not in limited:
                limited[below] = _limited_by(below, by_value, first_hosts)
            names, count = limited[below]
            ranged = f.subleaves[0] != f.subleaves[1]
            name = '%s[%d]' % (f.name, key[2]) if ranged else f.name
            explanation[name] = {
                'location': f.location.replace('%d..%d' % f.subleaves, str(key[2])) if ranged else f.location,
                'profile': regs.read(f, key[2]),
                'merged': f.extract(cluster.get(key, 0)),
                'best': best,
                'limited_by': dict(names),
                'limited_by_count': count,
            }
    return explanation


def _first_hosts(host_groups):
    """``(the first EXPLAINED_HOSTS host names of host_groups by name, how many hosts they have)``."""
    host_lists = list(map(_HOSTS, host_groups))
    count = sum(map(len, host_lists))
    if count <= 40 * EXPLAINED_HOSTS:
        names = sorted(itertools.chain.from_iterable(host_lists))
    else:
        # Many hosts: each host list is sorted, merge them lazily and stop after EXPLAINED_HOSTS names.
        names = heapq.merge(*host_lists)
    return list(itertools.islice(names, EXPLAINED_HOSTS)), count


def _limited_by(below, by_value, first_hosts):
    """``(the hosts below the best with their field values, how many there are)``: the first
    ``EXPLAINED_HOSTS`` by name, and how many there are in all (a fleet of thousands would
    otherwise repeat every name per field). ``below`` holds ``(field value, register values)`` of
    each field value below the best; ``first_hosts`` keeps the ``_first_hosts`` of the
    ``by_value`` hosts per register value."""
    firsts = []
    for field_value, values in below:
        for value in values:
            if value not in first_hosts:
                first_hosts[value] = _first_hosts(by_value[value])
        firsts.append((field_value, [first_hosts[value] for value in values]))
    count = sum(count for field_value, parts in firsts for names, count in parts)
    # The first names of the union are among the first names of each part.
    if len(firsts) == 1:
        # One value below the best, as for every one-bit field: the names alone are sorted.
        field_value, parts = firsts[0]
        names = sorted(itertools.chain.from_iterable(names for names, count in parts))
        return dict.fromkeys(names[:EXPLAINED_HOSTS], field_value), count
    pairs = sorted(itertools.chain.from_iterable(zip(names, itertools.repeat(field_value))
                                                 for field_value, parts in firsts for names, count in parts))
    return dict(pairs[:EXPLAINED_HOSTS]), count


def _hosts_lacking(fleet, f):
    """The names of the hosts without the one-bit feature ``f``, sorted."""
    return sorted(host for value, host_groups in fleet.hosts_by_value(f.key).items() if value & f.mask != f.mask
                  for host_group in host_groups for host in host_group.hosts)


def _check_required_features(layout, adjustments, fleet, regs, disabled):
    for name, adjustment in sorted(adjustments.items()):
        if not adjustment.required:
            continue
        f = layout.by_name[name]
        lacking = _hosts_lacking(fleet, f)
        if lacking:
            raise VmcpuError('feature +%s is requested but these hosts lack it: %s.' % (name, ', '.join(lacking)))
        if not regs.read(f):
            raise VmcpuError('feature +%s cannot be kept: %s.' % (name, disabled.get(name, 'it is disabled')))


def _check_min_level(name, layout, fleet, features_on, disabled, min_level):
    """Refuse a profile below ``min_level``, naming each feature it lacks and why: the hosts that
    lack it, or the policy, toggle or dependency that turned it off."""
    level = x86_64_level(set(features_on).__contains__)
    if level_rank(level) >= level_rank(min_level):
        return
    missing = {}
    for feature in level_features(min_level):
        if feature in features_on:
            continue
        lacking = _hosts_lacking(fleet, layout.by_name[feature])
        if lacking:
            reason = 'hosts without them: %s' % ', '.join(lacking[:EXPLAINED_HOSTS]) + (
                ' and %d more' % (len(lacking) - EXPLAINED_HOSTS) if len(lacking) > EXPLAINED_HOSTS else '')
        else:
            reason = disabled.get(feature, 'off')
        missing.setdefault(reason, []).append(feature)
    raise VmcpuError('profile %s is %s, below min_level %s; it lacks %s.' % (
        name, level or 'below the x86-64 baseline', min_level,
        '; '.join('%s (%s)' % (', '.join(features), reason) for reason, features in missing.items())))


def _hex_entries(regs, source, keys_seen):
    """Registers the profile must state: non-zero ones, and those with host-supplied (passthrough)
    bits that some host reports. Every register not listed is zero for the guest."""
    width = 16 if source == 'msr' else 8
    entries = []
    for key in sorted(k for k in regs.value if k[0] == source and (
            regs.value[k] or (regs.mask[k] != regs.full[k] and k in keys_seen))):
        leaf, subleaf, register = key[1:]
        entry = ({'index': '0x%08x' % leaf} if source == 'msr'
                 else {'leaf': '0x%08x' % leaf, 'subleaf': '0x%x' % subleaf, 'register': register})
        entry['value'] = '0x%0*x' % (width, regs.value[key])
        entry['mask'] = '0x%0*x' % (width, regs.mask[key])
        entries.append(entry)
    return entries


def _decoded(plan, regs):
    """The decoded view: kept feature flags, and the values of the multi-bit fields the profile
    inherits from its hosts (static ones are the table's defaults and say nothing about the hosts)."""
    return ([name for name, f in plan.features if regs.read(f)],
            {name: regs.read(f) for name, f in plan.fields})


def _portable_source(source):
    """``live``, or the dump format and file name: the folder differs between machines, and the
    fingerprint digest already pins the dump's content."""
    kind, separator, path = source.partition(':')
    return '%s:%s' % (kind, path.rpartition('/')[2]) if separator else source  # os.path.basename on POSIX, without its cost per host


def profile_digest(profile):
    """sha256 of the canonical JSON of the profile without its digest and generation time."""
    content = dict(profile)
    content.pop('digest', None)
    content['provenance'] = {k: v for k, v in content['provenance'].items() if k != 'generated_at'}
    canonical = json.dumps(content, sort_keys=True, separators=(',', ':'))
    return 'sha256:' + hashlib.sha256(canonical.encode('utf-8')).hexdigest()


@cyclic_gc_paused()
def build_profile(hosts, name, features=(), target_host=None, hypervisor='kvm', generated_at=None, policies=None,
                  min_level=None, entries=None):
    """The profile of ``hosts``, ``(host name, facts)`` pairs (read once, in order); raises VmcpuError
    on bad input. ``entries``: the ``facts.entry_table.EntryTable`` a validator reads each host's
    facts with just before the host is taken in (``plugin_utils.facts_reader``), so that each list
    of entries is read once.

    ``features`` are toggles (``-avx512f``, ``+rtm``) and ``policies`` policy overrides per field
    (``{'invtsc': 'inherit'}``), see ``profile.policy``; a profile below the x86-64 level
    ``min_level`` (``fields.levels``) is refused."""
    if min_level is not None:
        check_level(min_level)
    fleet, cluster, target, identity = prepared_pool(hosts, target_host, entries)
    layout = field_index(fleet.vendor)
    adjustments = parse_adjustments(layout, features, policies)
    plan = _plan(layout, adjustments)
    regs, disabled = _profile_registers(layout, plan, cluster, identity)
    _check_required_features(layout, adjustments, fleet, regs, disabled)
    features_on, fields = _decoded(plan, regs)
    if min_level is not None:
        _check_min_level(name, layout, fleet, features_on, disabled, min_level)
    views = fleet.views()
    keys_seen = fleet.keys_seen
    profile = {
        'schema_version': PROFILE_SCHEMA_VERSION,
        'name': name,
        'vendor': fleet.cpu_vendor,
        'hypervisor': hypervisor,
        'guest_view': next(iter(views)) if len(views) == 1 else 'mixed',
        'target_host': target,
        'cpuid': _hex_entries(regs, 'cpuid', keys_seen),
        'msrs': _hex_entries(regs, 'msr', keys_seen),
        'required_msrs': ['0x%08x' % index for index in sorted(fleet.msr_index or ())],
        'msr_index_known': fleet.msr_index is not None,
        'features': features_on,
        'x86_64_level': x86_64_level(set(features_on).__contains__),
        'fields': fields,
        'disabled': dict(sorted(disabled.items())),
        'explanation': dict(sorted(_explain(layout, fleet, cluster, regs).items())),
        'provenance': {
            'hosts': [{'name': host, 'fingerprint_digest': digest, 'fingerprint': fingerprint, 'view': view,
                       'source': _portable_source(source)}
                      for host, digest, view, source, fingerprint in sorted(fleet.provenance, key=lambda e: e[0])],
            'features': list(features or ()),
            'policies': {layout.resolve(str(field)): str(policy) for field, policy in sorted((policies or {}).items())},
            'collection_version': COLLECTION_VERSION,
            'generated_at': generated_at or datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'),
        },
    }
    profile['digest'] = profile_digest(profile)
    return profile

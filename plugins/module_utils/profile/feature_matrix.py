# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hosts x features matrix of a profile: for every field the hosts differ on (the fields the
report's lowered, raised and fixed sections list), the value each kind of CPU of the pool has.

A column is a kind of CPU: the hosts of one model (brand string, family, model, stepping) that have
the same values in every row. Hosts of one model that differ elsewhere only (microcode revisions
that change no contract field) share a column, so a fleet of thousands of hosts gives a table of a
few columns. Values are each host's baseline (what it offers a guest, before the profile's policies
and toggles), so a column shows why the profile is what it is.
"""

import re

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.index import field_index
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.fleet import Fleet, check_unique_hosts
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.report import DIFFERING_SECTIONS, differing_fields

# Columns shown; a pool with more kinds of CPU shows the ones with the most hosts and says how many
# it leaves out (plan_pools splits such a pool into pools of a readable size).
MAX_COLUMNS = 60
_RANGED_NAME = re.compile(r'^(.+)\[(\d+)\]$')


def _model(facts):
    """The model a host's facts name: the brand string with family/model/stepping, or those alone."""
    signature = 'family %s, model %s, stepping %s' % (facts.get('family'), facts.get('model'), facts.get('stepping'))
    return '%s (%s)' % (facts['brand'], signature) if facts.get('brand') else signature


def _field_at(layout, name):
    """``(field, sub-leaf)`` of an explanation key (``name`` or ``name[subleaf]``)."""
    ranged = _RANGED_NAME.match(name)
    f = layout.by_name.get(ranged.group(1) if ranged else name)
    if f is None:
        raise VmcpuError('the profile explains field %s, which this version of vmcpu.profiles does not know; '
                         'make the profile again with it.' % name)
    return f, int(ranged.group(2)) if ranged else f.subleaves[0]


def _check_hosts_are_the_profiles(profile, hosts):
    recorded = {host['name']: host['fingerprint_digest'] for host in profile['provenance']['hosts']}
    given = dict(hosts)
    missing, extra = sorted(set(recorded) - set(given)), sorted(map(str, set(given) - set(recorded)))
    problems = (['missing %s' % ', '.join(missing)] if missing else []) + (
        ['%s not in the profile' % ', '.join(extra)] if extra else [])
    if problems:
        raise VmcpuError('the hosts given are not those of profile %s: %s; give the facts of exactly its hosts.'
                         % (profile['name'], '; '.join(problems)))
    for host, facts in hosts:
        digest = (facts.get('fingerprint') or {}).get('digest') if isinstance(facts, dict) else None
        if digest != recorded[host]:
            raise VmcpuError('host %s: its facts are not those profile %s was made from (fingerprint %s, the profile '
                             'recorded %s); make the profile again from these facts.'
                             % (host, profile['name'], digest, recorded[host]))


def feature_matrix(profile, hosts):
    """``{'name', 'digest', 'columns': [{'model', 'hosts'}], 'rows': [{'name', 'location', 'section',
    'flag', 'profile', 'best', 'values'}], 'left_out': {'columns', 'hosts'}}`` of ``profile`` and the
    ``[(host, facts)]`` it was made from: a row per field the hosts differ on, ``values`` one per
    column. Columns are grouped by model, models with the most best values first."""
    check_unique_hosts(hosts)
    _check_hosts_are_the_profiles(profile, hosts)
    fleet = Fleet()
    model_of = {}
    for host, facts in hosts:
        fleet.add(host, facts)
        model_of[host] = _model(facts)
    layout = field_index(fleet.vendor)
    explanation = profile['explanation']
    rows = []
    # Within a section, the fields few hosts hold back first: those are where a host leaving pays.
    for (section, _title), names in zip(DIFFERING_SECTIONS, differing_fields(profile)):
        for name in sorted(names, key=lambda name: (explanation[name]['limited_by_count'], name)):
            f, subleaf = _field_at(layout, name)
            rows.append((name, f, (f.source, f.leaf, subleaf, f.register), section))
    by_values = {}
    for distinct in fleet.distinct.values():
        registers = fleet.registers_of(distinct)
        values = tuple(f.extract(registers.get(key, 0)) for _name, f, key, _section in rows)
        for host in distinct.hosts:
            by_values.setdefault((model_of[host], values), []).append(host)
    best = tuple(explanation[name]['best'] for name, _f, _key, _section in rows)
    # (model, values, hosts, how many values are the best) per column; the largest are shown.
    columns = sorted(((model, values, sorted(column_hosts), sum(map(int.__eq__, values, best)))
                      for (model, values), column_hosts in by_values.items()), key=lambda column: (-len(column[2]), column[2][0]))
    shown, left_out = columns[:MAX_COLUMNS], columns[MAX_COLUMNS:]
    # Grouped by model, the models with the strongest column first, and so within a model.
    strongest = {}
    for model, _values, _hosts, strength in shown:
        strongest[model] = max(strongest.get(model, 0), strength)
    shown.sort(key=lambda column: (-strongest[column[0]], column[0], -column[3], column[2][0]))
    return {
        'name': profile['name'],
        'digest': profile['digest'],
        'columns': [{'model': model, 'hosts': column_hosts} for model, _values, column_hosts, _strength in shown],
        'rows': [{'name': name, 'location': explanation[name]['location'], 'section': section, 'flag': f.width == 1,
                  'profile': explanation[name]['profile'], 'best': explanation[name]['best'],
                  'values': [values[position] for _model, values, _hosts, _strength in shown]}
                 for position, (name, f, _key, section) in enumerate(rows)],
        'left_out': {'columns': len(left_out), 'hosts': sum(len(column[2]) for column in left_out)},
    }

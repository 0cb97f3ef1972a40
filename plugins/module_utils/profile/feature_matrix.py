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

# Columns shown; a pool with more kinds of CPU shows, per row, the largest CPU below its best, then
# the largest others, and says how many it leaves out (plan_pools splits such a pool).
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


def _chosen_columns(columns, best):
    """``(shown, left out)``: at most ``MAX_COLUMNS``, first the largest column below the best of each
    row (the CPU that holds the row back must be in view), then the largest others."""
    needed = []
    for position, best_value in enumerate(best):
        below = next((column for column in columns if column[1][position] != best_value), None)
        if below is not None and below not in needed:
            needed.append(below)
    chosen = needed[:MAX_COLUMNS]
    chosen += [column for column in columns if column not in needed][:MAX_COLUMNS - len(chosen)]
    return chosen, [column for column in columns if column not in chosen]


def _check_against_explanation(profile, rows, columns):
    """Refuse facts whose values contradict the explanation of the profile (a host's CPUID changed
    while its fingerprint did not, as with a kernel's clearcpuid=): per row, the hosts below the
    best and their values must be those the explanation names, and as many."""
    explanation = profile['explanation']
    for position, (name, _f, _key, _section) in enumerate(rows):
        entry = explanation[name]
        below = {host: values[position] for _model, values, column_hosts, _strength in columns
                 if values[position] != entry['best'] for host in column_hosts}
        named = entry['limited_by']
        wrong = [host for host in sorted(named) if below.get(host, entry['best']) != named[host]]
        if not wrong and len(below) != entry['limited_by_count'] and len(named) == entry['limited_by_count']:
            wrong = sorted(set(below) - set(named))[:1]
        if wrong:
            raise VmcpuError('host %s: its facts are not those profile %s was made from (field %s: the facts give %s, '
                             'the profile recorded %s); make the profile again from these facts.' % (
                                 wrong[0], profile['name'], name, below.get(wrong[0], entry['best']),
                                 named.get(wrong[0], entry['best'])))
        if len(below) != entry['limited_by_count']:
            raise VmcpuError('the facts given are not those profile %s was made from (field %s: %d hosts below the best, '
                             'the profile recorded %d); make the profile again from these facts.'
                             % (profile['name'], name, len(below), entry['limited_by_count']))


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
    # (model, values, hosts, how many values are the best) per column, largest first.
    columns = sorted(((model, values, sorted(column_hosts), sum(map(int.__eq__, values, best)))
                      for (model, values), column_hosts in by_values.items()), key=lambda column: (-len(column[2]), column[2][0]))
    _check_against_explanation(profile, rows, columns)
    shown, left_out = _chosen_columns(columns, best)
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


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def check_matrix(matrix, profile):
    """Refuse a ``matrix`` that is not ``feature_matrix``'s answer for ``profile``, saying what is wrong."""
    if not isinstance(matrix, dict) or matrix.get('digest') != profile['digest']:
        raise VmcpuError('the matrix given is not the feature_matrix of profile %s (digest %s): ask '
                         'vmcpu.profiles.feature_matrix with this profile and its hosts.' % (profile['name'], profile['digest']))
    columns, rows, left_out = matrix.get('columns'), matrix.get('rows'), matrix.get('left_out')
    sections = [key for key, _title in DIFFERING_SECTIONS]
    problems = []
    if not isinstance(columns, list) or not all(
            isinstance(column, dict) and isinstance(column.get('model'), str) and isinstance(column.get('hosts'), list)
            and column['hosts'] and all(isinstance(host, str) for host in column['hosts']) for column in columns):
        problems.append('columns must be a list of {model: text, hosts: [host names]}')
    if not isinstance(rows, list):
        problems.append('rows must be a list')
    else:
        for number, row in enumerate(rows):
            if not (isinstance(row, dict) and isinstance(row.get('name'), str) and isinstance(row.get('location'), str)
                    and row.get('section') in sections and isinstance(row.get('flag'), bool)
                    and _is_int(row.get('profile')) and _is_int(row.get('best')) and isinstance(row.get('values'), list)
                    and all(map(_is_int, row['values']))):
                problems.append('row %d must be {name, location, section (one of %s), flag, profile, best, values: '
                                '[numbers]}' % (number, ', '.join(sections)))
            elif isinstance(columns, list) and len(row['values']) != len(columns):
                problems.append('row %s has %d values for %d columns' % (row['name'], len(row['values']), len(columns)))
    if not (isinstance(left_out, dict) and _is_int(left_out.get('columns')) and _is_int(left_out.get('hosts'))):
        problems.append('left_out must be {columns: number, hosts: number}')
    if problems:
        raise VmcpuError('the matrix given is malformed: %s; pass what vmcpu.profiles.feature_matrix returns, unchanged.'
                         % '; '.join(problems[:3]))

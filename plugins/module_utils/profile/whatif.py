# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who holds the pool back, and what a new host would cost: the profile of the pool without some
of its hosts, or with a candidate host, worked out from one merge of the pool.

The merge of a register depends only on the set of distinct values the hosts have there (AND, OR,
min and "equal" are idempotent). So a group of identical hosts leaving changes a register only
where it is the one group with its value, and only those registers are merged again; a candidate
joining is one more meet with the pool's merge. Either way the policies, toggles, dependencies
and XSAVE sizes are then applied as for the profile itself (``profile.build.outcome_of``), so
the answer is the profile that ``build_profile`` would make, without making it from the facts again.
"""

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.index import field_index
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.levels import x86_64_level
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import Kind
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import check_requested_features, outcome_of, prepared_pool
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.fleet import check_unique_hosts
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.host_view import host_view
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.merge import host_baseline, merge_values, register_rules


def _difference(index, before, after):
    """``{'features': [...], 'fields': {name: {'from': a, 'to': b}}}``: the features ``after`` keeps
    and ``before`` does not (each a (kept features, inherited fields) pair), and the inherited
    fields whose value differs, but for the target host's identity, which a what-if leaves as it is."""
    features_before, fields_before = before
    features_after, fields_after = after
    changed = {name: {'from': fields_before.get(name, 0), 'to': value} for name, value in sorted(fields_after.items())
               if value != fields_before.get(name, 0) and index.by_name[name].kind != Kind.IDENTITY}
    return {'features': sorted(set(features_after) - set(features_before)), 'fields': changed}


def _outcome_summary(index, before, after):
    """What the profile ``after`` gains and loses against ``before``: features, changed fields, level."""
    gained, lost = _difference(index, before, after), _difference(index, before=after, after=before)
    return {'gains': gained['features'], 'loses': lost['features'],
            'fields': gained['fields'], 'x86_64_level': x86_64_level(set(after[0]).__contains__)}


def _leave_changes(fleet, cluster):
    """``{DistinctHost: {register key: merged value without it}}`` for the distinct hosts whose
    leaving changes some register of the merge."""
    changes = {}
    vendor = fleet.vendor
    for key, by_value in fleet.disagreements():
        for value, holders in by_value.items():
            if len(holders) != 1:
                continue    # another distinct host keeps the value in the merge
            rest = [other for other in by_value if other != value]
            merged = merge_values(vendor, {key: rest}).get(key, 0)
            if merged != cluster.get(key, 0):
                changes.setdefault(holders[0], {})[key] = merged
    return changes


def _check_joins(fleet, cluster, name, baseline):
    """Refuse a candidate whose ``equal`` field differs from the pool's, naming pool hosts with it."""
    rules = register_rules(fleet.vendor)
    for key in sorted(baseline.registers.keys() & cluster.keys()):
        for mask, field_name in rules[key].equal_fields:
            mine, pool = baseline.registers[key] & mask, cluster[key] & mask
            if mine and pool and mine != pool:
                shift = (mask & -mask).bit_length() - 1
                holders = sorted(host for value, groups in fleet.hosts_by_value(key).items() if value & mask == pool
                                 for group in groups for host in group.hosts)
                raise VmcpuError('candidate %s cannot join: its %s is %#x, the pool has %#x (hosts %s); these hosts '
                                 'cannot share a profile.' % (name, field_name, mine >> shift, pool >> shift,
                                                              ', '.join(holders[:10])))


def what_if(hosts, name, leave=None, join=(), features=(), policies=None, target_host=None):
    """What the profile ``name`` of ``hosts`` (``[(host, facts)]``) gains without some of them and
    loses with each candidate of ``join`` (``[(host, facts)]``, each on its own).

    ``leave``: host names of the pool, or None for every group of identical hosts, ranked by what
    their leaving gains; an empty list asks about none (the result's ``leave`` is then None). A host
    with identical twins gains nothing alone: its entry names the group, whose leaving together is
    what is reported, and says so."""
    check_unique_hosts(hosts)
    fleet, cluster, _target, identity = prepared_pool(hosts, target_host)
    check_requested_features(fleet, cluster, identity, features, policies)
    index = field_index(fleet.vendor)
    outcome_at = outcome_of(fleet.vendor, features, policies)
    base = outcome_at(cluster, identity)
    result = {'name': name, 'vendor': fleet.cpu_vendor, 'hosts': len(fleet.provenance),
              'x86_64_level': x86_64_level(set(base[0]).__contains__), 'features': len(base[0])}

    changes = _leave_changes(fleet, cluster)
    group_of = {host: group for group in fleet.distinct.values() for host in group.hosts}
    if leave is None:
        groups = list(fleet.distinct.values())
    else:
        unknown = sorted(set(leave) - set(group_of))
        if unknown:
            raise VmcpuError('cannot leave host(s) %s: not in the pool (%s).' % (
                ', '.join(unknown), ', '.join(sorted(group_of)[:20]) + (' ...' if len(group_of) > 20 else '')))
        groups = list({id(group_of[host]): group_of[host] for host in leave}.values())
    entries = []
    # With one distinct group every host is like every other: nobody holds the pool back.
    for group in groups if len(fleet.distinct) > 1 else ():
        outcome = outcome_at({**cluster, **changes.get(group, {})}, identity)
        entry = {'hosts': group.hosts}
        entry.update(_outcome_summary(index, base, outcome))
        entries.append(entry)
    entries.sort(key=lambda e: (-len(e['gains']), -len(e['fields']), e['hosts'][0]))
    result['leave'] = entries if leave is None or leave else None    # None: not asked (leave=[])

    result['join'] = []
    for candidate, facts in join:
        if facts.get('vendor') != fleet.cpu_vendor:
            raise VmcpuError('candidate %s has CPU vendor %r, the pool %r: a host of another vendor cannot join.'
                             % (candidate, facts.get('vendor'), fleet.cpu_vendor))
        if candidate in group_of:
            raise VmcpuError('candidate %s is already in the pool.' % candidate)
        baseline = host_baseline(host_view(candidate, facts))
        _check_joins(fleet, cluster, candidate, baseline)
        values = {key: [cluster.get(key, 0), baseline.registers.get(key, 0)]
                  for key in cluster.keys() | baseline.registers.keys()}
        joined = merge_values(fleet.vendor, values)
        entry = {'host': candidate}
        entry.update(_outcome_summary(index, base, outcome_at(joined, identity)))
        result['join'].append(entry)
    return result


def _changes_text(entry, base_level, features_word):
    """'the profile would gain 3 features (...); fields that change: ...; level a -> b', or nothing."""
    features = entry[features_word]
    parts = ['the profile would %s %d features (%s)' % (features_word[:-1], len(features),
                                                        ', '.join('`%s`' % name for name in features))] if features else []
    if entry['fields']:
        parts.append('fields that change: %s' % ', '.join('`%s` %s -> %s' % (name, change['from'], change['to'])
                                                          for name, change in entry['fields'].items()))
    if entry['x86_64_level'] != base_level:
        parts.append('level %s -> %s' % (base_level or 'below x86-64', entry['x86_64_level'] or 'below x86-64'))
    return '; '.join(parts) or 'nothing changes'


def whatif_report(result):
    """Markdown text of a ``what_if`` result."""
    level = result['x86_64_level']
    lines = ['# What if: pool `%s`' % result['name'], '',
             '%s, %d hosts, %s, %d features kept.' % (result['vendor'], result['hosts'], level or 'below x86-64',
                                                      result['features']), '']
    if result['leave'] is not None:
        lines += ['## Hosts that hold the pool back', '']
    if result['leave'] == []:
        lines.append('none: every host of the pool has the same CPU.')
    for entry in result['leave'] or ():
        shown = ', '.join('`%s`' % host for host in entry['hosts'][:10]) + (' ...' if len(entry['hosts']) > 10 else '')
        who = ('`%s`' % entry['hosts'][0] if len(entry['hosts']) == 1 else
               '%d identical hosts (%s), all of them' % (len(entry['hosts']), shown))
        lines.append('- if %s left: %s' % (who, _changes_text(entry, level, 'gains')))
    if result['join']:
        lines += ['', '## Candidates', '']
        for entry in result['join']:
            lines.append('- if `%s` joined: %s' % (entry['host'], _changes_text(entry, level, 'loses')))
    return '\n'.join(lines) + '\n'

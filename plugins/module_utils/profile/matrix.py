# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host x host migration matrix, before any profile is chosen: can a VM started on A, with A's
own CPU (the profile of A alone), move to B? That is the migration gate's own question,
``check_host(profile of A, facts of B)``, asked for every pair of distinct CPUs (identical hosts
answer alike). With D distinct CPUs it costs D one-host profiles and D x D host checks, so it is
refused above ``MAX_DISTINCT`` distinct CPUs, where a table is no longer read anyway (plan pools).
"""

from ansible_collections.vmcpu.profiles.plugins.module_utils.check.host_check import check_host
from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import build_profile
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.fleet import check_unique_hosts, fleets_by_vendor

MAX_DISTINCT = 60


def _distinct_hosts(hosts):
    """``[[host names]]`` of each distinct CPU of ``hosts``, per vendor, sorted."""
    return sorted(sorted(group.hosts) for fleet in fleets_by_vendor(hosts) for group in fleet.distinct.values())


def migration_matrix(hosts, name):
    """``{'name', 'cpus': [{'name': first host, 'hosts': [...]}], 'moves': {A: {B: [reasons]}}}`` where
    ``moves[A][B]`` is empty when a VM started on CPU ``A`` can move to ``B`` (``A`` and ``B`` are the
    first hosts of their distinct CPUs), else the failures of the check, one line each."""
    if not hosts:
        raise VmcpuError('no hosts given: a matrix needs the facts of at least one host.')
    check_unique_hosts(hosts)
    groups = _distinct_hosts(hosts)
    if len(groups) > MAX_DISTINCT:
        raise VmcpuError('the fleet has %d distinct CPUs, more than the %d a matrix shows; split it first '
                         '(playbooks/plan_pools.yml) and ask per pool.' % (len(groups), MAX_DISTINCT))
    facts = dict(hosts)
    firsts = [group[0] for group in groups]
    profiles = {host: build_profile([(host, facts[host])], 'own') for host in firsts}
    moves = {}
    for source in firsts:
        moves[source] = {}
        for dest in firsts:
            result = check_host(profiles[source], facts[dest], dest, verify=False)
            moves[source][dest] = [failure['message'] for failure in result['failures']] + [
                'MSR %s missing' % index for index in result['missing_msrs']]
    return {'name': name, 'hosts': len(hosts), 'cpus': [{'name': group[0], 'hosts': group} for group in groups],
            'moves': moves}


def matrix_report(result):
    """Markdown text of a ``migration_matrix`` result: the table, then why each "no" is a no."""
    cpus = [cpu['name'] for cpu in result['cpus']]
    lines = ['# Migration matrix of `%s`' % result['name'], '',
             '%d hosts, %d distinct CPUs. A row is the CPU a VM started on, with that CPU\'s own features; a column is '
             'where it would move.' % (result['hosts'], len(cpus)), '',
             '| from \\ to | %s |' % ' | '.join('`%s`' % cpu for cpu in cpus),
             '| --- |' + ' --- |' * len(cpus)]
    for source in cpus:
        lines.append('| `%s` | %s |' % (source, ' | '.join(
            '-' if dest == source else ('yes' if not result['moves'][source][dest] else 'no')
            for dest in cpus)))
    lines += ['', '## Why not', '']
    for source in cpus:
        for dest in cpus:
            reasons = result['moves'][source][dest]
            if reasons:
                lines.append('- `%s` -> `%s`: %s%s' % (source, dest, '; '.join(reasons[:5]),
                                                       ' and %d more' % (len(reasons) - 5) if len(reasons) > 5 else ''))
    lines += ['', '## Identical hosts', '']
    lines += ['- `%s`: %s' % (cpu['name'], ', '.join(cpu['hosts'])) for cpu in result['cpus'] if len(cpu['hosts']) > 1] \
        or ['none']
    return '\n'.join(lines) + '\n'

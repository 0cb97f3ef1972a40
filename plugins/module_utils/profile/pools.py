# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Split a fleet into migration pools that keep the most features.

What is optimised: the sum over hosts of the features their pool's profile keeps, i.e. every feature
weighted by how many hosts keep it. Identical hosts always share a pool (splitting them cannot keep
more), so the planner works on the distinct CPUs (groups of identical hosts), each weighted by its
host count, and a pool's features are approximated by the intersection of its CPUs' own profiles
(what each keeps alone; the merge of flags is an AND). CPUs of different vendors, or whose fields
that must be equal differ (an XSAVE layout, the VMX revision), can never share a pool.

How: greedy agglomerative merging. Every distinct CPU starts as its own pool; the two pools whose
merge loses the least (hosts x features before, minus after) are merged, until ``pools`` are left,
or until every pool has at least ``min_pool_size`` hosts (then the smallest pool merges with the
partner that loses least). With D distinct CPUs it costs D profiles of one CPU, about D^2 feature-set
intersections, and one profile build per final pool over its hosts; greedy merging is not
guaranteed optimal. benchmarks/pool_scale.py measures it.
"""

import heapq

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import build_profile, outcome_of
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.fleet import check_unique_hosts, fleets_by_vendor
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.merge import register_rules


def _bit_count(mask):
    return bin(mask).count('1')    # int.bit_count() is Python 3.10+


class _Compatibility:
    """Whether two pools may share a profile: the same vendor, and no equal field both have with
    different values. Pools carry a number for their (vendor, equal fields), and the answer is kept
    per pair of numbers: most CPUs of a fleet have one of a few, and the planner asks for every pair."""

    def __init__(self):
        self.numbers = {}
        self.answers = {}

    def number(self, vendor, equal):
        return self.numbers.setdefault((vendor, tuple(sorted(equal.items()))), len(self.numbers))

    def __call__(self, a, b):
        pair = (a.kind, b.kind)
        if pair not in self.answers:
            self.answers[pair] = a.vendor == b.vendor and all(
                b.equal.get(key, value) == value for key, value in a.equal.items())
        return self.answers[pair]


class _Pool:
    def __init__(self, number, vendor, hosts, features, equal, compatibility):
        self.number = number
        self.vendor = vendor
        self.hosts = hosts          # host names, sorted
        self.features = features    # the features it keeps, one bit each (approximation, see module doc)
        self.equal = equal          # {(register key, mask): value} of its non-zero equal fields
        self.kind = compatibility.number(vendor, equal)
        self.cost = len(hosts) * _bit_count(features)


def _merged(number, a, b, compatibility):
    return _Pool(number, a.vendor, list(heapq.merge(a.hosts, b.hosts)), a.features & b.features, {**a.equal, **b.equal},
                 compatibility)


def _loss(a, b):
    return a.cost + b.cost - (len(a.hosts) + len(b.hosts)) * _bit_count(a.features & b.features)


def _distinct_cpus(hosts, features, policies, compatibility):
    """``(one _Pool per distinct CPU of hosts, over every vendor in them, how many distinct CPUs)``; CPUs that keep the same
    features and have the same equal fields (hosts of one model with other microcode, say) start as
    one pool: merging them loses nothing, so the greedy merge would join them first anyway."""
    starts, distinct = {}, 0
    for fleet in fleets_by_vendor(hosts):
        distinct += len(fleet.distinct)
        rules = register_rules(fleet.vendor)
        outcome_at = outcome_of(fleet.vendor, features, policies)
        bits = {}
        for group in fleet.distinct.values():
            registers = fleet.registers_of(group)
            kept, _fields = outcome_at(registers, fleet.entries.registers(group.identity))
            mask = 0
            for feature in kept:
                mask |= 1 << bits.setdefault(feature, len(bits))
            equal = tuple(sorted(((key, mask), registers[key] & mask) for key in registers
                                 for mask, _name in rules[key].equal_fields if registers[key] & mask))
            starts.setdefault((fleet.cpu_vendor, mask, equal), []).extend(group.hosts)
    return [_Pool(number, vendor, sorted(cpu_hosts), mask, dict(equal), compatibility)
            for number, ((vendor, mask, equal), cpu_hosts) in enumerate(starts.items())], distinct


def plan_pools(hosts, name, pools=None, min_pool_size=None, features=(), policies=None):
    """Split ``hosts`` (``[(host, facts)]``) into migration pools (see the module doc): ``pools`` of
    them, or as many as keep every pool at ``min_pool_size`` hosts or more. Returns ``{'name',
    'objective', 'pools': [{'name', 'hosts', 'profile'}], ...}``, the pools largest first, each with
    its real profile (``build_profile`` over its hosts, named ``<name>-pool<N>``)."""
    if (pools is None) == (min_pool_size is None):
        raise VmcpuError('give either pools (how many) or min_pool_size (hosts per pool at least), not %s.'
                         % ('both' if pools is not None else 'neither'))
    for option, value in (('pools', pools), ('min_pool_size', min_pool_size)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise VmcpuError('%s must be a whole number of at least 1, got %r.' % (option, value))
    if not hosts:
        raise VmcpuError('no hosts given: a plan needs the facts of at least one host.')
    check_unique_hosts(hosts)
    if min_pool_size is not None and min_pool_size > len(hosts):
        raise VmcpuError('min_pool_size=%d, but the fleet has %d hosts: even one pool of them all is smaller.'
                         % (min_pool_size, len(hosts)))
    can_join = _Compatibility()
    cpus, distinct = _distinct_cpus(hosts, features, policies, can_join)
    if pools is not None and pools > len(cpus):
        kinds = '' if len(cpus) == distinct else ', which keep %d different sets of features and equal fields' % len(cpus)
        raise VmcpuError('pools=%d, but the fleet has %d distinct CPUs%s (%s): identical hosts always share a pool, and '
                         'so do CPUs that keep the same features, so at most %d pools.' % (
                             pools, distinct, kinds, '; '.join(', '.join(cpu.hosts[:3]) + (
                                 ' ...' if len(cpu.hosts) > 3 else '') for cpu in cpus[:10]), len(cpus)))
    live = {cpu.number: cpu for cpu in cpus}
    heap = [(_loss(a, b), a.number, b.number) for i, a in enumerate(cpus) for b in cpus[i + 1:] if can_join(a, b)]
    heapq.heapify(heap)
    numbers = len(cpus)

    def done():
        if pools is not None:
            return len(live) <= pools
        return all(len(pool.hosts) >= min_pool_size for pool in live.values())

    while not done():
        if min_pool_size is not None:
            # The smallest pool merges with the partner that loses least.
            small = min(live.values(), key=lambda pool: (len(pool.hosts), pool.number))
            partners = [(_loss(small, other), other.number) for other in live.values()
                        if other is not small and can_join(small, other)]
            if not partners:
                raise VmcpuError('pool of %s has %d hosts, fewer than min_pool_size=%d, and can share a profile with '
                                 'no other pool (another CPU vendor, or fields that must be equal differ).'
                                 % (', '.join(small.hosts[:5]), len(small.hosts), min_pool_size))
            pair = (small.number, min(partners)[1])
        else:
            while heap and (heap[0][1] not in live or heap[0][2] not in live):
                heapq.heappop(heap)
            if not heap:
                raise VmcpuError('pools=%d is too few: %d pools are left whose hosts cannot share a profile (another '
                                 'CPU vendor, or fields that must be equal differ): %s.' % (pools, len(live), '; '.join(
                                     '%s (%s)' % (', '.join(p.hosts[:3]) + (' ...' if len(p.hosts) > 3 else ''), p.vendor)
                                     for p in sorted(live.values(), key=lambda p: p.hosts[0]))))
            pair = heapq.heappop(heap)[1:]
        merged = _merged(numbers, live.pop(pair[0]), live.pop(pair[1]), can_join)
        numbers += 1
        for other in live.values():
            if can_join(merged, other):
                heapq.heappush(heap, (_loss(merged, other), other.number, merged.number))
        live[merged.number] = merged
    facts_of = dict(hosts)
    planned = sorted(live.values(), key=lambda pool: (-len(pool.hosts), pool.hosts[0]))
    result = {'name': name, 'hosts': len(hosts), 'distinct_cpus': distinct, 'pools': []}
    for number, pool in enumerate(planned, 1):
        profile = build_profile([(host, facts_of[host]) for host in sorted(pool.hosts)], '%s-pool%d' % (name, number),
                                features=features, policies=policies)
        result['pools'].append({'name': profile['name'], 'hosts': sorted(pool.hosts), 'profile': profile})
    result['objective'] = {
        'host_features': sum(len(p['hosts']) * len(p['profile']['features']) for p in result['pools']),
        'per_host': round(sum(len(p['hosts']) * len(p['profile']['features']) for p in result['pools']) / len(hosts), 1)}
    return result


def plan_report(result):
    """Markdown text of a ``plan_pools`` result; a pool's ``models`` (``{'qemu': name, 'libvirt': name}``,
    the best named models, when the caller looked them up) are shown too."""
    lines = ['# Migration pools for `%s`' % result['name'], '',
             '%d hosts, %d distinct CPUs, %d pools; %s features kept per host on average (%d host x feature pairs).' % (
                 result['hosts'], result['distinct_cpus'], len(result['pools']), result['objective']['per_host'],
                 result['objective']['host_features']), '',
             '| pool | hosts | x86-64 level | features kept | best QEMU model | best libvirt model | members |',
             '| --- | --- | --- | --- | --- | --- | --- |']
    for pool in result['pools']:
        profile, models = pool['profile'], pool.get('models', {})
        members = ', '.join(pool['hosts'][:10]) + (' and %d more' % (len(pool['hosts']) - 10) if len(pool['hosts']) > 10 else '')
        lines.append('| `%s` | %d | %s | %d | %s | %s | %s |' % (
            pool['name'], len(pool['hosts']), profile['x86_64_level'] or 'below x86-64', len(profile['features']),
            models.get('qemu') or '-', models.get('libvirt') or '-', members))
    return '\n'.join(lines) + '\n'

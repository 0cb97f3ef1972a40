# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wall time of the pool planner (profile.pools) over N synthetic hosts.

The hosts are those of benchmarks/profile_scale.py (copies of real dumps, each with --bits random
feature bits cleared; --bits 0 gives a fleet of a few CPU models, the usual case). For each N and
number of pools K: the distinct CPUs D, the planner's wall time (D one-CPU profiles, the greedy
merging, one profile build per pool) and the features kept per host on average, next to the
profile of the whole fleet as one pool.

    .venv/bin/python benchmarks/pool_scale.py [--hosts 1000,10000] [--bits 0,2] [--pools 2,4] [--candidates 12]
"""

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import profile_scale  # noqa: E402  (sets up the import path of the collection)

from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import build_profile  # noqa: E402
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.pools import plan_pools  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--hosts', default='1000,10000', help='comma-separated host counts N')
    parser.add_argument('--bits', default='0,2', help='comma-separated feature bits cleared per host')
    parser.add_argument('--pools', default='2,4', help='comma-separated pool counts K')
    parser.add_argument('--candidates', type=int, default=12,
                        help='candidate bits per CPU model the cleared bits are drawn from (0: any feature bit, which '
                             'makes nearly every host a distinct CPU)')
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--testdata', default=profile_scale.TESTDATA)
    args = parser.parse_args()
    bases = profile_scale.load_bases(profile_scale.DEFAULT_DUMPS, args.testdata)
    header = ('hosts', 'bits', 'CPUs', 'pools', 'plan s', 'features/host', 'one pool: f/host')
    print('%-7s %5s %7s %6s %10s %16s %18s' % header)
    for bits in (int(b) for b in args.bits.split(',')):
        for count in (int(n) for n in args.hosts.split(',')):
            hosts = profile_scale.synthesize(bases, count, bits, args.seed, pool=args.candidates)
            one_pool = len(build_profile(hosts, 'bench')['features'])
            for pools in (int(k) for k in args.pools.split(',')):
                start = time.perf_counter()
                plan = plan_pools(hosts, 'bench', pools=pools)
                elapsed = time.perf_counter() - start
                print('%-7d %5d %7d %6d %10.2f %16.1f %18d' % (count, bits, plan['distinct_cpus'], pools, elapsed,
                                                               plan['objective']['per_host'], one_pool))


if __name__ == '__main__':
    main()

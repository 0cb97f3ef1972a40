# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wall time of the what-if answers (profile.whatif) over N synthetic hosts, next to the profile itself.

The hosts are those of benchmarks/profile_scale.py (copies of real dumps, each with --bits random
feature bits cleared; --bits 0 gives a fleet of a few CPU models, the usual case). For each N:

  profile     build_profile of the N hosts (the floor: one merge of the pool);
  what_if     the answer for every group of identical hosts leaving, plus --join candidates
              joining (each a further copy of a dump), ranked: one merge, then the registers a
              group is alone in merged again and the policies applied once per group;
  per group   what_if's time over the groups and candidates it answered for;
  rebuild     what asking build_profile once per group would cost: groups x the profile's time
              (estimated from the profile's time, not run).

    .venv/bin/python benchmarks/whatif_scale.py [--hosts 1000,10000] [--bits 0,2] [--join 3]
"""

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import profile_scale  # noqa: E402  (sets up the import path of the collection)

from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import build_profile  # noqa: E402
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.whatif import what_if  # noqa: E402


def best_of(repeat, call):
    runs = []
    for _attempt in range(repeat):
        start = time.perf_counter()
        result = call()
        runs.append(time.perf_counter() - start)
    return min(runs), result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--hosts', default='1000,10000', help='comma-separated host counts N')
    parser.add_argument('--bits', default='0,2', help='comma-separated feature bits cleared per host')
    parser.add_argument('--join', type=int, default=3, help='candidate hosts asked about')
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--testdata', default=profile_scale.TESTDATA)
    args = parser.parse_args()
    bases = profile_scale.load_bases(profile_scale.DEFAULT_DUMPS, args.testdata)
    print('%-7s %5s %7s %11s %11s %13s %15s' % ('hosts', 'bits', 'groups', 'profile s', 'what_if s',
                                                'per group ms', 'rebuild est. s'))
    for bits in (int(b) for b in args.bits.split(',')):
        for count in (int(n) for n in args.hosts.split(',')):
            hosts = profile_scale.synthesize(bases, count + args.join, bits, args.seed, pool=12)
            pool, join = hosts[:count], hosts[count:]
            build_time, profile = best_of(args.repeat, lambda: build_profile(pool, 'bench'))
            whatif_time, answer = best_of(args.repeat, lambda: what_if(pool, 'bench', join=join))
            groups = len(answer['leave'])
            print('%-7d %5d %7d %11.3f %11.3f %13.2f %15.1f' % (
                count, bits, groups, build_time, whatif_time,
                1000 * whatif_time / max(groups + len(join), 1), groups * build_time))
            del profile


if __name__ == '__main__':
    main()

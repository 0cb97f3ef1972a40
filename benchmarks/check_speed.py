# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Time of one host check (issue 4, "Benchmark"): check_host per host, compute only.

Every real dump of ../shared/testdata/cpuid the importer takes is loaded once with ``gather_facts(src=...)`` (and the
live host's facts with ``--live``); per vendor, one profile is built from all of that vendor's hosts.
Then each host is checked against its vendor's profile ``--repeat`` times; loading facts and building
profiles is not timed. Columns, in milliseconds:

  first    the first check of the vendor's first host: builds the contract index of (vendor, toggles),
           which later checks reuse from the cache
  best     fastest of the repeated checks of the host: the compute time without interference from
           other processes (as timeit reports); the target, <= 5 ms, applies to it
  median   median of the repeated checks, which a busy machine inflates (the load average is printed)
  no-vfy   median of ``check_host(..., verify=False)``: the per-host part when one verified profile
           is checked against many hosts
  verify   median of verify_profile alone (keys and sha256 digest of the canonical profile): paid
           once per profile; it grows with the profile (the explanation names the hosts)

Every check runs the whole path a module run takes after reading its inputs: verify the profile,
build the host view from the facts' hex strings, the host baseline (meet of its CPU groups), the
comparison of every contract field, MSRs, drift and summary.

    .venv/bin/python benchmarks/check_speed.py [--repeat 200] [--live]
"""

import argparse
import gc
import glob
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, '.collections'))

from ansible_collections.vmcpu.profiles.plugins.module_utils.check.contract import _INDEX_CACHE  # noqa: E402
from ansible_collections.vmcpu.profiles.plugins.module_utils.check.host_check import check_host  # noqa: E402
from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError  # noqa: E402
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.host_facts import gather_facts  # noqa: E402
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import build_profile  # noqa: E402
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.integrity import verify_profile  # noqa: E402

TESTDATA = os.path.join(os.path.dirname(ROOT), 'shared', 'testdata', 'cpuid')
TARGET_MS = 5.0


def _load_hosts(live):
    paths = sorted(path for path in glob.glob(os.path.join(TESTDATA, '**', '*'), recursive=True) if os.path.isfile(path))
    if not paths:
        sys.exit('no dumps under %s: this benchmark needs the shared test data' % TESTDATA)
    hosts = {}
    for path in paths:
        try:
            hosts[os.path.splitext(os.path.basename(path))[0].replace('x86_64-cpuid-', '')] = gather_facts(src=path)
        except VmcpuError as exc:
            print('left out (not importable): %s' % exc)
    if live:
        hosts['live'] = gather_facts()
    return hosts


def _timed(function, *args, **kwargs):
    start = time.perf_counter()
    function(*args, **kwargs)
    return (time.perf_counter() - start) * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--repeat', type=int, default=200, help='checks per host (default 200)')
    parser.add_argument('--live', action='store_true', help="also check this machine's live facts")
    args = parser.parse_args()

    hosts = _load_hosts(args.live)
    by_vendor = {}
    for name, facts in sorted(hosts.items()):
        by_vendor.setdefault(facts['vendor'], []).append(name)
    profiles = {vendor: build_profile([(name, hosts[name]) for name in names], 'bench-%s' % vendor)
                for vendor, names in sorted(by_vendor.items())}

    print('%-32s %-13s %6s %7s %7s %7s %7s %7s  %s' % ('host', 'vendor', 'groups', 'first', 'best', 'median',
                                                       'no-vfy', 'verify', 'result'))
    bests, medians = [], []
    _INDEX_CACHE.clear()
    for vendor, names in sorted(by_vendor.items()):
        profile = profiles[vendor]
        for position, name in enumerate(names):
            facts = hosts[name]
            first = _timed(check_host, profile, facts, name) if position == 0 else None
            gc.collect()
            times = [_timed(check_host, profile, facts, name) for repeat in range(args.repeat)]
            unverified = statistics.median(_timed(check_host, profile, facts, name, verify=False)
                                           for repeat in range(args.repeat))
            verify = statistics.median(_timed(verify_profile, profile) for repeat in range(args.repeat))
            result = check_host(profile, facts, name)
            median = statistics.median(times)
            medians.append((median, name))
            bests.append((min(times), name))
            print('%-32s %-13s %6d %7s %7.2f %7.2f %7.2f %7.2f  %s' % (
                name, vendor, len(facts['raw_cpuid']['groups']), '%.2f' % first if first is not None else '-',
                min(times), median, unverified, verify,
                'compatible' if result['compatible'] else 'NOT compatible (%d failures)' % len(result['failures'])))
    worst, worst_host = max(bests)
    print('\n%d hosts, %d checks each; max best %.2f ms (%s), max median %.2f ms (%s); load average %s; '
          'target <= %.0f ms: %s' % (len(bests), args.repeat, worst, worst_host, max(medians)[0], max(medians)[1],
                                     ' '.join('%.2f' % load for load in os.getloadavg()), TARGET_MS,
                                     'met' if worst <= TARGET_MS else 'MISSED'))
    return 0 if worst <= TARGET_MS else 1


if __name__ == '__main__':
    sys.exit(main())

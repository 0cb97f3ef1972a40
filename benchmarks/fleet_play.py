# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a whole play costs for N hosts (issue 16): generate_profile.yml next to a ping play.

An inventory of N hosts (group ``fleet``) is written, every host with the local connection and
``cpu_facts_src`` pointing at a CPU dump (host i: dump i mod D; the Intel Xeon dumps of
../shared/testdata, or without them dumps of QEMU's Xeon models made under TCG by
tests/guest/qemu_cpuid.py). For each N, in one run and with the same forks and interpreter:

  ping      a play of one ansible.builtin.ping task: the floor, one module round trip per host
  generate  playbooks/generate_profile.yml -l fleet (cpu_facts on every host, the facts files,
            the profile, its reports) with the jsonfile fact cache on and empty
  warm      the same with -e vmcpu_gather=false: every host's facts from the cache just filled
  warm-ni   warm again with inject_facts_as_vars off (ANSIBLE_INJECT_FACT_VARS=false, as the guide
            "Large fleets" advises): Ansible then no longer copies every host's facts into its
            top-level variables each time a host's variables are read

Figures per play: wall time of ansible-playbook, its ratio to ping, and the controller's peak
memory (the largest resident set of ansible-playbook and its forks, ru_maxrss of the children).
The three generate runs must give one profile (same digest); the script says so.

Then the compute alone, the way profile_scale.py measures it: the profile of --compute-hosts
synthetic hosts (default 100,000; profile_scale.synthesize, facts already in memory), once by
build_profile (the engine) and once by the controller entry the lookup and the filter use
(profile_entry.profile_from_facts: each host's facts validated against the facts schema and checked,
each host taken in by build_profile as soon as it is, then the profile validated), each with the best
and the median time of --repeat runs and, from one more run in a forked child, its tracemalloc peak and
ru_maxrss delta. The synthetic hosts share the dicts and strings they keep from the dump they vary;
the last two lines take the same hosts through JSON, as a fact cache gives them (every host its own
objects: about 55 KB of memory per host before any computing).

Targets: generate <= 1.3x ping at 1,000 hosts; warm <= 10 s at 1,000 hosts; the profile of 100,000
hosts <= 3 s (median) and <= 300 MB. Timed on a quiet machine: a busy one inflates every figure.

    .venv/bin/python benchmarks/fleet_play.py [--hosts 200,1000] [--forks 10] [--compute-hosts 100000] [--repeat 3]
"""

import argparse
import glob
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, '.collections'))
sys.path.insert(0, HERE)

import profile_scale  # noqa: E402  (the synthetic hosts and the forked memory measurement)
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_leaves import enumerate_cpuid  # noqa: E402
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import build_profile  # noqa: E402
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.profile_entry import profile_from_facts  # noqa: E402

QEMU_XEONS = ('Haswell-v4', 'Broadwell-v4', 'Skylake-Server-v4', 'Cascadelake-Server-v4', 'Icelake-Server-v6')
PING_PLAY = """- name: Ping every host
  hosts: all
  gather_facts: false
  tasks:
    - name: One module round trip
      ansible.builtin.ping:
"""
# Runs one command and reports its wall time and the peak resident set of its process tree.
MEASURED = """import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode
seconds = time.perf_counter() - start
with open(sys.argv[1], 'w') as out:
    json.dump({'rc': code, 'seconds': seconds, 'maxrss_kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}, out)
"""
TARGET_RATIO = 1.3
TARGET_WARM_SECONDS = 10.0
TARGET_AT = 1000
TARGET_COMPUTE_SECONDS = 3.0
TARGET_COMPUTE_MB = 300.0


def dump_files(workdir, testdata):
    """The dump files hosts are described by: real Xeon dumps, or QEMU's Xeon models made here."""
    paths = sorted({path for pattern in profile_scale.DEFAULT_DUMPS for path in glob.glob(os.path.join(testdata, pattern))})
    if paths:
        return paths, 'real dumps in %s' % testdata
    spec = importlib.util.spec_from_file_location('qemu_cpuid', os.path.join(ROOT, 'tests', 'guest', 'qemu_cpuid.py'))
    guest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(guest)
    folder = os.path.join(workdir, 'dumps')
    os.makedirs(folder)
    try:
        made = guest.model_dumps(QEMU_XEONS, folder, enumerate_cpuid)
    except guest.GuestError as exc:
        sys.exit('no dumps in %s and the QEMU model dumps cannot be made: %s' % (testdata, exc))
    return sorted(made.values()), "QEMU's models (no dumps in %s)" % testdata


def write_inventory(path, count, dumps):
    hosts = {'fleet%05d' % i: {'cpu_facts_src': dumps[i % len(dumps)]} for i in range(count)}
    inventory = {'all': {'vars': {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable},
                         'children': {'fleet': {'hosts': hosts}}}}
    with open(path, 'w') as handle:
        json.dump(inventory, handle)   # JSON is YAML, and Ansible's yaml inventory reads it quickly


def run_play(workdir, name, arguments, environment):
    """``{'seconds', 'maxrss_kb'}`` of ``ansible-playbook ARGUMENTS`` run in ``workdir``."""
    report = os.path.join(workdir, '%s.measured.json' % name)
    playbook = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
    result = subprocess.run([sys.executable, '-c', MEASURED, report, playbook] + arguments,
                            cwd=workdir, env=environment, capture_output=True, text=True, check=False)
    with open(report) as handle:
        measured = json.load(handle)
    if result.returncode or measured['rc']:
        sys.exit('%s: ansible-playbook %s failed (rc %s):\n%s' % (name, ' '.join(arguments), measured['rc'],
                                                                  result.stderr[-3000:]))
    return measured


def profile_digest(workdir, name):
    with open(os.path.join(workdir, 'profiles', '%s.json' % name)) as handle:
        return json.load(handle)['digest']


def time_plays(count, forks, dumps, workdir):
    """Times of ping, generate and warm over ``count`` hosts, and whether both profiles agree."""
    folder = os.path.join(workdir, 'n%d' % count)
    os.makedirs(folder)
    inventory = os.path.join(folder, 'inventory.yml')
    write_inventory(inventory, count, dumps)
    with open(os.path.join(folder, 'ping.yml'), 'w') as handle:
        handle.write(PING_PLAY)
    environment = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.collections'),
                       ANSIBLE_FORKS=str(forks), ANSIBLE_CACHE_PLUGIN='jsonfile',
                       ANSIBLE_CACHE_PLUGIN_CONNECTION=os.path.join(folder, 'fact-cache'),
                       ANSIBLE_CACHE_PLUGIN_TIMEOUT='0', ANSIBLE_RETRY_FILES_ENABLED='false',
                       ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_NOCOLOR='1')
    generate = ['-i', inventory, os.path.join(ROOT, 'playbooks', 'generate_profile.yml'), '-l', 'fleet',
                '-e', 'profile_name=fleet']
    figures = {'ping': run_play(folder, 'ping', ['-i', inventory, 'ping.yml'], environment)}
    figures['generate'] = run_play(folder, 'generate', generate, environment)
    cold = profile_digest(folder, 'fleet')
    figures['warm'] = run_play(folder, 'warm', generate + ['-e', 'vmcpu_gather=false'], environment)
    same = cold == profile_digest(folder, 'fleet')
    figures['warm-ni'] = run_play(folder, 'warm-ni', generate + ['-e', 'vmcpu_gather=false'],
                                  dict(environment, ANSIBLE_INJECT_FACT_VARS='false'))
    return figures, same and cold == profile_digest(folder, 'fleet')


def time_compute(label, compute, repeat):
    """Print the best and median time of ``repeat`` runs of ``compute()`` (a profile) and, from one more
    run in a forked child, its memory. The target is judged on the median: one run alone moves by a
    third on a machine whose load changes. The process's caches of parsed identity leaves and field
    tables are warm from the second run on; they hold per CPU model, not per host."""
    runs = []
    for _run in range(repeat):
        start = time.perf_counter()
        compute()
        runs.append(time.perf_counter() - start)
    median = statistics.median(runs)
    peak, rss = profile_scale.memory_of(compute)[:2]
    worst = max(peak, rss) / 1e6
    print('  %-45s %6.2f s best, %6.2f s median  tracemalloc %6.1f MB, maxrss delta %6.1f MB  %s' % (
        label, min(runs), median, peak / 1e6, rss / 1e6, mark(median <= TARGET_COMPUTE_SECONDS and worst <= TARGET_COMPUTE_MB)))


def mark(ok):
    return 'met' if ok else 'NOT MET'


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--hosts', default='200,1000', help='comma-separated host counts of the plays')
    parser.add_argument('--forks', type=int, default=10)
    parser.add_argument('--compute-hosts', type=int, default=100000, help='synthetic hosts of the compute part (0: skip)')
    parser.add_argument('--testdata', default=profile_scale.TESTDATA)
    parser.add_argument('--repeat', type=int, default=3, help='runs of each computation (best and median shown)')
    options = parser.parse_args()
    if options.repeat < 1:
        parser.error('--repeat must be at least 1')
    counts = [int(text) for text in options.hosts.split(',') if text]

    print('machine: %d logical CPUs, load average %.2f, Python %s, forks %d'
          % (os.cpu_count(), os.getloadavg()[0], sys.version.split()[0], options.forks))
    results = {}
    with tempfile.TemporaryDirectory(prefix='vmcpu-fleet-play-') as workdir:
        dumps, origin = dump_files(workdir, options.testdata)
        # The compute part's synthetic hosts are variations of these (read now: the dumps may be temporary).
        bases = [(os.path.basename(path), profile_scale.gather_facts(src=path)) for path in dumps] if options.compute_hosts else []
        print('hosts described by %d dumps, %s' % (len(dumps), origin))
        print()
        columns = ('hosts', 'ping s', 'generate s', 'ratio', 'warm s', 'warm-ni s', 'peak MB', 'one profile')
        print('%7s %10s %10s %8s %10s %10s %16s  %s' % columns)
        for count in counts:
            figures, agree = time_plays(count, options.forks, dumps, workdir)
            results[count] = figures
            ping = figures['ping']['seconds']
            print('%7d %10.1f %10.1f %7.2fx %10.1f %10.1f %16s  %s' % (
                count, ping, figures['generate']['seconds'], figures['generate']['seconds'] / ping,
                figures['warm']['seconds'], figures['warm-ni']['seconds'],
                '/'.join('%.0f' % (figures[play]['maxrss_kb'] / 1024) for play in ('ping', 'generate', 'warm', 'warm-ni')),
                'same digest' if agree else 'DIGESTS DIFFER'))
    if counts:
        print('(peak MB: ping/generate/warm/warm-ni, the largest process of ansible-playbook and its forks)')
    if TARGET_AT in results:
        figures = results[TARGET_AT]
        ratio = figures['generate']['seconds'] / figures['ping']['seconds']
        print('target generate <= %.1fx ping at %d hosts: %.2fx  %s'
              % (TARGET_RATIO, TARGET_AT, ratio, mark(ratio <= TARGET_RATIO)))
        for play in ('warm', 'warm-ni'):
            warm = figures[play]['seconds']
            print('target warm cache <= %.0f s at %d hosts (%s): %.1f s  %s'
                  % (TARGET_WARM_SECONDS, TARGET_AT, play, warm, mark(warm <= TARGET_WARM_SECONDS)))

    if options.compute_hosts:
        count = options.compute_hosts
        hosts = profile_scale.synthesize(bases, count, 2, 1, 12)
        computations = (
            ('build_profile', lambda facts: build_profile(facts, name='bench', generated_at='2000-01-01T00:00:00Z')),
            ('profile_from_facts (validated)', lambda facts: profile_from_facts(dict(facts), 'bench')),
        )
        print()
        print('compute: the profile of %d synthetic hosts (profile_scale.synthesize, facts in memory)' % count)
        for label, compute in computations:
            time_compute(label, lambda: compute(hosts), options.repeat)
        # synthesize() shares the dicts and strings a host keeps from its base; a fact cache gives
        # every host its own, which costs memory and cache misses: the same hosts through JSON.
        hosts = [(name, json.loads(json.dumps(facts))) for name, facts in hosts]
        for label, compute in computations:
            time_compute(label + ', facts from JSON', lambda: compute(hosts), options.repeat)
        print('target: <= %.0f s (median) and <= %.0f MB' % (TARGET_COMPUTE_SECONDS, TARGET_COMPUTE_MB))


if __name__ == '__main__':
    main()

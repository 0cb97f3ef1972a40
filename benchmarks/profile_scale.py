# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wall time and peak memory of build_profile over N synthetic hosts, next to libvirt's cpu-baseline.

Synthetic hosts (issue 3, "Benchmark"): the facts of real dumps of one vendor (default: the Intel
Xeon server dumps of ../shared/testdata) are loaded once with ``gather_facts(src=...)``; host ``i``
is a copy of dump ``i mod D`` whose facts have ``--bits`` random feature bits cleared in their CPUID
entries (seeded, so every run builds the same hosts). Only one-bit ``flag`` fields with the
``inherit`` policy are cleared, never an ``equal``, ``min`` or identity field, so the hosts stay
mergeable. The perturbation is done on the facts dicts (hex strings), so the measured
``build_profile`` runs the whole pipeline from facts: host views, merge, policies, closure, XSAVE,
explanation, digest. Synthesis is not timed. Unchanged CPUID entry dicts are shared between
synthetic hosts to keep the synthesis small; every host gets its own facts, group and entry list.

Measurements, per N:
  time     wall time of build_profile (time.perf_counter, gc enabled), best and median of --repeat
           runs, in this process without tracemalloc.
  memory   in a forked child that runs build_profile once: the tracemalloc peak (Python allocations
           made during the call; the input facts already exist and are not counted) and the
           ru_maxrss delta (peak resident set during the call minus the resident set when the child
           starts; a forked child's ru_maxrss starts at its current RSS, not at the parent's peak).
           tracemalloc slows the call down, which is why time is measured apart.

libvirt: the first --virsh-hosts hosts (default 100) are written as host <cpu> XML (model 486,
the lowest x86 model, plus one <feature> per x86_features.xml feature whose CPUID/MSR bits the
host's facts have) and ``virsh -c test:///default cpu-baseline FILE`` is timed: the wall time of
the whole process, one call for all the hosts of the file. The XML is written beforehand and not
timed. What the two sides time is not the same, so two per-host figures are shown:

  per host, all in    T(N) / N. virsh's T includes its fixed costs: exec and dynamic linking,
                      opening the test driver, loading libvirt's CPU map, decoding the result into
                      a model, printing. build_profile runs in this warm process: imports, field
                      tables and per-vendor indexes are already built (they are not per host).
  per host, marginal  (T(N) - T(1)) / (N - 1): what one more host costs, fixed costs excluded on
                      both sides. This is the like-with-like figure, and the one the target
                      "faster than libvirt per host" is judged on.

The inputs still differ: virsh reads a list of feature names per host, while build_profile starts
from the raw facts (every CPUID entry and feature MSR as hex text) and also produces the per-host
explanation, provenance and digest; the CPUID-to-feature-name decoding done for virsh here is not
timed. The 1- and N-host runs of both sides are interleaved, --rounds times, and the medians are
compared, so that a burst of load on the machine does not decide the verdict; the best runs are
shown too. The figures need a quiet machine all the same: the per-host costs are a few hundred
microseconds.

    .venv/bin/python benchmarks/profile_scale.py [--hosts 100,1000,10000] [--bits 2] [--seed 1] [--rounds 9]
"""

import argparse
import gc
import glob
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, '.collections'))

from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.host_facts import gather_facts  # noqa: E402
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import Kind, Policy  # noqa: E402
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.table import fields_for  # noqa: E402
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import build_profile  # noqa: E402
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.fleet import Fleet  # noqa: E402

TESTDATA = os.path.join(os.path.dirname(ROOT), 'shared', 'testdata', 'cpuid', 'libvirt')
DEFAULT_DUMPS = ('x86_64-cpuid-Xeon-*.xml', 'x86_64-cpuid-Ice-Lake-Server.xml')
X86_FEATURES = '/usr/share/libvirt/cpu_map/x86_features.xml'
LIBVIRT_VENDORS = {'GenuineIntel': 'Intel', 'AuthenticAMD': 'AMD'}
REGISTERS = ('eax', 'ebx', 'ecx', 'edx')
TARGET_SECONDS = 1.0          # 10,000 hosts
TARGET_MB = 300.0             # 10,000 hosts
TARGET_HOSTS = 10000


# ---------------------------------------------------------------------------------------------
# Synthetic hosts


def load_bases(patterns, testdata):
    paths = sorted({path for pattern in patterns for path in glob.glob(os.path.join(testdata, pattern))})
    if not paths:
        sys.exit('no dump matches %s in %s' % (', '.join(patterns), testdata))
    bases = [(os.path.basename(path), gather_facts(src=path)) for path in paths]
    vendors = {facts['vendor'] for name, facts in bases}
    if len(vendors) != 1:
        sys.exit('the dumps must be of one vendor, got %s' % ', '.join(sorted(vendors)))
    return bases


def candidate_bits(facts):
    """``[(group index, entry index, register, bit mask)]``: set one-bit inherit flags of the facts."""
    vendor = 'intel' if facts['vendor'] == 'GenuineIntel' else 'amd'
    wanted = {}
    for f in fields_for(vendor).values():
        if (f.source == 'cpuid' and f.kind == Kind.FLAG and f.width == 1 and f.policy == Policy.INHERIT
                and f.subleaves[0] == f.subleaves[1]):
            wanted.setdefault((f.leaf, f.subleaves[0], f.register), []).append(1 << f.first_bit)
    bits = []
    for g, group in enumerate(facts['raw_cpuid']['groups']):
        for e, entry in enumerate(group['cpuid']):
            leaf, subleaf = int(entry['leaf'], 16), int(entry['subleaf'], 16)
            for register in REGISTERS:
                value = int(entry[register], 16)
                bits.extend((g, e, register, mask) for mask in wanted.get((leaf, subleaf, register), ())
                            if value & mask)
    return bits


def synthesize(bases, count, bits_per_host, seed, pool=0):
    """``count`` (name, facts) pairs; host i perturbs base i mod len(bases), clearing bits drawn
    from a seeded pool of ``pool`` candidate bits per base (0: any candidate bit)."""
    rng = random.Random(seed)
    candidates = [candidate_bits(facts) for name, facts in bases]
    if pool:
        candidates = [rng.sample(bits, min(pool, len(bits))) for bits in candidates]
    hosts = []
    for i in range(count):
        base_name, base = bases[i % len(bases)]
        chosen = rng.sample(candidates[i % len(bases)], min(bits_per_host, len(candidates[i % len(bases)])))
        groups = [dict(group, cpuid=list(group['cpuid'])) for group in base['raw_cpuid']['groups']]
        for g, e, register, mask in chosen:
            entry = dict(groups[g]['cpuid'][e])
            entry[register] = '0x%08x' % (int(entry[register], 16) & ~mask)
            groups[g]['cpuid'][e] = entry
        facts = dict(base, raw_cpuid=dict(base['raw_cpuid'], groups=groups),
                     source='%s#%d' % (base['source'], i),
                     fingerprint=dict(base['fingerprint'], digest='sha256:%064x' % (i + 1)))
        hosts.append(('host%05d' % i, facts))
    return hosts


# ---------------------------------------------------------------------------------------------
# build_profile: time and memory


def time_build(hosts, repeat):
    runs = []
    profile = None
    for attempt in range(repeat):
        start = time.perf_counter()
        profile = build_profile(hosts, name='bench', generated_at='2000-01-01T00:00:00Z')
        runs.append(time.perf_counter() - start)
        del profile
        profile = None
    return min(runs), statistics.median(runs)


def memory_build(hosts):
    """(tracemalloc peak bytes, ru_maxrss delta bytes, features, explained) of one build_profile."""
    return memory_of(lambda: build_profile(hosts, name='bench', generated_at='2000-01-01T00:00:00Z'))


def memory_of(compute):
    """(tracemalloc peak bytes, ru_maxrss delta bytes, features, explained) of one ``compute()``
    (which returns a profile), run in a forked child."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_end)
            rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            tracemalloc.start()
            profile = compute()
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            rss_delta = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_start) * 1024
            with os.fdopen(write_end, 'w') as out:
                json.dump([peak, rss_delta, len(profile['features']), len(profile['explanation'])], out)
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as result:
        text = result.read()
    os.waitpid(pid, 0)
    if not text:
        sys.exit('the memory measurement child failed')
    return json.loads(text)


# ---------------------------------------------------------------------------------------------
# libvirt


def libvirt_features(path=X86_FEATURES):
    """``[(name, ('cpuid', leaf, subleaf|None, {register: mask}) | ('msr', index, mask))]``."""
    features = []
    for feature in ET.parse(path).getroot().iter('feature'):
        for child in feature:
            if child.tag == 'cpuid':
                masks = {r: int(child.get(r), 16) for r in REGISTERS if child.get(r) is not None}
                ecx_in = child.get('ecx_in')
                features.append((feature.get('name'), ('cpuid', int(child.get('eax_in'), 16),
                                                       int(ecx_in, 16) if ecx_in else None, masks)))
            elif child.tag == 'msr':
                mask = int(child.get('edx'), 16) << 32 | int(child.get('eax'), 16)
                features.append((feature.get('name'), ('msr', int(child.get('index'), 16), mask)))
    return features


def host_cpu_xml(facts, features):
    """The host <cpu> of ``facts`` for virsh cpu-baseline: model 486 plus every feature it has
    (a CPUID feature must be present in every CPU group, as a VM gets the meet of them)."""
    groups = []
    for group in facts['raw_cpuid']['groups']:
        regs = {}
        for entry in group['cpuid']:
            key = (int(entry['leaf'], 16), int(entry['subleaf'], 16))
            regs[key] = {r: int(entry[r], 16) for r in REGISTERS}
        groups.append(regs)
    msrs = {int(index, 16): int(value, 16) for index, value in facts.get('dump_msrs', {}).items()}
    names = []
    for name, where in features:
        if where[0] == 'cpuid':
            leaf, subleaf, masks = where[1:]
            ok = all(all(regs.get((leaf, subleaf or 0), {}).get(r, 0) & m == m for r, m in masks.items())
                     for regs in groups)
        else:
            index, mask = where[1:]
            ok = msrs.get(index, 0) & mask == mask
        if ok:
            names.append(name)
    lines = ['<cpu>', '  <arch>x86_64</arch>', '  <model>486</model>',
             '  <vendor>%s</vendor>' % LIBVIRT_VENDORS[facts['vendor']]]
    lines.extend("  <feature name='%s'/>" % name for name in sorted(set(names)))
    lines.append('</cpu>')
    return '\n'.join(lines) + '\n'


def virsh_command(hosts, workdir, features):
    """The virsh cpu-baseline command line for ``hosts``, their XML written to ``workdir``."""
    path = os.path.join(workdir, 'hosts-%d.xml' % len(hosts))
    with open(path, 'w') as handle:
        handle.write(''.join(host_cpu_xml(facts, features) for name, facts in hosts))
    return ['virsh', '-c', 'test:///default', 'cpu-baseline', path]


def time_virsh(command):
    """(seconds, output) of one virsh run."""
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit('%s failed: %s' % (' '.join(command), result.stderr.strip()))
    return elapsed, result.stdout


def time_once(hosts):
    start = time.perf_counter()
    build_profile(hosts, name='bench', generated_at='2000-01-01T00:00:00Z')
    return time.perf_counter() - start


def compare_with_virsh(hosts, rounds, workdir):
    """``{(side, host count): [seconds per round]}`` and virsh's output for all ``hosts``: 1 and
    len(hosts) hosts, ours and virsh's, interleaved round by round."""
    features = libvirt_features()
    commands = {1: virsh_command(hosts[:1], workdir, features), len(hosts): virsh_command(hosts, workdir, features)}
    runs = {}
    output = None
    for attempt in range(rounds):
        for count, command in commands.items():
            runs.setdefault(('ours', count), []).append(time_once(hosts[:count]))
            elapsed, output = time_virsh(command)
            runs.setdefault(('virsh', count), []).append(elapsed)
    return runs, output


def distinct_baselines(hosts):
    fleet = Fleet()
    for name, facts in hosts:
        fleet.add(name, facts)
    return len(fleet.distinct)


# ---------------------------------------------------------------------------------------------


def mark(ok):
    return 'met' if ok else 'NOT MET'


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--hosts', default='100,1000,10000', help='comma-separated host counts N')
    parser.add_argument('--bits', type=int, default=2, help='feature bits cleared per synthetic host')
    parser.add_argument('--pool', type=int, default=12, help='candidate bits per dump (0: all flags)')
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--repeat', type=int, default=3, help='timed runs per figure (best is shown)')
    parser.add_argument('--dumps', action='append', help='glob of dump files under --testdata (repeatable)')
    parser.add_argument('--testdata', default=TESTDATA)
    parser.add_argument('--virsh-hosts', type=int, default=100, help='hosts given to virsh (0: skip)')
    parser.add_argument('--rounds', type=int, default=9, help='interleaved rounds of the libvirt comparison')
    parser.add_argument('--no-memory', action='store_true', help='skip the forked memory measurement')
    options = parser.parse_args()
    counts = [int(text.replace('_', '').replace(',', '')) for text in options.hosts.split(',') if text]

    bases = load_bases(options.dumps or DEFAULT_DUMPS, options.testdata)
    print('host: %d logical CPUs, Python %s, %s' % (os.cpu_count(), sys.version.split()[0], os.uname().release))
    print('base dumps (%s): %s' % (bases[0][1]['vendor'], ', '.join(base[0] for base in bases)))
    print('synthetic hosts: base i mod %d, %d random inherit flag bit(s) cleared per host from a pool of %s '
          'per dump, seed %d' % (len(bases), options.bits, options.pool or 'all', options.seed))
    print('time: build_profile wall time, best (median) of %d; memory: forked child, tracemalloc peak '
          'and ru_maxrss delta during one call' % options.repeat)
    print()
    print('%8s %10s %11s %10s %11s %11s %9s %7s' % (
        'hosts', 'synth s', 'build s', '(median)', 'per host', 'tracemalloc', 'maxrss', 'feat/expl'))
    per_host = {}
    results = {}
    for count in counts:
        start = time.perf_counter()
        hosts = synthesize(bases, count, options.bits, options.seed, options.pool)
        synth = time.perf_counter() - start
        gc.collect()
        best, median = time_build(hosts, options.repeat)
        per_host[count] = best / count
        if options.no_memory:
            peak = rss = None
            summary = ''
        else:
            peak, rss, n_features, n_explained = memory_build(hosts)
            summary = '%d/%d' % (n_features, n_explained)
        results[count] = (best, peak, rss)
        print('%8d %10.2f %10.3fs %9.3fs %9.1fus %9s %9s %9s' % (
            count, synth, best, median, best / count * 1e6,
            '-' if peak is None else '%.1fMB' % (peak / 1e6),
            '-' if rss is None else '%.1fMB' % (rss / 1e6), summary))
        del hosts
        gc.collect()

    print()
    if TARGET_HOSTS in results:
        best, peak, rss = results[TARGET_HOSTS]
        print('target 10,000 hosts <= %.1f s: %.3f s  %s' % (TARGET_SECONDS, best, mark(best <= TARGET_SECONDS)))
        if peak is not None:
            worst = max(peak, rss) / 1e6
            print('target 10,000 hosts <= %.0f MB: tracemalloc %.1f MB, maxrss delta %.1f MB  %s'
                  % (TARGET_MB, peak / 1e6, rss / 1e6, mark(worst <= TARGET_MB)))
    else:
        print('targets for 10,000 hosts: <= %.1f s, <= %.0f MB (add 10000 to --hosts to check)'
              % (TARGET_SECONDS, TARGET_MB))

    if options.virsh_hosts:
        count = options.virsh_hosts
        if count < 2:
            sys.exit('--virsh-hosts must be at least 2 (0: skip)')
        hosts = synthesize(bases, count, options.bits, options.seed, options.pool)
        with tempfile.TemporaryDirectory() as workdir:
            runs, output = compare_with_virsh(hosts, options.rounds, workdir)
        model = ET.fromstring(output).findtext('model')
        extra = len(ET.fromstring(output).findall('feature'))
        print()
        print('libvirt: virsh -c test:///default cpu-baseline, one process for all %d hosts (result: model %s '
              '+ %d features); build_profile of the same hosts (%d distinct baselines); %d interleaved rounds, '
              'median (best)' % (count, model, extra, distinct_baselines(hosts), options.rounds))
        headers = ('', '1 host', '%d hosts' % count, 'per host, all in', 'per host, marginal')
        print('  %-14s %17s %17s %17s %17s' % headers)
        picks = {pick: {key: pick(times) for key, times in runs.items()} for pick in (statistics.median, min)}
        # (all in, marginal) per host, per pick and side.
        per_host = {(pick, side): (times[(side, count)] / count, (times[(side, count)] - times[(side, 1)]) / (count - 1))
                    for pick, times in picks.items() for side in ('ours', 'virsh')}
        for side, label in (('ours', 'build_profile'), ('virsh', 'virsh')):
            median, best = picks[statistics.median], picks[min]
            print('  %-14s %7.1f (%5.1f) ms %7.1f (%5.1f) ms %7.0f (%5.0f) us %7.0f (%5.0f) us' % (
                label, median[(side, 1)] * 1e3, best[(side, 1)] * 1e3, median[(side, count)] * 1e3,
                best[(side, count)] * 1e3, per_host[(statistics.median, side)][0] * 1e6, per_host[(min, side)][0] * 1e6,
                per_host[(statistics.median, side)][1] * 1e6, per_host[(min, side)][1] * 1e6))
        ours, virsh = per_host[(statistics.median, 'ours')], per_host[(statistics.median, 'virsh')]
        best_ours, best_virsh = per_host[(min, 'ours')], per_host[(min, 'virsh')]
        print('  ratio build_profile / virsh per host, all in:   %.2fx (best runs %.2fx)  %s'
              % (ours[0] / virsh[0], best_ours[0] / best_virsh[0], mark(ours[0] < virsh[0])))
        print('  ratio build_profile / virsh per host, marginal: %.2fx (best runs %.2fx)  %s'
              % (ours[1] / virsh[1], best_ours[1] / best_virsh[1], mark(ours[1] < virsh[1])))
        print('target faster than libvirt per host (marginal, medians): %s' % mark(ours[1] < virsh[1]))


if __name__ == '__main__':
    main()

#!/usr/bin/env python3
# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wall time of vmcpu.profiles.cpu_facts next to ansible.builtin.setup (all subsets) on this host.

Both run as ad-hoc modules against localhost through the same ansible binary, so Ansible's own
start-up cost is in both figures; the in-process time of the facts code alone is printed as well.
Target (issue 2): cpu_facts <= 0.5x setup.

    .venv/bin/python benchmarks/gather_vs_setup.py [--runs 7]
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def time_adhoc(module, args, runs):
    ansible = os.path.join(os.path.dirname(sys.executable), 'ansible')
    command = [ansible, 'localhost', '-m', module, '-e',
               'ansible_python_interpreter=%s' % sys.executable]
    if args:
        command += ['-a', args]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - start)
        if result.returncode != 0:
            sys.exit('%s failed:\n%s%s' % (' '.join(command), result.stdout[-2000:], result.stderr[-2000:]))
    return statistics.median(times)


def time_in_process(runs):
    sys.path.insert(0, os.path.join(ROOT, '.collections'))
    from ansible_collections.vmcpu.profiles.plugins.module_utils.host_facts import gather_facts
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        gather_facts()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=7, help='runs per measurement; the median is printed')
    options = parser.parse_args()
    facts = time_adhoc('vmcpu.profiles.cpu_facts', '', options.runs)
    setup = time_adhoc('ansible.builtin.setup', 'gather_subset=all', options.runs)
    in_process = time_in_process(options.runs)
    print('host: %d logical CPUs, %s' % (os.cpu_count(), os.uname().release))
    print('median of %d runs, ad-hoc ansible against localhost (local connection):' % options.runs)
    print('  vmcpu.profiles.cpu_facts            %8.3f s' % facts)
    print('  ansible.builtin.setup (subset=all)  %8.3f s' % setup)
    print('  ratio cpu_facts / setup             %8.2fx  (target <= 0.50x)' % (facts / setup))
    print('  gather_facts() in-process           %8.4f s  (the module logic without Ansible)' % in_process)


if __name__ == '__main__':
    main()

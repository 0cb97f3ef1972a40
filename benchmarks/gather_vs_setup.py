# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wall time of vmcpu.profiles.cpu_facts next to ansible.builtin.setup (all subsets) on this host.

Each module runs N times in a loop inside one playbook against localhost (local connection); the time
of an empty playbook is subtracted, so the figures are per module run, without ansible-playbook's own
start-up. The in-process time of the facts code alone is printed as well.
Target (issue 2): cpu_facts <= 0.5x setup.

    .venv/bin/python benchmarks/gather_vs_setup.py [--runs 10]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PLAY = """- hosts: localhost
  gather_facts: false
  tasks:
%s
"""
TASK = """    - name: Run the module {runs} times
      {module}: {args}
      loop: "{{{{ range({runs}) | list }}}}"
"""


def time_playbook(tasks, workdir):
    path = os.path.join(workdir, 'bench.yml')
    with open(path, 'w') as handle:
        handle.write(PLAY % (tasks or '    []'))
    playbook = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
    command = [playbook, path, '-e', 'ansible_python_interpreter=%s' % sys.executable]
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit('%s failed:\n%s%s' % (' '.join(command), result.stdout[-2000:], result.stderr[-2000:]))
    return elapsed


def per_run(module, args, runs, workdir):
    """Seconds per module run: (playbook with N runs - empty playbook) / N."""
    empty = time_playbook('', workdir)
    full = time_playbook(TASK.format(module=module, args=args, runs=runs), workdir)
    return (full - empty) / runs


def time_in_process(runs):
    sys.path.insert(0, os.path.join(ROOT, '.collections'))
    from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.host_facts import gather_facts
    start = time.perf_counter()
    for run in range(runs):
        gather_facts()
    return (time.perf_counter() - start) / runs


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=10, help='module runs per measurement')
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        facts = per_run('vmcpu.profiles.cpu_facts', '{}', options.runs, workdir)
        setup = per_run('ansible.builtin.setup', '{gather_subset: [all]}', options.runs, workdir)
    in_process = time_in_process(options.runs)
    print('host: %d logical CPUs, %s' % (os.cpu_count(), os.uname().release))
    print('seconds per module run (%d runs in a loop, empty-playbook time subtracted):' % options.runs)
    print('  vmcpu.profiles.cpu_facts            %8.3f s' % facts)
    print('  ansible.builtin.setup (subset=all)  %8.3f s' % setup)
    print('  ratio cpu_facts / setup             %8.2fx  (target <= 0.50x)' % (facts / setup))
    print('  gather_facts() in-process           %8.4f s  (the module logic without Ansible)' % in_process)


if __name__ == '__main__':
    main()

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: facts_files
short_description: Write the CPU facts of many hosts as facts files, and sum them up, in one controller task
version_added: 0.3.0
description:
  - Reads the CPU facts of every host of O(hosts) from the play (C(ansible_facts.vmcpu), gathered in this
    play by M(vmcpu.profiles.cpu_facts) or read from Ansible's fact cache) and writes each as
    C(<dir>/<host>.json), the facts files C(playbooks/gather.yml) leaves and the profile lookups read.
  - Runs on the controller only, once for all hosts; a fleet's files cost one task, not one module run
    per host. Each file is replaced atomically (a temporary file and one rename); a file whose content
    is unchanged is left as it is.
  - Says per host where its facts came from and how old they are (RV(hosts), RV(summary)), from the
    fact C(ansible_facts.vmcpu_gathered_at) that M(vmcpu.profiles.cpu_facts) sets.
  - Every facts document is validated against C(schemas/host_facts.schema.json); a host without facts
    fails the task, naming it, before any file is written.
  - This is an action plugin; it never runs on a managed node.
author:
  - vmcpu.profiles developers (@vmcpu)
options:
  hosts:
    description: The hosts, usually C(ansible_play_hosts).
    type: list
    elements: str
    required: true
  dir:
    description:
      - Folder on the controller for the facts files, created when missing. The file name of a host is
        its name made safe by the filter P(vmcpu.profiles.host_file_stem#filter).
      - Without it no file is written; the hosts are only summed up.
    type: path
  gathered_result:
    description:
      - Name of the variable the M(vmcpu.profiles.cpu_facts) task of the play registered. A host whose
        result holds facts was gathered now; any other host's facts came from the fact cache.
    type: str
    default: vmcpu_gathered
attributes:
  check_mode:
    support: full
    description: Reports the files that would change and writes none.
  diff_mode:
    support: full
    description: The old and new text of each changed file.
  action:
    support: full
    description: An action plugin; it runs on the controller.
  platform:
    support: full
    platforms: all
    description: Runs on the controller.
"""

EXAMPLES = r"""
- name: Gather the hosts whose cached facts are missing or older than a day
  vmcpu.profiles.cpu_facts:
  register: vmcpu_gathered
  when: ansible_facts | vmcpu.profiles.facts_stale(86400)

- name: Write facts/<host>.json for every host and list where each host's facts came from
  vmcpu.profiles.facts_files:
    hosts: "{{ ansible_play_hosts }}"
    dir: facts
  run_once: true
  register: vmcpu_facts

- name: Show the table
  ansible.builtin.debug:
    var: vmcpu_facts.summary
  run_once: true
"""

RETURN = r"""
files:
  description: Names of the facts files written (or, in check mode, that would be).
  returned: always
  type: list
  elements: str
  sample: ["host1.json"]
hosts:
  description:
    - Per host - C(origin) (V(gathered) in this play, or V(cache)), C(gathered_at) (UTC, or null when the
      facts do not say) and C(age) (seconds, or null).
  returned: always
  type: dict
  sample: {"host1": {"origin": "cache", "gathered_at": "2026-12-01T08:00:00Z", "age": 3600}}
summary:
  description:
    - One line per host - vendor, model, CPUs, KVM view, leaves and MSRs, the x86-64 level a guest can
      get, and where the facts came from.
  returned: always
  type: list
  elements: str
"""

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CPU facts of a play's hosts on the controller: where they came from (gathered in this play or
read from Ansible's fact cache), how old they are, and their facts files, written in one step.

``cpu_facts`` leaves the facts document in ``ansible_facts.vmcpu`` and the time it read them in
``ansible_facts.vmcpu_gathered_at``; with fact caching on, both outlive the play.
"""

import datetime
import json
import os

from ansible_collections.vmcpu.profiles.plugins.module_utils.atomic_file import write_file_atomically
from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.host_facts import facts_summary
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import VENDOR_IDS
from ansible_collections.vmcpu.profiles.plugins.module_utils.file_names import host_file_stem
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.host_view import check_facts_version, facts_level
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.schemas import HOST_FACTS, validate

GATHERED_AT_FORMAT = '%Y-%m-%dT%H:%M:%SZ'


def facts_age(ansible_facts, now=None):
    """Seconds since the host's CPU facts were gathered (``vmcpu_gathered_at``), or None when the
    host has no CPU facts or they do not say when (facts cached by a collection before 0.3.0)."""
    if not isinstance(ansible_facts, dict) or not ansible_facts.get('vmcpu'):
        return None
    try:
        gathered = datetime.datetime.strptime(str(ansible_facts.get('vmcpu_gathered_at')), GATHERED_AT_FORMAT)
    except ValueError:
        return None
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return max(0, int((now - gathered.replace(tzinfo=datetime.timezone.utc)).total_seconds()))


def facts_stale(ansible_facts, max_age=None, now=None):
    """Whether a host must be gathered: it has no CPU facts, or ``max_age`` (seconds) is given and
    they are older or of unknown age."""
    if not isinstance(ansible_facts, dict) or not ansible_facts.get('vmcpu'):
        return True
    if max_age is None:
        return False
    age = facts_age(ansible_facts, now)
    return age is None or age > max_age


def shown_age(seconds):
    """``42 s``, ``5 min``, ``3 h``, ``2 d``: how old, for people."""
    for unit, size in (('d', 86400), ('h', 3600), ('min', 60)):
        if seconds >= 2 * size:
            return '%d %s' % (seconds // size, unit)
    return '%d s' % seconds


def facts_file_text(facts):
    """A facts file's text: the facts as ``to_nice_json(sort_keys=true)`` writes them, and a newline."""
    return json.dumps(facts, indent=4, sort_keys=True, separators=(',', ': ')) + '\n'


class PlayFacts:
    """The CPU facts of ``hosts`` from ``variables`` (``{host: its variables}``, as
    ``host_variables.host_variables`` reads them); ``gathered_now`` are the hosts whose facts this
    play read (the others' come from the fact cache)."""

    def __init__(self, hosts, variables, gathered_now, now=None):
        self.now = now or datetime.datetime.now(datetime.timezone.utc)
        self.hosts = {}
        missing = []
        for host in hosts:
            ansible_facts = variables[host].get('ansible_facts') or {}
            facts = ansible_facts.get('vmcpu')
            if not facts:
                missing.append(host)
                continue
            check_facts_version(host, facts)
            validate(facts, HOST_FACTS, 'facts of host %s' % host)
            self.hosts[host] = {
                'facts': facts, 'gathered_at': ansible_facts.get('vmcpu_gathered_at'),
                'age': facts_age(ansible_facts, self.now), 'origin': 'gathered' if host in gathered_now else 'cache'}
        if missing:
            raise VmcpuError('no CPU facts for host(s) %s, neither gathered in this play nor in the fact cache: '
                             'gather them (leave out -e vmcpu_gather=false), or turn on fact caching for the runs '
                             'that gather them (docs/docsite/rst/large-fleets.rst).' % ', '.join(missing))

    def summary_line(self, host):
        entry = self.hosts[host]
        facts = entry['facts']
        level = facts_level(facts) or ('below x86-64' if facts['vendor'] in VENDOR_IDS else 'no x86-64 level known')
        if entry['origin'] == 'gathered':
            origin = 'gathered now'
        elif entry['age'] is None:
            origin = 'from the fact cache, age unknown'
        else:
            origin = 'from the fact cache, gathered %s ago (%s)' % (shown_age(entry['age']), entry['gathered_at'])
        return '%s: %s; %s; %s' % (host, facts_summary(facts), level, origin)

    def write_files(self, folder, check_mode=False, diff=False):
        """Write ``<folder>/<host file stem>.json`` of every host whose file differs; returns
        ``(changed file names, diffs)``. Files are replaced one by one, each atomically."""
        changed, diffs = [], []
        if not check_mode:
            try:
                os.makedirs(folder, mode=0o755, exist_ok=True)
            except OSError as exc:
                raise VmcpuError('cannot create the facts directory %s: %s.' % (folder, exc.strerror)) from None
        for host in sorted(self.hosts):
            name = host_file_stem(host) + '.json'
            path = os.path.join(folder, name)
            text = facts_file_text(self.hosts[host]['facts'])
            before = _current_text(path)
            if before == text:
                continue
            changed.append(name)
            if diff:
                diffs.append({'before_header': path, 'after_header': path, 'before': before or '', 'after': text})
            if not check_mode:
                write_file_atomically(path, text.encode('utf-8'), mode=0o644)
        return changed, diffs


def _current_text(path):
    try:
        with open(path, encoding='utf-8') as stream:
            return stream.read()
    except (OSError, UnicodeDecodeError):
        return None

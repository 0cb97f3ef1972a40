# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the profile engine's inputs come from on the controller: hostvars or fact files.

A term is a host name (its facts are ``hostvars[host].ansible_facts.vmcpu``, as cpu_facts leaves
them, fact cache included) or the path of a file written by ``playbooks/gather.yml`` (the host name
is the file name without ``.json``). Every facts document is validated against the facts schema
and refused when it contradicts itself.
"""

import collections
import os

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError, kind_of
from ansible_collections.vmcpu.profiles.plugins.module_utils.file_names import host_from_file_stem
from ansible_collections.vmcpu.profiles.plugins.module_utils.json_file import read_json_file
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.fleet import cyclic_gc_paused
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.host_view import unwrap_facts
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.facts_reader import FactsReader
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.host_variables import host_variables


def is_facts_path(term):
    return term.endswith('.json') or os.sep in term


def _hostvars_facts(hostvars, host):
    if hostvars is None or host not in hostvars:
        return None
    facts = host_variables(hostvars, host).get('ansible_facts', {}).get('vmcpu')
    return facts if facts else None


@cyclic_gc_paused()
def facts_mapping(facts_by_host):
    """``[(host name, facts)]`` of a ``{host: facts}`` mapping built in a play, each validated;
    a host's whole ``ansible_facts`` is accepted for its ``vmcpu`` facts."""
    return list(read_hosts(mapping_hosts(facts_by_host), FactsReader()))


@cyclic_gc_paused()
def collect_hosts(terms, hostvars=None, allow_missing=False):
    """``[(host name, facts)]`` for ``terms``, each validated; see ``located_hosts``."""
    return list(read_hosts(located_hosts(terms, hostvars, allow_missing), FactsReader()))


def read_hosts(located, reader):
    """``(host name, facts)`` of each ``(host name, facts, what)`` of ``located``, validated and
    checked by ``reader`` (a ``FactsReader``) when it is reached: the profile engine can take a
    host in while its entries are fresh in the reader's table."""
    for name, facts, what in located:
        reader.read(name, facts, what)
        yield name, facts


def mapping_hosts(facts_by_host):
    """``[(host name, facts, what)]`` of a ``{host: facts}`` mapping, sorted by host, not yet validated."""
    if not isinstance(facts_by_host, dict):
        raise VmcpuError('expected a mapping of host name to facts, got %s.' % kind_of(facts_by_host))
    return [(str(host), unwrap_facts(facts), 'facts of host %s' % host) for host, facts in sorted(facts_by_host.items())]


def located_hosts(terms, hostvars=None, allow_missing=False):
    """``[(host name, facts, what)]`` for ``terms``, not yet validated; hosts without facts fail
    unless ``allow_missing``, and so does a host given twice."""
    hosts, missing = [], []
    for term in terms:
        term = str(term)
        # An inventory host is a host even when its name looks like a path ("web.json").
        if is_facts_path(term) and not (hostvars is not None and term in hostvars):
            stem = os.path.basename(term)[:-len('.json')] if term.endswith('.json') else os.path.basename(term)
            name = host_from_file_stem(stem)
            facts = read_json_file(term, 'facts file', 'write it with playbooks/gather.yml')
            what = 'facts file %s' % term
        else:
            name, facts = term, _hostvars_facts(hostvars, term)
            what = 'facts of host %s' % term
            if facts is None:
                missing.append(term)
                continue
        hosts.append((name, facts, what))
    if missing and not allow_missing:
        raise VmcpuError('no CPU facts for host(s) %s: gather them first (playbooks/gather.yml or the '
                         'vmcpu.profiles.cpu_facts module), or set allow_missing=true to leave them out.'
                         % ', '.join(missing))
    duplicates = sorted(name for name, count in collections.Counter(host[0] for host in hosts).items() if count > 1)
    if duplicates:
        raise VmcpuError('host(s) %s given more than once.' % ', '.join(duplicates))
    return hosts

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fleet of hosts folded one by one into its distinct baselines.

Real fleets are made of few CPU models, so thousands of hosts reduce to a handful of distinct
baselines, each with the list of its hosts. The merge, the choice of the target host, the
explanation and the toggle checks then run over the distinct baselines only, and no host view is
kept once its baseline is known, which keeps time and memory flat in the number of hosts.

Distinct hosts of one model still share most register values, so a baseline is held as a set of
parts (``profile.baseline_parts``) and the merge and the explanation read each register over the distinct
parts that hold it: per distinct value, not per host.
"""

import collections
import contextlib
import gc
import itertools

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import VENDOR_IDS
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.baseline_parts import BaselineParts
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.entry_table import EntryTable
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.host_view import host_view
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.merge import baseline_of, merge_all, merge_values


@contextlib.contextmanager
def cyclic_gc_paused():
    """Python's cyclic garbage collector paused, then resumed if it ran before. Folding a fleet in
    allocates millions of objects that stay alive (the hosts' facts are alive anyway) and makes no
    reference cycles, so every collection pass walks the whole fleet to free nothing: about 15% of
    the time at 100,000 hosts (benchmarks/fleet_play.py)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class DistinctHost:
    """One distinct baseline (a frozenset of part numbers), the hosts that have it, the host it
    was first seen on (it names the baseline in a merge error) and the entry numbers of the first
    CPU group of its first host by name (the identity the profile takes when this baseline is the
    target)."""

    def __init__(self, parts, name, identity):
        self.parts = parts
        self.first_host = name
        self.hosts = [name]
        self.identity_host = name
        self.identity = identity

    def add(self, name, identity):
        self.hosts.append(name)
        if name < self.identity_host:
            self.identity_host, self.identity = name, identity


class Fleet:
    """Hosts added with ``add(name, facts)``; read the results once every host is in. ``entries``:
    the ``EntryTable`` to read the hosts' entries with (a new one by default)."""

    def __init__(self, target_host=None, entries=None):
        self.target_host = target_host
        self.target = None                 # (name, identity entry numbers) of target_host once seen
        self.distinct = {}                 # (vendor, frozenset of part numbers) -> DistinctHost
        self.vendors = {}                  # CPU vendor string -> host names
        self.provenance = []               # (name, fingerprint digest, view, source, fingerprint) per host
        self.msr_index = None              # intersection of the known KVM MSR index lists
        self.entries = EntryTable() if entries is None else entries
        self._parts = {}                   # vendor -> BaselineParts
        self._host_parts = {}              # (vendor, entry numbers per group) -> part numbers
        self._index = None

    def add(self, name, facts):
        view = host_view(name, facts, self.entries)
        self.vendors.setdefault(facts['vendor'], []).append(name)
        self.provenance.append((name, view.fingerprint_digest, view.view, view.source, view.fingerprint))
        if view.msr_index is not None:
            self.msr_index = view.msr_index if self.msr_index is None else self.msr_index & view.msr_index
        # Identical CPUs have the same entry numbers, hence this cache.
        signature = (view.vendor, view.entries)
        key = self._host_parts.get(signature)
        if key is None:
            if view.vendor not in self._parts:
                self._parts[view.vendor] = BaselineParts(view.vendor, self.entries)
            key = self._host_parts[signature] = (view.vendor, self._parts[view.vendor].host(view))
        identity = view.entries[0]
        distinct = self.distinct.get(key)
        if distinct is not None:
            distinct.add(name, identity)
        else:
            self.distinct[key] = DistinctHost(key[1], name, identity)
        if name == self.target_host:
            self.target = (name, identity)

    @property
    def cpu_vendor(self):
        """The one CPU vendor string of the fleet; refuses an empty or mixed fleet (Hygon's CPUs
        follow AMD's table, but a guest sees the vendor string, so they are a vendor of their own)."""
        if not self.vendors:
            raise VmcpuError('no hosts given: a profile needs the facts of at least one host.')
        if len(self.vendors) > 1:
            raise VmcpuError('hosts of different CPU vendors cannot share a profile: %s.' % '; '.join(
                '%s: %s' % (vendor, ', '.join(names)) for vendor, names in sorted(self.vendors.items())))
        return next(iter(self.vendors))

    @property
    def vendor(self):
        """The field table of the fleet's one vendor ('intel' or 'amd')."""
        return VENDOR_IDS[self.cpu_vendor]

    @property
    def keys_seen(self):
        """The register keys any host reported (non-zero)."""
        return {key for items in self.entries.items for key, value in items}

    def _indexed(self):
        """``(part number -> distinct hosts that have it, register key -> {value: part numbers},
        register key -> how many distinct hosts have it)`` of the one-vendor fleet."""
        if self._index is None:
            by_part = {}
            for distinct in self.distinct.values():
                for number in distinct.parts:
                    by_part.setdefault(number, []).append(distinct)
            by_key, present = {}, {}
            items = self._parts[self.vendor].items
            for number, holders in by_part.items():
                for key, value in items[number]:
                    by_key.setdefault(key, {}).setdefault(value, []).append(number)
                    present[key] = present.get(key, 0) + len(holders)
            self._index = (by_part, by_key, present)
        return self._index

    def hosts_by_value(self, key):
        """``{value: [DistinctHost]}`` of register ``key`` over the distinct hosts."""
        by_part, by_key, present = self._indexed()
        by_value = {value: list(itertools.chain.from_iterable(map(by_part.__getitem__, numbers)))
                    for value, numbers in by_key.get(key, {}).items()}
        if present.get(key, 0) < len(self.distinct):
            # A baseline holds no zero values: the hosts without the register have it zero.
            having = set(itertools.chain.from_iterable(by_value.values()))
            by_value[0] = list(itertools.filterfalse(having.__contains__, self.distinct.values()))
        return by_value

    def disagreements(self):
        """``(register key, {value: [DistinctHost]})`` of each register the distinct hosts do not
        all have with one value."""
        by_part, by_key, present = self._indexed()
        for key, by_value in by_key.items():
            if len(by_value) > 1 or present[key] < len(self.distinct):
                yield key, self.hosts_by_value(key)

    def cluster(self):
        """The register values of the meet of every host."""
        by_part, by_key, present = self._indexed()
        values = {key: list(by_value) + [0] * (present[key] < len(self.distinct)) for key, by_value in by_key.items()}
        merged = merge_values(self.vendor, values)
        if merged is None:
            # Two hosts disagree on an equal field: the fold over the baselines names them.
            parts = self._parts[self.vendor]
            merged = merge_all(baseline_of(self.vendor, distinct.first_host, parts.registers(distinct.parts))
                               for distinct in self.distinct.values()).registers
        return merged

    def choose_target(self, strength):
        """``(name, identity registers)`` of the target host: ``target_host``, or the first host by
        name of the weakest distinct baseline (``strength(items)`` counts the feature bits of some
        of a baseline's ``(register key, value)`` items)."""
        if self.target_host is not None:
            if self.target is None:
                raise VmcpuError('target_host %s is not one of the profile hosts (%s).'
                                 % (self.target_host, ', '.join(sorted(entry[0] for entry in self.provenance))))
            name, identity = self.target
        else:
            # Once per part: the strength of a baseline is the sum of its parts'.
            items = self._parts[self.vendor].items
            part_strength = {number: strength(items[number])
                             for number in set(itertools.chain.from_iterable(d.parts for d in self.distinct.values()))}
            weakest = min(self.distinct.values(),
                          key=lambda d: (sum(map(part_strength.__getitem__, d.parts)), d.identity_host))
            name, identity = weakest.identity_host, weakest.identity
        return name, self.entries.registers(identity)

    def registers_of(self, distinct):
        """The baseline registers of one of ``distinct``'s hosts."""
        return self._parts[self.vendor].registers(distinct.parts)

    def views(self):
        return {entry[2] for entry in self.provenance}


def check_unique_hosts(hosts):
    """Refuse ``[(host, facts)]`` that names a host twice: answers are keyed by host name."""
    counts = collections.Counter(host for host, _facts in hosts)
    twice = sorted(str(name) for name, count in counts.items() if count > 1)
    if twice:
        raise VmcpuError('host(s) %s given more than once.' % ', '.join(twice))


def fleets_by_vendor(hosts):
    """One ``Fleet`` per CPU vendor of ``hosts`` (``[(host, facts)]``), every host added: for
    questions about a whole fleet, where hosts of different vendors are simply never in one pool."""
    fleets = {}
    for host, facts in hosts:
        vendor = facts.get('vendor') if isinstance(facts, dict) else None
        fleets.setdefault(vendor, Fleet()).add(host, facts)
    return list(fleets.values())

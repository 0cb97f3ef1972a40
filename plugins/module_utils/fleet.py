# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fleet of hosts folded one by one into its distinct baselines.

Real fleets are made of few CPU models, so thousands of hosts reduce to a handful of distinct
baselines, each with the list of its hosts. The merge, the choice of the target host, the
explanation and the toggle checks then run over the distinct baselines only, and no host view is
kept once its baseline is known, which keeps time and memory flat in the number of hosts.
"""

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.host_view import host_view
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile_merge import host_baseline, merge_all

VENDOR_STRINGS = {'intel': 'GenuineIntel', 'amd': 'AuthenticAMD'}


class DistinctHost:
    """One distinct baseline, the hosts that have it, and the CPUID of its first host by name
    (the identity the profile takes when this baseline is the target)."""

    def __init__(self, baseline, name, identity):
        self.baseline = baseline
        self.hosts = [name]
        self.identity_host = name
        self.identity = identity

    def add(self, name, identity):
        self.hosts.append(name)
        if name < self.identity_host:
            self.identity_host, self.identity = name, identity


class Fleet:
    """Hosts added with ``add(name, facts)``; read the results once every host is in."""

    def __init__(self, target_host=None):
        self.target_host = target_host
        self.target = None                 # (name, identity registers) of target_host once seen
        self.distinct = {}                 # frozenset of baseline registers -> DistinctHost
        self.vendors = {}                  # vendor -> host names
        self.keys_seen = set()             # register keys any host reported (passthrough output)
        self.provenance = []               # (name, fingerprint digest, view, source, fingerprint) per host
        self.msr_index = None              # intersection of the known KVM MSR index lists
        self._parse_cache = {}
        self._baseline_cache = {}
        self._groups_seen = set()

    def add(self, name, facts):
        view = host_view(name, facts, self._parse_cache)
        self.vendors.setdefault(view.vendor, []).append(name)
        self.provenance.append((name, view.fingerprint_digest, view.view, view.source, view.fingerprint))
        if view.msr_index is not None:
            self.msr_index = view.msr_index if self.msr_index is None else self.msr_index & view.msr_index
        for group in view.groups:
            if id(group) not in self._groups_seen:
                self._groups_seen.add(id(group))
                self.keys_seen.update(group)
        # Identical CPUs share their parsed groups (host_view's cache), hence this cache by identity.
        group_ids = (view.vendor,) + tuple(id(group) for group in view.groups)
        if group_ids not in self._baseline_cache:
            baseline = host_baseline(view)
            self._baseline_cache[group_ids] = (baseline, frozenset(baseline.registers.items()))
        baseline, signature = self._baseline_cache[group_ids]
        identity = view.groups[0]
        if signature in self.distinct:
            self.distinct[signature].add(name, identity)
        else:
            self.distinct[signature] = DistinctHost(baseline, name, identity)
        if name == self.target_host:
            self.target = (name, identity)

    @property
    def vendor(self):
        """The one vendor of the fleet; refuses an empty or mixed fleet."""
        if not self.vendors:
            raise VmcpuError('no hosts given: a profile needs the facts of at least one host.')
        if len(self.vendors) > 1:
            raise VmcpuError('hosts of different CPU vendors cannot share a profile: %s.' % '; '.join(
                '%s: %s' % (VENDOR_STRINGS[vendor], ', '.join(names))
                for vendor, names in sorted(self.vendors.items())))
        return next(iter(self.vendors))

    def cluster(self):
        """The meet of every host."""
        return merge_all(distinct.baseline for distinct in self.distinct.values())

    def choose_target(self, strength):
        """``(name, identity registers)`` of the target host: ``target_host``, or the first host by
        name of the weakest distinct baseline (``strength(baseline)`` counts its feature bits)."""
        if self.target_host is not None:
            if self.target is None:
                raise VmcpuError('target_host %s is not one of the profile hosts (%s).'
                                 % (self.target_host, ', '.join(sorted(entry[0] for entry in self.provenance))))
            return self.target
        weakest = min(self.distinct.values(), key=lambda d: (strength(d.baseline), d.identity_host))
        return weakest.identity_host, weakest.identity

    def views(self):
        return {entry[2] for entry in self.provenance}

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Profiles of slices of a fleet, merged into the profile of the whole fleet.

A profile's registers alone cannot be merged exactly: its explanation names only the first hosts
below each best value, static fields hide what the hosts had, and the target host is the weakest of
all hosts. So a partial profile (``partial=True``) also carries its merge inputs: each distinct CPU of
its hosts once (the guest-view CPUID entries and feature MSRs the engine reads, ``host_view``) and
which host has which. Merging rebuilds each host from those inputs and its provenance entry
(fingerprint, view, source) and runs the one engine over all of them, so the merge of any partition
of a fleet, in any grouping and order, is the profile of the whole fleet: the same digest.
"""

import json

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import build_profile, profile_digest
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.host_view import FACTS_SCHEMA_VERSION

HOW_TO_PARTIAL = ('compute each slice with partial=true (the cluster_profile lookup or filter, '
                  'or generate_profile.yml -e profile_partial=true)')


def _cpu_input(facts):
    """What ``host_view`` reads of a host's CPU, without the host's name, fingerprint or source."""
    kvm = facts['kvm']
    if kvm.get('available'):
        return {'vendor': facts['vendor'], 'kvm': {key: kvm[key] for key in ('supported_cpuid', 'feature_msrs', 'msr_index_list')}}
    return {'vendor': facts['vendor'], 'groups': [group['cpuid'] for group in facts['raw_cpuid']['groups']],
            'dump_msrs': facts['dump_msrs']}


def merge_inputs(hosts):
    """The ``merge_inputs`` of a partial profile of ``hosts`` (``[(host, facts)]``): ``cpus``, each
    distinct CPU input once (sorted by content), and ``hosts``, host name -> index in ``cpus``."""
    by_content = {}
    for name, facts in hosts:
        cpu = _cpu_input(facts)
        by_content.setdefault(json.dumps(cpu, sort_keys=True, separators=(',', ':')), (cpu, []))[1].append(name)
    cpus, host_cpu = [], {}
    for index, content in enumerate(sorted(by_content)):
        cpu, names = by_content[content]
        cpus.append(cpu)
        host_cpu.update((name, index) for name in names)
    return {'cpus': cpus, 'hosts': dict(sorted(host_cpu.items()))}


def with_merge_inputs(profile, hosts):
    """``profile`` made partial: its merge inputs added, its digest recomputed over them."""
    profile['merge_inputs'] = merge_inputs(hosts)
    profile['digest'] = profile_digest(profile)
    return profile


def _host_facts(cpu, provenance):
    """Facts that ``host_view`` reads as it read the original host's."""
    fingerprint = provenance['fingerprint']
    facts = {
        'schema_version': FACTS_SCHEMA_VERSION, 'vendor': cpu['vendor'], 'source': provenance['source'],
        'fingerprint': {'digest': provenance['fingerprint_digest'], 'kernel': fingerprint['kernel'],
                        'microcode': fingerprint['microcode'], 'kvm_parameters': fingerprint['kvm_parameters'],
                        'bios': {'version': fingerprint['bios_version'], 'date': fingerprint['bios_date']}},
    }
    if 'kvm' in cpu:
        facts['kvm'] = dict(cpu['kvm'], available=True)
    else:
        facts.update(kvm={'available': False}, dump_msrs=cpu['dump_msrs'],
                     raw_cpuid={'groups': [{'cpuid': entries} for entries in cpu['groups']]})
    return facts


def _slice_hosts(profile, label):
    """``[(host, facts)]`` of one partial profile."""
    inputs = profile.get('merge_inputs')
    if inputs is None:
        raise VmcpuError('%s has no merge inputs, so it cannot be merged exactly: %s.' % (label, HOW_TO_PARTIAL))
    provenance = {host['name']: host for host in profile['provenance']['hosts']}
    if set(provenance) != set(inputs['hosts']):
        raise VmcpuError('%s is inconsistent: its merge inputs and its provenance list different hosts (%s); '
                         'compute it again.' % (label, ', '.join(sorted(set(provenance) ^ set(inputs['hosts'])))))
    hosts = []
    for name, index in sorted(inputs['hosts'].items()):
        if not 0 <= index < len(inputs['cpus']):
            raise VmcpuError('%s is inconsistent: host %s refers to CPU %d of %d; compute it again.'
                             % (label, name, index, len(inputs['cpus'])))
        cpu = inputs['cpus'][index]
        if 'kvm' not in cpu and 'groups' not in cpu:
            raise VmcpuError('%s is inconsistent: CPU %d of its merge inputs has neither a KVM view nor CPUID groups; '
                             'compute it again.' % (label, index))
        hosts.append((name, _host_facts(cpu, provenance[name])))
    return hosts


def merge_profiles(profiles, name, partial=False, target_host=None, min_level=None):
    """The profile of every host of the partial ``profiles`` together, as ``build_profile`` makes it
    from their facts in one pass; with ``partial`` it is partial again, for a further merge. The
    toggles and policies of the slices must be the same; they carry over."""
    if not profiles:
        raise VmcpuError('no profiles given: merge_profiles needs at least one partial profile.')
    labels = ['profile %s (item %d)' % (profile['name'], number) for number, profile in enumerate(profiles, 1)]
    settings = {(tuple(p['provenance']['features']), tuple(sorted(p['provenance']['policies'].items()))) for p in profiles}
    if len(settings) > 1:
        made = ['%s: features %s, policies %s' % (label, p['provenance']['features'] or 'none', p['provenance']['policies'] or 'none')
                for label, p in zip(labels, profiles)]
        raise VmcpuError('the profiles were made with different toggles or policies (%s); slices of one fleet '
                         'take the same ones.' % '; '.join(made))
    hosts, seen = [], {}
    for label, profile in zip(labels, profiles):
        for host, facts in _slice_hosts(profile, label):
            if host in seen:
                raise VmcpuError('host %s is in %s and in %s: slices of a fleet do not overlap.' % (host, seen[host], label))
            seen[host] = label
            hosts.append((host, facts))
    features, policies = profiles[0]['provenance']['features'], profiles[0]['provenance']['policies']
    merged = build_profile(hosts, name, features=features, target_host=target_host, policies=policies,
                           min_level=min_level)
    return with_merge_inputs(merged, hosts) if partial else merged

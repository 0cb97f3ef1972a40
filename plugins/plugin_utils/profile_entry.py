# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one controller entry to the profile engine, shared by the lookup and the filter.

Inputs are collected and validated (facts schema), the profile is built, and the result is
validated against the profile schema before anyone sees it.
"""

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError, kind_of
from ansible_collections.vmcpu.profiles.plugins.module_utils.file_names import check_profile_name
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import build_profile
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.fleet import cyclic_gc_paused
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.slices import merge_profiles, with_merge_inputs
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.facts_reader import FactsReader
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.host_inputs import located_hosts, mapping_hosts, read_hosts
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.schemas import PROFILE, validate


@cyclic_gc_paused()
def compute_profile(terms, hostvars=None, name=None, features=(), target_host=None, allow_missing=False,
                    policies=None, min_level=None, partial=False):
    """Profile of the hosts named or pointed to by ``terms`` (see ``host_inputs.located_hosts``); with
    ``partial``, with the merge inputs of ``profile.slices``."""
    check_profile_name(name)
    located = located_hosts(terms or (), hostvars=hostvars, allow_missing=allow_missing)
    return _built(located, name, features, target_host, policies, min_level, partial)


@cyclic_gc_paused()
def profile_from_facts(facts_by_host, name, features=(), target_host=None, policies=None, min_level=None, partial=False):
    """Profile of ``{host: facts}`` (e.g. a dict built in a play); each facts document is validated."""
    check_profile_name(name)
    return _built(mapping_hosts(facts_by_host), name, features, target_host, policies, min_level, partial)


def merged_profile(profiles, name, partial=False, target_host=None, min_level=None):
    """The fleet profile of partial profiles of its slices (``profile.slices``); each is validated first."""
    check_profile_name(name)
    if not isinstance(profiles, (list, tuple)):
        raise VmcpuError('expected a list of partial profiles, got %s.' % kind_of(profiles))
    for number, profile in enumerate(profiles, 1):
        validate(profile, PROFILE, 'profile %d of the list' % number)
    return _validated(merge_profiles(list(profiles), name, partial=partial, target_host=target_host,
                                     min_level=min_level))


def _built(located, name, features, target_host, policies, min_level, partial):
    """The profile of ``located`` hosts (``host_inputs.located_hosts``): the engine takes each host
    in as soon as it is validated, reading its entries with the table that validated them."""
    reader = FactsReader()
    hosts = read_hosts(located, reader)
    if partial:
        hosts = list(hosts)  # read again for the merge inputs
    profile = build_profile(hosts, name, features=features or (), target_host=target_host, policies=policies,
                            min_level=min_level, entries=reader.table)
    return _validated(with_merge_inputs(profile, hosts) if partial else profile)


def _validated(profile):
    validate(profile, PROFILE, 'profile %s' % profile['name'])
    return profile

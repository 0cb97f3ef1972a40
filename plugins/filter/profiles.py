# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters on the profile engine: build a profile from a facts mapping, render its report."""

from ansible.errors import AnsibleFilterError

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.report import profile_report
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.profile_entry import profile_from_facts
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.schemas import PROFILE, validate


def cluster_profile(facts_by_host, name, features=None, target_host=None, policies=None):
    try:
        return profile_from_facts(facts_by_host, name, features=features or (), target_host=target_host,
                                  policies=policies)
    except VmcpuError as exc:
        raise AnsibleFilterError('vmcpu.profiles.cluster_profile: %s' % exc) from None


def report(profile):
    try:
        validate(profile, PROFILE, 'the profile given to profile_report')
    except VmcpuError as exc:
        raise AnsibleFilterError('vmcpu.profiles.profile_report: %s' % exc) from None
    return profile_report(profile)


class FilterModule:
    def filters(self):
        return {'cluster_profile': cluster_profile, 'profile_report': report}

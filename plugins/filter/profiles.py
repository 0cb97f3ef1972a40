# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters on the profile engine: build a profile from a facts mapping or merge partial ones, render its report (Markdown or HTML) and summary."""

import glob
import json
import os

from ansible.errors import AnsibleFilterError

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.named_models import named_models
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import VENDOR_IDS
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.feature_matrix import check_matrix
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.host_view import check_facts_version, facts_level, unwrap_facts
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.report import profile_html, profile_report, profile_summary
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.profile_entry import merged_profile, profile_from_facts
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.schemas import HOST_FACTS, PROFILE, validate


def cluster_profile(facts_by_host, name, features=None, target_host=None, policies=None, min_level=None, partial=False):
    try:
        return profile_from_facts(facts_by_host, name, features=features or (), target_host=target_host,
                                  policies=policies, min_level=min_level, partial=partial)
    except VmcpuError as exc:
        raise AnsibleFilterError('vmcpu.profiles.cluster_profile: %s' % exc) from None


def merge_profiles(profiles, name, partial=False, target_host=None, min_level=None):
    try:
        return merged_profile(profiles, name, partial=partial, target_host=target_host, min_level=min_level)
    except VmcpuError as exc:
        raise AnsibleFilterError('vmcpu.profiles.merge_profiles: %s' % exc) from None


# The profiles the collection ships (scripts/bundled-profiles.sh), next to the plugins.
BUNDLED_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, 'bundled_profiles')


def _bundled():
    profiles = {}
    for path in sorted(glob.glob(os.path.join(BUNDLED_DIR, '*.json'))):
        with open(path) as handle:
            profiles[os.path.basename(path)[:-len('.json')]] = json.load(handle)
    return profiles


def _report(profile):
    return profile_report(profile, named_models(profile, _bundled()))


def _html_report(profile, matrix=None):
    if matrix is not None:
        check_matrix(matrix, profile)
    return profile_html(profile, named_models(profile, _bundled()), matrix)


def host_level(facts):
    """The x86-64 level of a host's facts (``ansible_facts.vmcpu``), or a word for why it has none."""
    try:
        facts = unwrap_facts(facts)
        check_facts_version('given to host_level', facts)
        validate(facts, HOST_FACTS, 'the facts given to host_level')
        level = facts_level(facts)
    except VmcpuError as exc:
        raise AnsibleFilterError('vmcpu.profiles.host_level: %s' % exc) from None
    return level or ('below x86-64' if facts['vendor'] in VENDOR_IDS else 'no x86-64 level known')


def _rendered(render, filter_name):
    def rendered(profile, *args):
        try:
            validate(profile, PROFILE, 'the profile given to %s' % filter_name)
            return render(profile, *args)
        except VmcpuError as exc:
            raise AnsibleFilterError('vmcpu.profiles.%s: %s' % (filter_name, exc)) from None
    return rendered


class FilterModule:
    def filters(self):
        return {'cluster_profile': cluster_profile, 'profile_report': _rendered(_report, 'profile_report'),
                'profile_html': _rendered(_html_report, 'profile_html'),
                'profile_summary': _rendered(profile_summary, 'profile_summary'), 'host_level': host_level,
                'merge_profiles': merge_profiles}

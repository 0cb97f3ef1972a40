# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The profile filters that need Ansible: host_level and profile_html, their answers and their
refusals by message."""

import copy

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.vmcpu.profiles.plugins.filter.profiles import FilterModule
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.host_facts import gather_facts
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import build_profile
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.feature_matrix import feature_matrix
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.host_view import facts_level

FILTERS = FilterModule().filters()


def test_host_level_is_the_level_of_the_facts_and_refuses_what_are_not_facts():
    facts = gather_facts(kvm='skip')
    assert FILTERS['host_level'](facts) == facts_level(facts)
    assert FILTERS['host_level']({'vmcpu': facts}) == facts_level(facts)
    with pytest.raises(AnsibleFilterError, match=r'^vmcpu\.profiles\.host_level: host given to host_level: facts are not '
                                                 r'a mapping \(got list\)'):
        FILTERS['host_level']([])


@pytest.fixture(scope='module')
def pool(xeon_generations):
    profile = build_profile(xeon_generations, 'pool')
    return profile, feature_matrix(profile, xeon_generations)


def test_profile_html_with_and_without_the_matrix(pool):
    profile, matrix = pool
    page = FILTERS['profile_html'](profile, matrix)
    assert page.startswith('<!DOCTYPE html>') and 'id="feature-matrix"' in page
    assert all('<code>%s</code>' % row['name'] in page for row in matrix['rows'])
    assert 'feature-matrix' not in FILTERS['profile_html'](profile)


def test_profile_html_refuses_a_matrix_of_another_profile_or_a_broken_one(pool, xeon_generations):
    profile, matrix = pool
    other = build_profile(xeon_generations[:2], 'other')
    with pytest.raises(AnsibleFilterError, match=r'^vmcpu\.profiles\.profile_html: the matrix given is not the '
                                                 r'feature_matrix of profile other \(digest sha256:'):
        FILTERS['profile_html'](other, matrix)
    with pytest.raises(AnsibleFilterError, match=r'is not the feature_matrix of profile pool'):
        FILTERS['profile_html'](profile, ['not', 'a', 'matrix'])
    broken = copy.deepcopy(matrix)
    del broken['rows'][0]['values']
    with pytest.raises(AnsibleFilterError, match=r"the matrix given is malformed: row 0 must be \{name, location, section "
                                                 r"\(one of lowered, raised, fixed\), flag, profile, best, values: "
                                                 r"\[numbers\]\}; pass what"):
        FILTERS['profile_html'](profile, broken)
    short = copy.deepcopy(matrix)
    short['rows'][1]['values'].pop()
    with pytest.raises(AnsibleFilterError, match=r"malformed: row %s has %d values for %d columns" % (
            short['rows'][1]['name'], len(short['columns']) - 1, len(short['columns']))):
        FILTERS['profile_html'](profile, short)
    for change in (lambda m: m['columns'][0].update(hosts='abc'), lambda m: m['rows'][0].update(section='elsewhere'),
                   lambda m: m['columns'][0].update(model=None), lambda m: m.pop('left_out')):
        odd = copy.deepcopy(matrix)
        change(odd)
        with pytest.raises(AnsibleFilterError, match=r'^vmcpu\.profiles\.profile_html: the matrix given is malformed: '):
            FILTERS['profile_html'](profile, odd)
    with pytest.raises(AnsibleFilterError, match=r'^vmcpu\.profiles\.profile_html: the profile given to profile_html'):
        FILTERS['profile_html']({'name': 'x'}, matrix)

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The profile report: its sections hold every field the hosts differ on and every feature that is
off exactly once, and add up to the summary line generate_profile.yml prints."""

import re

import pytest
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import build_profile
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.report import profile_report, profile_summary

DIFFERING = ('Lowered because some hosts lack them', 'Vulnerability flags set because some hosts have the bug',
             'Set by policy or toggle where the hosts differ')
SUMMARY = re.compile(r'^profile (\S+) \((\w+), (\d+) hosts, ([\w-]+)\): (\d+) features kept, (\d+) fields lowered by '
                     r'some host, (\d+) vulnerability flags set by some host, (\d+) fields set by policy where hosts differ, (\d+) '
                     r'features off; digest (sha256:\w+)$')


def _sections(report):
    """``{title: (count in the heading, names listed)}``; the names are a section's `name` cells, or
    for the kept features its one line."""
    sections = {}
    for block in report.split('\n## ')[1:]:
        heading, _blank, body = block.partition('\n')
        title, count = re.match(r'^(.*) \((\d+)\)$', heading).groups() if heading.endswith(')') else (heading, None)
        names = re.findall(r'`([^`]+)`', body) if title.startswith('Kept') else re.findall(r'^\| `([^`]+)` \|', body, re.M)
        sections[title] = (int(count) if count else None, names)
    return sections


@pytest.fixture(scope='module', params=['fleet', 'toggled'])
def profile(request, xeon_generations):
    """Five Xeon generations, as they are and with toggles."""
    return build_profile(xeon_generations, 'fleet', features=['-avx2', '-rtm'] if request.param == 'toggled' else ())


def test_sections_partition_the_differing_fields_and_the_features_off(profile):
    sections = _sections(profile_report(profile))
    assert all(count == len(names) for title, (count, names) in sections.items() if count is not None), sections
    differing = {name for name, entry in profile['explanation'].items() if entry['limited_by']}
    listed = [name for title in DIFFERING for name in sections[title][1]]
    assert sorted(listed) == sorted(differing) and len(listed) == len(set(listed))
    off = [name for title, (_count, names) in sections.items() if title.startswith(('Off', 'XSAVE')) for name in names]
    assert sorted(off) == sorted(profile['disabled']) and len(off) == len(set(off))
    assert sections['Kept features'][1] == profile['features']


def test_the_summary_counts_are_the_sections_counts(profile):
    report = profile_report(profile)
    summary = SUMMARY.match(profile_summary(profile))
    assert summary, profile_summary(profile)
    assert report.split('\n')[2] == profile_summary(profile)
    sections = _sections(report)
    kept, lowered, raised, fixed, off = (int(summary.group(n)) for n in (5, 6, 7, 8, 9))
    assert kept == sections['Kept features'][0]
    assert [lowered, raised, fixed] == [sections[title][0] for title in DIFFERING]
    assert off == sum(count for title, (count, _names) in sections.items() if title.startswith(('Off', 'XSAVE')))
    assert summary.group(4) == profile['x86_64_level']


def test_a_profile_of_an_earlier_release_gets_its_level_from_its_features(profile):
    """Profiles made before x86_64_level existed still say their level, not "below the baseline"."""
    older = {key: value for key, value in profile.items() if key != 'x86_64_level'}
    assert SUMMARY.match(profile_summary(older)).group(4) == profile['x86_64_level']
    assert '\n- x86-64 level: %s\n' % profile['x86_64_level'] in profile_report(older)

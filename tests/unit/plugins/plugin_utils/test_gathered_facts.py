# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The facts of a play's hosts on the controller (plugin_utils.gathered_facts, behind the action
facts_files and the filters facts_age and facts_stale): age, staleness, summaries, facts files."""

import datetime
import json
import os

import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.gathered_facts import (
    PlayFacts, facts_age, facts_stale, shown_age)

NOW = datetime.datetime(2026, 12, 2, 12, 0, 0, tzinfo=datetime.timezone.utc)


@pytest.fixture
def hostvars(xeon_generations):
    """Two hosts: the first gathered an hour before NOW, the second cached without a time."""
    (first, first_facts), (second, second_facts) = xeon_generations[:2]
    return {first: {'ansible_facts': {'vmcpu': first_facts, 'vmcpu_gathered_at': '2026-12-02T11:00:00Z'}},
            second: {'ansible_facts': {'vmcpu': second_facts}}}


def test_age_and_staleness(hostvars):
    first, second = list(hostvars)
    assert facts_age(hostvars[first]['ansible_facts'], NOW) == 3600
    assert facts_age(hostvars[second]['ansible_facts'], NOW) is None
    assert facts_age({}, NOW) is None
    assert facts_age({'vmcpu_gathered_at': 'yesterday', 'vmcpu': {'x': 1}}, NOW) is None
    # No facts: always stale. Facts without a maximum age: fresh. Unknown age with one: stale.
    assert facts_stale({}) and facts_stale(None)
    assert not facts_stale(hostvars[second]['ansible_facts'])
    assert facts_stale(hostvars[second]['ansible_facts'], 10 ** 9, NOW)
    assert not facts_stale(hostvars[first]['ansible_facts'], 3600, NOW)
    assert facts_stale(hostvars[first]['ansible_facts'], 3599, NOW)


@pytest.mark.parametrize('seconds, shown', [(0, '0 s'), (119, '119 s'), (120, '2 min'), (7200, '2 h'),
                                            (3 * 86400 + 5, '3 d')])
def test_shown_age(seconds, shown):
    assert shown_age(seconds) == shown


def test_summary_says_where_the_facts_came_from(hostvars):
    first, second = list(hostvars)
    play = PlayFacts(list(hostvars), hostvars, gathered_now={second}, now=NOW)
    assert play.summary_line(first).endswith('; from the fact cache, gathered 60 min ago (2026-12-02T11:00:00Z)')
    assert play.summary_line(second).endswith('; gathered now')
    assert play.summary_line(first).startswith(first + ': GenuineIntel family ')


def test_missing_and_invalid_facts_are_refused_naming_the_host(hostvars):
    hostvars = dict(hostvars, ghost={'ansible_facts': {}})
    with pytest.raises(VmcpuError, match=r'no CPU facts for host\(s\) ghost, neither gathered in this play nor in the fact cache'):
        PlayFacts(list(hostvars), hostvars, gathered_now=set())
    first = next(iter(hostvars))
    broken = {first: {'ansible_facts': {'vmcpu': dict(hostvars[first]['ansible_facts']['vmcpu'], vendor=7)}}}
    with pytest.raises(VmcpuError, match='facts of host %s' % first):
        PlayFacts([first], broken, gathered_now=set())


def test_files_written_once_unchanged_kept_check_mode_writes_nothing(hostvars, tmp_path):
    play = PlayFacts(list(hostvars), hostvars, gathered_now=set(), now=NOW)
    folder = str(tmp_path / 'facts')
    changed, diffs = play.write_files(folder, check_mode=True, diff=True)
    assert sorted(changed) == sorted(name + '.json' for name in hostvars) and not os.path.exists(folder)
    assert [d['before'] for d in diffs] == ['', ''] and all(d['after'].endswith('}\n') for d in diffs)
    changed, _diffs = play.write_files(folder)
    assert len(changed) == 2
    for host in hostvars:
        path = os.path.join(folder, host + '.json')
        with open(path) as stream:
            assert json.load(stream) == hostvars[host]['ansible_facts']['vmcpu']
        assert os.stat(path).st_mode & 0o777 == 0o644
    assert play.write_files(folder) == ([], [])
    assert sorted(os.listdir(folder)) == sorted(host + '.json' for host in hostvars), 'temporary files left'


def test_unwritable_folder_is_an_error_naming_it(hostvars, tmp_path):
    blocker = tmp_path / 'plain'
    blocker.write_text('')
    play = PlayFacts(list(hostvars), hostvars, gathered_now=set())
    with pytest.raises(VmcpuError, match='cannot create the facts directory %s' % blocker):
        play.write_files(str(blocker))

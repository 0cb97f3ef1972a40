# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Names that become file names: profile names are plain or refused, host names are encoded."""

import os

import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.file_names import (
    check_profile_name, host_file_stem, host_from_file_stem,
)

hypothesis = pytest.importorskip('hypothesis')
st = pytest.importorskip('hypothesis.strategies')


@pytest.mark.parametrize('host, stem', [
    ('web01.example.com', 'web01.example.com'),
    ('../../../../victims/escaped-host', '%2E%2E%2F%2E%2E%2F%2E%2E%2F%2E%2E%2Fvictims%2Fescaped-host'),
    ('x\ny', 'x%0Ay'),
    ('x y;$(id)', 'x%20y%3B%24%28id%29'),
    ('.hidden', '%2Ehidden'),
    ('fe80::1', 'fe80%3A%3A1'),
    ('h%41', 'h%2541'),
])
def test_host_file_stem(host, stem):
    assert host_file_stem(host) == stem
    assert host_from_file_stem(stem) == host


@hypothesis.given(st.text(min_size=1, max_size=40))
def test_any_host_name_stays_in_its_folder_and_comes_back(host):
    stem = host_file_stem(host)
    assert os.path.basename(stem) == stem and stem not in ('.', '..') and not stem.startswith('.')
    assert '..' not in stem and all(c.isascii() and (c.isalnum() or c in '._-%') for c in stem)
    assert os.path.normpath(os.path.join('/facts', stem + '.json')).startswith('/facts/')
    assert host_from_file_stem(stem) == host


@pytest.mark.parametrize('name', ['x\ny', 'x y;$(id)', '../evil', '.hidden', 'a/b', 'a..b', '', 'x' * 129, 7])
def test_profile_names_that_are_not_plain_are_refused(name):
    with pytest.raises(VmcpuError, match='invalid profile name'):
        check_profile_name(name)


def test_a_plain_profile_name_is_accepted():
    check_profile_name('xeon-fleet_2.v1')

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lookup start_dir: the controller's working directory, whatever the environment says."""

import os

import pytest
from ansible.errors import AnsibleLookupError

from ansible_collections.vmcpu.profiles.plugins.lookup.start_dir import LookupModule


@pytest.fixture
def inside(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_working_directory_not_pwd(inside, monkeypatch):
    monkeypatch.setenv('PWD', '/somewhere/else')
    assert LookupModule().run([]) == [str(inside)]
    monkeypatch.delenv('PWD')
    assert LookupModule().run([]) == [str(inside)]


def test_terms_are_refused(inside):
    with pytest.raises(AnsibleLookupError, match='takes no terms'):
        LookupModule().run(['facts'])


def test_a_removed_directory_is_a_clear_error(inside):
    gone = inside / 'gone'
    gone.mkdir()
    os.chdir(gone)
    gone.rmdir()
    with pytest.raises(AnsibleLookupError, match='is gone .*start it from an existing directory'):
        LookupModule().run([])

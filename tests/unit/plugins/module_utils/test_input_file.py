# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""read_input: what a message says about the path it could not read."""

import os

import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.input_file import InputFileError, read_input


def test_a_relative_path_is_shown_with_where_it_was_looked_for(tmp_path, monkeypatch):
    monkeypatch.chdir(str(tmp_path))
    with pytest.raises(InputFileError) as caught:
        read_input('dumps/h1.xml', 1024, what='dump file')
    assert str(caught.value) == 'dump file dumps/h1.xml (a relative path: %s) does not exist.' % (
        tmp_path / 'dumps' / 'h1.xml')
    assert caught.value.kind == 'missing' and caught.value.reason == 'does not exist'


def test_an_absolute_path_is_shown_as_it_is(tmp_path):
    with pytest.raises(InputFileError, match='^dump file %s does not exist[.]$' % os.path.join(str(tmp_path), 'x')):
        read_input(os.path.join(str(tmp_path), 'x'), 1024, what='dump file')


def test_a_file_over_the_limit_is_refused_unread(tmp_path):
    path = tmp_path / 'big.json'
    with open(str(path), 'wb') as stream:
        stream.truncate(3 << 20)  # sparse: nothing is written, the size is what counts
    with pytest.raises(InputFileError) as caught:
        read_input(str(path), 2 << 20, what='gate file')
    assert str(caught.value) == 'gate file %s is larger than 2 MiB.' % path and caught.value.kind == 'too_large'


def test_a_relative_dump_or_facts_path_says_where_it_was_looked_for(tmp_path, monkeypatch):
    from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
    from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.dump_import import load_dump
    from ansible_collections.vmcpu.profiles.plugins.module_utils.json_file import read_json_file
    monkeypatch.chdir(str(tmp_path))
    with pytest.raises(VmcpuError, match=r'^h1\.xml \(a relative path: %s\): no such file' % (tmp_path / 'h1.xml')):
        load_dump('h1.xml')
    with pytest.raises(VmcpuError, match=r'^facts file h1\.json \(a relative path: %s\) does not exist; write it'
                       % (tmp_path / 'h1.json')):
        read_json_file('h1.json', 'facts file', 'write it with playbooks/gather.yml')

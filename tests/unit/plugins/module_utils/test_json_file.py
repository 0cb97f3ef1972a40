# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Facts and profile files: one clear message per way a file can be unusable, and no hang."""

import os

import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.json_file import read_json_file


def _error(path):
    with pytest.raises(VmcpuError) as caught:
        read_json_file(str(path), 'facts file', 'write it with playbooks/gather.yml')
    return str(caught.value)


def test_a_document_with_a_bom_is_read(tmp_path):
    path = tmp_path / 'bom.json'
    path.write_bytes(b'\xef\xbb\xbf{"a": [1, 2]}')
    assert read_json_file(str(path), 'facts file', '') == {'a': [1, 2]}


def test_missing(tmp_path):
    path = tmp_path / 'h.json'
    assert _error(path) == 'facts file %s does not exist; write it with playbooks/gather.yml.' % path


def test_fifo_is_refused_without_waiting(tmp_path):
    path = tmp_path / 'h.json'
    os.mkfifo(str(path))
    assert _error(path) == 'facts file %s is a FIFO (named pipe), not a facts file.' % path


def test_directory_is_refused(tmp_path):
    assert _error(tmp_path) == 'facts file %s is a directory, not a facts file.' % tmp_path


def test_duplicate_keys_are_refused(tmp_path):
    path = tmp_path / 'h.json'
    path.write_text('{"vendor": "GenuineIntel", "cpuid": {"vendor": "x"}, "vendor": "AuthenticAMD"}')
    assert _error(path) == ("facts file %s has the key 'vendor' twice in one object; a file with duplicate keys "
                            "is refused, since readers disagree on which one counts." % path)


def test_deep_nesting_names_the_file(tmp_path):
    path = tmp_path / 'h.json'
    path.write_text('[' * 100000 + ']' * 100000)
    assert _error(path) == 'facts file %s nests too deeply to be a facts file.' % path


def test_not_utf8(tmp_path):
    path = tmp_path / 'h.json'
    path.write_bytes(b'{"a": "\xff"}')
    assert _error(path) == 'facts file %s is not UTF-8 text (byte 7).' % path

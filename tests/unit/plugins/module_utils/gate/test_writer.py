# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gate's reader and lock never go through a link or block on a planted file."""

import os

import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.gate import writer
from ansible_collections.vmcpu.profiles.plugins.module_utils.gate.lock import gate_lock
from ansible_collections.vmcpu.profiles.plugins.module_utils.gate.record import read_record


def test_read_gate_file_of_a_missing_file_is_none(tmp_path):
    assert writer.read_gate_file(str(tmp_path / 'migration.json')) is None


def test_bytes_that_are_not_utf8_are_read_as_they_are_and_are_no_record(tmp_path):
    path = tmp_path / 'migration.json'
    path.write_bytes(b'{"a": "\xff"}')
    assert writer.read_gate_file(str(path)) == b'{"a": "\xff"}'
    assert read_record(writer.read_gate_file(str(path))) is None


def test_a_record_nested_too_deeply_is_no_record():
    assert read_record('[' * 100000) is None and read_record(b'{"a": 1}') == {'a': 1}


def test_read_gate_file_refuses_a_symlink_without_reading_its_target(tmp_path):
    secret = tmp_path / 'secret'
    secret.write_text('private')
    link = tmp_path / 'migration.json'
    link.symlink_to(secret)
    with pytest.raises(VmcpuError, match='migration.json is a symbolic link; the gate never writes or reads through'):
        writer.read_gate_file(str(link))


def test_read_gate_file_refuses_a_fifo_without_blocking(tmp_path):
    fifo = tmp_path / 'migration.json'
    os.mkfifo(str(fifo))
    with pytest.raises(VmcpuError, match='migration.json is not a regular file'):
        writer.read_gate_file(str(fifo))


def test_the_lock_refuses_a_symlink_and_creates_nothing_elsewhere(tmp_path):
    target = tmp_path / 'elsewhere'
    lock = tmp_path / '.gate.lock'
    lock.symlink_to(target)
    with pytest.raises(VmcpuError, match='the gate lock .* is a symbolic link'):
        with gate_lock(str(lock), 1):
            pass
    assert not target.exists()


def test_the_lock_refuses_a_fifo_without_blocking(tmp_path):
    lock = tmp_path / '.gate.lock'
    os.mkfifo(str(lock))
    with pytest.raises(VmcpuError, match='is not a regular file'):
        with gate_lock(str(lock), 1):
            pass


def test_read_gate_file_refuses_a_planted_huge_file(tmp_path):
    path = tmp_path / 'migration.json'
    with open(str(path), 'wb') as stream:
        stream.truncate(writer.MAX_GATE_FILE_BYTES + 1)
    with pytest.raises(VmcpuError, match='^gate file %s is larger than 16 MiB[.]$' % path):
        writer.read_gate_file(str(path))

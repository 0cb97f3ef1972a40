# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gate's file writer and lock never go through a link or block on a planted file, and a failed
write leaves nothing behind."""

import errno
import os

import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.gate import writer
from ansible_collections.vmcpu.profiles.plugins.module_utils.gate.lock import gate_lock


def test_read_text_of_a_missing_file_is_none(tmp_path):
    assert writer.read_text(str(tmp_path / 'migration.json')) is None


def test_read_text_replaces_bytes_that_are_not_utf8(tmp_path):
    path = tmp_path / 'migration.json'
    path.write_bytes(b'{"a": "\xff"}')
    assert writer.read_text(str(path)) == '{"a": "\ufffd"}'


def test_read_text_refuses_a_symlink_without_reading_its_target(tmp_path):
    secret = tmp_path / 'secret'
    secret.write_text('private')
    link = tmp_path / 'migration.json'
    link.symlink_to(secret)
    with pytest.raises(VmcpuError, match='migration.json is a symbolic link; the gate never writes or reads through'):
        writer.read_text(str(link))


def test_read_text_refuses_a_fifo_without_blocking(tmp_path):
    fifo = tmp_path / 'migration.json'
    os.mkfifo(str(fifo))
    with pytest.raises(VmcpuError, match='migration.json is not a regular file'):
        writer.read_text(str(fifo))


def test_temp_files_are_new_and_unpredictable(tmp_path):
    target = tmp_path / 'fleet.json'
    outside = tmp_path / 'outside'
    outside.write_text('keep')
    # The old fixed temp name, planted as a link: never used.
    (tmp_path / ('.fleet.json.%d.tmp' % os.getpid())).symlink_to(outside)
    temp = writer._written_temp_file(str(target), 'new text')
    assert os.path.dirname(temp) == str(tmp_path) and not os.path.islink(temp)
    assert open(temp).read() == 'new text' and outside.read_text() == 'keep'


def test_a_failed_write_leaves_no_temp_file(tmp_path, monkeypatch):
    def disk_full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(writer.os, 'fsync', disk_full)
    with pytest.raises(VmcpuError, match=r'cannot write .*fleet.json: No space left on device; nothing was replaced'):
        writer._written_temp_file(str(tmp_path / 'fleet.json'), 'text')
    assert os.listdir(str(tmp_path)) == []


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


def test_leftovers_of_killed_runs_are_removed_and_nothing_else(tmp_path):
    target = tmp_path / 'fleet.json'
    outside = tmp_path / 'outside'
    outside.write_text('keep')
    leftovers = [tmp_path / '.fleet.json.4242.tmp', tmp_path / '.fleet.json.k3j_x9q.tmp']
    for path in leftovers:
        path.write_text('half a file')
    (tmp_path / '.fleet.json.link.tmp').symlink_to(outside)
    kept = [tmp_path / 'fleet.json', tmp_path / '.fleet.jsonx.tmp', tmp_path / '.other.json.1.tmp', tmp_path / 'fleet.json.tmp']
    for path in kept:
        path.write_text('not ours')
    removed = writer.remove_leftovers(str(target))
    assert removed == sorted([str(path) for path in leftovers] + [str(tmp_path / '.fleet.json.link.tmp')])
    assert sorted(os.listdir(str(tmp_path))) == sorted(['outside'] + [path.name for path in kept])
    assert outside.read_text() == 'keep'


def test_no_folder_no_leftovers(tmp_path):
    assert writer.remove_leftovers(str(tmp_path / 'absent' / 'fleet.json')) == []

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migration gate's host-side helpers: paths, record, checked_at kept, and the lock."""

import multiprocessing
import os
import re
import time

import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.gate.lock import gate_lock
from ansible_collections.vmcpu.profiles.plugins.module_utils.gate.paths import (
    export_files, gate_dir, lock_path, profile_relpath)
from ansible_collections.vmcpu.profiles.plugins.module_utils.gate.record import keep_checked_at, new_record, read_record, record_text

PROFILE = {'name': 'fleet', 'digest': 'sha256:' + 'a' * 64}


def test_gate_paths_under_root():
    assert gate_dir('/srv/h1') == '/srv/h1/etc/vmcpu' and gate_dir('') == '/etc/vmcpu'
    assert lock_path('/srv/h1/etc/vmcpu') == '/srv/h1/etc/vmcpu/.gate.lock'
    assert profile_relpath('fleet') == 'profiles/fleet.json'


def test_a_relative_root_is_refused():
    with pytest.raises(VmcpuError, match="the gate root 'srv/h1' is a relative path; give an absolute one"):
        gate_dir('srv/h1')


@pytest.mark.parametrize('name', ['../evil', 'a/b', '..', '.hidden', '', 'x..y', None, 'x\ny', 'x y;$(id)'])
def test_profile_names_that_leave_the_folder_are_refused(name):
    with pytest.raises(VmcpuError, match='invalid profile name'):
        profile_relpath(name)


def test_export_files_go_next_to_the_deployed_profile():
    assert export_files('fleet', {'fleet.cpuid.json': '{}', 'fleet.msr.json': '{}\n'}) == {
        'fleet.cpuid.json': ('profiles/fleet.cpuid.json', b'{}\n'), 'fleet.msr.json': ('profiles/fleet.msr.json', b'{}\n')}


@pytest.mark.parametrize('file_name', ['fleet.json', 'other.cpuid.json', 'fleet.x/../../y', 'fleet.', 'fleet',
                                       'fleet.a b', 'fleet.x\ny', 'fleet.$(id)', 'fleet.json~', 'fleet..json'])
def test_other_export_names_are_refused(file_name):
    with pytest.raises(VmcpuError, match="invalid export file name %s" % re.escape(repr(file_name))):
        export_files('fleet', {'fleet.ok.json': '{}', file_name: '{}'})


def test_export_files_want_text_and_at_least_one_file():
    with pytest.raises(VmcpuError, match='the content of fleet.msr.json is a mapping, not text'):
        export_files('fleet', {'fleet.msr.json': {}})
    with pytest.raises(VmcpuError, match='no files to write for profile fleet'):
        export_files('fleet', {})


def test_record_states():
    assert new_record(PROFILE, True, [], None, 't')['state'] == 'enabled'
    record = new_record(PROFILE, False, ['host lacks avx512f'], {'status': 'none', 'changes': {}}, 't')
    assert record['state'] == 'disabled' and record['reasons'] == ['host lacks avx512f']
    assert record['profile'] == 'fleet' and record['digest'] == PROFILE['digest']


def test_checked_at_kept_only_when_nothing_else_changed():
    first = new_record(PROFILE, True, [], None, '2026-01-01T00:00:00Z')
    again = new_record(PROFILE, True, [], None, '2026-02-01T00:00:00Z')
    assert keep_checked_at(first, again)['checked_at'] == '2026-01-01T00:00:00Z'
    refused = new_record(PROFILE, False, ['x'], None, '2026-02-01T00:00:00Z')
    assert keep_checked_at(first, refused)['checked_at'] == '2026-02-01T00:00:00Z'
    assert keep_checked_at(None, again) == again
    assert record_text(keep_checked_at(read_record(record_text(first)), again)) == record_text(first)


@pytest.mark.parametrize('text', [None, '', '{"a": ', '[1, 2]'])
def test_unreadable_record_is_replaced(text):
    assert read_record(text) is None


def _hold(path, ready, seconds):
    with gate_lock(path, 5):
        ready.set()
        time.sleep(seconds)


def test_lock_serialises_and_times_out(tmp_path):
    path = str(tmp_path / '.gate.lock')
    ready = multiprocessing.Event()
    holder = multiprocessing.Process(target=_hold, args=(path, ready, 1.5))
    holder.start()
    try:
        assert ready.wait(10)
        with pytest.raises(VmcpuError, match='another migration gate run holds'):
            with gate_lock(path, 0.3):
                pass
        started = time.monotonic()
        with gate_lock(path, 10):  # waits for the holder, then gets it
            assert time.monotonic() - started > 0.5
    finally:
        holder.join(10)
    assert oct(os.stat(path).st_mode & 0o777) == oct(0o600)


def test_lock_released_when_holder_dies(tmp_path):
    path = str(tmp_path / '.gate.lock')
    ready = multiprocessing.Event()
    holder = multiprocessing.Process(target=_hold, args=(path, ready, 60))
    holder.start()
    assert ready.wait(10)
    holder.kill()
    holder.join(10)
    with gate_lock(path, 2):
        pass


def test_lock_in_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(VmcpuError, match='cannot open the gate lock'):
        with gate_lock(str(tmp_path / 'absent' / '.gate.lock'), 1):
            pass

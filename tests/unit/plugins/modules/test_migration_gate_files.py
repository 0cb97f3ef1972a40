# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""migration_gate_files and profile_export_files, run as real processes: one generation per change,
switched in whole; old layouts adopted; links, names and roots it did not make refused."""

import json
import os
import resource
import signal

import pytest


def test_the_first_run_publishes_one_generation_behind_the_stable_links(gate_host):
    result = gate_host.run(gate_host.arguments(1))
    assert result['changed'] and result['generation'] == str(gate_host.etc / 'generations' / '000001')
    generation, record, files = gate_host.visible()
    assert generation == '000001' and record['checked_at'] == 'run-1' and record['state'] == 'enabled'
    assert sorted(files) == ['migration.json', 'profiles/fleet.cpuid.json', 'profiles/fleet.json',
                             'profiles/fleet.qemu-cpu']
    assert files['profiles/fleet.qemu-cpu'] == 'Skylake-Server,run=1\n'
    assert result['paths'] == {'fleet.cpuid.json': str(gate_host.etc / 'profiles' / 'fleet.cpuid.json'),
                               'fleet.qemu-cpu': str(gate_host.etc / 'profiles' / 'fleet.qemu-cpu')}
    # What users and VMM configurations open: the stable paths.
    assert (gate_host.etc / 'profiles' / 'fleet.json').read_text() == files['profiles/fleet.json']
    for relpath in files:
        assert oct(os.stat(str(gate_host.etc / 'generations' / '000001' / relpath)).st_mode & 0o777) == '0o644'


def test_the_same_run_again_changes_nothing(gate_host):
    gate_host.run(gate_host.arguments(1))
    before = gate_host.tree()
    again = gate_host.arguments(1, checked_at='a later time')
    result = gate_host.run(again, diff=True)
    assert not result['changed'] and result['diff'] == [] and result['backup_files'] == []
    assert gate_host.tree() == before
    assert gate_host.visible()[1]['checked_at'] == 'run-1'  # kept: nothing else in the record changed


def test_each_change_is_a_new_generation_and_earlier_ones_are_kept(gate_host):
    for number in range(1, 6):
        result = gate_host.run(gate_host.arguments(number))
        assert result['changed']
    assert sorted(os.listdir(str(gate_host.etc / 'generations'))) == ['000003', '000004', '000005']
    assert gate_host.visible()[0] == '000005'
    previous = gate_host.etc / 'generations' / '000004'
    assert result['backup_files'] == [str(previous / relpath) for relpath in
                                      ('migration.json', 'profiles/fleet.cpuid.json', 'profiles/fleet.json',
                                       'profiles/fleet.qemu-cpu')]
    assert 'run=4' in (previous / 'profiles' / 'fleet.qemu-cpu').read_text()
    # Without backups the one before stays too: a reader may still be reading it.
    gate_host.run(gate_host.arguments(6, backup=False))
    assert sorted(os.listdir(str(gate_host.etc / 'generations'))) == ['000005', '000006']


def test_check_mode_writes_nothing_and_shows_every_file(gate_host):
    result = gate_host.run(gate_host.arguments(1), check=True, diff=True)
    assert result['changed'] and not gate_host.root.exists()
    assert [entry['before_header'] for entry in result['diff']] == [
        '%s (absent)' % (gate_host.etc / relpath) for relpath in
        ('migration.json', 'profiles/fleet.cpuid.json', 'profiles/fleet.json', 'profiles/fleet.qemu-cpu')]
    gate_host.run(gate_host.arguments(1))
    before = gate_host.tree()
    result = gate_host.run(gate_host.arguments(2), check=True, diff=True)
    assert result['changed'] and gate_host.tree() == before
    qemu = [entry for entry in result['diff'] if entry['after_header'].endswith('fleet.qemu-cpu')]
    assert qemu == [{'before_header': str(gate_host.etc / 'profiles' / 'fleet.qemu-cpu'),
                     'after_header': str(gate_host.etc / 'profiles' / 'fleet.qemu-cpu'),
                     'before': 'Skylake-Server,run=1\n', 'after': 'Skylake-Server,run=2\n'}]


def test_an_incompatible_host_keeps_vmm_files_of_the_same_profile_only(gate_host):
    gate_host.run(gate_host.arguments(1))
    same = gate_host.profile(1)
    result = gate_host.run(gate_host.arguments(1, compatible=False, files=False), diff=True)
    record, files = gate_host.visible()[1:]
    assert record['state'] == 'disabled' and result['state_changed']
    assert files['profiles/fleet.qemu-cpu'] == 'Skylake-Server,run=1\n'
    assert json.loads(files['profiles/fleet.json']) == same
    result = gate_host.run(gate_host.arguments(2, compatible=False, files=False), diff=True)
    record, files = gate_host.visible()[1:]
    assert sorted(files) == ['migration.json', 'profiles/fleet.json'] and record['digest'] == gate_host.profile(2)['digest']
    removed = [entry['after_header'] for entry in result['diff'] if entry['after_header'].endswith('(removed)')]
    assert removed == ['%s (removed)' % (gate_host.etc / 'profiles' / name) for name in ('fleet.cpuid.json', 'fleet.qemu-cpu')]


def test_files_of_other_profiles_are_carried_over(gate_host):
    gate_host.run(gate_host.arguments(1, name='old-pool'))
    gate_host.run(gate_host.arguments(2, name='new-pool'))
    record, files = gate_host.visible()[1:]
    assert record['profile'] == 'new-pool'
    assert files['profiles/old-pool.qemu-cpu'] == 'Skylake-Server,run=1\n'
    assert 'profiles/old-pool.json' in files and 'profiles/new-pool.json' in files


def test_the_old_layout_is_carried_into_the_first_generation_and_moved_aside(gate_host):
    profiles = gate_host.etc / 'profiles'
    profiles.mkdir(parents=True)
    (gate_host.etc / 'migration.json').write_text(json.dumps({'profile': 'fleet', 'digest': gate_host.profile(1)['digest'],
                                                              'state': 'enabled'}))
    (profiles / 'fleet.json').write_text(json.dumps(gate_host.profile(1)))
    (profiles / 'fleet.libvirt.xml').write_text('<cpu/>\n')
    (profiles / 'other.json').write_text('{}\n')
    (profiles / '.fleet.json.4242.tmp').write_text('half a file of the old writer')
    (profiles / 'fleet.json.1234.2026-11-30@10:00:00~').write_text('an old backup')
    result = gate_host.run(gate_host.arguments(1, files=False), diff=True)
    assert result['changed']
    record, files = gate_host.visible()[1:]
    assert sorted(files) == ['migration.json', 'profiles/fleet.json', 'profiles/fleet.libvirt.xml', 'profiles/other.json']
    assert files['profiles/fleet.libvirt.xml'] == '<cpu/>\n'  # made from the digest the old record names
    asides = sorted(name for name in os.listdir(str(gate_host.etc)) if name.endswith('~'))
    assert [name.split('.')[0] for name in asides] == ['migration', 'profiles']
    assert sorted(os.listdir(str(gate_host.etc / asides[1]))) == sorted(
        ['fleet.json', 'fleet.libvirt.xml', 'other.json', '.fleet.json.4242.tmp', 'fleet.json.1234.2026-11-30@10:00:00~'])
    # The old layout became generation 000001 as it was (readers saw no change when the links went in),
    # then 000002 is this run's: the earlier versions of what it changed are in 000001.
    old = gate_host.etc / 'generations' / '000001'
    assert sorted(result['backup_files']) == sorted([str(gate_host.etc / name) for name in asides] + [
        str(old / 'migration.json'), str(old / 'profiles' / 'fleet.json')])
    assert gate_host.visible()[0] == '000002'
    assert not gate_host.run(gate_host.arguments(1, files=False))['changed']


def test_a_record_edited_by_hand_is_shown_repaired_and_kept_aside(gate_host):
    gate_host.run(gate_host.arguments(1))
    record = gate_host.etc / 'migration.json'
    text = record.read_text()
    record.unlink()
    record.write_text(text.replace('"enabled"', '"bogus"'))
    result = gate_host.run(gate_host.arguments(1), check=True, diff=True)
    assert result['changed'] and [entry['before'].count('bogus') for entry in result['diff']] == [1]
    assert 'bogus' in record.read_text()
    result = gate_host.run(gate_host.arguments(1))
    # 000002 holds what readers saw (the edit), so the link goes back without a visible change; 000003
    # is the repair.
    assert result['changed'] and gate_host.visible()[0] == '000003'
    assert '"enabled"' in record.read_text()
    assert result['backup_files'][0].startswith(str(record) + '.')
    assert result['backup_files'][1:] == [str(gate_host.etc / 'generations' / '000002' / 'migration.json')]
    assert [open(path).read().count('bogus') for path in result['backup_files']] == [1, 1]


def test_leftovers_of_killed_runs_are_removed_and_nothing_outside_is_touched(gate_host):
    gate_host.run(gate_host.arguments(1))
    outside = gate_host.folder / 'outside'
    outside.write_text('keep')
    half = gate_host.etc / 'generations' / '.build-k3j9x'
    (half / 'profiles').mkdir(parents=True)
    (half / 'migration.json').write_text('{"half"')
    (gate_host.etc / '.current.abc123.tmp').symlink_to(outside)
    (gate_host.etc / '.migration.json.4242.tmp').write_text('old writer')
    orphan = gate_host.etc / 'generations' / '000007'  # renamed, killed before current was switched
    (orphan / 'profiles').mkdir(parents=True)
    (orphan / 'manifest.json').write_text('{}')
    gate_host.run(gate_host.arguments(2))
    assert gate_host.visible()[0] == '000002'
    assert gate_host.tree() == sorted(['.gate.lock', 'current', 'migration.json', 'profiles', 'generations'] + [
        'generations/%s%s' % (name, rest) for name in ('000001', '000002') for rest in (
            '', '/manifest.json', '/migration.json', '/profiles', '/profiles/fleet.cpuid.json',
            '/profiles/fleet.json', '/profiles/fleet.qemu-cpu')])
    assert outside.read_text() == 'keep'


@pytest.mark.parametrize('name, plant, message', [
    ('migration.json', 'link', 'migration.json is a symbolic link the gate did not make'),
    ('profiles', 'link', 'profiles is a symbolic link the gate did not make'),
    ('current', 'link', "current points to '%s', not to a complete generation"),
    ('current', 'file', 'current is not the link the gate makes'),
    ('migration.json', 'fifo', 'migration.json is not a regular file'),
    ('profiles', 'file', 'profiles is not a regular folder'),
])
def test_what_the_gate_did_not_make_at_its_names_is_refused(gate_host, name, plant, message):
    outside = gate_host.folder / 'outside'
    outside.mkdir()
    (outside / 'migration.json').write_text('keep')
    gate_host.etc.mkdir(parents=True)
    path = gate_host.etc / name
    if plant == 'link':
        path.symlink_to(outside if name != 'migration.json' else outside / 'migration.json')
    elif plant == 'fifo':
        os.mkfifo(str(path))
    else:
        path.write_text('x')
    result = gate_host.run(gate_host.arguments(1))
    assert result.get('failed') and (message.replace('%s', str(outside)) in result['msg']), result
    assert 'remove it' in result['msg']
    assert os.listdir(str(outside)) == ['migration.json'] and (outside / 'migration.json').read_text() == 'keep'
    assert not (gate_host.etc / 'generations').exists()


@pytest.mark.parametrize('change, message', [
    ({'root': 'relative/root'}, "the gate root 'relative/root' is a relative path; give an absolute one"),
    ({'profile': {'name': 'x\ny', 'digest': 'sha256:' + 'a' * 64}}, "invalid profile name 'x\\ny'"),
    ({'profile': {'name': '../up', 'digest': 'sha256:' + 'a' * 64}}, "invalid profile name '../up'"),
    ({'files': {'fleet.a b;$(id)': 'x'}}, "invalid export file name 'fleet.a b;$(id)'"),
    ({'files': {'fleet.x\ny': 'x'}}, "invalid export file name 'fleet.x\\ny'"),
    ({'files': {'fleet.json': 'x'}}, "invalid export file name 'fleet.json'"),
    ({'files': {'other.qemu-cpu': 'x'}}, "invalid export file name 'other.qemu-cpu'"),
])
def test_bad_names_and_roots_write_nothing(gate_host, change, message):
    result = gate_host.run(dict(gate_host.arguments(1), **change))
    assert result.get('failed') and message in result['msg'], result
    assert not gate_host.root.exists()


def test_a_failed_write_changes_nothing_and_leaves_nothing(gate_host):
    gate_host.run(gate_host.arguments(1))
    before = gate_host.tree()

    def small_files_only():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))
    result = gate_host.run(gate_host.arguments(2), preexec_fn=small_files_only)
    assert result.get('failed') and result['msg'] == (
        'cannot write the new generation in %s: File too large; nothing was changed.' % (gate_host.etc / 'generations'))
    assert gate_host.tree() == before and gate_host.visible()[1]['checked_at'] == 'run-1'


def test_export_files_go_into_a_new_generation_next_to_the_deployed_profile(gate_host):
    exports = {'root': str(gate_host.root), 'profile_name': 'fleet', 'files': {'fleet.firecracker.json': '{}'}}
    result = gate_host.run(exports, module='profile_export_files')
    assert result.get('failed') and result['msg'] == (
        '%s is not a deployed profile; deploy the profile with vmcpu.profiles.migration_gate_files first (its VMM '
        'files belong next to it).' % (gate_host.etc / 'profiles' / 'fleet.json'))
    gate_host.run(gate_host.arguments(1))
    result = gate_host.run(exports, module='profile_export_files')
    generation, files = gate_host.visible()[0::2]
    assert result['changed'] and generation == '000002' and files['profiles/fleet.firecracker.json'] == '{}\n'
    assert files['profiles/fleet.qemu-cpu'] == 'Skylake-Server,run=1\n'
    assert not gate_host.run(exports, module='profile_export_files')['changed']


def test_a_profile_never_takes_the_files_of_a_profile_whose_name_extends_its_own(gate_host):
    gate_host.run(gate_host.arguments(2, name='fleet.v2'))
    result = gate_host.run(gate_host.arguments(1, name='fleet', files=False), diff=True)
    files = gate_host.visible()[2]
    assert {'profiles/fleet.v2.json', 'profiles/fleet.v2.qemu-cpu', 'profiles/fleet.v2.cpuid.json'} <= set(files)
    assert not [entry for entry in result['diff'] if entry['after_header'].endswith('(removed)')]
    exports = {'root': str(gate_host.root), 'profile_name': 'fleet', 'files': {'fleet.v2.json': 'not a profile'}}
    result = gate_host.run(exports, module='profile_export_files')
    assert result.get('failed') and result['msg'] == (
        '%s belongs to the deployed profile fleet.v2; profile fleet cannot write it (choose another file name).'
        % (gate_host.etc / 'profiles' / 'fleet.v2.json'))


@pytest.mark.parametrize('planted', ['generations', 'generations/000001', 'generations/000001/profiles'])
def test_a_link_inside_the_gate_folder_is_never_followed(gate_host, planted):
    gate_host.run(gate_host.arguments(1))
    victim = gate_host.folder / 'victim'
    victim.mkdir()
    secret = victim / 'id_rsa'
    secret.write_text('secret')
    secret.chmod(0o600)
    path = gate_host.etc / planted
    os.rename(str(path), str(gate_host.folder / 'moved'))
    path.symlink_to(victim)
    result = gate_host.run(gate_host.arguments(2))
    assert result.get('failed') and '%s is a symbolic link, not a folder the gate made; remove it' % path in result['msg']
    assert os.listdir(str(victim)) == ['id_rsa'] and oct(secret.stat().st_mode & 0o777) == '0o600'


def test_a_hard_link_into_a_generation_is_not_chmodded(gate_host):
    gate_host.run(gate_host.arguments(1))
    secret = gate_host.folder / 'secret'
    secret.write_text('secret')
    secret.chmod(0o600)
    cpuid = gate_host.etc / 'generations' / '000001' / 'profiles' / 'fleet.cpuid.json'
    cpuid.unlink()
    os.link(str(secret), str(cpuid))
    secret.write_text(json.dumps({'run': 1}) + '\n')  # the same content as the gate's: nothing to rewrite
    result = gate_host.run(gate_host.arguments(1))
    assert result.get('failed') and '%s has other hard links' % cpuid in result['msg']
    assert oct(secret.stat().st_mode & 0o777) == '0o600'


def test_deeply_nested_or_undecodable_files_give_a_message_not_a_traceback(gate_host):
    gate_host.run(gate_host.arguments(1))
    generation = gate_host.etc / 'generations' / '000001'
    (generation / 'manifest.json').write_text('[' * 200000)
    (generation / 'migration.json').write_text('[' * 200000)
    result = gate_host.run(gate_host.arguments(2))
    assert result.get('changed'), result
    assert gate_host.visible()[1]['checked_at'] == 'run-2'
    (gate_host.etc / 'generations' / '000002' / 'profiles' / 'fleet.json').write_text('{' * 200000)
    exports = {'root': str(gate_host.root), 'profile_name': 'fleet', 'files': {'fleet.x': 'x'}}
    result = gate_host.run(exports, module='profile_export_files')
    assert result.get('failed') and 'is not a deployed profile' in result['msg']
    result = gate_host.run(dict(gate_host.arguments(3), files={'fleet.x': '\udcff'}))
    assert result.get('failed') and result['msg'] == (
        'the content of fleet.x is not valid text (character 0 cannot be written as UTF-8).')


def test_the_writer_refuses_what_its_reader_would_refuse(gate_host):
    result = gate_host.run(dict(gate_host.arguments(1), files={'fleet.big': 'x' * (16 * 1024 * 1024 + 1)}))
    assert result.get('failed') and result['msg'] == (
        'the content of fleet.big is larger than 16 MiB; the gate writes no file it could not read back.')
    assert not gate_host.root.exists()


def test_folders_are_readable_whatever_the_umask(gate_host):
    result = gate_host.run(gate_host.arguments(1), preexec_fn=lambda: os.umask(0o077))
    assert result['changed']
    generation = gate_host.etc / 'generations' / '000001'
    for folder in (gate_host.root / 'etc', gate_host.etc, gate_host.etc / 'generations', generation,
                   generation / 'profiles'):
        assert oct(folder.stat().st_mode & 0o777) == '0o755', folder
    (generation / 'profiles').chmod(0o700)
    assert gate_host.run(gate_host.arguments(1))['changed']
    assert oct((generation / 'profiles').stat().st_mode & 0o777) == '0o755'


def test_the_old_layout_keeps_bytes_and_says_what_it_cannot_carry(gate_host):
    profiles = gate_host.etc / 'profiles'
    (profiles / 'sub').mkdir(parents=True)
    (profiles / 'other.bin').write_bytes(b'\xff\xfe not UTF-8')
    (profiles / 'elsewhere').symlink_to(gate_host.folder)
    result = gate_host.run(gate_host.arguments(1))
    generation = gate_host.etc / 'generations' / gate_host.visible()[0]
    assert (generation / 'profiles' / 'other.bin').read_bytes() == b'\xff\xfe not UTF-8'
    assert 'holds entries that are not plain files (elsewhere, sub)' in json.dumps(result['warnings'])


def test_a_damaged_current_names_the_generation_to_point_it_at(gate_host):
    for number in (1, 2):
        gate_host.run(gate_host.arguments(number))
    current = gate_host.etc / 'current'
    current.unlink()
    current.symlink_to('generations/000009')
    result = gate_host.run(gate_host.arguments(3))
    assert result.get('failed') and result['msg'] == (
        "%s points to 'generations/000009', not to a complete generation; point it at the newest complete "
        "generation (ln -sfn generations/000002 %s) and run again." % (current, current))


def test_generation_numbers_grow_past_their_width(gate_host):
    gate_host.run(gate_host.arguments(1))
    generations = gate_host.etc / 'generations'
    os.rename(str(generations / '000001'), str(generations / '999999999999'))
    (gate_host.etc / 'current').unlink()
    (gate_host.etc / 'current').symlink_to('generations/999999999999')
    assert gate_host.run(gate_host.arguments(2))['changed']
    assert gate_host.visible()[0] == '1000000000000' and gate_host.run(gate_host.arguments(3))['changed']

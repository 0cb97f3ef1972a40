# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gate's modules run as real processes, as Ansible runs them on a host (``python module.py
ARGS_FILE``), so a test can kill one, race several, or limit what one may write; and a check of what a
host's gate folder shows its readers."""

import hashlib
import json
import os
import subprocess
import sys

import pytest


class GateHost:
    """One host's gate root in a temporary folder, and the gate's modules run against it."""

    def __init__(self, folder, collection_root, environment):
        self.folder = folder
        self.root = folder / 'host'
        self.etc = self.root / 'etc' / 'vmcpu'
        self.collection_root = collection_root
        self.environment = environment

    @staticmethod
    def profile(number, name='fleet'):
        """A profile document as the gate's modules take it, distinct for each ``number``."""
        return {'name': name, 'digest': 'sha256:%064x' % number, 'schema_version': 1, 'made_by_run': number}

    def arguments(self, number, name='fleet', compatible=True, files=True, **options):
        """Arguments of migration_gate_files for run ``number``: its own profile, record and VMM files."""
        arguments = {'root': str(self.root), 'profile': self.profile(number, name), 'compatible': compatible,
                     'reasons': [] if compatible else ['lacks avx512f'], 'checked_at': 'run-%d' % number}
        if files:
            arguments['files'] = {'%s.qemu-cpu' % name: 'Skylake-Server,run=%d' % number,
                                  '%s.cpuid.json' % name: json.dumps({'run': number})}
        arguments.update(options)
        return arguments

    def command(self, arguments, module='migration_gate_files', check=False, diff=False):
        """The command line that runs ``module`` with ``arguments`` (written to a file first)."""
        args_file = self.folder / ('args-%s.json' % os.urandom(6).hex())
        args_file.write_text(json.dumps(
            {'ANSIBLE_MODULE_ARGS': dict(arguments, _ansible_check_mode=check, _ansible_diff=diff)}))
        return [sys.executable, str(self.collection_root / 'plugins' / 'modules' / ('%s.py' % module)), str(args_file)]

    def start(self, arguments, module='migration_gate_files', **popen):
        return subprocess.Popen(self.command(arguments, module), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=self.environment, **popen)

    def run(self, arguments, module='migration_gate_files', check=False, diff=False, **popen):
        """Run a gate module to its end; its JSON result."""
        completed = subprocess.run(self.command(arguments, module, check, diff), capture_output=True, text=True,
                                   env=self.environment, timeout=120, check=False, **popen)
        try:
            return json.loads(completed.stdout)
        except ValueError:
            raise AssertionError('no JSON from the module: %r %r' % (completed.stdout, completed.stderr)) from None

    def visible(self):
        """What readers see, checked whole: ``current`` names a generation whose manifest lists exactly
        its files with their sha256, the stable names are the gate's links, the record names the
        deployed profile's digest, and every VMM file of that profile was made from it.
        Returns ``(generation name, record, {relative path: text})``."""
        etc = str(self.etc)
        assert os.readlink(os.path.join(etc, 'migration.json')) == 'current/migration.json'
        assert os.readlink(os.path.join(etc, 'profiles')) == 'current/profiles'
        target = os.readlink(os.path.join(etc, 'current'))
        folder = os.path.join(etc, target)
        with open(os.path.join(folder, 'manifest.json')) as stream:
            manifest = json.load(stream)
        present = {os.path.relpath(os.path.join(parent, name), folder)
                   for parent, _folders, names in os.walk(folder) for name in names} - {'manifest.json'}
        assert present == set(manifest['files']), (present, manifest)
        files = {}
        for relpath, entry in manifest['files'].items():
            with open(os.path.join(folder, relpath), 'rb') as stream:
                data = stream.read()
            assert hashlib.sha256(data).hexdigest() == entry['sha256'], relpath
            files[relpath] = data.decode('utf-8', errors='replace')
        record = json.loads(files['migration.json'])
        assert json.loads(files['profiles/%s.json' % record['profile']])['digest'] == record['digest']
        for relpath, entry in manifest['files'].items():
            if entry['profile'] == record['profile']:
                assert entry['profile_digest'] == record['digest'], (relpath, entry, record)
        return os.path.basename(target), record, files

    def tree(self):
        """Every path under the gate folder (links not followed), relative to it."""
        return sorted(os.path.relpath(os.path.join(parent, name), str(self.etc))
                      for parent, folders, names in os.walk(str(self.etc)) for name in folders + names)


@pytest.fixture
def gate_host(tmp_path, collection_root, module_environment):
    return GateHost(tmp_path, collection_root, module_environment)

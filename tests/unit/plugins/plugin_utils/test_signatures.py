# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Signed profiles, with the real ssh-keygen: keys made here, signatures made as generate_profile.yml
makes them, checked against allowed_signers files."""

import shutil
import subprocess

import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.signatures import SIGNATURE_NAMESPACE, trusted_signer

pytestmark = pytest.mark.skipif(not shutil.which('ssh-keygen'), reason='ssh-keygen (openssh-client) is not installed')


def _key(folder, name):
    key = folder / name
    subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', str(key)], check=True)
    return key


def _sign(key, path, namespace=SIGNATURE_NAMESPACE):
    subprocess.run(['ssh-keygen', '-q', '-Y', 'sign', '-f', str(key), '-n', namespace, str(path)], check=True,
                   capture_output=True)


@pytest.fixture
def setup(tmp_path):
    ops, other = _key(tmp_path, 'ops@example'), _key(tmp_path, 'other@example')
    allowed = tmp_path / 'allowed_signers'
    allowed.write_text('ops@example namespaces="%s" %s' % (SIGNATURE_NAMESPACE, (tmp_path / 'ops@example.pub').read_text()))
    profile = tmp_path / 'fleet.json'
    profile.write_text('{"name": "fleet"}\n')
    return {'ops': ops, 'other': other, 'allowed': allowed, 'profile': profile}


def test_a_profile_signed_by_a_trusted_key_names_its_signer(setup):
    ops = setup['ops']
    allowed = setup['allowed']
    profile = setup['profile']
    _sign(ops, profile)
    assert trusted_signer(str(profile), str(allowed)) == 'ops@example'


def test_an_unsigned_profile_is_refused(setup):
    allowed = setup['allowed']
    profile = setup['profile']
    with pytest.raises(VmcpuError, match=r'fleet.json is not signed \(no .*fleet.json.sig\) and signatures are required'):
        trusted_signer(str(profile), str(allowed))


def test_a_profile_signed_by_an_untrusted_key_is_refused(setup):
    other = setup['other']
    allowed = setup['allowed']
    profile = setup['profile']
    _sign(other, profile)
    with pytest.raises(VmcpuError, match='is not by any signer trusted in'):
        trusted_signer(str(profile), str(allowed))


def test_a_profile_changed_after_signing_is_refused(setup):
    ops = setup['ops']
    allowed = setup['allowed']
    profile = setup['profile']
    _sign(ops, profile)
    profile.write_text('{"name": "fleet", "features": ["avx512f"]}\n')
    with pytest.raises(VmcpuError, match='does not match profile .*: the profile was changed after it was signed'):
        trusted_signer(str(profile), str(allowed))


def test_a_signature_for_another_namespace_is_refused(setup):
    ops = setup['ops']
    allowed = setup['allowed']
    profile = setup['profile']
    _sign(ops, profile, namespace='git')
    with pytest.raises(VmcpuError, match='is not by any signer trusted|does not match profile'):
        trusted_signer(str(profile), str(allowed))


def test_a_missing_allowed_signers_file_is_named(setup, tmp_path):
    ops = setup['ops']
    profile = setup['profile']
    _sign(ops, profile)
    with pytest.raises(VmcpuError, match='allowed_signers file .*nowhere does not exist'):
        trusted_signer(str(profile), str(tmp_path / 'nowhere'))

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Signed profiles: an OpenSSH signature (``ssh-keygen -Y sign``) next to the profile file, checked
against an allowed_signers file (``ssh-keygen -Y find-principals`` and ``-Y verify``), on the
controller. The digest inside a profile only says it was not edited by accident; anyone can recompute
it. A signature says who made it.

The signature is ``<profile>.json.sig``, made for the namespace ``vmcpu-profile``, so a key's
signatures for other purposes (git commits, files) are never accepted as profile signatures.
"""

import os
import shutil
import subprocess

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.input_file import read_input

SIGNATURE_NAMESPACE = 'vmcpu-profile'
MAX_PROFILE_BYTES = 16 * 1024 * 1024
SSH_KEYGEN_TIMEOUT = 30


def signature_path(profile_path):
    return profile_path + '.sig'


def _ssh_keygen(arguments, data=None):
    program = shutil.which('ssh-keygen')
    if not program:
        raise VmcpuError('ssh-keygen is not installed on the controller (Debian package openssh-client); '
                         'it checks profile signatures.')
    try:
        return subprocess.run([program] + arguments, input=data, capture_output=True, check=False,
                              timeout=SSH_KEYGEN_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise VmcpuError('ssh-keygen %s did not finish within %d s.' % (arguments[1], SSH_KEYGEN_TIMEOUT)) from None


def trusted_signer(profile_path, allowed_signers):
    """The principal of ``allowed_signers`` whose key signed ``profile_path`` (in ``<path>.sig``), or
    ``VmcpuError`` saying why not: no signature, no trusted signer, or a profile changed after signing."""
    read_input(allowed_signers, MAX_PROFILE_BYTES, what='allowed_signers file')
    signature = signature_path(profile_path)
    if not os.path.lexists(signature):
        raise VmcpuError('profile %s is not signed (no %s) and signatures are required; sign it with '
                         'generate_profile.yml -e profile_signing_key=KEY.' % (profile_path, signature))
    read_input(signature, MAX_PROFILE_BYTES, what='signature file')
    data = read_input(profile_path, MAX_PROFILE_BYTES, what='profile file')
    found = _ssh_keygen(['-Y', 'find-principals', '-s', signature, '-f', allowed_signers])
    principals = [line for line in found.stdout.decode('utf-8', 'replace').splitlines() if line.strip()]
    if found.returncode != 0 or not principals:
        raise VmcpuError('the signature %s is not by any signer trusted in %s (or is not an SSH signature).'
                         % (signature, allowed_signers))
    for principal in principals:
        verified = _ssh_keygen(['-Y', 'verify', '-f', allowed_signers, '-I', principal, '-n', SIGNATURE_NAMESPACE,
                                '-s', signature], data)
        if verified.returncode == 0:
            return principal
    raise VmcpuError('the signature %s by %s does not match profile %s for namespace %s: the profile was changed '
                     'after it was signed, or the signature is for something else.'
                     % (signature, ', '.join(principals), profile_path, SIGNATURE_NAMESPACE))

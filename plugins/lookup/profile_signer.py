# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: profile_signer
short_description: Who signed a profile file, among the signers you trust
version_added: 0.2.0
author:
  - vmcpu.profiles developers (@vmcpu)
description:
  - Checks the OpenSSH signature C(<profile>.sig) of a profile file against an allowed_signers file
    (C(ssh-keygen -Y find-principals) and C(ssh-keygen -Y verify), namespace C(vmcpu-profile)) and
    returns the principal that signed it.
  - Fails when the profile has no signature, when no trusted signer made it, or when the profile
    changed after it was signed. The migration_gate role uses it when
    C(migration_gate_trusted_signers) is set; C(playbooks/generate_profile.yml) signs with
    C(-e profile_signing_key=KEY).
options:
  _terms:
    description: The path of the profile file, on the controller.
    type: list
    elements: path
    required: true
  allowed_signers:
    description:
      - An OpenSSH allowed_signers file (see ssh-keygen(1), "ALLOWED SIGNERS"), one line per trusted key,
        for example C(ops@example.com namespaces="vmcpu-profile" ssh-ed25519 AAAA...).
    type: path
    required: true
requirements:
  - ssh-keygen (OpenSSH >= 8.2) on the controller
"""

EXAMPLES = r"""
- name: Refuse a profile nobody we trust signed
  ansible.builtin.debug:
    msg: "signed by {{ lookup('vmcpu.profiles.profile_signer', 'profiles/fleet.json', allowed_signers='/etc/vmcpu/allowed_signers') }}"
"""

RETURN = r"""
_raw:
  description: The principal of the allowed_signers file whose key made the signature, one element.
  type: list
  elements: str
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.signatures import trusted_signer


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        if len(terms) != 1:
            raise AnsibleLookupError('vmcpu.profiles.profile_signer takes one profile path, got %d.' % len(terms))
        try:
            return [trusted_signer(str(terms[0]), self.get_option('allowed_signers'))]
        except VmcpuError as exc:
            raise AnsibleLookupError('vmcpu.profiles.profile_signer: %s' % exc) from None

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: start_dir
short_description: The directory ansible-playbook was started in
version_added: 0.2.0
author:
  - vmcpu.profiles developers (@vmcpu)
description:
  - Returns the current working directory of the controller process, which is the directory
    C(ansible-playbook) was started in (or the one ansible-runner, AWX or a CI job started it in).
  - The playbooks of this collection write their facts, profiles and reports below it by default.
  - Unlike C(lookup('ansible.builtin.env', 'PWD')), it does not depend on the environment variable
    C(PWD), which is unset under cron and some service managers and is stale in a process started by
    another one with a different working directory. Unlike C(playbook_dir), it is never a folder of
    the installed collection.
options: {}
"""

EXAMPLES = r"""
- name: Write next to where the play was started
  ansible.builtin.copy:
    content: "{{ report }}"
    dest: "{{ lookup('vmcpu.profiles.start_dir') }}/report.txt"
    mode: "0644"
  delegate_to: localhost
"""

RETURN = r"""
_raw:
  description: The absolute path of the directory, one element.
  type: list
  elements: path
"""

import os

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        if terms:
            raise AnsibleLookupError('vmcpu.profiles.start_dir takes no terms, got %r.' % (terms,))
        self.set_options(var_options=variables, direct=kwargs)
        try:
            return [os.getcwd()]
        except OSError as exc:
            raise AnsibleLookupError('vmcpu.profiles.start_dir: the directory ansible-playbook was started in '
                                     'is gone (%s); start it from an existing directory or set the output '
                                     'directory variable of the playbook.' % exc.strerror) from None

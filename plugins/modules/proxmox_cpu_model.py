#!/usr/bin/python
# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: proxmox_cpu_model
short_description: Put a custom CPU model into Proxmox VE's cpu-models.conf, keeping the other models
version_added: 0.2.0
description:
  - "Replaces the section of the model that O(section) defines in O(path), or adds it at the end; every
    other line of the file stays as it was. The section is the text of
    P(vmcpu.profiles.to_proxmox#filter) (one C(cpu-model: NAME) section); VMs then use C(cpu: custom-NAME)."
  - The model's section is the managed part, not a block between marker comments - Proxmox drops
    comments whenever it rewrites the file (an edit through its API or web interface) but keeps the section.
  - The file is written whole to a temporary file in its folder and renamed over the old one, so
    Proxmox (and every node of the cluster, through C(/etc/pve)) reads either the old or the new file.
    A missing file is created; a missing folder is an error (not a Proxmox VE node, or pve-cluster is down).
  - A file Proxmox would read with warnings (a line that is neither a section header nor a property,
    a section type other than C(cpu-model), a model defined twice) is refused, naming the file and line,
    and nothing is written.
  - Check mode and diff mode are honoured; the same section twice changes nothing.
author:
  - vmcpu.profiles developers (@vmcpu)
options:
  path:
    description: The custom CPU model file.
    type: path
    default: /etc/pve/virtual-guest/cpu-models.conf
  section:
    description: The model's section, as P(vmcpu.profiles.to_proxmox#filter) returns it.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Give the cluster the fleet profile as the custom CPU model fleet
  vmcpu.profiles.proxmox_cpu_model:
    section: "{{ lookup('ansible.builtin.file', 'profiles/fleet.json') | from_json | vmcpu.profiles.to_proxmox }}"
  run_once: true   # /etc/pve is shared by every node of the cluster
"""

RETURN = r"""
model:
  description: "The model the section defines (VMs use it as C(cpu: custom-<model>))."
  returned: success
  type: str
  sample: fleet
"""

import os
import stat

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vmcpu.profiles.plugins.module_utils.atomic_file import write_file_atomically
from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.proxmox_config import section_name, with_cpu_model


def read_config(path):
    """The file's text, '' when it does not exist yet; ``VmcpuError`` for what cannot be edited."""
    folder = os.path.dirname(path) or '.'
    if not os.path.isdir(folder):
        raise VmcpuError('%s does not exist: not a Proxmox VE node, or pve-cluster (which mounts /etc/pve) is not running.'
                         % folder)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return ''
    except OSError as exc:
        raise VmcpuError('cannot read %s: %s.' % (path, exc.strerror)) from None
    if not stat.S_ISREG(mode):
        raise VmcpuError('%s is not a regular file.' % path)
    try:
        # newline='': a CR is the file's own byte (Proxmox reads it as part of the line), never translated.
        with open(path, encoding='utf-8', newline='') as handle:
            return handle.read()
    except UnicodeDecodeError as exc:
        raise VmcpuError('%s is not UTF-8 text (byte %d).' % (path, exc.start)) from None
    except OSError as exc:
        raise VmcpuError('cannot read %s: %s.' % (path, exc.strerror)) from None


def write_config(path, text):
    """Write ``text`` to ``path`` in one rename (``atomic_file``)."""
    try:
        data = text.encode('utf-8')
    except UnicodeEncodeError as exc:
        raise VmcpuError('the section holds a character that is no UTF-8 text (at %d).' % exc.start) from None
    write_file_atomically(path, data)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', default='/etc/pve/virtual-guest/cpu-models.conf'),
            section=dict(type='str', required=True),
        ),
        supports_check_mode=True,
    )
    path = module.params['path']
    try:
        model = section_name(module.params['section'])
        before = read_config(path)
        after = with_cpu_model(before, module.params['section'], path)
        changed = after != before
        if changed and not module.check_mode:
            write_config(path, after)
    except VmcpuError as exc:
        module.fail_json(msg='proxmox_cpu_model: %s' % exc)
    result = dict(changed=changed, model=model)
    if module._diff:
        result['diff'] = dict(before=before, after=after, before_header=path, after_header=path)
    module.exit_json(**result)


if __name__ == '__main__':
    main()

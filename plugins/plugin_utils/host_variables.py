# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A host's variables as plain data, read without Ansible's templating.

CPU facts are data, never templates. Read through ``hostvars[host]``, every value of them comes
wrapped so that it could be templated when read, and a profile reads every register of every host:
that was most of the controller's time per host in a large fleet (benchmarks/fleet_play.py).
``HostVars.raw_get`` (ansible-core 2.17 and later) gives the same variables untemplated. A plain
mapping (unit tests, callers outside a play) is read as it is.
"""


def host_variables(hostvars, host):
    """The variables of ``host``, an inventory host of ``hostvars``, untemplated."""
    raw_get = getattr(hostvars, 'raw_get', None)
    return raw_get(host) if raw_get is not None else hostvars[host]

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read nova.conf files as Nova does and print what its libvirt driver makes of their CPU options.

Runs in .venv-nova (requirements/nova.txt: Nova and oslo.config from PyPI). Each file is parsed on its
own by oslo.config against Nova's own ``[libvirt]`` option definitions (``nova.conf.libvirt``), so a
value Nova refuses fails here; the guest ``<cpu>`` element is built with Nova's own classes
(``LibvirtDriver._prepare_cpu_flag`` for each flag, ``LibvirtConfigGuestCPU``) the way
``LibvirtDriver._get_guest_cpu_model_config`` builds it for ``cpu_mode = custom`` (the first model).

    .venv-nova/bin/python tests/platforms/nova_guest_cpu.py a/nova.conf [b/nova.conf ...]

prints one JSON list, per file ``{"cpu_mode": ..., "cpu_models": [...], "cpu_model_extra_flags": [...],
"guest_cpu": "<cpu ...>"}``; exits 1 with oslo.config's message (and the file) for a file Nova would refuse.
"""

import json
import sys

from oslo_config import cfg

import nova.conf.libvirt
from nova.virt.libvirt import config as vconfig
from nova.virt.libvirt.driver import LibvirtDriver


def guest_cpu(path):
    """What Nova reads from the nova.conf ``path`` and the guest ``<cpu>`` it builds from it."""
    conf = cfg.ConfigOpts()
    nova.conf.libvirt.register_opts(conf)
    conf(args=[], project='nova', default_config_files=[path])
    libvirt = conf.libvirt
    mode, models, flags = libvirt.cpu_mode, libvirt.cpu_models, libvirt.cpu_model_extra_flags
    cpu = vconfig.LibvirtConfigGuestCPU()
    cpu.mode = mode
    cpu.model = models[0] if models else None
    for flag in sorted({flag.lower() for flag in flags}):
        # _prepare_cpu_flag reads only its argument.
        cpu.add_feature(LibvirtDriver._prepare_cpu_flag(None, flag))
    return {'cpu_mode': mode, 'cpu_models': models, 'cpu_model_extra_flags': flags, 'guest_cpu': cpu.to_xml()}


def main(paths):
    results = []
    for path in paths:
        try:
            results.append(guest_cpu(path))
        except (cfg.Error, ValueError) as exc:
            print('nova.conf refused (%s): %s' % (path, exc), file=sys.stderr)
            return 1
    print(json.dumps(results))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

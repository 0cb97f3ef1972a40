# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline stand-in for the ``get-pip.py`` script that ansible-test downloads to bootstrap pip.

ansible-test creates an empty virtual environment for each sanity test and runs
``~/.ansible/test/cache/get_pip_<version>.py`` in it (through its ``quiet_pip.py``) with the
arguments ``--disable-pip-version-check pip==<version> --no-setuptools --no-wheel``. It fetches that
script from a host these machines cannot reach, so ``scripts/setup.sh`` copies this file into the
cache under every name the installed ansible-test versions ask for.

It does what the real script does, without embedding a copy of pip: put a pip wheel on ``sys.path``
(the one bundled with the interpreter's own ``ensurepip``) and run
``pip install --upgrade --force-reinstall <arguments>``, so the requested pip release is installed
from the package index exactly as ansible-test pinned it.
"""

import glob
import os
import sys

# Options of the real get-pip.py that are not pip options.
IMPLICIT_PACKAGE_FLAGS = {'--no-setuptools': 'setuptools', '--no-wheel': 'wheel'}


def bundled_pip_wheel():
    """Return the path of the pip wheel that ships with this interpreter's ensurepip."""
    import ensurepip  # pylint: disable=import-outside-toplevel

    bundled = os.path.join(os.path.dirname(ensurepip.__file__), '_bundled')
    wheels = sorted(glob.glob(os.path.join(bundled, 'pip-*.whl')))

    if not wheels:
        sys.exit('get_pip_bootstrap: no pip wheel bundled with %s (ensurepip removed?)' % sys.executable)

    return wheels[-1]


def pip_arguments(argv):
    """Translate get-pip.py arguments into a ``pip install`` command line."""
    args = [arg for arg in argv if arg not in IMPLICIT_PACKAGE_FLAGS]
    # get-pip.py installs setuptools and wheel too unless told not to.
    implicit = [name for flag, name in sorted(IMPLICIT_PACKAGE_FLAGS.items()) if flag not in argv]

    return ['install', '--upgrade', '--force-reinstall'] + args + implicit


def main():
    """Install the requested pip into the running interpreter's environment."""
    sys.path.insert(0, bundled_pip_wheel())

    from pip._internal.cli.main import main as pip_main  # pylint: disable=import-outside-toplevel,import-error

    sys.exit(pip_main(pip_arguments(sys.argv[1:])))


if __name__ == '__main__':
    main()

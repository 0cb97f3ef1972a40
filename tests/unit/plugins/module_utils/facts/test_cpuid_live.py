# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Live CPUID of the machine running the tests: both readers, and the `cpuid -r` tool as a witness."""

import os
import shutil
import subprocess

import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import HostAccessError
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_leaves import mask_per_cpu
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_live import (
    online_cpus, read_live_cpuid,
)
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.dump_import import load_dump

needs_devcpu = pytest.mark.skipif(
    not os.access('/dev/cpu/0/cpuid', os.R_OK),
    reason='/dev/cpu/0/cpuid is not readable here (needs root and the cpuid module)')


@pytest.fixture(scope='module')
def devcpu_dump():
    if not os.access('/dev/cpu/0/cpuid', os.R_OK):
        pytest.skip('/dev/cpu/0/cpuid is not readable here (needs root and the cpuid module)')
    return read_live_cpuid(method='devcpu')


def test_every_online_cpu_is_read(devcpu_dump):
    assert sorted(devcpu_dump.cpus) == online_cpus()
    assert len(devcpu_dump.cpus) == os.cpu_count()


def test_devcpu_and_instruction_agree_on_every_cpu(devcpu_dump):
    executed = read_live_cpuid(method='instruction')
    assert executed.method == 'instruction'
    for cpu, leaves in devcpu_dump.cpus.items():
        assert mask_per_cpu(executed.cpus[cpu]) == mask_per_cpu(leaves), 'CPU %d differs' % cpu


def test_cpuid_tool_dump_imported_equals_live_view(devcpu_dump, tmp_path):
    """`cpuid -r` of this machine, imported through load_dump, equals the live view.

    Per-CPU bits (APIC IDs) are masked on both sides. The tool also walks leaf ranges of other
    vendors (0x2000_0000 Xeon Phi, 0x8086_0000 Transmeta, 0xC000_0000 Centaur) and hypervisor
    sub-ranges; those extra leaves are outside our walk and ignored, everything we read must be there.
    """
    if shutil.which('cpuid') is None:
        pytest.skip('the cpuid tool is not installed (Debian package cpuid)')
    dump_file = tmp_path / 'host.cpuid'
    dump_file.write_text(subprocess.run(['cpuid', '-r'], capture_output=True, text=True,
                                        check=True).stdout)
    imported = load_dump(str(dump_file))
    assert sorted(imported.cpus) == sorted(devcpu_dump.cpus)
    compared = 0
    for cpu, live in devcpu_dump.cpus.items():
        tool = mask_per_cpu(imported.cpus[cpu])
        for key, regs in mask_per_cpu(live).items():
            assert key in tool, 'CPU %d: CPUID.(%#x,%#x) read live but not by cpuid -r' % (cpu, *key)
            assert tool[key] == regs, 'CPU %d: CPUID.(%#x,%#x) differs' % (cpu, *key)
            compared += 1
    assert compared >= 40 * len(devcpu_dump.cpus)


def test_auto_falls_back_to_instruction_and_says_why(tmp_path):
    dump = read_live_cpuid(method='auto', dev_dir=str(tmp_path), cpus=[0])
    assert dump.method.startswith('instruction (devcpu unusable: ')
    assert str(tmp_path) in dump.method
    assert (0, 0) in dump.cpus[0]


def test_missing_cpuid_module_is_reported(tmp_path):
    with pytest.raises(HostAccessError) as error:
        read_live_cpuid(method='devcpu', dev_dir=str(tmp_path))
    message = str(error.value)
    assert '%s/0/cpuid does not exist: the cpuid kernel module is not loaded and loading it is not allowed' % tmp_path in message
    assert 'modprobe cpuid' in message


def _run(argv):
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    return result.returncode, result.stdout, result.stderr


@pytest.mark.skipif(shutil.which('modprobe') is None, reason='modprobe is not installed')
def test_modprobe_that_does_not_create_the_device_is_reported(tmp_path):
    """The real modprobe runs (the module may load or already be loaded), but the device folder
    given here never gets a cpuid node: the message says so and what to do."""
    with pytest.raises(HostAccessError) as error:
        read_live_cpuid(method='devcpu', dev_dir=str(tmp_path), run_command=_run)
    message = str(error.value)
    assert message.startswith('%s/0/cpuid does not exist and "modprobe cpuid" did not create it (' % tmp_path)
    assert message.endswith('or use method: instruction.')


def test_not_x86_is_refused():
    with pytest.raises(HostAccessError, match=r'CPUID exists only on x86 processors; this host is aarch64'):
        read_live_cpuid(machine='aarch64')


def test_unknown_method_is_refused():
    with pytest.raises(HostAccessError, match=r"Unknown CPUID method 'msr'; use one of auto, devcpu, instruction"):
        read_live_cpuid(method='msr')


@needs_devcpu
@pytest.mark.skipif(os.geteuid() != 0, reason='dropping to an unprivileged user needs root')
def test_devcpu_without_root_is_refused_with_advice():
    """A child process that dropped root cannot open /dev/cpu/N/cpuid: the message says what to do."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: become nobody, try, report the message through the pipe
        os.close(read_end)
        message = 'no error'
        try:
            os.setgid(65534)
            os.setuid(65534)
            read_live_cpuid(method='devcpu')
        except HostAccessError as exc:
            message = str(exc)
        except BaseException as exc:  # anything else is a test failure, reported as such
            message = 'unexpected %r' % exc
        os.write(write_end, message.encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        message = pipe.read()
    os.waitpid(pid, 0)
    assert message.startswith('Permission denied opening /dev/cpu/')
    assert 'needs root (CAP_SYS_RAWIO)' in message
    assert 'method: instruction' in message

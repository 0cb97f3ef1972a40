# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read raw CPUID of every logical CPU of the running host.

Two methods, chosen by ``read_live_cpuid(method=...)``:

* ``devcpu``: the Linux ``cpuid`` driver, ``/dev/cpu/N/cpuid``. A 16-byte ``pread`` at offset
  ``subleaf << 32 | leaf`` executes CPUID on CPU N. Needs root (CAP_SYS_RAWIO) and the ``cpuid``
  module, which is loaded with modprobe when missing and allowed.
* ``instruction``: executes CPUID in this process, pinned to each CPU in turn with
  ``sched_setaffinity``, through a 30-byte x86-64 routine placed in an executable page. Needs no
  privilege; refused where the kernel forbids executable anonymous memory.

``auto`` prefers ``devcpu`` and falls back to ``instruction`` when the device cannot be used.
"""

import ctypes
import errno
import mmap
import os
import platform
import re
import struct

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import HostAccessError
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_dump import CpuidDump
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_leaves import enumerate_cpuid

X86_MACHINES = ('x86_64', 'amd64', 'i386', 'i486', 'i586', 'i686')
METHODS = ('auto', 'devcpu', 'instruction')

# void cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4]) in the System V AMD64 ABI:
#   push rbx; mov eax, edi; mov ecx, esi; mov r8, rdx; cpuid;
#   mov [r8], eax; mov [r8+4], ebx; mov [r8+8], ecx; mov [r8+12], edx; pop rbx; ret
# rbx is callee-saved, hence the push/pop around CPUID, which clobbers it.
_CPUID_X86_64 = bytes.fromhex('53 89f8 89f1 4989d0 0fa2 418900 41895804 41894808 4189500c 5b c3')


def online_cpus(sys_cpu_dir='/sys/devices/system/cpu'):
    """Logical CPU numbers that are online, from sysfs (falls back to this process' affinity)."""
    try:
        with open(os.path.join(sys_cpu_dir, 'online')) as handle:
            text = handle.read().strip()
    except OSError:
        return sorted(os.sched_getaffinity(0))
    cpus = []
    for part in text.split(','):
        first, last = (part.split('-') + [part])[:2]
        cpus.extend(range(int(first), int(last) + 1))
    return cpus


def require_x86(machine=None):
    """Refuse to run on anything but x86: CPUID does not exist elsewhere."""
    machine = machine or platform.machine()
    if machine.lower() not in X86_MACHINES:
        raise HostAccessError(
            'CPUID exists only on x86 processors; this host is %s. Describe it with a dump file '
            'through the src option instead, or leave it out of x86 CPU profiles.' % machine)


class DevCpuReader:
    """CPUID through ``/dev/cpu/N/cpuid`` of one CPU (one open file descriptor, reused)."""

    def __init__(self, path):
        self.path = path
        self.fd = os.open(path, os.O_RDONLY)

    def read(self, leaf, subleaf):
        data = os.pread(self.fd, 16, subleaf << 32 | leaf)
        if len(data) != 16:
            raise HostAccessError('%s returned %d bytes for CPUID.(%#x,%#x) instead of 16.'
                                  % (self.path, len(data), leaf, subleaf))
        return struct.unpack('<4I', data)

    def close(self):
        os.close(self.fd)


def _load_cpuid_module(dev_dir, run_command):
    """Make ``/dev/cpu/N/cpuid`` exist, loading the ``cpuid`` module when a command runner is given.

    ``run_command(argv)`` returns ``(rc, stdout, stderr)`` like ``AnsibleModule.run_command``; None
    means loading modules is not allowed.
    """
    probe = os.path.join(dev_dir, '0', 'cpuid')
    if os.path.exists(probe):
        return
    if run_command is None:
        raise HostAccessError(
            '%s does not exist: the cpuid kernel module is not loaded and loading it is not allowed '
            '(load_module: false). Run "modprobe cpuid" or use method: instruction.' % probe)
    rc, stdout, stderr = run_command(['modprobe', 'cpuid'])
    if not os.path.exists(probe):
        detail = (stderr or stdout or '').strip() or 'exit code %d' % rc
        raise HostAccessError(
            '%s does not exist and "modprobe cpuid" did not create it (%s). Install/enable the '
            'cpuid kernel module (CONFIG_X86_CPUID) or use method: instruction.' % (probe, detail))


def read_devcpu(cpus, dev_dir='/dev/cpu', run_command=None):
    """Raw CPUID of ``cpus`` through the cpuid driver."""
    _load_cpuid_module(dev_dir, run_command)
    result = {}
    for cpu in cpus:
        path = os.path.join(dev_dir, str(cpu), 'cpuid')
        try:
            reader = DevCpuReader(path)
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EPERM):
                raise HostAccessError(
                    'Permission denied opening %s: reading CPUID through the cpuid driver needs '
                    'root (CAP_SYS_RAWIO). Use become: true, or method: instruction which needs no '
                    'privilege.' % path)
            raise HostAccessError('Cannot open %s: %s.' % (path, exc.strerror))
        try:
            result[cpu] = enumerate_cpuid(reader.read)
        except OSError as exc:
            raise HostAccessError('Reading %s failed: %s.' % (path, exc.strerror))
        finally:
            reader.close()
    return result


class InstructionReader:
    """Executes CPUID in this process; the caller pins the process to the CPU to read."""

    def __init__(self):
        if platform.machine().lower() not in ('x86_64', 'amd64'):
            raise HostAccessError('method: instruction is implemented for x86_64 only; use '
                                  'method: devcpu on 32-bit x86.')
        try:
            self._page = mmap.mmap(-1, mmap.PAGESIZE,
                                   prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
        except OSError as exc:
            raise HostAccessError(
                'Cannot map executable memory to run CPUID in-process (%s); use method: devcpu '
                'as root instead.' % exc.strerror)
        self._page.write(_CPUID_X86_64)
        address = ctypes.addressof(ctypes.c_char.from_buffer(self._page))
        prototype = ctypes.CFUNCTYPE(None, ctypes.c_uint32, ctypes.c_uint32,
                                     ctypes.POINTER(ctypes.c_uint32))
        self._function = prototype(address)
        self._out = (ctypes.c_uint32 * 4)()

    def read(self, leaf, subleaf):
        self._function(leaf, subleaf, self._out)
        return tuple(self._out)


def read_instruction(cpus):
    """Raw CPUID of ``cpus``, executing the instruction pinned to each CPU."""
    reader = InstructionReader()
    saved = os.sched_getaffinity(0)
    result = {}
    try:
        for cpu in cpus:
            try:
                os.sched_setaffinity(0, {cpu})
            except OSError as exc:
                raise HostAccessError('Cannot pin to CPU %d to read its CPUID: %s.'
                                      % (cpu, exc.strerror))
            result[cpu] = enumerate_cpuid(reader.read)
    finally:
        os.sched_setaffinity(0, saved)
    return result


def read_live_cpuid(method='auto', dev_dir='/dev/cpu', run_command=None, cpus=None, machine=None):
    """Return a ``CpuidDump`` of every online logical CPU of this host.

    ``method`` is ``auto``, ``devcpu`` or ``instruction`` (see the module docstring);
    ``run_command`` loads the cpuid module when needed (see ``_load_cpuid_module``). With ``auto``
    the reason ``devcpu`` was not used is kept in ``CpuidDump.method`` so the facts can say it.
    """
    require_x86(machine)
    if method not in METHODS:
        raise HostAccessError('Unknown CPUID method %r; use one of %s.' % (method, ', '.join(METHODS)))
    cpus = online_cpus() if cpus is None else cpus
    if method == 'instruction':
        return CpuidDump(cpus=read_instruction(cpus), source='live', method='instruction')
    try:
        return CpuidDump(cpus=read_devcpu(cpus, dev_dir, run_command), source='live', method='devcpu')
    except HostAccessError as exc:
        if method == 'devcpu':
            raise
        fallback_reason = _first_sentence(str(exc))
    return CpuidDump(cpus=read_instruction(cpus), source='live',
                     method='instruction (devcpu unusable: %s)' % fallback_reason)


def _first_sentence(text):
    return re.split(r'(?<=[.:])\s', text, maxsplit=1)[0].rstrip('.:')

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Boot the CPUID dumper guest (cpuid_dump.s) under QEMU and return what its virtual CPU shows.

Test data the project makes itself: booted under TCG with ``-cpu <model>``, each of the installed
QEMU's CPU models becomes a CPU dump (``cpuid -r`` text the collection imports like any other), so
fleets of different CPUs exist on any machine with QEMU and binutils, without ../shared.

    python tests/guest/qemu_cpuid.py Skylake-Server-v4 > skylake.cpuid   # one model, raw dump text

The guest dumps sub-leaves 0..63 of every leaf; which of them exist is decided here by the
collection's own enumeration (``facts.cpuid_leaves.enumerate_cpuid``), exactly as the live reader
walks a real CPU, so the dump holds what ``cpu_facts`` would have read inside that guest.
Without ``enforce``, TCG leaves out the model's features it cannot emulate (AVX-512, ...) and says
so on stderr; the dump is what the guest really sees.
"""

import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, 'cpuid_dump.s')
END_MARK = 0xffffffff
ENTRY = struct.Struct('<6I')
QEMU = 'qemu-system-x86_64'
BOOT_TIMEOUT = 60
# QEMU's exit status when the guest has written its dump: isa-debug-exit exits with (value << 1) | 1
# and the guest writes 0x31. QEMU's own failures exit with 1.
GUEST_DONE = 99


class GuestError(Exception):
    """The guest could not be built or booted, or said something that is not a dump."""


def build_guest(folder):
    """Assemble and link the guest into ``folder``; returns the path of its ELF image."""
    for tool in ('as', 'ld'):
        if not shutil.which(tool):
            raise GuestError('%s (binutils) not found: it builds the CPUID dumper guest' % tool)
    obj, elf = os.path.join(folder, 'cpuid_dump.o'), os.path.join(folder, 'cpuid_dump.elf')
    for argv in (['as', '--32', '-o', obj, SOURCE],
                 ['ld', '-m', 'elf_i386', '-Ttext=0x100000', '--build-id=none', '-o', elf, obj]):
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        if done.returncode:
            raise GuestError('%s failed: %s' % (' '.join(argv), done.stderr.strip()))
    return elf


def boot(elf, cpu, accel='tcg', extra=()):
    """``{(leaf, subleaf): (eax, ebx, ecx, edx)}`` for sub-leaves 0..63 of every leaf the guest
    walked, booting ``elf`` under ``-cpu cpu``; and QEMU's stderr (its warnings)."""
    if not shutil.which(QEMU):
        raise GuestError('%s not found (Debian package qemu-system-x86)' % QEMU)
    with tempfile.TemporaryDirectory(prefix='vmcpu-guest-') as folder:
        out = os.path.join(folder, 'cpuid.bin')
        argv = [QEMU, '-accel', accel, '-cpu', cpu, '-display', 'none', '-nodefaults', '-no-reboot',
                '-debugcon', 'file:%s' % out, '-device', 'isa-debug-exit,iobase=0xf4,iosize=4',
                '-kernel', elf] + list(extra)
        try:
            done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=BOOT_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise GuestError('the guest did not finish within %d s under -cpu %s' % (BOOT_TIMEOUT, cpu))
        if done.returncode != GUEST_DONE:
            raise GuestError('QEMU -cpu %s exited with %d: %s' % (cpu, done.returncode, done.stderr.strip()))
        with open(out, 'rb') as handle:
            data = handle.read()
    return decode(data, cpu), done.stderr


def decode(data, cpu='?'):
    """The guest's entries from its console bytes; refuses output without the end mark."""
    entries, offset = {}, 0
    while offset + 4 <= len(data):
        (leaf,) = struct.unpack_from('<I', data, offset)
        if leaf == END_MARK:
            return entries
        if offset + ENTRY.size > len(data):
            break
        leaf, subleaf, eax, ebx, ecx, edx = ENTRY.unpack_from(data, offset)
        entries[(leaf, subleaf)] = (eax, ebx, ecx, edx)
        offset += ENTRY.size
    raise GuestError('the guest under -cpu %s stopped after %d bytes without its end mark' % (cpu, len(data)))


def raw_dump(entries, enumerate_cpuid):
    """``cpuid -r`` text of one CPU: the entries ``enumerate_cpuid`` walks over the guest's table."""
    leaves = enumerate_cpuid(lambda leaf, subleaf: entries.get((leaf, subleaf), (0, 0, 0, 0)))
    lines = ['CPU 0:']
    for (leaf, subleaf), regs in sorted(leaves.items()):
        lines.append('   0x%08x 0x%02x: eax=0x%08x ebx=0x%08x ecx=0x%08x edx=0x%08x' % ((leaf, subleaf) + tuple(regs)))
    return '\n'.join(lines) + '\n'


def model_dumps(models, folder, enumerate_cpuid):
    """Write ``<folder>/<model>.cpuid`` for each QEMU CPU model; returns ``{model: path}``."""
    elf = build_guest(folder)
    paths = {}
    for model in models:
        entries, _warnings = boot(elf, model)
        paths[model] = os.path.join(folder, '%s.cpuid' % model)
        with open(paths[model], 'w') as handle:
            handle.write(raw_dump(entries, enumerate_cpuid))
    return paths


def main(argv):
    if len(argv) != 2:
        sys.exit('usage: qemu_cpuid.py QEMU_CPU_MODEL  (writes the raw dump to standard output)')
    root = os.path.dirname(os.path.dirname(HERE))
    sys.path.insert(0, os.path.join(root, '.collections'))
    from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_leaves import enumerate_cpuid
    with tempfile.TemporaryDirectory(prefix='vmcpu-guest-') as folder:
        try:
            entries, warnings = boot(build_guest(folder), argv[1])
        except GuestError as exc:
            sys.exit('qemu_cpuid.py: %s' % exc)
    sys.stderr.write(warnings)
    sys.stdout.write(raw_dump(entries, enumerate_cpuid))


if __name__ == '__main__':
    main(sys.argv)

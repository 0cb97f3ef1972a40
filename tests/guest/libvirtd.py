# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A private libvirtd for the tests: the system daemon (``qemu:///system``), started in its own mount
namespace so that it touches nothing of the machine's libvirt.

``/etc/libvirt``, ``/run/libvirt``, ``/var/lib/libvirt``, ``/var/log/libvirt`` and
``/var/cache/libvirt`` are folders under the test's own folder inside that namespace, so a libvirtd
the machine may run is neither seen nor disturbed, and clients reach this one by the URI's ``socket``
parameter. Its QEMU driver runs QEMU as root without virtlogd or a security driver (the test set-up
is a container without systemd). libvirt's QEMU driver insists that its compiled-in user
``libvirt-qemu`` exists, which only Debian's libvirt-daemon-system package creates (with systemd
and networking besides): when the machine lacks it, the namespace sees a copy of ``/etc/passwd`` and
``/etc/group`` with that user added.

    daemon = Libvirtd(folder); daemon.start()
    entries = daemon.boot(elf, cpu_xml, commandline_xml)   # the CPUID the domain's guest saw
    daemon.stop()
"""

import os
import pwd
import shlex
import shutil
import subprocess
import time

import qemu_cpuid

START_TIMEOUT = 30
DOMAIN_NAME = 'vmcpu-guest-check'
FOLDERS = {'etc': '/etc/libvirt', 'run': '/run/libvirt', 'lib': '/var/lib/libvirt', 'log': '/var/log/libvirt',
           'cache': '/var/cache/libvirt'}
LIBVIRTD_CONF = '''auth_unix_rw = "none"
auth_unix_ro = "none"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
'''
QEMU_CONF = '''user = "root"
group = "root"
dynamic_ownership = 0
stdio_handler = "file"
security_driver = "none"
'''
QEMU_USER = 'libvirt-qemu'
# The guest's domain: a multiboot kernel, its CPUID on QEMU's debug console, and isa-debug-exit to end.
DOMAIN = """<domain type='qemu'>
  <name>%(name)s</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>%(kernel)s</kernel>
  </os>
%(cpu)s
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>%(emulator)s</emulator>
  </devices>
%(commandline)s
</domain>
"""
DEBUG_ARGS = """<qemu:commandline xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <qemu:arg value='-debugcon'/>
  <qemu:arg value='file:%s'/>
  <qemu:arg value='-device'/>
  <qemu:arg value='isa-debug-exit,iobase=0xf4,iosize=4'/>
</qemu:commandline>"""


class LibvirtdError(Exception):
    """The daemon could not start, or a domain could not be defined, started or read."""


def _indented(xml):
    return '\n'.join('  ' + line for line in xml.splitlines())


class Libvirtd:
    def __init__(self, folder):
        self.folder = folder
        self.uri = 'qemu:///system?socket=%s' % os.path.join(folder, 'run', 'libvirt-sock')
        self.process = None

    def _mounts(self):
        lines = ['set -e', 'mount --make-rprivate /']
        for name, target in sorted(FOLDERS.items()):
            os.makedirs(os.path.join(self.folder, name), exist_ok=True)
            lines.append('mkdir -p %s && mount --bind %s %s' % (
                target, shlex.quote(os.path.join(self.folder, name)), target))
        try:
            pwd.getpwnam(QEMU_USER)
        except KeyError:
            for name, entry in (('passwd', '%s:x:64055:64055:libvirt QEMU:/var/lib/libvirt:/usr/sbin/nologin'),
                                ('group', '%s:x:64055:')):
                copy = os.path.join(self.folder, name)
                shutil.copyfile('/etc/%s' % name, copy)
                with open(copy, 'a') as stream:
                    stream.write(entry % QEMU_USER + '\n')
                lines.append('mount --bind %s /etc/%s' % (shlex.quote(copy), name))
        return lines

    def start(self):
        missing = [tool for tool in ('libvirtd', 'unshare', 'virsh') if not shutil.which(tool)]
        if missing:
            raise LibvirtdError('%s not found (Debian packages libvirt-daemon, util-linux, libvirt-clients)'
                                % ', '.join(missing))
        lines = self._mounts()
        with open(os.path.join(self.folder, 'etc', 'libvirtd.conf'), 'w') as stream:
            stream.write(LIBVIRTD_CONF)
        with open(os.path.join(self.folder, 'etc', 'qemu.conf'), 'w') as stream:
            stream.write(QEMU_CONF)
        lines.append('exec libvirtd --pid-file /run/libvirt/libvirtd.pid')
        log = open(os.path.join(self.folder, 'libvirtd.out'), 'w')
        self.process = subprocess.Popen(['unshare', '--mount', 'sh', '-c', '\n'.join(lines)],
                                        stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise LibvirtdError('libvirtd exited with %d: %s' % (self.process.returncode, self._log()))
            if subprocess.run(['virsh', '-c', self.uri, 'version'], capture_output=True, check=False).returncode == 0:
                return self
            time.sleep(0.2)
        self.stop()
        raise LibvirtdError('libvirtd did not answer within %d s: %s' % (START_TIMEOUT, self._log()))

    def _log(self):
        text = ''
        for name in ('libvirtd.out', os.path.join('log', 'libvirtd.log')):
            try:
                with open(os.path.join(self.folder, name)) as stream:
                    text += stream.read()
            except OSError:
                pass
        return ' '.join(text.split()[-60:]) or '(no log)'

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def virsh(self, *arguments):
        done = subprocess.run(['virsh', '-q', '-c', self.uri] + list(arguments), capture_output=True, text=True,
                              check=False, timeout=120)
        if done.returncode:
            raise LibvirtdError('virsh %s: %s' % (' '.join(arguments), (done.stderr or done.stdout).strip()))
        return done.stdout.strip()

    def boot(self, elf, cpu_xml, commandline_xml=None):
        """Define and start a domain of type ``qemu`` with ``cpu_xml`` (a ``<cpu>`` element) and
        ``commandline_xml`` (a ``<qemu:commandline>`` element or None), the CPUID dumper ``elf`` as its
        kernel; returns what its guest dumped (``qemu_cpuid.decode``). The domain is undefined after."""
        out = os.path.join(self.folder, 'guest-cpuid.bin')
        if os.path.exists(out):
            os.unlink(out)
        commandline = DEBUG_ARGS % out
        if commandline_xml:
            # libvirt keeps one <qemu:commandline>: the export's arguments join the guest's own.
            arguments = commandline_xml.strip().splitlines()[1:-1]
            commandline = commandline.replace('</qemu:commandline>', '\n'.join(arguments) + '\n</qemu:commandline>')
        path = os.path.join(self.folder, 'domain.xml')
        with open(path, 'w') as stream:
            stream.write(DOMAIN % {'name': DOMAIN_NAME, 'kernel': elf, 'cpu': _indented(cpu_xml),
                                   'emulator': shutil.which(qemu_cpuid.QEMU), 'commandline': _indented(commandline)})
        self.virsh('define', path)
        try:
            self.virsh('start', DOMAIN_NAME)
            deadline = time.monotonic() + qemu_cpuid.BOOT_TIMEOUT
            while self.virsh('domstate', DOMAIN_NAME) != 'shut off':
                if time.monotonic() > deadline:
                    self.virsh('destroy', DOMAIN_NAME)
                    raise LibvirtdError('the domain did not finish within %d s' % qemu_cpuid.BOOT_TIMEOUT)
                time.sleep(0.1)
        finally:
            self.virsh('undefine', DOMAIN_NAME)
        try:
            with open(out, 'rb') as stream:
                return qemu_cpuid.decode(stream.read(), 'libvirt')
        except OSError as exc:
            raise LibvirtdError('the domain left no CPUID dump: %s' % exc)

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The KVM view of a host: what a guest on this host can actually be given.

``read_kvm_view()`` asks the KVM system file descriptor (``/dev/kvm``) the same questions QEMU and
cloud-hypervisor ask before they build a vCPU:

* ``KVM_GET_API_VERSION`` (must be 12),
* ``KVM_GET_SUPPORTED_CPUID`` (every leaf/sub-leaf KVM can expose, with its flags),
* ``KVM_GET_MSR_INDEX_LIST`` (MSRs KVM saves/restores for a vCPU),
* ``KVM_GET_MSR_FEATURE_INDEX_LIST`` and ``KVM_GET_MSRS`` on the system fd (MSR-based features such
  as IA32_ARCH_CAPABILITIES, the VMX capability MSRs, AMD's DE_CFG; needs
  ``KVM_CAP_GET_MSR_FEATURES``).

Runs on managed nodes: standard library only, Python >= 3.9, no ``msr`` kernel module needed.
Every failure is a ``HostAccessError`` with a one-line message naming the device and the ioctl.
"""

import ctypes
import errno
import fcntl
import os

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import HostAccessError
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_dump import format_entry

# --- ioctl request encoding (include/uapi/asm-generic/ioctl.h, used by x86) -------------------
# request = dir << 30 | size << 16 | type << 8 | nr ; nr 8 bits, type 8 bits, size 14 bits, dir 2.
_IOC_NRSHIFT = 0
_IOC_TYPESHIFT = 8
_IOC_SIZESHIFT = 16
_IOC_DIRSHIFT = 30
_IOC_NONE = 0
_IOC_WRITE = 1
_IOC_READ = 2


def _ioc(direction, type_, nr, size):
    return ((direction << _IOC_DIRSHIFT) | (type_ << _IOC_TYPESHIFT)
            | (nr << _IOC_NRSHIFT) | (size << _IOC_SIZESHIFT))


def _io(type_, nr):
    return _ioc(_IOC_NONE, type_, nr, 0)


def _iowr(type_, nr, size):
    return _ioc(_IOC_READ | _IOC_WRITE, type_, nr, size)


# --- UAPI structures (include/uapi/linux/kvm.h, arch/x86/include/uapi/asm/kvm.h) -------------
# The kernel structs end in flexible arrays; the ioctl number encodes the size of the fixed
# header only, so each header is declared on its own and the full buffer is built per call.

class _KvmCpuidEntry2(ctypes.Structure):
    """struct kvm_cpuid_entry2: function, index, flags, eax, ebx, ecx, edx, padding[3]."""
    _fields_ = [
        ('function', ctypes.c_uint32),
        ('index', ctypes.c_uint32),
        ('flags', ctypes.c_uint32),
        ('eax', ctypes.c_uint32),
        ('ebx', ctypes.c_uint32),
        ('ecx', ctypes.c_uint32),
        ('edx', ctypes.c_uint32),
        ('padding', ctypes.c_uint32 * 3),
    ]


class _KvmCpuid2Header(ctypes.Structure):
    """struct kvm_cpuid2 without its flexible array: nent, padding."""
    _fields_ = [('nent', ctypes.c_uint32), ('padding', ctypes.c_uint32)]


class _KvmMsrListHeader(ctypes.Structure):
    """struct kvm_msr_list without its flexible array: nmsrs."""
    _fields_ = [('nmsrs', ctypes.c_uint32)]


class _KvmMsrEntry(ctypes.Structure):
    """struct kvm_msr_entry: index, reserved, data."""
    _fields_ = [
        ('index', ctypes.c_uint32),
        ('reserved', ctypes.c_uint32),
        ('data', ctypes.c_uint64),
    ]


class _KvmMsrsHeader(ctypes.Structure):
    """struct kvm_msrs without its flexible array: nmsrs, pad."""
    _fields_ = [('nmsrs', ctypes.c_uint32), ('pad', ctypes.c_uint32)]


def _with_array(header, name, entry_type, count):
    """A ctypes structure: ``header``'s fields followed by ``entry_type[count]`` called ``name``."""
    return type('%s_%d' % (header.__name__, count), (ctypes.Structure,), {
        '_fields_': list(header._fields_) + [(name, entry_type * count)],
    })


# --- ioctl numbers, by their name in include/uapi/linux/kvm.h ---------------------------------
KVMIO = 0xAE
# #define KVM_GET_API_VERSION             _IO(KVMIO,   0x00)
KVM_GET_API_VERSION = _io(KVMIO, 0x00)
# #define KVM_GET_MSR_INDEX_LIST          _IOWR(KVMIO, 0x02, struct kvm_msr_list)
KVM_GET_MSR_INDEX_LIST = _iowr(KVMIO, 0x02, ctypes.sizeof(_KvmMsrListHeader))
# #define KVM_CHECK_EXTENSION             _IO(KVMIO,   0x03)
KVM_CHECK_EXTENSION = _io(KVMIO, 0x03)
# #define KVM_GET_SUPPORTED_CPUID         _IOWR(KVMIO, 0x05, struct kvm_cpuid2)
KVM_GET_SUPPORTED_CPUID = _iowr(KVMIO, 0x05, ctypes.sizeof(_KvmCpuid2Header))
# #define KVM_GET_MSR_FEATURE_INDEX_LIST  _IOWR(KVMIO, 0x0a, struct kvm_msr_list)
KVM_GET_MSR_FEATURE_INDEX_LIST = _iowr(KVMIO, 0x0a, ctypes.sizeof(_KvmMsrListHeader))
# #define KVM_GET_MSRS                    _IOWR(KVMIO, 0x88, struct kvm_msrs)
# (a vCPU ioctl that, since Linux 4.17, also works on the system fd for feature MSRs)
KVM_GET_MSRS = _iowr(KVMIO, 0x88, ctypes.sizeof(_KvmMsrsHeader))

# #define KVM_API_VERSION 12
KVM_API_VERSION = 12
# #define KVM_CAP_GET_MSR_FEATURES 153
KVM_CAP_GET_MSR_FEATURES = 153

# KVM rejects KVM_GET_MSRS with nmsrs >= MAX_IO_MSRS (256, arch/x86/kvm/x86.c): read in batches.
_MSR_BATCH = 128
# KVM_MAX_CPUID_ENTRIES is 256 today; start below it and double on E2BIG up to this bound.
_CPUID_FIRST_NENT = 64
_CPUID_MAX_NENT = 4096

# --- AMX guest permission (arch/x86/include/uapi/asm/prctl.h, asm/fpu/types.h) ----------------
_SYS_ARCH_PRCTL_X86_64 = 158
ARCH_REQ_XCOMP_GUEST_PERM = 0x1025
XFEATURE_XTILEDATA = 18


def _errno_text(err):
    code = errno.errorcode.get(err, str(err))
    return '%s (%s)' % (os.strerror(err), code)


class _KvmDevice:
    """An open KVM system fd; every ioctl failure becomes a HostAccessError naming the ioctl."""

    def __init__(self, device):
        self.device = device
        try:
            self.fd = os.open(device, os.O_RDWR | os.O_CLOEXEC)
        except OSError as exc:
            raise _open_error(device, exc) from None

    def close(self):
        os.close(self.fd)

    def ioctl(self, name, request, arg=0, allowed=()):
        """Run one ioctl; return (result, None), or (None, errno) when errno is in ``allowed``."""
        try:
            return fcntl.ioctl(self.fd, request, arg), None
        except OSError as exc:
            if exc.errno in allowed:
                return None, exc.errno
            raise HostAccessError('%s: %s failed: %s%s' % (
                self.device, name, _errno_text(exc.errno),
                '; is this a KVM device?' if exc.errno == errno.ENOTTY else '')) from None


def _open_error(device, exc):
    if exc.errno == errno.ENOENT:
        return HostAccessError(
            '%s does not exist: the kvm module is not loaded or this host has no hardware '
            'virtualisation (VT-x/AMD-V disabled in the firmware, or not passed through to this VM)'
            % device)
    if exc.errno in (errno.EACCES, errno.EPERM):
        return HostAccessError(
            '%s: permission denied opening the KVM device: run as root or as a member of the kvm '
            'group (become: true)' % device)
    return HostAccessError('%s: cannot open the KVM device: %s' % (device, _errno_text(exc.errno)))


def request_amx_guest_permission():
    """Ask the kernel to let this process give AMX tile data to guests.

    Since Linux 5.17 the AMX tile state (XSAVE component 18, XTILEDATA, 8 KiB) is a dynamically
    enabled feature: KVM only reports it in KVM_GET_SUPPORTED_CPUID (CPUID 0xD.0 EAX bits 17/18,
    leaves 0x1D and 0x1E, AMX bits of 0x7.0 EDX) to a process whose thread group was granted
    guest permission with arch_prctl(ARCH_REQ_XCOMP_GUEST_PERM, XFEATURE_XTILEDATA). Without the
    request AMX silently disappears from the supported CPUID, and from every profile built on it.
    The grant is per process, idempotent and harmless: it only allows a larger guest FPU buffer.

    Returns 'granted', 'not_supported' (EINVAL/EOPNOTSUPP: a CPU or kernel without AMX, or not
    x86_64) or the errno text of any other failure.
    """
    if os.uname().machine != 'x86_64':
        return 'not_supported'
    libc = ctypes.CDLL(None, use_errno=True)
    # arch_prctl has no glibc wrapper for these codes: call syscall(SYS_arch_prctl, code, arg)
    # with explicit longs (a variadic call would otherwise pass ints with undefined upper halves).
    ret = libc.syscall(ctypes.c_long(_SYS_ARCH_PRCTL_X86_64),
                       ctypes.c_long(ARCH_REQ_XCOMP_GUEST_PERM),
                       ctypes.c_long(XFEATURE_XTILEDATA))
    if ret == 0:
        return 'granted'
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.EOPNOTSUPP):
        return 'not_supported'
    return _errno_text(err)


def _read_supported_cpuid(kvm):
    nent = _CPUID_FIRST_NENT
    while True:
        buf = _with_array(_KvmCpuid2Header, 'entries', _KvmCpuidEntry2, nent)()
        buf.nent = nent
        err = kvm.ioctl('KVM_GET_SUPPORTED_CPUID', KVM_GET_SUPPORTED_CPUID, buf,
                        allowed=(errno.E2BIG,))[1]
        if err is None:
            break
        if nent >= _CPUID_MAX_NENT:
            raise HostAccessError('%s: KVM_GET_SUPPORTED_CPUID failed: %s even with %d entries'
                                  % (kvm.device, _errno_text(err), nent))
        nent *= 2
    if buf.nent > nent:
        raise HostAccessError('%s: KVM_GET_SUPPORTED_CPUID returned nent=%d for a buffer of %d'
                              % (kvm.device, buf.nent, nent))
    entries = sorted(buf.entries[:buf.nent], key=lambda e: (e.function, e.index))
    return [format_entry(e.function, e.index, (e.eax, e.ebx, e.ecx, e.edx), flags=int(e.flags))
            for e in entries]


def _read_msr_list(kvm, name, request):
    """KVM_GET_MSR_INDEX_LIST / KVM_GET_MSR_FEATURE_INDEX_LIST: probe the count, then read."""
    probe = _KvmMsrListHeader(nmsrs=0)
    err = kvm.ioctl(name, request, probe, allowed=(errno.E2BIG,))[1]
    for _attempt in range(3):  # the list only grows if a module is reloaded meanwhile
        count = probe.nmsrs
        buf = _with_array(_KvmMsrListHeader, 'indices', ctypes.c_uint32, count)()
        buf.nmsrs = count
        err = kvm.ioctl(name, request, buf, allowed=(errno.E2BIG,))[1]
        if err is None:
            return sorted(int(i) for i in buf.indices[:buf.nmsrs])
        probe.nmsrs = buf.nmsrs
    raise HostAccessError('%s: %s failed: %s (the list kept growing)'
                          % (kvm.device, name, _errno_text(err)))


def _get_msrs(kvm, indices):
    """KVM_GET_MSRS on the system fd; returns the number read (it stops at the first failure)."""
    buf = _with_array(_KvmMsrsHeader, 'entries', _KvmMsrEntry, len(indices))()
    buf.nmsrs = len(indices)
    for slot, index in zip(buf.entries, indices):
        slot.index = index
    done = kvm.ioctl('KVM_GET_MSRS', KVM_GET_MSRS, buf)[0]
    return done, [(int(e.index), int(e.data)) for e in buf.entries[:done]]


def _read_feature_msrs(kvm, indices):
    values, unreadable = {}, []
    for start in range(0, len(indices), _MSR_BATCH):
        batch = indices[start:start + _MSR_BATCH]
        done, pairs = _get_msrs(kvm, batch)
        values.update(pairs)
        if done < len(batch):
            # One MSR failed and KVM stopped there: read the rest one by one to find which.
            for index in batch[done:]:
                one_done, one = _get_msrs(kvm, [index])
                if one_done == 1:
                    values.update(one)
                else:
                    unreadable.append(index)
    return values, unreadable


def read_kvm_view(device='/dev/kvm'):
    """Read the KVM view of this host from the KVM system device; return a JSON-ready dict.

    Keys: ``api_version`` (int), ``supported_cpuid`` (list of {leaf, subleaf, flags, eax, ebx, ecx,
    edx}, sorted by leaf then subleaf; hex strings, flags an int), ``msr_index_list`` (sorted hex
    strings), ``feature_msrs`` ({index: value} as hex strings; empty when the kernel lacks
    KVM_CAP_GET_MSR_FEATURES), ``amx_guest_permission`` ('granted', 'not_supported' or the errno
    text), and ``unreadable_feature_msrs`` (sorted hex strings) only when some feature MSR listed
    by KVM could not be read.

    Raises HostAccessError for a missing or inaccessible device, a device that is not KVM, an
    unexpected API version or any failing ioctl.
    """
    # Before opening /dev/kvm and before KVM_GET_SUPPORTED_CPUID: see the docstring for why.
    amx = request_amx_guest_permission()
    kvm = _KvmDevice(device)
    try:
        version = kvm.ioctl('KVM_GET_API_VERSION', KVM_GET_API_VERSION)[0]
        if version != KVM_API_VERSION:
            raise HostAccessError('%s: KVM_GET_API_VERSION returned %d, expected %d: unsupported '
                                  'KVM' % (device, version, KVM_API_VERSION))
        has_features = kvm.ioctl('KVM_CHECK_EXTENSION(KVM_CAP_GET_MSR_FEATURES)',
                                 KVM_CHECK_EXTENSION, KVM_CAP_GET_MSR_FEATURES)[0]
        cpuid = _read_supported_cpuid(kvm)
        msr_index = _read_msr_list(kvm, 'KVM_GET_MSR_INDEX_LIST', KVM_GET_MSR_INDEX_LIST)
        feature_values, unreadable = {}, []
        if has_features > 0:
            feature_index = _read_msr_list(kvm, 'KVM_GET_MSR_FEATURE_INDEX_LIST',
                                           KVM_GET_MSR_FEATURE_INDEX_LIST)
            feature_values, unreadable = _read_feature_msrs(kvm, feature_index)
    finally:
        kvm.close()
    view = {
        'api_version': version,
        'supported_cpuid': cpuid,
        'msr_index_list': ['0x%08x' % i for i in msr_index],
        'feature_msrs': {'0x%08x' % i: '0x%016x' % v for i, v in sorted(feature_values.items())},
        'amx_guest_permission': amx,
    }
    if unreadable:
        view['unreadable_feature_msrs'] = ['0x%08x' % i for i in sorted(unreadable)]
    return view

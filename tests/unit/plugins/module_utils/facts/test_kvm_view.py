# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Live tests of the KVM view against the real /dev/kvm of the machine running the tests.

The key test compares ``read_kvm_view()`` with a second, deliberately different reader written
here: ``struct`` packing instead of ctypes, ioctl numbers as literals, a single large CPUID buffer
instead of growing on E2BIG, and feature MSRs read one at a time instead of in a batch.
"""

import ctypes
import errno
import fcntl
import json
import multiprocessing
import os
import stat
import struct

import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import HostAccessError
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts import kvm_view

KVM = '/dev/kvm'


def _kvm_unusable_reason():
    if not os.path.exists(KVM):
        return '%s does not exist on this machine' % KVM
    if not os.access(KVM, os.R_OK | os.W_OK):
        return '%s is not accessible to uid %d (run the tests as root)' % (KVM, os.getuid())
    return None


needs_kvm = pytest.mark.skipif(_kvm_unusable_reason() is not None,
                               reason=_kvm_unusable_reason() or '')


# --- independent reader -------------------------------------------------------------------------
# Literal request numbers: (dir << 30) | (size << 16) | (type << 8) | nr with type KVMIO = 0xAE,
# dir 3 = read|write, size = sizeof the struct header before its flexible array.
IND_KVM_GET_API_VERSION = 0x0000AE00             # _IO(0xAE, 0x00)
IND_KVM_GET_MSR_INDEX_LIST = 0xC004AE02          # (3<<30)|(4<<16)|(0xAE<<8)|0x02, kvm_msr_list
IND_KVM_GET_SUPPORTED_CPUID = 0xC008AE05         # (3<<30)|(8<<16)|(0xAE<<8)|0x05, kvm_cpuid2
IND_KVM_GET_MSR_FEATURE_INDEX_LIST = 0xC004AE0A  # (3<<30)|(4<<16)|(0xAE<<8)|0x0a, kvm_msr_list
IND_KVM_GET_MSRS = 0xC008AE88                    # (3<<30)|(8<<16)|(0xAE<<8)|0x88, kvm_msrs

CPUID_ENTRY = struct.Struct('<10I')   # function index flags eax ebx ecx edx padding[3]: 40 bytes
MSR_ENTRY = struct.Struct('<IIQ')     # index reserved data: 16 bytes
MAX_CPUID_ENTRIES = 256               # KVM_MAX_CPUID_ENTRIES


def _independent_msr_list(fd, request):
    probe = bytearray(struct.pack('<I', 0))
    try:
        fcntl.ioctl(fd, request, probe)
    except OSError as exc:
        assert exc.errno == errno.E2BIG
    count = struct.unpack_from('<I', probe)[0]
    buf = bytearray(struct.pack('<I', count) + b'\0' * 4 * count)
    fcntl.ioctl(fd, request, buf)
    got = struct.unpack_from('<I', buf)[0]
    return sorted(struct.unpack_from('<%dI' % got, buf, 4))


def independent_read(device=KVM):
    """Read the KVM view with struct packing; same JSON shape as read_kvm_view."""
    # Same AMX guest permission request as the module (it is per process and sticky; asking here
    # too keeps the comparison valid whatever order the tests run in).
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall(ctypes.c_long(158), ctypes.c_long(0x1025), ctypes.c_long(18))
    fd = os.open(device, os.O_RDWR)
    try:
        api = fcntl.ioctl(fd, IND_KVM_GET_API_VERSION, 0)

        cpuid_buf = bytearray(struct.pack('<II', MAX_CPUID_ENTRIES, 0)
                              + b'\0' * CPUID_ENTRY.size * MAX_CPUID_ENTRIES)
        fcntl.ioctl(fd, IND_KVM_GET_SUPPORTED_CPUID, cpuid_buf)
        nent = struct.unpack_from('<I', cpuid_buf)[0]
        cpuid = []
        for n in range(nent):
            fn, idx, flags, a, b, c, d = CPUID_ENTRY.unpack_from(cpuid_buf, 8 + n * CPUID_ENTRY.size)[:7]
            cpuid.append((fn, idx, flags, a, b, c, d))
        cpuid.sort()

        msr_index = _independent_msr_list(fd, IND_KVM_GET_MSR_INDEX_LIST)
        feature_index = _independent_msr_list(fd, IND_KVM_GET_MSR_FEATURE_INDEX_LIST)
        features, unreadable = {}, []
        for index in feature_index:
            buf = bytearray(struct.pack('<II', 1, 0) + MSR_ENTRY.pack(index, 0, 0))
            if fcntl.ioctl(fd, IND_KVM_GET_MSRS, buf) == 1:
                features[index] = MSR_ENTRY.unpack_from(buf, 8)[2]
            else:
                unreadable.append(index)
    finally:
        os.close(fd)
    return {
        'api_version': api,
        'supported_cpuid': [
            {'leaf': '0x%08x' % fn, 'subleaf': '0x%x' % idx, 'flags': flags, 'eax': '0x%08x' % a,
             'ebx': '0x%08x' % b, 'ecx': '0x%08x' % c, 'edx': '0x%08x' % d}
            for fn, idx, flags, a, b, c, d in cpuid],
        'msr_index_list': ['0x%08x' % i for i in msr_index],
        'feature_msrs': {'0x%08x' % i: '0x%016x' % v for i, v in features.items()},
        'unreadable_feature_msrs': ['0x%08x' % i for i in unreadable],
    }


# --- live comparisons --------------------------------------------------------------------------

@pytest.fixture(scope='module', autouse=True)
def pinned_to_one_cpu():
    """Some hosts copy the caller's APIC ID into KVM_GET_SUPPORTED_CPUID (leaf 1 EBX, 0xB EDX):
    compare readings taken on the same CPU."""
    saved = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(saved)})
    yield
    os.sched_setaffinity(0, saved)


@pytest.fixture(scope='module')
def view():
    return kvm_view.read_kvm_view()


@needs_kvm
def test_matches_independent_reader_entry_by_entry(view):
    ref = independent_read()
    assert view['api_version'] == ref['api_version'] == 12

    assert len(view['supported_cpuid']) == len(ref['supported_cpuid'])
    for mine, theirs in zip(view['supported_cpuid'], ref['supported_cpuid']):
        assert mine == theirs, 'CPUID %s.%s differs' % (theirs['leaf'], theirs['subleaf'])

    assert len(view['msr_index_list']) == len(ref['msr_index_list'])
    for mine, theirs in zip(view['msr_index_list'], ref['msr_index_list']):
        assert mine == theirs

    assert sorted(view['feature_msrs']) == sorted(ref['feature_msrs'])
    for index, value in ref['feature_msrs'].items():
        assert view['feature_msrs'][index] == value, 'feature MSR %s differs' % index
    assert view.get('unreadable_feature_msrs', []) == ref['unreadable_feature_msrs']


@needs_kvm
def test_shape_is_sorted_and_json_ready(view):
    assert json.loads(json.dumps(view)) == view
    keys = [(int(e['leaf'], 16), int(e['subleaf'], 16)) for e in view['supported_cpuid']]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    for entry in view['supported_cpuid']:
        assert len(entry['leaf']) == 10 and all(len(entry[r]) == 10 for r in ('eax', 'ebx', 'ecx', 'edx'))
        assert isinstance(entry['flags'], int)
    msrs = [int(i, 16) for i in view['msr_index_list']]
    assert msrs == sorted(msrs) and msrs
    assert all(len(v) == 18 for v in view['feature_msrs'].values())
    assert view['amx_guest_permission'] == 'granted' or view['amx_guest_permission'] == 'not_supported', \
        view['amx_guest_permission']


@needs_kvm
def test_leaf0_has_host_vendor(view):
    with open('/proc/cpuinfo') as cpuinfo:
        vendor = next(line.split(':', 1)[1].strip() for line in cpuinfo if line.startswith('vendor_id'))
    leaf0 = view['supported_cpuid'][0]
    assert (leaf0['leaf'], leaf0['subleaf']) == ('0x00000000', '0x0')
    name = b''.join(struct.pack('<I', int(leaf0[r], 16)) for r in ('ebx', 'edx', 'ecx'))
    assert name.decode('ascii') == vendor


@needs_kvm
def test_amx_listed_in_cpuid_when_permission_granted(view):
    """KVM lists the AMX state components (CPUID.(0xd,0).EAX[18:17]) only for a process that holds the
    guest permission, while it reports the AMX feature flag (CPUID.(7,0).EDX[24]) either way; so with
    the permission granted the two agree. Compared with KVM's own flag rather than the host's
    /proc/cpuinfo: a KVM may offer less than the host has (KVM via PVM here lists no AMX at all)."""
    def entry(leaf, subleaf):
        return next(e for e in view['supported_cpuid'] if e['leaf'] == leaf and e['subleaf'] == subleaf)
    amx_bits = int(entry('0x0000000d', '0x0')['eax'], 16) & (3 << 17)
    if view['amx_guest_permission'] == 'granted':
        kvm_amx = int(entry('0x00000007', '0x0')['edx'], 16) >> 24 & 1
        assert amx_bits == (3 << 17 if kvm_amx else 0)
    else:
        assert amx_bits == 0


@needs_kvm
def test_feature_msr_fallback_reads_one_by_one():
    """A batch with an MSR KVM refuses stops short; the rest is read one by one, live."""
    device = kvm_view._KvmDevice(KVM)
    try:
        good = kvm_view._read_msr_list(device, 'KVM_GET_MSR_FEATURE_INDEX_LIST',
                                       kvm_view.KVM_GET_MSR_FEATURE_INDEX_LIST)
        if not good:
            pytest.skip('KVM lists no feature MSRs on this host')
        bogus = 0x4b564dff  # in KVM's paravirtual MSR range, never a feature MSR
        values, unreadable = kvm_view._read_feature_msrs(device, [good[0], bogus] + good[1:])
    finally:
        device.close()
    assert unreadable == [bogus]
    assert sorted(values) == good


# --- errors ------------------------------------------------------------------------------------

def test_missing_device(tmp_path):
    with pytest.raises(HostAccessError) as info:
        kvm_view.read_kvm_view(str(tmp_path / 'kvm'))
    message = str(info.value)
    assert 'does not exist' in message and 'kvm module is not loaded' in message
    assert 'no hardware virtualisation' in message and str(tmp_path / 'kvm') in message


def test_not_a_kvm_device():
    with pytest.raises(HostAccessError) as info:
        kvm_view.read_kvm_view('/dev/null')
    message = str(info.value)
    assert message.startswith('/dev/null: KVM_GET_API_VERSION failed:')
    assert 'ENOTTY' in message and 'KVM device' in message


def _read_as_nobody(queue):
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)
    try:
        kvm_view.read_kvm_view()
        queue.put('no error')
    except HostAccessError as exc:
        queue.put('HostAccessError: %s' % exc)
    except Exception as exc:  # the test reports anything else as a failure
        queue.put('%s: %s' % (type(exc).__name__, exc))


@pytest.mark.skipif(os.geteuid() != 0, reason='dropping privileges to nobody needs root')
@pytest.mark.skipif(not os.path.exists(KVM), reason='%s does not exist on this machine' % KVM)
@pytest.mark.skipif(os.path.exists(KVM) and bool(os.stat(KVM).st_mode & stat.S_IROTH),
                    reason='%s is readable by everyone here: no permission error to provoke' % KVM)
def test_permission_denied_as_nobody():
    ctx = multiprocessing.get_context('fork')
    queue = ctx.Queue()
    child = ctx.Process(target=_read_as_nobody, args=(queue,))
    child.start()
    result = queue.get(timeout=60)
    child.join(timeout=60)
    assert result.startswith('HostAccessError: /dev/kvm: permission denied'), result
    assert 'run as root' in result and 'kvm group' in result and 'become: true' in result


def test_ioctl_numbers_match_the_literals():
    assert kvm_view.KVM_GET_API_VERSION == IND_KVM_GET_API_VERSION
    assert kvm_view.KVM_CHECK_EXTENSION == 0x0000AE03
    assert kvm_view.KVM_GET_MSR_INDEX_LIST == IND_KVM_GET_MSR_INDEX_LIST
    assert kvm_view.KVM_GET_SUPPORTED_CPUID == IND_KVM_GET_SUPPORTED_CPUID
    assert kvm_view.KVM_GET_MSR_FEATURE_INDEX_LIST == IND_KVM_GET_MSR_FEATURE_INDEX_LIST
    assert kvm_view.KVM_GET_MSRS == IND_KVM_GET_MSRS


@needs_kvm
def test_supported_cpuid_grows_on_e2big(monkeypatch, view):
    """Starting far too small, the reader doubles the buffer on E2BIG and gets the same entries."""
    monkeypatch.setattr(kvm_view, '_CPUID_FIRST_NENT', 2)
    assert kvm_view.read_kvm_view()['supported_cpuid'] == view['supported_cpuid']

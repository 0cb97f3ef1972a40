# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline dump import: every shared dump, a live ``cpuid -r`` dump, and each bad input's message."""

import os
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import DumpFormatError
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts import dump_import
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.dump_import import load_dump
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.host_facts import gather_facts

REPO_ROOT = Path(__file__).resolve().parents[5]
ACCEPTED = ('accepted are raw `cpuid -r` output (cpuid_raw), libvirt cputestdata XML (libvirt_xml), '
            'AIDA64 CPUID text or report (aida64) or libcpuid raw data (libcpuid_raw)')


def _shared_root():
    return Path(os.environ.get('VMCPU_SHARED') or REPO_ROOT.parent / 'shared')


def _shared_dumps(pattern):
    """Parameters for every shared dump matching ``pattern``, found at collection time."""
    root = _shared_root()
    found = sorted(root.glob(pattern)) if root.is_dir() else []
    if not found:
        return [pytest.param(None, marks=pytest.mark.skip(
            reason='no %s under %s (shared test data absent)' % (pattern, root)))]
    return [pytest.param(path, id=path.name) for path in found]


LIBVIRT_DUMPS = _shared_dumps('testdata/cpuid/libvirt/*.xml')
AIDA64_HYBRID = 'testdata/cpuid/aida64/12th-gen-intel-core-i7-12700h.test'
FORMAT_OF_DIRECTORY = {'libvirt': 'libvirt_xml', 'aida64': 'aida64', 'instlatx64': 'aida64'}


def _expected_format(path):
    """The format of a shared dump: by its folder; libcpuid's tests hold AIDA64 text and libcpuid's raw
    data, told apart by the first line (read without the parser under test)."""
    if path.parent.name == 'libcpuid':
        return 'libcpuid_raw' if path.read_text().startswith('basic_cpuid[0]=') else 'aida64'
    return FORMAT_OF_DIRECTORY[path.parent.name]


def _vendor(registers):
    _eax, ebx, ecx, edx = registers
    return struct.pack('<III', ebx, edx, ecx).decode('ascii')


def _brand_text(path):
    """The brand as the file itself writes it in comments, read without the parser under test."""
    text = path.read_text()
    comment = re.match(r'<!--(.*?)-->', text)
    if comment:
        return comment.group(1)
    # AIDA64 comments the brand-string leaves 0x80000002..4 with their ASCII; libcpuid's decode after
    # its raw data names the code name ('C86 (Dhyana)').
    aida64 = ''.join(re.findall(r'^CPUID 8000000[234]: \S+ \[(.*)\]$', text, re.M)[:3])
    return aida64 or ' '.join(re.findall(r'^\S.*\(Dhyana\)$', text, re.M))


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def _error(path):
    with pytest.raises(DumpFormatError) as caught:
        load_dump(path)
    return str(caught.value)


def test_every_shared_dump_imports(shared_dump):
    dump = load_dump(shared_dump)
    expected_format = _expected_format(shared_dump)
    assert dump.method == expected_format
    assert dump.source == '%s:%s' % (expected_format, shared_dump)
    assert dump.cpus and all((0, 0) in leaves for leaves in dump.cpus.values())


def test_vendor_matches_brand_comment(shared_dump):
    path = shared_dump
    brand = _brand_text(path)
    if re.search(r'Dhyana|Hygon', brand):
        expected = 'HygonGenuine'
    elif re.search(r'AMD|EPYC|Ryzen', brand):
        expected = 'AuthenticAMD'
    elif re.search(r'Intel|Xeon|Core|Atom|Lake', brand):
        expected = 'GenuineIntel'
    else:
        pytest.fail('cannot tell the vendor from the brand comment %r' % brand)
    dump = load_dump(path)
    assert {_vendor(leaves[(0, 0)]) for leaves in dump.cpus.values()} == {expected}


@pytest.mark.parametrize('path', LIBVIRT_DUMPS)
def test_libvirt_msrs_as_written(path):
    text = path.read_text()
    written = {int(index, 16): (int(edx, 16) << 32) | int(eax, 16) for index, edx, eax in
               re.findall(r"<msr index='(\w+)' edx='(\w+)' eax='(\w+)'/>", text)}
    dump = load_dump(path)
    assert dump.msrs == written
    if "<msr index='0x10a'" in text:
        assert dump.msrs[0x10a] == written[0x10a]
    else:
        assert 0x10a not in dump.msrs


@pytest.mark.parametrize('path', LIBVIRT_DUMPS)
def test_libvirt_leaf_count_equals_cpuid_lines(path):
    cpuid_lines = sum(1 for line in path.read_text().splitlines() if '<cpuid ' in line)
    dump = load_dump(path)
    assert list(dump.cpus) == [0]
    assert len(dump.cpus[0]) == cpuid_lines


def test_aida64_hybrid_core_types(shared_dir):
    path = shared_dir / AIDA64_HYBRID
    text = path.read_text()
    # Independent reading: split at the section headers, take leaf 0x1A's EAX of each section.
    sections = re.split(r'^-+\[ CPUID Registers / Logical CPU #(\d+) \]-+$', text, flags=re.M)
    core_type = {int(cpu): int(re.search(r'^CPUID 0000001A: ([0-9A-F]{8})', body, re.M).group(1), 16) >> 24
                 for cpu, body in zip(sections[1::2], sections[2::2])}
    performance = sorted(cpu for cpu, kind in core_type.items() if kind == 0x40)
    efficiency = sorted(cpu for cpu, kind in core_type.items() if kind == 0x20)
    assert performance and efficiency

    dump = load_dump(path)
    assert len(dump.cpus) == 20
    assert sorted(dump.cpus) == sorted(performance + efficiency)
    for cpu, leaves in dump.cpus.items():
        assert leaves[(0x1a, 0)][0] >> 24 == core_type[cpu], 'CPU %d' % cpu


def test_aida64_subleaf_tags_are_hex(shared_dir):
    # 'CPUID 0000000D: ... [SL 0B]' is sub-leaf 11, the CET_U state component.
    dump = load_dump(shared_dir / AIDA64_HYBRID)
    assert dump.cpus[0][(0xd, 0xb)] == (0x10, 0, 1, 0)
    assert (0xd, 0x10) in dump.cpus[0]


def _live_leaf0():
    try:
        fd = os.open('/dev/cpu/0/cpuid', os.O_RDONLY)
    except OSError as exc:
        pytest.skip('/dev/cpu/0/cpuid is not readable: %s' % exc)
    try:
        # The cpuid device takes the leaf as the file offset and returns EAX, EBX, ECX, EDX.
        return struct.unpack('<4I', os.pread(fd, 16, 0))
    finally:
        os.close(fd)


def _run_cpuid(tmp_path, *flags):
    if shutil.which('cpuid') is None:
        pytest.skip('the cpuid tool is not installed (apt-get install cpuid)')
    output = subprocess.run(['cpuid'] + list(flags), check=True, stdout=subprocess.PIPE,
                            universal_newlines=True).stdout
    return _write(tmp_path, 'live.txt', output)


def test_live_cpuid_raw_all_cpus(tmp_path):
    path = _run_cpuid(tmp_path, '-r')
    leaf0 = _live_leaf0()
    dump = load_dump(path)
    assert dump.method == 'cpuid_raw'
    assert dump.source == 'cpuid_raw:%s' % path
    assert sorted(dump.cpus) == list(range(os.cpu_count()))
    assert dump.cpus[0][(0, 0)] == leaf0
    assert dump.msrs == {}


def test_live_cpuid_raw_one_cpu(tmp_path):
    # 'cpuid -r -1' heads its single CPU with a bare 'CPU:'.
    path = _run_cpuid(tmp_path, '-r', '-1')
    dump = load_dump(path)
    assert list(dump.cpus) == [0]
    assert dump.cpus[0][(0, 0)] == _live_leaf0()


RAW_CPU = '''\
   0x00000000 0x00: eax=0x00000007 ebx=0x756e6547 ecx=0x6c65746e edx=0x49656e69
   0x00000001 0x00: eax=0x000906a3 ebx=0x00000800 ecx=0x7ffafbff edx=0xbfebfbff
   0x00000007 0x00: eax=0x00000000 ebx=0x239ca7eb ecx=0x98c007ac edx=0xfc18c410
   0x00000007 0x01: eax=0x00400810 ebx=0x00000000 ecx=0x00000000 edx=0x00000000
'''
RAW_TWO_CPUS = 'CPU 0:\n' + RAW_CPU + 'CPU 1:\n' + RAW_CPU

AIDA64_CPU = '''\
CPUID 00000000: 00000007-756E6547-6C65746E-49656E69 [GenuineIntel]
CPUID 00000001: 000906A2-00800800-7FFAFBFF-BFEBFBFF
CPUID 00000007: 00000001-239CA7EB-98C007AC-FC18C410 [SL 00]
CPUID 00000007: 00400810-00000000-00000000-00000000 [SL 01]
'''
AIDA64_ONE_CPU = '------[ CPUID Registers / Logical CPU #0 ]------\n' + AIDA64_CPU

LIBVIRT_ONE_CPU = '''\
<!-- synthetic -->
<cpudata arch='x86'>
  <cpuid eax_in='0x00000000' ecx_in='0x00' eax='0x00000001' ebx='0x68747541' ecx='0x444d4163' edx='0x69746e65'/>
  <cpuid eax_in='0x00000001' ecx_in='0x00' eax='0x00a00f11' ebx='0x00800800' ecx='0x7efa320b' edx='0x178bfbff'/>
  <msr index='0x10a' edx='0x00000001' eax='0x00000069'/>
</cpudata>
'''


# Leaf 0xB: 2 threads per core, 4 logical CPUs per package.
RAW_TOPOLOGY_CPU = '''\
   0x00000000 0x00: eax=0x0000000b ebx=0x756e6547 ecx=0x6c65746e edx=0x49656e69
   0x00000001 0x00: eax=0x000906a3 ebx=0x00040800 ecx=0x7ffafbff edx=0xbfebfbff
   0x0000000b 0x00: eax=0x00000001 ebx=0x00000002 ecx=0x00000100 edx=0x00000000
   0x0000000b 0x01: eax=0x00000002 ebx=0x00000004 ecx=0x00000201 edx=0x00000000
   0x0000000b 0x02: eax=0x00000000 ebx=0x00000000 ecx=0x00000002 edx=0x00000000
'''


def test_raw_dump_with_fewer_cpus_than_a_package_is_a_warning(tmp_path):
    """`cpuid -r` prints the online CPUs: a package short of CPUs may be a cut file or SMT off, so the
    facts are made and the user is told which CPUs are missing."""
    path = _write(tmp_path, 'half.txt', 'CPU 0:\n' + RAW_TOPOLOGY_CPU + 'CPU 1:\n' + RAW_TOPOLOGY_CPU)
    warnings = []
    facts = gather_facts(src=str(path), warn=warnings.append)
    assert facts['logical_cpus'] == 2
    assert warnings == ['%s: CPUID leaf 0xb of CPU 0 counts 4 logical CPUs in a package, but the dump has 2 (CPU #2-3 '
                        'missing): the dump was cut off at a CPU boundary, or those CPUs were offline when it was '
                        'taken (SMT off, maxcpus=); the facts describe the CPUs the dump has' % path]
    whole = _write(tmp_path, 'whole.txt', ''.join('CPU %d:\n%s' % (cpu, RAW_TOPOLOGY_CPU) for cpu in range(4)))
    assert load_dump(whole).warnings == []
    # 'cpuid -r -1' dumps one CPU on purpose.
    assert load_dump(_write(tmp_path, 'one.txt', 'CPU:\n' + RAW_TOPOLOGY_CPU)).warnings == []


def test_live_cpuid_raw_cut_after_cpu_0_is_a_warning(tmp_path):
    path = _run_cpuid(tmp_path, '-r')
    whole = path.read_text()
    assert load_dump(path).warnings == []
    if '\nCPU 1:' not in whole:
        pytest.skip('this machine has one logical CPU: no CPU boundary to cut at')
    cut = _write(tmp_path, 'cut.txt', whole[:whole.index('\nCPU 1:') + 1])
    warnings = load_dump(cut).warnings
    assert len(warnings) == 1 and 'but the dump has 1 (CPU #1' in warnings[0], warnings


def test_raw_without_header_is_cpu_0(tmp_path):
    # Older cpuid versions print no header at all with -1.
    dump = load_dump(_write(tmp_path, 'noheader.txt', RAW_CPU))
    assert list(dump.cpus) == [0]
    assert dump.cpus[0][(7, 1)] == (0x00400810, 0, 0, 0)


def test_identical_repeats_are_accepted(tmp_path):
    dump = load_dump(_write(tmp_path, 'twice.txt', RAW_TWO_CPUS + 'CPU 1:\n' + RAW_CPU))
    assert sorted(dump.cpus) == [0, 1]
    assert len(dump.cpus[1]) == 4


def test_aida64_utf16_with_crlf(tmp_path):
    path = tmp_path / 'windows.txt'
    path.write_bytes(AIDA64_ONE_CPU.replace('\n', '\r\n').encode('utf-16'))
    dump = load_dump(path)
    assert dump.method == 'aida64'
    assert dump.cpus[0][(7, 1)] == (0x00400810, 0, 0, 0)


def test_libvirt_msr_combines_edx_and_eax(tmp_path):
    dump = load_dump(_write(tmp_path, 'cpu.xml', LIBVIRT_ONE_CPU))
    assert dump.msrs == {0x10a: 0x100000069}
    assert _vendor(dump.cpus[0][(0, 0)]) == 'AuthenticAMD'


# ---- bad inputs: each message is asserted whole, with the file name and line where it applies ----

def test_missing_file(tmp_path):
    path = tmp_path / 'absent.txt'
    assert _error(path) == '%s: no such file' % path


def test_directory(tmp_path):
    assert _error(tmp_path) == '%s: is a directory, not a dump file' % tmp_path


def test_fifo_without_writer_is_refused_at_once(tmp_path):
    """A FIFO at the path would block open() forever; it is refused without waiting (the test would
    hang otherwise)."""
    path = tmp_path / 'planted.fifo'
    os.mkfifo(str(path))
    assert _error(path) == '%s: is a FIFO (named pipe), not a dump file' % path


def test_device_is_refused(tmp_path):
    assert _error('/dev/zero') == '/dev/zero: is a character device, not a dump file'


def test_unreadable_path(tmp_path):
    path = _write(tmp_path, 'plain.txt', RAW_CPU) / 'child'
    assert _error(path) == '%s: cannot be read: Not a directory' % path


@pytest.mark.skipif(os.geteuid() == 0, reason='root reads files whatever their mode')
def test_permission_denied(tmp_path):
    path = _write(tmp_path, 'secret.txt', RAW_CPU)
    path.chmod(0)
    assert _error(path) == ('%s: permission denied; make the file readable or read it as root '
                            '(become: true)' % path)


@pytest.mark.parametrize('content', ['', ' \n\n\t\n'], ids=['zero-bytes', 'whitespace'])
def test_empty_file(tmp_path, content):
    path = _write(tmp_path, 'empty.txt', content)
    assert _error(path) == '%s: file is empty; expected %s' % (path, ACCEPTED[len('accepted are '):])


def test_unknown_format(tmp_path):
    path = _write(tmp_path, 'dump.xml', '\nprocessor\t: 0\nvendor_id\t: GenuineIntel\n')
    assert _error(path) == ("%s:2: unknown dump format, the file starts with 'processor\\t: 0'; %s"
                            % (path, ACCEPTED))


def test_binary_file_is_unknown_format(tmp_path):
    path = tmp_path / 'random.bin'
    path.write_bytes(bytes(range(1, 256)))
    assert _error(path).startswith('%s:1: unknown dump format, the file starts with ' % path)


def test_oversized_file(tmp_path):
    path = tmp_path / 'huge.txt'
    with path.open('wb') as huge:
        huge.truncate(dump_import.MAX_DUMP_BYTES + 1)
    assert _error(path) == ('%s: is larger than 64 MiB, far beyond any CPUID dump; refusing to read it'
                            % path)


def test_raw_garbage_line(tmp_path):
    path = _write(tmp_path, 'raw.txt', RAW_TWO_CPUS.replace(
        'CPU 1:\n', 'CPU 1:\n   vendor_id = "GenuineIntel" and a long tail of decoded text after it\n'))
    assert _error(path) == (
        "%s:7: garbage line 'vendor_id = \"GenuineIntel\" and a long tail of decoded tex...', "
        "expected a 'CPU N:' header or a `cpuid -r` line '0xhhhhhhhh 0xhh: eax=0xhhhhhhhh "
        "ebx=0xhhhhhhhh ecx=0xhhhhhhhh edx=0xhhhhhhhh' (decoded `cpuid` output without -r is not "
        "accepted)" % path)


def test_aida64_garbage_line(tmp_path):
    path = _write(tmp_path, 'aida.txt', AIDA64_ONE_CPU.replace('CPUID 00000001', 'CPUIX 00000001'))
    assert _error(path) == (
        "%s:3: garbage line 'CPUIX 00000001: 000906A2-00800800-7FFAFBFF-BFEBFBFF', expected a "
        "'CPUID LLLLLLLL: EAX-EBX-ECX-EDX [SL nn]' line or a "
        "'------[ CPUID Registers / Logical CPU #N ]------' header" % path)


def test_aida64_garbage_after_registers(tmp_path):
    path = _write(tmp_path, 'aida.txt', AIDA64_ONE_CPU.replace('BFEBFBFF\n', 'BFEBFBFF x86\n'))
    assert _error(path) == ("%s:3: garbage after the registers: 'x86', expected a comment in brackets"
                            % path)


def test_libvirt_garbage_text(tmp_path):
    path = _write(tmp_path, 'cpu.xml', LIBVIRT_ONE_CPU.replace("<msr", "stray <msr"))
    assert _error(path) == "%s:5: garbage text 'stray' between elements" % path


def test_libvirt_unknown_element(tmp_path):
    path = _write(tmp_path, 'cpu.xml', LIBVIRT_ONE_CPU.replace("<msr", "<leaf/><msr"))
    assert _error(path) == ('%s:5: unexpected element <leaf>, cputestdata has only <cpuid> and <msr>'
                            % path)


def test_libvirt_bad_attribute(tmp_path):
    path = _write(tmp_path, 'cpu.xml', LIBVIRT_ONE_CPU.replace("eax='0x00000069'", "eax='zz'"))
    assert _error(path) == ("%s:5: <msr> needs attributes index, edx, eax, each a 32-bit hexadecimal number (0x "
                            "and at most 8 digits), got \"eax='zz' edx='0x00000001' index='0x10a'\"" % path)


def test_libvirt_wrong_root_and_arch(tmp_path):
    root = _write(tmp_path, 'root.xml', '<domain>\n</domain>\n')
    assert _error(root) == '%s:1: XML root element is <domain>, not libvirt cputestdata <cpudata>' % root
    arch = _write(tmp_path, 'arch.xml', LIBVIRT_ONE_CPU.replace("arch='x86'", "arch='ppc64'"))
    assert _error(arch) == "%s:2: cputestdata is for arch 'ppc64'; only x86 is supported" % arch


def test_libvirt_entity_declaration_refused(tmp_path):
    path = _write(tmp_path, 'bomb.xml', '<!DOCTYPE cpudata [\n<!ENTITY a "aaaa">\n]>\n<cpudata/>\n')
    assert _error(path) == '%s:2: XML entity declarations are not accepted in cputestdata' % path


def test_raw_cpu_header_without_leaves(tmp_path):
    path = _write(tmp_path, 'raw.txt', RAW_TWO_CPUS + 'CPU 2:\n')
    assert _error(path) == '%s:11: CPU 2 has no CPUID leaves (truncated dump?)' % path


def test_libvirt_truncated_xml(tmp_path):
    lines = LIBVIRT_ONE_CPU.splitlines()
    cut_mid_element = '\n'.join(lines[:3] + [lines[3][:40]])
    path = _write(tmp_path, 'cut.xml', cut_mid_element)
    assert _error(path) == ('%s:4: not well-formed XML (unclosed token); the file is truncated or '
                            'corrupt' % path)
    cut_after_line = _write(tmp_path, 'cut2.xml', '\n'.join(lines[:4]))
    assert _error(cut_after_line) == ('%s:4: not well-formed XML (no element found); the file is '
                                      'truncated or corrupt' % cut_after_line)


def test_aida64_section_cut_midway(tmp_path, shared_dir):
    # The hybrid dump cut at its line 100, inside Logical CPU #1's section (lines 70..138).
    whole = (shared_dir / AIDA64_HYBRID).read_text().splitlines()
    header_line = whole.index('------[ CPUID Registers / Logical CPU #1 ]------') + 1
    assert header_line < 100 < whole.index('------[ CPUID Registers / Logical CPU #2 ]------')
    path = _write(tmp_path, 'cut.test', '\n'.join(whole[:100]) + '\n')
    assert _error(path) == ('%s:100: CPU 1 ends before leaf 0x20, the last one leaf 0x0 announces '
                            '(truncated dump?)' % path)


def test_aida64_section_without_leaves(tmp_path):
    path = _write(tmp_path, 'aida.txt', AIDA64_ONE_CPU + '------[ CPUID Registers / Logical CPU #1 ]------\n')
    assert _error(path) == '%s:6: CPU 1 has no CPUID leaves (truncated dump?)' % path


@pytest.mark.parametrize('name, text, cut_text', [
    ('raw.txt', RAW_TWO_CPUS, '   0x00000001 0x00: eax=0x000906a3 ebx=0x0000'),
    ('aida.txt', AIDA64_ONE_CPU, 'CPUID 00000007: 00400810-00000000-000'),
    ('aida-tag.txt', AIDA64_ONE_CPU, 'CPUID 00000007: 00400810-00000000-00000000-00000000 [SL 0'),
])
def test_line_cut_midway(tmp_path, name, text, cut_text):
    lines = text.splitlines()
    number = next(n for n, line in enumerate(lines, 1) if line.startswith(cut_text) and line != cut_text)
    lines[number - 1] = cut_text
    path = _write(tmp_path, name, '\n'.join(lines[:number]))
    assert _error(path) == ("%s:%d: line is cut short: '%s' (truncated dump?)"
                            % (path, number, cut_text.strip()))


def test_conflicting_leaf_names_both_lines(tmp_path):
    path = _write(tmp_path, 'raw.txt', RAW_TWO_CPUS + 'CPU 0:\n' + RAW_CPU.replace(
        'ebx=0x239ca7eb', 'ebx=0x239ca7ea'))
    assert _error(path) == ('%s:14: CPUID.(0x7,0x0) of CPU 0 contradicts line 4 (ebx=0x239ca7ea here, '
                            '0x239ca7eb there); the dump mixes two sources or is corrupt' % path)


def test_conflicting_aida64_subleaf(tmp_path):
    repeat = AIDA64_CPU.replace('00000001-239CA7EB', '00000002-239CA7EB')
    path = _write(tmp_path, 'aida.txt', AIDA64_ONE_CPU + repeat)
    assert _error(path) == ('%s:8: CPUID.(0x7,0x0) of CPU 0 contradicts line 4 (eax=0x00000002 here, '
                            '0x00000001 there); the dump mixes two sources or is corrupt' % path)


def test_conflicting_msr(tmp_path):
    path = _write(tmp_path, 'cpu.xml', LIBVIRT_ONE_CPU.replace(
        '</cpudata>', "  <msr index='0x10a' edx='0x00000000' eax='0x00000069'/>\n</cpudata>"))
    assert _error(path) == ('%s:6: MSR 0x10a of the dump contradicts line 5 (0x69 here, 0x100000069 '
                            'there); the dump mixes two sources or is corrupt' % path)


@pytest.mark.parametrize('name, text, line', [
    ('raw.txt', RAW_TWO_CPUS.replace('CPU 1:\n   0x00000000', 'CPU 1:\n   0x00000003'), 6),
    ('aida.txt', AIDA64_ONE_CPU.replace('CPUID 00000000', 'CPUID 00000003'), 1),
    ('cpu.xml', LIBVIRT_ONE_CPU.replace("eax_in='0x00000000'", "eax_in='0x00000003'"), 2),
])
def test_no_leaf_0(tmp_path, name, text, line):
    path = _write(tmp_path, name, text)
    cpu = 1 if name == 'raw.txt' else 0
    assert _error(path) == ('%s:%d: CPU %d has no CPUID leaf 0, so its vendor cannot be told'
                            % (path, line, cpu))


# Leaf 0 alone (GenuineIntel, no leaf above it) in each format: the smallest whole dump.
LEAF_0_DUMPS = {
    'libvirt_xml': "<cpudata arch='x86'>\n  <cpuid eax_in='0x00000000' ecx_in='0x00' eax='0x00000000' ebx='0x756e6547' "
                   "ecx='0x6c65746e' edx='0x49656e69'/>\n</cpudata>\n",
    'cpuid_raw': 'CPU:\n   0x00000000 0x00: eax=0x00000000 ebx=0x756e6547 ecx=0x6c65746e edx=0x49656e69\n',
    'aida64': '------[ CPUID Registers / Logical CPU #0 ]------\n\nCPUID 00000000: 00000000-756E6547-6C65746E-49656E69\n',
    'libcpuid_raw': 'basic_cpuid[0]=00000000 756e6547 6c65746e 49656e69\n',
}
TEXT_PARSERS = {'cpuid_raw', 'aida64', 'libcpuid_raw'}
_IMPORTED_PARSERS = """import sys
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.dump_import import load_dump
print(load_dump(sys.argv[1]).method)
prefix = 'ansible_collections.vmcpu.profiles.plugins.module_utils.facts.dump_formats.'
print(' '.join(sorted(name[len(prefix):] for name in sys.modules if name.startswith(prefix))))
"""


@pytest.mark.parametrize('dump_format', sorted(LEAF_0_DUMPS))
def test_a_dump_imports_the_parsers_its_format_needs(tmp_path, dump_format):
    """cpu_facts compiles every module it imports on each run: a libvirt dump imports no text parser, a
    text dump the three text parsers (their patterns tell the text formats apart), and each import in
    load_dump names a module that exists. A fresh interpreter shows what one dump imports."""
    path = _write(tmp_path, 'leaf0.dump', LEAF_0_DUMPS[dump_format])
    completed = subprocess.run([sys.executable, '-c', _IMPORTED_PARSERS, str(path)], capture_output=True, text=True,
                               env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)), check=False)
    assert completed.returncode == 0, completed.stderr
    method, imported = completed.stdout.splitlines()
    assert method == dump_format
    expected = {'parsing', dump_format} | (TEXT_PARSERS if dump_format in TEXT_PARSERS else set())
    assert set(imported.split()) == expected

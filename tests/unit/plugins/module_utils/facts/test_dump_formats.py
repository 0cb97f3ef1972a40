# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dump variants of issue 13: AIDA64 full reports (``------[ Versions ]------`` first, the older
``------[ Logical CPU #N ]------`` header, ``allcpu:`` and cache lines, MSR sections, the All CPUs
list), libcpuid's raw data, what counts as cut off, and the strictness every parser owes the facts
schema. Real files of ../shared where they exist (read in place), small written ones otherwise."""

import re

import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import DumpFormatError, VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.dump_import import load_dump
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.host_facts import gather_facts
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import build_profile

REPORT = 'instlatx64/GenuineIntel00A0671_RocketLake_01_CPUID.txt'
OLD_HEADER = 'instlatx64/GenuineIntel0050654_SkylakeXeon_CPUID8.txt'
HYBRID_TEXT = 'aida64/12th-gen-intel-core-i7-12700h.test'
NOT_PRINTED = 'libcpuid/11th-gen-intel-core-i5-1135g7.test'
HYGON = 'libcpuid/hygon-c86-7185-32-core-processor.test'


def _error(path):
    with pytest.raises(DumpFormatError) as caught:
        load_dump(path)
    message = str(caught.value)
    assert '\n' not in message and message.startswith(str(path)), message
    return message


def _file(shared_dir, name):
    return shared_dir / 'testdata' / 'cpuid' / name


def _sections(text, title):
    """How many '------[ title ]------' headers the text has (counted without the parser)."""
    return len(re.findall(r'^-+\[ %s \]-*$' % title, text, re.M))


def test_full_report_cpus_and_feature_msrs(shared_dir):
    path = _file(shared_dir, REPORT)
    text = path.read_text()
    dump = load_dump(path)
    assert dump.method == 'aida64'
    assert len(dump.cpus) == _sections(text, r'CPUID Registers / Logical CPU #\d+') == 16
    # IA32_ARCH_CAPABILITIES (0x10a) as CPU #0's MSR section writes it, words joined.
    words = re.search(r'^MSR 0000010A: (\w{4})-(\w{4})-(\w{4})-(\w{4})$', text, re.M).groups()
    assert dump.msrs[0x10A] == int(''.join(words), 16)
    # A counter AIDA64 sampled three times with different values (APERF, 0xe8) is no feature MSR.
    aperf = set(re.findall(r'^MSR 000000E8: (\S+)', text[:text.index('MSR Registers / Logical CPU #1')], re.M))
    assert len(aperf) == 3 and 0xE8 not in dump.msrs
    assert set(range(0x480, 0x492)) & set(dump.msrs)


def test_older_header_and_unnumbered_msr_section(shared_dir):
    path = _file(shared_dir, OLD_HEADER)
    text = path.read_text()
    dump = load_dump(path)
    assert len(dump.cpus) == _sections(text, r'Logical CPU #\d+') == 32
    assert _sections(text, 'MSR Registers') == 1


def test_a_report_missing_cpus_of_its_all_cpus_list(shared_dir, tmp_path):
    text = _file(shared_dir, REPORT).read_text()
    cut = text[:text.index('------[ CPUID Registers / Logical CPU #12 ]')] + text[text.index('------[ All CPUs ]'):]
    path = tmp_path / 'cut.txt'
    path.write_text(cut)
    assert re.search(r':\d+: the All CPUs list names 16 logical CPUs, but the dump has no CPUID registers of '
                     r'CPU #12-15 \(truncated dump\?\)$', _error(path))


def test_a_report_with_cpus_its_all_cpus_list_does_not_name(shared_dir, tmp_path):
    text = _file(shared_dir, REPORT).read_text()
    start = text.index('------[ All CPUs ]')
    listing = text[start:]
    line = re.search(r'^CPU\s+15: .*\n', listing, re.M)
    path = tmp_path / 'unlisted.txt'
    path.write_text(text[:start] + listing[:line.start()] + listing[line.end():])
    assert re.search(r':\d+: the All CPUs list names 15 logical CPUs, but not CPU #15, whose CPUID registers the dump has '
                     r'\(a report pieced together from two machines\?\)$', _error(path))


def test_cpuid_text_cut_at_a_cpu_boundary(shared_dir, tmp_path):
    """Without an All CPUs list, the topology leaf tells how many logical CPUs one package has."""
    text = _file(shared_dir, HYBRID_TEXT).read_text()
    path = tmp_path / 'cut.test'
    path.write_text(text[:text.index('------[ CPUID Registers / Logical CPU #12 ]')])
    assert _error(path).endswith('CPUID leaf 0x1f of CPU 0 counts 20 logical CPUs in a package, but the dump has 12 '
                                 '(CPU #12-19 missing; truncated dump?)')


def test_basic_leaves_aida64_does_not_print_are_not_a_cut(shared_dir):
    """Leaf 0 announces 0x1b, AIDA64 printed up to 0x1a and then every extended leaf: whole."""
    path = _file(shared_dir, NOT_PRINTED)
    text = path.read_text()
    assert 'CPUID 0000001B' not in text and re.search(r'^CPUID 00000000: 0000001B-', text, re.M)
    dump = load_dump(path)
    assert all((0x1B, 0) not in leaves for leaves in dump.cpus.values())


def test_allcpu_and_cache_lines_but_no_other_text(tmp_path):
    good = ('------[ CPUID Registers / Logical CPU #0 ]------\n\nallcpu: Package 0 / Core 0 / Thread 0: Valid\n\n'
            'CPUID 00000000: 00000001-756E6547-6C65746E-49656E69 [GenuineIntel]\n'
            'CPUID 00000001: 000906A2-00800800-7FFAFBFF-BFEBFBFF\n\n'
            'L1    Data Cache:    48 KB, 12-way Associative, 64-byte Line\n')
    path = tmp_path / 'report.txt'
    path.write_text('------[ Versions ]------\n\nProgram Version : AIDA64\n\n' + good)
    assert load_dump(path).cpus[0][(1, 0)][0] == 0x906A2
    path.write_text(good + 'Turbo: on\n')
    assert _error(path).endswith(":9: garbage line 'Turbo: on', expected a 'CPUID LLLLLLLL: EAX-EBX-ECX-EDX [SL nn]' "
                                 "line or a '------[ CPUID Registers / Logical CPU #N ]------' header")
    path.write_text(good + '------[ MSR Registers / Logical CPU #0 ]------\nMSR 0000010A: 0000-00zz-0000-0000\n')
    assert _error(path).endswith(":10: garbage line 'MSR 0000010A: 0000-00zz-0000-0000', expected an MSR line "
                                 "'MSR IIIIIIII: hhhh-hhhh-hhhh-hhhh' or 'MSR IIIIIIII: < FAILED >'")
    path.write_text(good + '------[ MSR Registers / Logical CPU #0 ]------\nMSR 0000010A: < FAILED >\n'
                    'MSR 0000010A: 0000-0000-0000-0029\nMSR 0000010A: 0000-0000-0000-0029\n')
    assert load_dump(path).msrs == {0x10A: 0x29}
    path.write_text(good + '------[ MSR Registers / Logical CPU #0 ]------\nMSR 000000E8: 0000-0000-0000-0001 [S200]\n'
                    'MSR 000000E8: 0000-0000-0000-0002 [S200]\nMSR 0000010A: 0000-0000-0000-0029\n')
    assert load_dump(path).msrs == {0x10A: 0x29}  # a counter, sampled twice, is left out


def test_libcpuid_raw_data(shared_dir):
    path = _file(shared_dir, HYGON)
    text = path.read_text()
    dump = load_dump(path)
    assert dump.method == 'libcpuid_raw' and list(dump.cpus) == [0]
    leaves = dump.cpus[0]
    ext1 = re.search(r'^ext_cpuid\[1\]=(\w+) (\w+) (\w+) (\w+)$', text, re.M).groups()
    assert leaves[(0x80000001, 0)] == tuple(int(word, 16) for word in ext1)
    # amd_fn8000001dh[N] is sub-leaf N of 0x8000001D, not ext_cpuid[29]'s sub-leaf 0 alone.
    cache_subleaves = len(re.findall(r'^amd_fn8000001dh\[', text, re.M))
    assert sum(1 for leaf, _sub in leaves if leaf == 0x8000001D) == max(cache_subleaves, 1)
    facts = gather_facts(src=str(path))
    assert facts['vendor'] == 'HygonGenuine' and facts['source'] == 'libcpuid_raw:%s' % path


def test_libcpuid_raw_bad_lines(tmp_path):
    path = tmp_path / 'raw.test'
    path.write_text('basic_cpuid[0]=00000001 6f677948 656e6975 6e65476e\nbasic_cpuid[1]=00900f01 3e400800\n')
    assert _error(path).endswith(":2: garbage line 'basic_cpuid[1]=00900f01 3e400800', expected a libcpuid raw line "
                                 "'basic_cpuid[N]=eax ebx ecx edx'")
    path.write_text('basic_cpuid[0]=00000001 6f677948 656e6975 6e65476e\nweird_fn[0]=00000000 00000000 00000000 00000000\n')
    assert ":2: unknown libcpuid table 'weird_fn', known are amd_fn8000001dh, amd_fn80000026h, basic_cpuid" \
        in _error(path)


def test_hygon_profiles_with_amds_table_and_its_own_vendor(shared_dir, real_dump_facts):
    facts = gather_facts(src=str(_file(shared_dir, HYGON)))
    profile = build_profile([('dhyana', facts)], 'dhyana')
    assert profile['vendor'] == 'HygonGenuine' and 'avx2' in profile['features']
    with pytest.raises(VmcpuError, match='hosts of different CPU vendors cannot share a profile: AuthenticAMD: epyc; '
                                         'HygonGenuine: dhyana'):
        build_profile([('dhyana', facts), ('epyc', real_dump_facts['EPYC-7601-32-Core'])], 'mixed')


@pytest.mark.parametrize('vendor, words', [
    ('CentaurHauls', (0x746E6543, 0x48727561, 0x736C7561)),
    ('  Shanghai  ', (0x68532020, 0x68676E61, 0x20206961)),
])
def test_zhaoxin_and_centaur_are_refused_with_the_reason(tmp_path, vendor, words):
    ebx, edx, ecx = words
    path = tmp_path / 'via.cpuid'
    path.write_text('   0x00000000 0x00: eax=0x00000001 ebx=0x%08x ecx=0x%08x edx=0x%08x\n'
                    '   0x00000001 0x00: eax=0x000006fe ebx=0x00000800 ecx=0x00000000 edx=0x00000000\n' % (ebx, ecx, edx))
    facts = gather_facts(src=str(path))
    assert facts['vendor'] == vendor
    with pytest.raises(VmcpuError, match=re.escape("host via: CPU vendor %r cannot be profiled: " % vendor)
                       + '.*leaves 0xC000_0000 and up, which no field table of this collection describes'):
        build_profile([('via', facts)], 'via')


@pytest.mark.parametrize('value', ['0x100000000', '-0x1', '0x-0000001', '+0x1', '0x'])
def test_libvirt_registers_are_32_bit_hexadecimal(tmp_path, value):
    path = tmp_path / 'cpu.xml'
    path.write_text("<cpudata arch='x86'>\n  <cpuid eax_in='0x0' ecx_in='0x0' eax='%s' ebx='0x0' ecx='0x0' edx='0x0'/>\n"
                    "</cpudata>\n" % value)
    assert ':2: <cpuid> needs attributes eax_in, ecx_in, eax, ebx, ecx, edx, each a 32-bit hexadecimal number' \
        in _error(path)


# One small dump of each format, for the fuzzer to damage.
SEEDS = {
    'raw.cpuid': 'CPU 0:\n'
                 '   0x00000000 0x00: eax=0x00000007 ebx=0x756e6547 ecx=0x6c65746e edx=0x49656e69\n'
                 '   0x00000001 0x00: eax=0x000906a3 ebx=0x00000800 ecx=0x7ffafbff edx=0xbfebfbff\n'
                 '   0x00000007 0x00: eax=0x00000000 ebx=0x239ca7eb ecx=0x98c007ac edx=0xfc18c410\n',
    'report.txt': '------[ Versions ]------\nProgram Version : AIDA64\n'
                  '------[ CPUID Registers / Logical CPU #0 ]------\nallcpu: Package 0 / Core 0 / Thread 0: Valid\n'
                  'CPUID 00000000: 00000007-756E6547-6C65746E-49656E69 [GenuineIntel]\n'
                  'CPUID 00000001: 000906A2-00800800-7FFAFBFF-BFEBFBFF\n'
                  'CPUID 00000007: 00000001-239CA7EB-98C007AC-FC18C410 [SL 00]\n'
                  '------[ MSR Registers / Logical CPU #0 ]------\nMSR 0000010A: 0000-0000-0000-0029\n'
                  '------[ All CPUs ]------\nCPU   0: APICID    0 / Package 0 / Core   0 / Thread 0: Valid\n',
    'cpu.xml': "<cpudata arch='x86'>\n"
               "  <cpuid eax_in='0x00000000' ecx_in='0x00' eax='0x00000001' ebx='0x68747541' ecx='0x444d4163' "
               "edx='0x69746e65'/>\n"
               "  <cpuid eax_in='0x00000001' ecx_in='0x00' eax='0x00a00f11' ebx='0x00800800' ecx='0x7efa320b' "
               "edx='0x178bfbff'/>\n"
               "  <msr index='0x10a' edx='0x00000001' eax='0x00000069'/>\n</cpudata>\n",
    'libcpuid.test': 'basic_cpuid[0]=00000001 6f677948 656e6975 6e65476e\n'
                     'basic_cpuid[1]=00900f01 3e400800 7cd83209 178bfbff\n'
                     'ext_cpuid[0]=80000001 6f677948 656e6975 6e65476e\n'
                     'ext_cpuid[1]=00900f01 40000000 35c233ff 2fd3fbff\n',
}


@pytest.fixture(scope='module')
def facts_validator(collection_root):
    jsonschema = pytest.importorskip('jsonschema')
    import json
    with open(collection_root / 'schemas' / 'host_facts.schema.json') as handle:
        return jsonschema.Draft202012Validator(json.load(handle))


def test_every_parser_gives_schema_valid_facts_or_names_the_file(tmp_path_factory, facts_validator):
    """Damaged dumps of every format: the facts they give pass the facts schema, or the import fails
    with one line naming the file (and the line where it has one); nothing else gets out."""
    hypothesis = pytest.importorskip('hypothesis')
    st = hypothesis.strategies
    folder = tmp_path_factory.mktemp('fuzz')
    tricky = st.sampled_from(['-0x1', '0x100000000', '0x-1', 'ffffffffff', '', ' ', '\t', '[SL 0G]', '<', "'", '0x',
                              'CPU 1:', '------[ All CPUs ]------', 'MSR 0000010A: < FAILED >', '\x00', '\u00e9'])

    outcomes = set()

    @hypothesis.settings(max_examples=300, deadline=None)
    @hypothesis.given(name=st.sampled_from(sorted(SEEDS)), data=st.data())
    def check(name, data):
        text = SEEDS[name]
        for _edit in range(data.draw(st.integers(1, 3))):
            at = data.draw(st.integers(0, len(text)))
            cut = data.draw(st.integers(0, 12))
            text = text[:at] + data.draw(st.one_of(tricky, st.text(max_size=4))) + text[at + cut:]
        path = folder / name
        path.write_text(text, encoding='utf-8', errors='surrogatepass')
        try:
            facts = gather_facts(src=str(path))
        except VmcpuError as exc:
            assert str(exc).startswith(str(path)) and '\n' not in str(exc), str(exc)
            outcomes.add('refused')
        else:
            errors = sorted(facts_validator.iter_errors(facts), key=str)
            assert not errors, (text, errors[0].message)
            outcomes.add('imported')
    check()
    assert outcomes == {'refused', 'imported'}  # the damage both breaks dumps and leaves some readable


def test_amd_heterogeneous_core_types_are_named(tmp_path):
    """CPUID.(0x8000_0026,0): EAX[30] says the cores differ, EBX[31:28] is the core's type (0
    performance, 1 efficiency), as on Strix Point; without EAX[30] there is no core type."""
    def cpu(number, core_type, hetero=1):
        return ('CPU %d:\n' % number
                + '   0x00000000 0x00: eax=0x00000001 ebx=0x68747541 ecx=0x444d4163 edx=0x69746e65\n'
                + '   0x00000001 0x00: eax=0x00b20f40 ebx=0x%08x ecx=0x00000000 edx=0x00000000\n' % (number << 24)
                + '   0x80000000 0x00: eax=0x80000026 ebx=0x68747541 ecx=0x444d4163 edx=0x69746e65\n'
                + '   0x80000026 0x00: eax=0x%08x ebx=0x%08x ecx=0x00000100 edx=0x%08x\n' % (
                    hetero << 30 | 1, core_type << 28 | 2, number))
    path = tmp_path / 'strix.cpuid'
    path.write_text(cpu(0, 0) + cpu(1, 1))
    facts = gather_facts(src=str(path))
    assert facts['hybrid'] is True
    assert [(group['cpus'], group['core_type']) for group in facts['raw_cpuid']['groups']] == [
        ([0], 'performance'), ([1], 'efficiency')]
    path.write_text(cpu(0, 0, hetero=0) + cpu(1, 0, hetero=0))
    facts = gather_facts(src=str(path))
    assert facts['hybrid'] is False and facts['raw_cpuid']['groups'][0]['core_type'] is None


# What a hostile review of the parsers found, each kept as a test.
AIDA_CPU0 = ('------[ CPUID Registers / Logical CPU #0 ]------\n'
             'CPUID 00000000: 00000001-756E6547-6C65746E-49656E69 [GenuineIntel]\n'
             'CPUID 00000001: 000906A2-00800800-7FFAFBFF-BFEBFBFF\n'
             'CPUID 80000000: 80000008-00000000-00000000-00000000\n')


def test_a_long_line_of_spaces_is_refused_at_once(tmp_path):
    """The cache-text pattern must not backtrack: 'L1' and 200,000 spaces used to take minutes."""
    path = tmp_path / 'spaces.txt'
    path.write_text(AIDA_CPU0 + 'L1' + ' ' * 200000 + '!\n')
    assert ':5: garbage line' in _error(path)
    path.write_text(AIDA_CPU0.replace('CPUID 80000000: 80000008', 'CPUID 80000000: 80000000')
                    + 'L0+L1 Data Cache:   48+192 KB, 12-way Associative, 64-byte Line\n')
    assert load_dump(path).cpus[0][(1, 0)][0] == 0x906A2


@pytest.mark.parametrize('text', [
    '------[ CPUID Registers / Logical CPU #%s ]------\n' % ('9' * 5000) + AIDA_CPU0.split('\n', 1)[1],
    'CPU %s:\n   0x00000000 0x00: eax=0x00000001 ebx=0x756e6547 ecx=0x6c65746e edx=0x49656e69\n' % ('9' * 5000),
    'basic_cpuid[%s]=00000001 756e6547 6c65746e 49656e69\n' % ('9' * 5000),
])
def test_numbers_of_thousands_of_digits_are_refused_by_message(tmp_path, text):
    path = tmp_path / 'big.txt'
    path.write_text(text)
    _error(path)


def test_libcpuid_tables_versions_and_cpus(tmp_path):
    leaf0 = 'basic_cpuid[0]=00000001 6f677948 656e6975 6e65476e\n'
    path = tmp_path / 'raw.test'
    path.write_text(leaf0 + 'basic_cpuid[32]=00000000 00000000 00000000 00000000\n')
    assert _error(path).endswith(':2: basic_cpuid[32] is beyond the 32 entries libcpuid keeps in that table')
    # libcpuid's writer starts with its version, several CPUs come under headers, and entries above
    # the announced maximum (leaf 0 says 1) are no facts of the CPU.
    path.write_text('version=0.8.1\n_______________ Logical CPU #0 _______________\n' + leaf0
                    + 'basic_cpuid[1]=00900f01 00000000 00000000 00000000\n'
                    + 'basic_cpuid[2]=00000001 00000000 00000000 00000000\n'
                    + '_______________ Logical CPU #1 _______________\n' + leaf0
                    + 'basic_cpuid[1]=00900f01 01000000 00000000 00000000\n'
                    + 'amd_fn80000026h[0]=00000001 00000002 00000100 00000001\n')
    dump = load_dump(path)
    assert sorted(dump.cpus) == [0, 1] and sorted(dump.cpus[0]) == [(0, 0), (1, 0)]
    assert dump.cpus[1][(0x80000026, 0)] == (1, 2, 0x100, 1)
    # A dump that announces 0x20 basic leaves holds the 32 libcpuid keeps, or it was cut.
    path.write_text('basic_cpuid[0]=00000020 756e6547 6c65746e 49656e69\n')
    assert _error(path).endswith('CPU 0 ends before leaf 0x1f, the last one leaf 0x0 announces (truncated dump?)')


def test_aida64_sections_that_ended_and_untagged_subleaves(tmp_path):
    path = tmp_path / 'aida.txt'
    # The extended range announces 0x80000020 but AIDA64 stops at the leaves it knows; the next
    # header shows the section ended, so it is not a cut (the Hygon report of InstLatx64).
    short = AIDA_CPU0.replace('CPUID 80000000: 80000008', 'CPUID 80000000: 80000020')
    path.write_text(short + '------[ CPUID Registers / Logical CPU #1 ]------\n' + AIDA_CPU0.split('\n', 1)[1])
    assert _error(path).endswith('CPU 1 ends before leaf 0x80000008, the last one leaf 0x80000000 announces '
                                 '(truncated dump?)')
    path.write_text(short + '------[ Versions ]------\n')
    assert load_dump(path).cpus[0][(0x80000000, 0)][0] == 0x80000020
    # AIDA64 before version 5 prints a leaf's sub-leaves in order, without [SL nn] tags.
    path.write_text(AIDA_CPU0 + 'CPUID 00000004: 1C004121-01C0003F-0000003F-00000000\n'
                    'CPUID 00000004: 1C004122-01C0003F-0000003F-00000000\n------[ All CPUs ]------\n')
    assert load_dump(path).cpus[0][(4, 1)][0] == 0x1C004122


def test_a_cpu_without_the_extended_leaves_others_have(tmp_path):
    path = tmp_path / 'aida.txt'
    second = AIDA_CPU0.replace('#0', '#1').rsplit('CPUID 80000000', 1)[0]
    path.write_text(AIDA_CPU0 + second + 'L1    Data Cache:    48 KB, 12-way Associative, 64-byte Line\n')
    assert _error(path).endswith('CPU 1 has no extended leaves (0x80000000 and up), CPU 0 has them (truncated dump?)')


def test_cpuid_lines_under_a_mistyped_header_are_refused(tmp_path):
    path = tmp_path / 'aida.txt'
    path.write_text(AIDA_CPU0 + '------[ CPUID registers / Logical CPU # 1 ]------\n' + AIDA_CPU0.split('\n', 1)[1])
    assert _error(path).endswith(":6: CPUID registers in the section 'CPUID registers / Logical CPU # 1', which is not "
                                 "a 'CPUID Registers / Logical CPU #N' section")


# One whole CPU in AIDA64's line format (leaf 0 announces leaf 1, 0x80000000 no more), the APIC ID in
# CPUID.1:EBX[31:24] set per CPU.
def _aida_body(apic_id, separator=': '):
    return ('CPUID 00000000%s00000001-756E6547-6C65746E-49656E69 [GenuineIntel]\n'
            'CPUID 00000001%s000906A2-%02X800800-7FFAFBFF-BFEBFBFF\n'
            'CPUID 80000000%s80000000-00000000-00000000-00000000\n') % (separator, separator, apic_id, separator)


@pytest.mark.parametrize('headers', [
    # AIDA64's CPUID panel, copied: the hyper-threaded sibling is marked Virtual.
    ['CPUID Registers (CPU #0):', 'CPUID Registers (CPU #1 Virtual):'],
    # InstLatx64's dumper: the affinity mask of the CPU (two groups of 64 on larger machines).
    ['CPU#000 AffMask: 0x0000000000000001 ', 'CPU#001 AffMask: 0X0000000000000000:0000000000000002'],
    # ... or its processor group and the CPU's bit in that group's mask.
    ['Group: 0x00 Affinity mask: 0x0000000000000001', 'Group: 0x00 Affinity mask: 0x0000000000000002'],
    # cpuid -r's CPU header over AIDA64 lines.
    ['CPU 0:', 'CPU 1:'],
    # No header at all: each CPU starts at leaf 0.
    ['', ''],
])
def test_aida64_cpus_headed_by_one_line(tmp_path, headers):
    path = tmp_path / 'cpuid.txt'
    path.write_text(''.join('%s\n%s\n' % (header, _aida_body(cpu)) for cpu, header in enumerate(headers)))
    dump = load_dump(path)
    assert dump.method == 'aida64' and sorted(dump.cpus) == [0, 1]
    assert [dump.cpus[cpu][(1, 0)][1] >> 24 for cpu in (0, 1)] == [0, 1]


def test_aida64_line_variants_of_old_reports(tmp_path):
    """EVEREST's 'allcpu: Valid' without the topology, blanks between leaf and registers, and MSR
    registers headed by a line."""
    path = tmp_path / 'everest.txt'
    path.write_text('------[ Logical CPU #0 ]------\n\nallcpu: Valid\n\n' + _aida_body(0, ' \t')
                    + '\nMSR Registers (CPU #0):\nCPU Clock (Normal)  \t4399 MHz\nMSR 0000010A: 0000-0000-0000-0069\n')
    dump = load_dump(path)
    assert dump.cpus[0][(1, 0)][0] == 0x906A2 and dump.msrs == {0x10A: 0x69}
    path.write_text('Group: 0x00 Affinity mask: 0x0000000000000000\n' + _aida_body(0))
    # A mask without a bit names no CPU.
    assert ":1: unknown dump format, the file starts with 'Group: 0x00 Affinity mask: 0x0000000000000000'; accepted" in _error(path)


def test_aida64_cpu_copied_without_header_then_headed_ones(tmp_path):
    """Once headers appear, they number the CPUs: a leaf-0 line under 'CPU 1:' is CPU 1's, not a
    CPU of its own."""
    path = tmp_path / 'cpuid.txt'
    path.write_text(_aida_body(0) + 'CPU 1:\n' + _aida_body(1) + 'CPU 2:\n' + _aida_body(2))
    dump = load_dump(path)
    assert sorted(dump.cpus) == [0, 1, 2]
    assert [dump.cpus[cpu][(1, 0)][1] >> 24 for cpu in (0, 1, 2)] == [0, 1, 2]


def test_aida64_cpus_copied_without_headers_short_of_a_package_warn(shared_dir, tmp_path):
    """One CPU copied alone is a sample; several are a partial set, which a warning names."""
    text = _file(shared_dir, HYBRID_TEXT).read_text()
    first = text[text.index('CPUID 00000000'):text.index('------[ CPUID Registers / Logical CPU #1 ]')]
    path = tmp_path / 'copied.txt'
    path.write_text(first)
    assert load_dump(path).warnings == []
    path.write_text(first + first)
    dump = load_dump(path)
    assert sorted(dump.cpus) == [0, 1]
    assert 'counts 20 logical CPUs in a package, but the dump has 2 (CPU #2-19 missing)' in dump.warnings[0]

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cross-check of the profile engine against libvirt's own CPU baseline (issue 3).

For sets of the real CPU dumps in ``../shared``, the profile's kept features are compared with what
``virsh -c test:///default cpu-baseline --features`` keeps for the same CPUs. libvirt is fed host CPU
descriptions (``<cpu><arch/><model/><vendor/><feature/>...</cpu>``) decoded from the same dumps with
libvirt's own feature definitions (``cpu_map/x86_features.xml``: feature name -> CPUID leaf, sub-leaf,
register and bits, or MSR index and bits), so our field table takes no part in the libvirt side.

Every difference must be explained by an entry of ``EXPECTED`` (human explanation:
``docs/docsite/rst/libvirt-baseline-differences.rst``), and each entry's explanation is verified, not trusted:
"dropped by default policy" must be what the profile's ``disabled`` says, "no libvirt name" must be
true of the installed cpu_map, and so on. A second group of tests checks the field table itself
against the cpu_map: where both name a bit, the bit must be the same, and where the names differ the
difference is in the table's ``libvirt`` column. A third checks the libvirt models the named-models
answer says a pool can run against libvirt's own decode of the hosts.

Skipped when ``../shared``, ``virsh`` or libvirt's CPU map is missing.
"""

import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from collections import namedtuple
from pathlib import Path

import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.export.libvirt import qemu_model_features, read_cpu_map
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.named_models import libvirt_models
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.host_facts import gather_facts
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import Kind, Policy
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.table import fields_for
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import build_profile

CPU_MAP_DIR = Path('/usr/share/libvirt/cpu_map')
DOCS = 'docs/docsite/rst/libvirt-baseline-differences.rst'
REGISTERS = ('eax', 'ebx', 'ecx', 'edx')
LIBVIRT_VENDORS = {'GenuineIntel': 'Intel', 'AuthenticAMD': 'AMD'}

XEON_SERVERS = ('Xeon-E5-2650-v4', 'Xeon-Gold-6152', 'Xeon-Platinum-8268', 'Ice-Lake-Server',
                'Xeon-Bronze-3408U', 'Xeon-6788P')
INTEL_CLIENTS = ('Atom-P5362', 'Core-i7-8700', 'Core-i7-1270P')
AMD_CPUS = ('EPYC-7601-32-Core', 'EPYC-7713-64-Core', 'Ryzen-9-3900X-12-Core')

# Sets of dumps (file stems without ``x86_64-cpuid-``) compared as one cluster each.
SETS = {
    'xeon-servers': XEON_SERVERS,
    'all-intel': XEON_SERVERS + INTEL_CLIENTS,
    'skylake-cascadelake': ('Xeon-Gold-6152', 'Xeon-Platinum-8268'),
    'icelake-sapphirerapids-graniterapids': ('Ice-Lake-Server', 'Xeon-Bronze-3408U', 'Xeon-6788P'),
    'broadwell-skylake': ('Xeon-E5-2650-v4', 'Xeon-Gold-6152'),
    'epyc-naples-milan': ('EPYC-7601-32-Core', 'EPYC-7713-64-Core'),
    # The Ryzen 3900X (Zen 2) enumerates XSAVE component 9 (PKRU, size 0x40) without PKU; the EPYC
    # 7713 has PKU with a size-8 PKRU. The unusable Zen 2 component is ignored, pku is dropped.
    'zen2-zen3': ('EPYC-7713-64-Core', 'Ryzen-9-3900X-12-Core'),
    'all-amd': AMD_CPUS,
}
SETS.update({cpu: (cpu,) for cpu in XEON_SERVERS + INTEL_CLIENTS + AMD_CPUS})

Expected = namedtuple('Expected', 'side check reason features')
LIBVIRT_ONLY = 'libvirt keeps, the profile drops'
PROFILE_ONLY = 'the profile keeps, libvirt has no name for it'

# Every accepted difference, by category. ``features`` holds libvirt names for LIBVIRT_ONLY and our
# field names for PROFILE_ONLY (those have no libvirt name). ``check`` names the verification that
# must hold for the difference in the set where it occurs (see ``_verify``). A feature may sit in more
# than one category (e.g. mbm_total: static on Intel, no field on AMD); one passing check suffices.
EXPECTED = {
    'static-policy': Expected(
        LIBVIRT_ONLY, 'static',
        'migration-hostile or host-only: the field table defaults it to static 0 (PMU, debug store, PT, ' +
        'TSX, MPX, SGX, LBR, RDT monitoring, MONITOR/MWAIT, thermal/power, SMX, PCONFIG, DCA, ' +
        'invariant TSC)',
        frozenset({'acpi', 'arch-lbr', 'cmt', 'dca', 'ds', 'ds_cpl', 'dtes64', 'est', 'hle', 'ibs',
                   'intel-pt', 'intel-pt-lip', 'invtsc', 'mbm_local', 'mbm_total', 'monitor', 'mpx',
                   'pbe', 'pconfig', 'pdcm', 'perfctr_core', 'perfctr_nb', 'rtm', 'sgx', 'sgxlc',
                   'smx', 'tm', 'tm2', 'tsx-ldtrk'})),
    'kvm-never': Expected(
        LIBVIRT_ONLY, 'static',
        'KVM never gives it to a guest (KVM_GET_SUPPORTED_CPUID never sets it): the field table defaults it to '
        'static 0, so a profile made from raw dumps does not ask for it either',
        frozenset({'cid', 'extapic', 'skinit', 'wdt', 'xtpr'})),
    'dependency': Expected(
        LIBVIRT_ONLY, 'requires',
        'IA32_ARCH_CAPABILITIES bits of a host whose CPUID does not enumerate the MSR ' +
        '(CPUID.(7,0).EDX[29] = 0): a guest cannot read them, so the dependency closure drops them; ' +
        'libvirt decodes MSR bits without that dependency',
        frozenset({'mds-no', 'pschange-mc-no', 'rdctl-no', 'skip-l1dfl-vmentry'})),
    'vmm-owned': Expected(
        LIBVIRT_ONLY, 'vmm',
        'set by the VMM from the guest topology, not part of the contract (kind vmm, passthrough)',
        frozenset({'cmp_legacy', 'ht'})),
    'os-state': Expected(
        LIBVIRT_ONLY, 'vmm',
        'reflects the OS of the dumped machine (CR4.OSXSAVE, CR4.PKE), not the CPU: kind vmm',
        frozenset({'osxsave', 'ospke'})),
    'amd-leaf-0xf': Expected(
        LIBVIRT_ONLY, 'no-field',
        'AMD platform QoS monitoring (CPUID 0xF) is outside our AMD table (0x0..0xD); unknown bits are ' +
        'zeroed, the same outcome as the static 0 policy of RDT monitoring on Intel',
        frozenset({'mbm_local', 'mbm_total'})),
    'xsave-components': Expected(
        PROFILE_ONLY, 'xsave-component',
        'XSAVE state components (CPUID.(0xD,0) and sub-leaves) are derived fields of ours; libvirt ' +
        'has no feature names for them and derives them from the features',
        frozenset({'xsave_avx_state', 'xsave_cet_s_state', 'xsave_cet_u_state', 'xsave_hi16_zmm_state',
                   'xsave_hwp_state', 'xsave_opmask_state', 'xsave_pasid_state', 'xsave_pkru_state',
                   'xsave_pt_state', 'xsave_sse_state', 'xsave_uintr_state', 'xsave_x87_state',
                   'xsave_xtilecfg_state', 'xsave_xtiledata_state', 'xsave_zmm_hi256_state'})),
    'amd-aliases': Expected(
        PROFILE_ONLY, 'unnamed',
        'AMD mirrors of CPUID.1:EDX in CPUID.0x80000001:EDX; libvirt and QEMU have no names for them ' +
        '(QEMU copies them from leaf 1)',
        frozenset({'apic_alias', 'cmov_alias', 'cx8_alias', 'de_alias', 'fpu_alias', 'fxsr_alias',
                   'mca_alias', 'mce_alias', 'mmx_alias', 'msr_alias', 'mtrr_alias', 'pae_alias',
                   'pat_alias', 'pge_alias', 'pse36_alias', 'pse_alias', 'tsc_alias', 'vme_alias'})),
    'unnamed-by-libvirt': Expected(
        PROFILE_ONLY, 'unnamed',
        'no name in the installed libvirt cpu_map (newer than its feature list, or never named by ' +
        'libvirt/QEMU); libvirt cannot express the feature, so its baseline lacks it',
        frozenset({
            # Intel CPUID
            'amx_fp16', 'avx10', 'avx10_128', 'avx10_256', 'avx10_512', 'cet_sss', 'enqcmd',
            'flush_l1d', 'fsrc', 'fsrs', 'fzrm', 'ibt', 'intel_ppin', 'invd_disable_post_bios_done',
            'monitor_mitg_no', 'prefetchiti', 'shstk', 'uiret_uif_from_rflags', 'uintr',
            # Intel speculation controls (CPUID.(7,2).EDX) and IA32_ARCH_CAPABILITIES
            'bhi_ctrl', 'ddpd_u', 'intel_psfd', 'ipred_ctrl', 'mcdt_no', 'rrsba_ctrl',
            'fbsdp_no', 'gds_no', 'pbrsb_no', 'psdp_no', 'rfds_clear', 'rfds_no', 'sbdr_ssdp_no',
            # VMX capability bits kept as flags (MSR 0x480..0x491)
            'vmx_any_errcode', 'vmx_nested_exception',
            # AMD
            'addr_mask_ext', 'amd_ibrs_preferred', 'amd_ibrs_same_mode', 'amd_psfd', 'amd_stibp_always_on',
            'bpext', 'fp128', 'fp256', 'gmet', 'host_mce_override', 'int_wbinvd', 'invlpgb',
            'invlpgb_nested', 'lfence_rdtsc', 'mcommit', 'movu', 'no_nested_data_bp',
            'null_sel_clr_base', 'prefetch_ctl_msr', 'rdpru', 'smm_pg_cfg_lock', 'svm_sss_check',
            'tlbictl', 'v_spec_ctrl',
        })),
}

# libvirt cpu_map features at a location where our table of that vendor has no field.
NO_FIELD = {
    'intel': frozenset({
        'cvt16',  # CPUID.0x80000001:ECX[18], AMD SSE5-era bit that never shipped; reserved in our table
        # SVM (CPUID 0x8000000A) does not exist on Intel: the leaf is AMD-only in our table
        'avic', 'decodeassists', 'flushbyasid', 'lbrv', 'npt', 'nrip-save', 'pause-filter',
        'pfthreshold', 'svm-lock', 'svme-addr-chk', 'tsc-scale', 'v-vmsave-vmload', 'vgif',
        'vmcb-clean',
    }),
    'amd': frozenset({
        'cvt16',
        'mbm_local', 'mbm_total',  # AMD CPUID 0xF (platform QoS) is outside our AMD table
        # Intel-only leaves and MSRs: SGX (0x12), PT (0x14), IA32_CORE_CAPABILITIES (0xcf)
        'intel-pt-lip', 'sgx-debug', 'sgx-exinfo', 'sgx-kss', 'sgx-mode64', 'sgx-provisionkey',
        'sgx-tokenkey', 'sgx1', 'sgx2', 'split-lock-detect',
    }),
}

CpuMap = namedtuple('CpuMap', 'features locations')


def _parse_cpu_map(path):
    """libvirt's x86 features ``{name: ((source, leaf, subleaf, register, mask), ...)}`` and, for
    one-bit features, ``{(source, leaf, subleaf, register, bit): name}`` (``register`` is '' for an
    MSR)."""
    features, locations = {}, {}
    for feature in ET.parse(str(path)).getroot().iter('feature'):
        name = feature.get('name')
        needs = []
        for item in feature.findall('cpuid'):
            leaf = int(item.get('eax_in'), 16)
            subleaf = int(item.get('ecx_in', '0'), 16)
            for register in REGISTERS:
                mask = int(item.get(register, '0'), 16)
                if mask:
                    needs.append(('cpuid', leaf, subleaf, register, mask))
        for item in feature.findall('msr'):
            mask = int(item.get('edx'), 16) << 32 | int(item.get('eax'), 16)
            needs.append(('msr', int(item.get('index'), 16), 0, '', mask))
        features[name] = tuple(needs)
        if len(needs) == 1 and bin(needs[0][4]).count('1') == 1:
            locations[needs[0][:4] + (needs[0][4].bit_length() - 1,)] = name
    return CpuMap(features, locations)


def _read_dump(path):
    """The dump's registers ``{(source, leaf, subleaf, register): value}``, read straight from the
    XML (our importer takes no part in the libvirt side)."""
    root = ET.fromstring(path.read_text())
    data = {}
    for item in root.findall('cpuid'):
        leaf, subleaf = int(item.get('eax_in'), 16), int(item.get('ecx_in'), 16)
        for register in REGISTERS:
            data[('cpuid', leaf, subleaf, register)] = int(item.get(register), 16)
    for item in root.findall('msr'):
        data[('msr', int(item.get('index'), 16), 0, '')] = int(item.get('edx'), 16) << 32 | int(item.get('eax'), 16)
    return data


def _vendor_string(data):
    return b''.join(data[('cpuid', 0, 0, register)].to_bytes(4, 'little')
                    for register in ('ebx', 'edx', 'ecx')).decode('latin-1')


def _decode(data, cpu_map):
    """libvirt features the dump has: every bit of every requirement set (libvirt's subset test)."""
    return {name for name, needs in cpu_map.features.items()
            if needs and all(data.get(need[:4], 0) & need[4] == need[4] for need in needs)}


def _host_cpu_xml(data, cpu_map):
    """A libvirt host CPU description. libvirt wants a model; 486 (fpu, pse, vme) is the smallest and
    every dump has its features, so the feature set is exactly the decoded one."""
    lines = ['<cpu>', '  <arch>x86_64</arch>', '  <model>486</model>',
             '  <vendor>%s</vendor>' % LIBVIRT_VENDORS[_vendor_string(data)]]
    lines.extend("  <feature name='%s'/>" % name for name in sorted(_decode(data, cpu_map)))
    lines.append('</cpu>')
    return '\n'.join(lines)


def _libvirt_baseline(virsh, datas, cpu_map):
    """Feature names of ``virsh cpu-baseline --features`` over the dumps, offline (test driver)."""
    with tempfile.NamedTemporaryFile('w', suffix='.xml', prefix='vmcpu-baseline-') as handle:
        handle.write('\n'.join(_host_cpu_xml(data, cpu_map) for data in datas))
        handle.flush()
        result = subprocess.run([virsh, '-c', 'test:///default', 'cpu-baseline', '--features', handle.name],
                                capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 0, 'virsh cpu-baseline failed: %s' % result.stderr.strip()
    root = ET.fromstring(result.stdout)
    return {f.get('name') for f in root.findall('feature') if f.get('policy', 'require') == 'require'}


def _libvirt_name(f, cpu_map):
    """The table's libvirt name of our field, or None when libvirt's cpu_map has no such feature."""
    return f.libvirt_name if f.libvirt_name in cpu_map.features else None


def _libvirt_spellings():
    """Our fields whose ``libvirt`` column differs from their QEMU name: ``{name: libvirt name}``."""
    return {f.name: f.libvirt for vendor in ('intel', 'amd') for f in fields_for(vendor).values() if f.libvirt}


def _field_locations(f):
    register = f.register if f.source == 'cpuid' else ''
    return [(f.source, f.leaf, subleaf, register, f.first_bit)
            for subleaf in range(f.subleaves[0], f.subleaves[1] + 1)]


def _fields_by_location(vendor):
    by_location = {}
    for f in fields_for(vendor).values():
        if f.width == 1:
            for location in _field_locations(f):
                by_location[location] = f
    return by_location


@pytest.fixture(scope='module')
def cpu_map():
    path = CPU_MAP_DIR / 'x86_features.xml'
    if not path.is_file():
        pytest.skip('libvirt CPU map not found at %s (Debian package libvirt-daemon or libvirt-clients)' % path)
    return _parse_cpu_map(path)


@pytest.fixture(scope='module')
def virsh():
    path = shutil.which('virsh')
    if path is None:
        pytest.skip('virsh not found (Debian package libvirt-clients): no libvirt baseline to compare with')
    return path


@pytest.fixture(scope='module')
def dumps(shared_dir):
    folder = shared_dir / 'testdata' / 'cpuid' / 'libvirt'
    paths = {path.stem.replace('x86_64-cpuid-', ''): path for path in sorted(folder.glob('x86_64-cpuid-*.xml'))}
    if not paths:
        pytest.skip('no libvirt CPUID dumps in %s' % folder)
    return paths


def _profile_and_libvirt(cpus, dumps, virsh, cpu_map):
    missing = [cpu for cpu in cpus if cpu not in dumps]
    assert not missing, 'dumps missing from ../shared: %s' % ', '.join(missing)
    hosts = [(cpu, gather_facts(src=str(dumps[cpu]))) for cpu in cpus]
    profile = build_profile(hosts=hosts, name='libvirt-cross-check', generated_at='2000-01-01T00:00:00Z')
    datas = [_read_dump(dumps[cpu]) for cpu in cpus]
    return profile, datas, _libvirt_baseline(virsh, datas, cpu_map)


def _verify(check, vendor, profile, cpu_map, feature):
    """None when the documented reason holds for this difference, else why it does not."""
    if check in ('static', 'requires', 'vmm', 'no-field'):
        needs = cpu_map.features[feature]
        if len(needs) != 1 or bin(needs[0][4]).count('1') != 1:
            return 'libvirt defines %s by several bits; no single field of ours' % feature
        location = needs[0][:4] + (needs[0][4].bit_length() - 1,)
        f = _fields_by_location(vendor).get(location)
        if check == 'no-field':
            return None if f is None else 'our field %s sits at its location %s' % (f.name, f.location)
        if f is None:
            return 'no field of ours at libvirt location %r' % (location,)
        reason = profile['disabled'].get(f.name, '')
        if check == 'static':
            ok = f.policy == Policy.STATIC and reason.startswith('disabled by default policy')
        elif check == 'requires':
            ok = reason.startswith('requires ')
        else:
            ok = f.kind == Kind.VMM
        return None if ok else 'our field %s (%s): kind %s, policy %s, disabled: %s' % (
            f.name, f.location, f.kind, f.policy, reason or '-')
    f = fields_for(vendor)[feature]
    name = _libvirt_name(f, cpu_map)
    if name is not None:
        return 'libvirt knows it as %s, so its baseline could have kept it' % name
    if check == 'xsave-component' and not (f.kind == Kind.DERIVED and f.leaf == 0xD):
        return '%s (%s) is not an XSAVE component' % (f.name, f.location)
    return None


def _unexplained(profile, libvirt, cpu_map):
    """The differences no EXPECTED entry explains, as readable lines."""
    vendor = {'GenuineIntel': 'intel', 'AuthenticAMD': 'amd'}[profile['vendor']]
    table = fields_for(vendor)
    ours = {}
    for name in profile['features']:
        ours[_libvirt_name(table[name], cpu_map) or name] = name
    problems = []
    differences = [(LIBVIRT_ONLY, name) for name in sorted(libvirt - set(ours))]
    differences += [(PROFILE_ONLY, ours[name]) for name in sorted(set(ours) - libvirt)]
    for side, feature in differences:
        entries = [(category, entry) for category, entry in sorted(EXPECTED.items())
                   if entry.side == side and feature in entry.features]
        results = {category: _verify(entry.check, vendor, profile, cpu_map, feature)
                   for category, entry in entries}
        if None in results.values():
            continue
        detail = '; '.join('%s: %s' % pair for pair in sorted(results.items())) or 'not listed in EXPECTED'
        if side == PROFILE_ONLY:
            f = table[feature]
            known = _libvirt_name(f, cpu_map)
            problems.append('profile only:  %-28s %s, libvirt name %s  [%s]'
                            % (feature, f.location, known or '(none)', detail))
        else:
            problems.append('libvirt only:  %-28s  [%s]' % (feature, detail))
    return problems


@pytest.mark.parametrize('set_name', sorted(SETS))
def test_profile_matches_libvirt_baseline(set_name, dumps, virsh, cpu_map):
    profile, datas, libvirt = _profile_and_libvirt(SETS[set_name], dumps, virsh, cpu_map)
    # The input format round-trips: libvirt's baseline is the intersection of what we decoded for it.
    decoded = set.intersection(*(_decode(data, cpu_map) for data in datas))
    assert libvirt == decoded, 'virsh dropped or added features: -%s +%s' % (
        sorted(decoded - libvirt), sorted(libvirt - decoded))
    problems = _unexplained(profile, libvirt, cpu_map)
    assert not problems, (
        'set %s (%s): differences from libvirt\'s baseline that %s does not explain:\n  %s'
        % (set_name, ', '.join(SETS[set_name]), DOCS, '\n  '.join(problems)))


@pytest.mark.parametrize('vendor', ['intel', 'amd'])
def test_named_bits_agree_with_libvirt_cpu_map(vendor, cpu_map):
    """Where our field and a libvirt feature share a name, they share the bit; where they share a
    bit, they share the name (or libvirt has no field of ours there: NO_FIELD)."""
    by_location = _fields_by_location(vendor)
    problems = []
    for f in sorted(fields_for(vendor).values(), key=lambda f: f.name):
        name = _libvirt_name(f, cpu_map)
        if f.width != 1 or name is None:
            continue
        libvirt_location = [key for key, feature in cpu_map.locations.items() if feature == name]
        if not libvirt_location or libvirt_location[0] not in _field_locations(f):
            problems.append('%s (qemu=%s) is %s here but libvirt %s is %r'
                            % (f.name, f.qemu, f.location, name, libvirt_location))
    for location, feature in sorted(cpu_map.locations.items(), key=str):
        f = by_location.get(location)
        if f is None:
            if feature not in NO_FIELD[vendor]:
                problems.append('libvirt %s at %r: no field of ours there' % (feature, location))
        elif feature not in NO_FIELD[vendor] and _libvirt_name(f, cpu_map) != feature:
            problems.append('libvirt %s is our %s (%s, qemu=%s)' % (feature, f.name, f.location, f.qemu))
    assert not problems, 'field table vs libvirt cpu_map:\n  ' + '\n  '.join(problems)


@pytest.mark.parametrize('vendor', ['intel', 'amd'])
def test_libvirt_spelling_differences_are_listed(vendor, cpu_map):
    """The table's ``libvirt`` column is set exactly where libvirt spells the bit differently from
    our QEMU name, and only there."""
    found = {}
    for f in fields_for(vendor).values():
        if f.width != 1:
            continue
        for location in _field_locations(f):
            feature = cpu_map.locations.get(location)
            if feature is not None and feature != f.qemu_name:
                found[f.name] = feature
    listed = {f.name: f.libvirt for f in fields_for(vendor).values() if f.libvirt}
    assert found == listed


def test_differences_are_documented(collection_root):
    """Every listed feature appears in the human explanation, as an inline literal."""
    path = collection_root / DOCS
    assert path.is_file(), '%s is missing' % DOCS
    text = path.read_text(encoding='utf-8')
    names = set(_libvirt_spellings()) | set(_libvirt_spellings().values())
    for entry in EXPECTED.values():
        names |= entry.features
    for features in NO_FIELD.values():
        names |= features
    missing = sorted(name for name in names if '``%s``' % name not in text)
    assert not missing, '%s does not mention: %s' % (DOCS, ', '.join(missing))
    undocumented = sorted(category for category in EXPECTED if category not in text)
    assert not undocumented, '%s has no section for: %s' % (DOCS, ', '.join(undocumented))


@pytest.mark.parametrize('set_name', sorted(SETS))
def test_named_libvirt_models_fit_as_libvirt_decodes_the_hosts(set_name, dumps, virsh, cpu_map):
    """The libvirt models the named-models answer says fit are those whose every feature (libvirt's
    CPU map) every host has by libvirt's own decode of its dump, among the models QEMU still has."""
    profile, datas, _baseline = _profile_and_libvirt(SETS[set_name], dumps, virsh, cpu_map)
    common = set.intersection(*[_decode(data, cpu_map) for data in datas])
    installed = read_cpu_map(str(CPU_MAP_DIR))
    vendor = LIBVIRT_VENDORS[profile['vendor']]
    qemu_has = qemu_model_features()
    expected = {model.name for model in installed.models.values()
                if model.vendor == vendor and model.name in qemu_has and model.features <= common}
    answer = libvirt_models(profile, str(CPU_MAP_DIR))
    assert set(answer['fits']) == expected
    assert answer['best'] in expected

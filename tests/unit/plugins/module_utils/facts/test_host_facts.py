# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host facts of the live machine and of every real dump: schema, identity, grouping, errors."""

import copy
import json
import os
import re

import jsonschema
import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_dump import parse_entry
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.facts_check import check_facts_consistent
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.fingerprint import fingerprint_digest
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.host_facts import (
    facts_summary, gather_facts,
)
from ansible_collections.vmcpu.profiles.plugins.module_utils.version import COLLECTION_VERSION

HYBRID_DUMP = 'aida64/12th-gen-intel-core-i7-12700h.test'


@pytest.fixture(scope='module')
def facts_schema(collection_root):
    with open(collection_root / 'schemas' / 'host_facts.schema.json') as handle:
        schema = json.load(handle)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture(scope='module')
def live_facts():
    if not os.access('/dev/cpu/0/cpuid', os.R_OK):
        pytest.skip('/dev/cpu/0/cpuid is not readable here (needs root and the cpuid module)')
    return gather_facts()


def _cpuinfo_first_cpu():
    fields = {}
    with open('/proc/cpuinfo') as handle:
        for line in handle:
            if not line.strip():
                break
            key, value = line.split(':', 1)
            fields[key.strip()] = value.strip()
    return fields


def test_live_facts_match_the_schema_and_proc_cpuinfo(live_facts, facts_schema):
    facts_schema.validate(live_facts)
    cpuinfo = _cpuinfo_first_cpu()
    assert live_facts['vendor'] == cpuinfo['vendor_id']
    assert live_facts['family'] == int(cpuinfo['cpu family'])
    assert live_facts['model'] == int(cpuinfo['model'])
    assert live_facts['stepping'] == int(cpuinfo['stepping'])
    assert live_facts['logical_cpus'] == os.cpu_count()
    assert sorted(cpu for group in live_facts['raw_cpuid']['groups'] for cpu in group['cpus']) == \
        list(range(os.cpu_count()))
    assert live_facts['source'] == 'live'
    assert live_facts['fingerprint']['kernel'] == os.uname().release


def test_live_facts_use_the_kvm_view_when_present(live_facts):
    if os.path.exists('/dev/kvm') and os.access('/dev/kvm', os.R_OK | os.W_OK):
        assert live_facts['kvm']['available'] is True
        assert live_facts['guest_view'] == 'kvm'
        assert live_facts['kvm']['supported_cpuid']
    else:
        assert live_facts['kvm']['available'] is False
        assert live_facts['kvm']['error']
        assert live_facts['guest_view'] == 'raw'


def test_a_kvm_view_of_another_vendor_is_refused(live_facts):
    """The profile of a KVM host is made from its KVM view with the field table of the facts' vendor."""
    if not live_facts['kvm']['available']:
        pytest.skip('no KVM view here: %s' % live_facts['kvm']['error'])
    check_facts_consistent(live_facts, 'facts of h1')
    facts = copy.deepcopy(live_facts)
    entry = next(e for e in facts['kvm']['supported_cpuid'] if e['leaf'] == '0x00000000')
    other, words = ('GenuineIntel', ('0x756e6547', '0x49656e69', '0x6c65746e')) if facts['vendor'] != 'GenuineIntel' \
        else ('AuthenticAMD', ('0x68747541', '0x69746e65', '0x444d4163'))
    entry.update(zip(('ebx', 'edx', 'ecx'), words))
    with pytest.raises(VmcpuError, match='^' + re.escape("facts of h1: the document contradicts itself: vendor is %r, but "
                                                         "kvm.supported_cpuid says %r;" % (facts['vendor'], other))):
        check_facts_consistent(facts, 'facts of h1')


def test_live_facts_do_not_depend_on_the_cpu_that_gathers_them():
    """Gathered while pinned to the first and to the last CPU, the facts are identical.

    KVM_GET_SUPPORTED_CPUID copies the caller's APIC ID into some entries on some hosts; facts must
    not change with the CPU the module happened to run on, or every run would report a change.
    """
    if not os.access('/dev/cpu/0/cpuid', os.R_OK):
        pytest.skip('/dev/cpu/0/cpuid is not readable here')
    cpus = sorted(os.sched_getaffinity(0))
    saved = set(cpus)
    gathered = []
    try:
        for cpu in (cpus[0], cpus[-1]):
            os.sched_setaffinity(0, {cpu})
            gathered.append(gather_facts())
    finally:
        os.sched_setaffinity(0, saved)
    assert json.loads(json.dumps(gathered[0])) == gathered[0]
    assert gathered[0] == gathered[1]


def test_every_dump_gives_schema_valid_facts(dump_paths, facts_schema):
    assert len(dump_paths) >= 13
    for path in dump_paths:
        facts = gather_facts(src=str(path))
        facts_schema.validate(facts)
        assert facts['vendor'] in ('GenuineIntel', 'AuthenticAMD', 'HygonGenuine'), path.name
        assert facts['guest_view'] == 'raw'
        assert facts['source'].endswith(':' + str(path))
        assert re.match(r'^%s family 0x' % facts['vendor'], facts_summary(facts))


def test_dump_brand_string_matches_the_comment_libvirt_wrote(shared_dir):
    """libvirt's cputestdata opens with the brand string as an XML comment: our decode must agree."""
    checked = 0
    for path in sorted((shared_dir / 'testdata' / 'cpuid' / 'libvirt').glob('*.xml')):
        comment = re.match(r'<!--\s*(.*?)\s*-->', path.read_text()).group(1)
        facts = gather_facts(src=str(path))
        if facts['brand'] is not None:
            assert facts['brand'] == comment, path.name
            checked += 1
    assert checked >= 10


def test_hybrid_dump_gives_two_core_types_with_their_cpus(shared_dir):
    """The i7-12700H (6 P-cores with HT, 8 E-cores) yields two groups, told apart by leaf 0x1A.

    The expected CPU lists are derived from the dump text with a plain regex: the logical CPUs
    whose CPUID 0000001A line starts with 40 (Core) or 20 (Atom).
    """
    text = (shared_dir / 'testdata' / 'cpuid' / HYBRID_DUMP).read_text()
    expected = {'performance': [], 'efficiency': []}
    for number, section in re.findall(r'Logical CPU #(\d+) \]-+\n(.*?)(?=\n-{6})', text, re.S):
        core_type = re.search(r'^CPUID 0000001A: (..)', section, re.M).group(1)
        expected[{'40': 'performance', '20': 'efficiency'}[core_type]].append(int(number))
    facts = gather_facts(src=str(shared_dir / 'testdata' / 'cpuid' / HYBRID_DUMP))
    groups = facts['raw_cpuid']['groups']
    assert facts['hybrid'] is True
    assert {group['core_type']: group['cpus'] for group in groups} == expected
    leaf_1a = []
    for group in groups:
        entries = dict(parse_entry(entry) for entry in group['cpuid'])
        leaf_1a.append(entries[(0x1A, 0)])
    assert len(set(leaf_1a)) == 2


def test_fingerprint_digest_covers_every_field(live_facts):
    fingerprint = dict(live_facts['fingerprint'])
    assert fingerprint['digest'] == fingerprint_digest(fingerprint)
    assert fingerprint['collection_version'] == COLLECTION_VERSION
    changed = dict(fingerprint, microcode='0xdeadbeef')
    assert fingerprint_digest(changed) != fingerprint['digest']


def test_collection_version_matches_galaxy_yml(collection_root):
    galaxy = (collection_root / 'galaxy.yml').read_text()
    assert re.search(r'^version:\s*(\S+)', galaxy, re.M).group(1) == COLLECTION_VERSION


def test_kvm_required_with_a_dump_is_refused(dump_paths):
    path = dump_paths[0]
    with pytest.raises(VmcpuError, match=r'kvm: required cannot be combined with src=.*a dump file has no KVM view'):
        gather_facts(src=str(path), kvm='required')


def test_kvm_required_without_device_fails_and_auto_reports(tmp_path):
    if not os.access('/dev/cpu/0/cpuid', os.R_OK):
        pytest.skip('/dev/cpu/0/cpuid is not readable here')
    missing = str(tmp_path / 'kvm')
    with pytest.raises(VmcpuError, match=r'does not exist'):
        gather_facts(kvm='required', kvm_device=missing)
    facts = gather_facts(kvm='auto', kvm_device=missing)
    assert facts['kvm']['available'] is False
    assert missing in facts['kvm']['error']
    assert gather_facts(kvm='skip')['kvm'] == {'available': False, 'error': 'not read (kvm: skip)'}

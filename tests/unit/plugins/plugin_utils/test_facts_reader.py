# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""FactsReader validates a fleet's facts by their difference from the hosts read before it. For a
document read after valid ones, what it accepts is what the facts schema and the consistency check
accept, and what it refuses gets the message the document alone gets, with or without jsonschema-rs."""

import copy

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.facts_check import check_facts_consistent
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.host_view import check_facts_version
from ansible_collections.vmcpu.profiles.plugins.plugin_utils import facts_reader
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.facts_reader import FactsReader
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.schemas import HOST_FACTS, validate

pytest.importorskip('jsonschema_rs', reason='jsonschema-rs is not installed (it is in requirements.txt)')


def kvm_view_of(facts):
    """The dump facts as a host whose KVM gives a guest the first group's CPUID: a KVM view to read."""
    entries = facts['raw_cpuid']['groups'][0]['cpuid']
    return dict(facts, guest_view='kvm', kvm={
        'available': True, 'error': None, 'api_version': 12, 'amx_guest_permission': 'not requested',
        'supported_cpuid': [dict(entry, flags=1 if entry['leaf'] in ('0x00000007', '0x0000000d') else 0) for entry in entries],
        'msr_index_list': ['0x0000010a'], 'feature_msrs': {'0x0000010a': '0x0000000000000000'}})


@pytest.fixture(scope='module')
def documents(qemu_model_facts):
    """Valid facts of several models, each also with a KVM view."""
    dumps = [qemu_model_facts[model] for model in sorted(qemu_model_facts)]
    return dumps + [kvm_view_of(facts) for facts in dumps]


def alone(document):
    """The message ``document`` gets when it is validated alone, or None."""
    try:
        check_facts_version('x', document)
        validate(document, HOST_FACTS, 'facts of host x')
        check_facts_consistent(document, 'facts of host x')
    except VmcpuError as exc:
        return str(exc)
    return None


def after(documents, document):
    """The message ``document`` gets when a FactsReader reads it after ``documents``, or None."""
    reader = FactsReader()
    for number, valid in enumerate(documents):
        reader.read('h%d' % number, valid, 'facts of host h%d' % number)
    try:
        reader.read('x', document, 'facts of host x')
    except VmcpuError as exc:
        return str(exc)
    return None


def test_valid_documents_are_read_the_fast_way(documents, monkeypatch):
    assert all(alone(document) is None for document in documents)
    monkeypatch.setattr(facts_reader, 'validate', lambda *args: pytest.fail('went the thorough way: %r' % (args[2],)))
    reader = FactsReader()
    for number, document in enumerate(documents + [copy.deepcopy(document) for document in documents]):
        reader.read('h%d' % number, document, 'facts of host h%d' % number)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_a_mutated_document_read_after_valid_ones_gets_what_it_gets_alone(documents, mutated_document, data):
    document = mutated_document(data, data.draw(st.sampled_from(documents)))
    assert after(documents, document) == alone(copy.deepcopy(document))


@pytest.mark.parametrize('change, message', [
    # Equal in content to an entry read before, plus a key the schema does not allow.
    (lambda facts: facts['raw_cpuid']['groups'][0]['cpuid'][3].update(extra='0x0'),
     'facts of host x does not match host_facts.schema.json at raw_cpuid.groups[0].cpuid[3]: Additional properties'),
    # False == 0 and True == 1 in Python, but only integers are flags.
    (lambda facts: facts['kvm']['supported_cpuid'][0].update(flags=bool(facts['kvm']['supported_cpuid'][0]['flags'])),
     'facts of host x does not match host_facts.schema.json at kvm.supported_cpuid[0].flags: False is not of type'),
    (lambda facts: facts['raw_cpuid']['groups'][0].update(cpuid=[]),
     'facts of host x does not match host_facts.schema.json at raw_cpuid.groups[0].cpuid: [] should be non-empty'),
    (lambda facts: facts['raw_cpuid']['groups'][0].update(cpuid={'0': facts['raw_cpuid']['groups'][0]['cpuid'][0]}),
     'facts of host x does not match host_facts.schema.json at raw_cpuid.groups[0].cpuid: {'),
    (lambda facts: facts['raw_cpuid']['groups'][0]['cpuid'].append(facts['raw_cpuid']['groups'][0]['cpuid'][1]),
     'facts of host x, raw_cpuid.groups[0].cpuid lists leaf 0x00000001 subleaf 0x0 twice'),
])
def test_what_equals_a_valid_entry_but_is_not_valid_is_refused(documents, change, message):
    document = copy.deepcopy(documents[-1])
    change(document)
    refused = after(documents, document)
    assert refused is not None and refused.startswith(message)
    assert refused == alone(document)


def entries_in(container):
    """Changes that put the entry list of a group (or the group list, or the KVM entries) in a tuple,
    whose entries jsonschema-rs would check against the entry schema only if it were a list."""
    def change(facts):
        group = facts['raw_cpuid']['groups'][0]
        if container != 'supported_cpuid':
            group['cpuid'][0] = dict(group['cpuid'][0], eax='0X00000001')
        if container == 'groups':
            facts['raw_cpuid']['groups'] = tuple(facts['raw_cpuid']['groups'])
        elif container == 'cpuid':
            group['cpuid'] = tuple(group['cpuid'])
        else:
            facts['kvm']['supported_cpuid'] = tuple(dict(entry, eax='bad') for entry in facts['kvm']['supported_cpuid'])
    return change


@pytest.mark.parametrize('container', ['groups', 'cpuid', 'supported_cpuid'])
def test_entries_in_a_tuple_are_not_taken_for_a_list(documents, container):
    document = copy.deepcopy(documents[-1])
    entries_in(container)(document)
    refused = after(documents, document)
    assert refused is not None and refused.startswith('facts of host x does not match host_facts.schema.json at ')
    assert refused == alone(document)


@pytest.mark.parametrize('facts', [[], 'GenuineIntel', None, 5])
def test_facts_that_are_no_mapping_are_refused(documents, facts):
    assert after(documents, facts) == alone(facts) == 'host x: facts are not a mapping (got %s); gather them with ' \
        'vmcpu.profiles.cpu_facts.' % type(facts).__name__


def test_a_refused_document_leaves_nothing_trusted(documents):
    document = copy.deepcopy(documents[0])
    document['raw_cpuid']['groups'][0]['cpuid'][1]['ebx'] = '0X00000000'
    reader = FactsReader()
    for attempt in range(2):
        with pytest.raises(VmcpuError, match='does not match host_facts.schema.json at raw_cpuid.groups.0..cpuid.1..ebx'):
            reader.read('x', copy.deepcopy(document), 'facts of host x')

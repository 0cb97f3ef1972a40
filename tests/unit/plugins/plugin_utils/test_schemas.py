# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller's validation takes jsonschema-rs as a fast path only: a document it accepts is one
jsonschema accepts, on real documents and on fuzzed ones, and the message of a refused document is
jsonschema's whether jsonschema-rs is installed or not."""

import copy

import pytest
from hypothesis import given, strategies as st

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.plugin_utils import schemas

pytest.importorskip('jsonschema_rs', reason='jsonschema-rs is not installed (it is in requirements.txt)')


def test_real_documents_are_accepted_by_the_fast_path(schema_documents):
    assert len(schema_documents) > 5
    for schema_name, document in schema_documents:
        thorough, fast = schemas._validators(schema_name)
        assert schemas.fast_accepts(fast, document) and thorough.is_valid(document)


@given(data=st.data())
def test_what_the_fast_path_accepts_jsonschema_accepts(schema_documents, mutated_document, data):
    schema_name, original = data.draw(st.sampled_from(schema_documents))
    document = mutated_document(data, original)
    thorough, fast = schemas._validators(schema_name)
    if schemas.fast_accepts(fast, document):
        assert thorough.is_valid(document)


def test_a_value_jsonschema_rs_cannot_read_goes_to_jsonschema(schema_documents):
    class Text(str):  # like Ansible's tagged strings, which jsonschema-rs does not convert
        pass
    schema_name, facts = next(item for item in schema_documents if item[0] == 'host_facts.schema.json')
    facts = dict(facts, source=Text(facts['source']))
    thorough, fast = schemas._validators(schema_name)
    assert not schemas.fast_accepts(fast, facts) and thorough.is_valid(facts)
    schemas.validate(facts, schema_name, 'facts of host h1')


def test_the_message_does_not_depend_on_jsonschema_rs(schema_documents, monkeypatch):
    schema_name, facts = next(item for item in schema_documents if item[0] == 'host_facts.schema.json')
    broken = copy.deepcopy(facts)
    broken['raw_cpuid']['groups'][0]['cpuid'][0]['ebx'] = '0x1234'
    messages = []
    for fast in (True, False):
        if not fast:
            monkeypatch.setitem(schemas._VALIDATORS, schema_name, (schemas._validators(schema_name)[0], None))
        with pytest.raises(VmcpuError) as caught:
            schemas.validate(broken, schema_name, 'facts of host h1')
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    assert messages[0].startswith("facts of host h1 does not match host_facts.schema.json at raw_cpuid.groups[0].cpuid[0].ebx: "
                                  "'0x1234' does not match")

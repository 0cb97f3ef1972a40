# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The managed-node schema validator agrees with jsonschema, on real documents and on fuzzed ones,
and its schemas are the ones in schemas/."""

import copy
import subprocess
import sys

import jsonschema
import pytest
from hypothesis import given, strategies as st

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.schemas import validator
from ansible_collections.vmcpu.profiles.plugins.module_utils.schemas.documents import SCHEMAS


def test_the_generated_schemas_are_the_ones_in_schemas(collection_root):
    assert sorted(SCHEMAS) == sorted(path.name for path in (collection_root / 'schemas').glob('*.schema.json'))
    subprocess.run([sys.executable, str(collection_root / 'scripts' / 'schema-documents.py'), '--check'], check=True)


def jsonschema_valid(document, schema_name):
    return jsonschema.Draft202012Validator(SCHEMAS[schema_name]).is_valid(document)


def hand_valid(document, schema_name):
    try:
        validator.validate_document(document, schema_name, 'the document')
    except VmcpuError:
        return False
    return True


def test_real_documents_are_valid(schema_documents):
    assert len(schema_documents) > 5
    for schema_name, document in schema_documents:
        assert jsonschema_valid(document, schema_name) and hand_valid(document, schema_name)


@given(data=st.data())
def test_fuzzed_documents_get_the_same_verdict_from_both_validators(schema_documents, mutated_document, data):
    schema_name, original = data.draw(st.sampled_from(schema_documents))
    document = mutated_document(data, original)
    assert hand_valid(document, schema_name) == jsonschema_valid(document, schema_name)


def test_the_message_names_the_document_the_schema_and_the_place(schema_documents):
    schema_name, facts = next(item for item in schema_documents if item[0] == 'host_facts.schema.json')
    broken = copy.deepcopy(facts)
    broken['raw_cpuid']['groups'][0]['cpuid'][1]['eax'] = 17.5
    broken['family'] = 'six'
    with pytest.raises(VmcpuError) as caught:
        validator.validate_document(broken, schema_name, 'facts file /tmp/h1.json')
    assert str(caught.value) == ("facts file /tmp/h1.json does not match host_facts.schema.json at family: 'six' is not of "
                                 "type 'integer' (and 1 more problems).")


def test_a_schema_with_a_keyword_it_does_not_know_is_refused(monkeypatch):
    monkeypatch.setitem(SCHEMAS, 'odd.schema.json', {'type': 'object', 'oneOf': [{'type': 'object'}]})
    with pytest.raises(VmcpuError, match='the schema uses oneOf, which the managed-node validator does not implement'):
        validator.validate_document({}, 'odd.schema.json', 'x')

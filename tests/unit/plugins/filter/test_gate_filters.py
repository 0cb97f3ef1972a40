# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the migration gate: validated_profile and compat_junit."""

import copy
import json
import xml.etree.ElementTree as ET

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.vmcpu.profiles.plugins.filter.compat_report import compat_junit
from ansible_collections.vmcpu.profiles.plugins.filter.profile_validation import validated_profile
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import profile_digest


@pytest.fixture(scope='module')
def profile(collection_root):
    with open(str(collection_root / 'bundled_profiles' / 'skylake-server.json')) as handle:
        return json.load(handle)


def test_valid_profile_text_and_mapping(profile):
    assert validated_profile(json.dumps(profile), source='p.json') == profile
    assert validated_profile(profile) == profile


def redigested(profile, **changes):
    edited = dict(copy.deepcopy(profile), **changes)
    edited['digest'] = profile_digest(edited)
    return edited


@pytest.mark.parametrize('make, message', [
    (lambda p: '{"name": ', 'profile p.json is not JSON'),
    (lambda p: [1], 'is not a JSON object but a list'),
    (lambda p: redigested(p, name='../evil'), "invalid profile name '../evil'"),
    (lambda p: redigested(p, vendor='CyrixInstead'), 'does not match profile.schema.json at vendor'),
    (lambda p: dict(p, features=p['features'][1:]), 'was tampered with'),
    (lambda p: redigested(p, schema_version=2), 'does not match profile.schema.json at schema_version'),
])
def test_refused_profiles(profile, make, message):
    with pytest.raises(AnsibleFilterError, match='vmcpu.profiles.validated_profile: .*' + message.replace('(', r'\(')):
        validated_profile(make(profile), source='p.json')


def test_junit_structure():
    results = [
        {'host': 'b', 'compatible': False, 'reasons': ['host lacks avx512f, which the profile offers', 'x < y & z'],
         'summary': 'NOT compatible', 'error': None},
        {'host': 'a', 'compatible': True, 'reasons': [], 'summary': 'compatible', 'error': None},
        {'host': 'c', 'compatible': False, 'reasons': [], 'error': 'dump missing\x01'},
    ]
    root = ET.fromstring(compat_junit(results, 'fleet').split('\n', 1)[1])
    suite = root.find('testsuite')
    assert (root.tag, suite.get('tests'), suite.get('failures'), suite.get('errors')) == ('testsuites', '3', '1', '1')
    cases = {case.get('name'): case for case in suite.findall('testcase')}
    assert [case.get('name') for case in suite.findall('testcase')] == ['a', 'b', 'c']
    assert cases['a'].find('failure') is None and cases['a'].find('error') is None
    assert cases['b'].find('failure').text == 'host lacks avx512f, which the profile offers\nx < y & z'
    assert cases['c'].find('error').get('message') == 'dump missing?'


def test_junit_refuses_other_input():
    with pytest.raises(AnsibleFilterError, match='compat_junit'):
        compat_junit({'host': 'a'}, 'fleet')


def test_a_profile_with_a_bom_is_read(profile):
    text = json.dumps(profile)
    assert validated_profile('\ufeff' + text)['name'] == 'skylake-server'
    assert validated_profile(('\ufeff' + text).encode('utf-8'))['name'] == 'skylake-server'


def test_messages_name_json_types_not_ansible_ones():
    class LazyList(list):  # what ansible-core 2.19 hands a filter for a templated list
        pass
    with pytest.raises(AnsibleFilterError, match='is not a JSON object but a list'):
        validated_profile(LazyList([1]))

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller entry of the profile engine (shared by the cluster_profile lookup and filter):
hostvars, facts files, bad input. The lookup itself runs in the cluster_profile integration target."""

import json
import os
import subprocess
import sys

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.vmcpu.profiles.plugins.filter.profiles import FilterModule
from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.file_names import host_file_stem
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.profile_entry import compute_profile
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.schemas import PROFILE, validate

PAIR = ('Xeon-Gold-6152', 'Xeon-Platinum-8268')


def _lookup(terms, hostvars=None, name=None, allow_missing=False):
    return [compute_profile(list(terms), hostvars=hostvars or {}, name=name, allow_missing=allow_missing)]


@pytest.fixture
def hostvars(real_dump_facts):
    return {name: {'ansible_facts': {'vmcpu': real_dump_facts[name]}} for name in PAIR}


@pytest.fixture
def facts_files(real_dump_facts, tmp_path):
    paths = []
    for name in PAIR:
        path = tmp_path / ('%s.json' % name)
        path.write_text(json.dumps(real_dump_facts[name]))
        paths.append(str(path))
    return paths


def test_hostvars_and_files_give_the_same_profile(hostvars, facts_files):
    from_hostvars = _lookup(PAIR, hostvars, name='pair')
    from_files = _lookup(facts_files, name='pair')
    assert len(from_hostvars) == 1
    validate(from_hostvars[0], PROFILE, 'lookup result')
    assert from_hostvars[0]['digest'] == from_files[0]['digest']
    assert [h['name'] for h in from_files[0]['provenance']['hosts']] == sorted(PAIR)


def test_filter_matches_the_lookup(hostvars):
    filters = FilterModule().filters()
    by_filter = filters['cluster_profile']({name: hv['ansible_facts'] for name, hv in hostvars.items()}, 'pair')
    assert by_filter['digest'] == _lookup(PAIR, hostvars, name='pair')[0]['digest']
    report = filters['profile_report'](by_filter)
    assert report.startswith('# CPU profile `pair`\n')
    assert '`avx512f`' in report


def test_host_without_facts_is_named(hostvars):
    hostvars['bare-host'] = {'ansible_facts': {}}
    with pytest.raises(VmcpuError) as error:
        _lookup(PAIR + ('bare-host', 'unknown-host'), hostvars, name='pair')
    assert str(error.value).startswith('no CPU facts for host(s) bare-host, unknown-host: gather them first')
    kept = _lookup(PAIR + ('bare-host',), hostvars, name='pair', allow_missing=True)[0]
    assert [h['name'] for h in kept['provenance']['hosts']] == sorted(PAIR)


@pytest.mark.parametrize('content, message', [
    ('{"schema_version": 1', 'is not valid JSON (line 1, column'),
    ('[]', 'facts are not a mapping (got list)'),
    ('{"schema_version": 2}', 'facts have schema_version 2, this collection reads version 1'),
    ('{"schema_version": 1, "vendor": "GenuineIntel"}', 'does not match host_facts.schema.json at (top level)'),
])
def test_bad_facts_files_are_named(tmp_path, content, message):
    path = tmp_path / 'broken.json'
    path.write_text(content)
    with pytest.raises(VmcpuError) as error:
        _lookup([str(path)], name='x')
    assert message in str(error.value)
    assert 'broken' in str(error.value)


def test_missing_facts_file_is_named(tmp_path):
    path = tmp_path / 'gone.json'
    with pytest.raises(VmcpuError, match='facts file %s does not exist' % path):
        _lookup([str(path)], name='x')


def test_schema_invalid_facts_name_the_place(real_dump_facts, tmp_path):
    facts = json.loads(json.dumps(real_dump_facts['Xeon-Gold-6152']))
    facts['raw_cpuid']['groups'][0]['cpuid'][3]['ebx'] = 'zzz'
    path = tmp_path / 'odd.json'
    path.write_text(json.dumps(facts))
    with pytest.raises(VmcpuError) as error:
        _lookup([str(path)], name='x')
    assert "facts file %s does not match host_facts.schema.json at raw_cpuid.groups[0].cpuid[3].ebx: 'zzz' does not match" % path \
        in str(error.value)


@pytest.mark.parametrize('name', ['../etc', 'a/b', '.hidden', '', 'x' * 129])
def test_profile_names_that_are_not_plain_file_names_are_refused(hostvars, name):
    with pytest.raises(VmcpuError, match='invalid profile name'):
        _lookup(PAIR, hostvars, name=name)


def test_empty_host_list_is_refused():
    with pytest.raises(VmcpuError, match='no hosts given'):
        _lookup([], name='x')


def test_filter_errors_are_filter_errors():
    with pytest.raises(AnsibleFilterError, match='expected a mapping of host name to facts, got a list'):
        FilterModule().filters()['cluster_profile']([], 'x')
    with pytest.raises(AnsibleFilterError, match='does not match profile.schema.json'):
        FilterModule().filters()['profile_report']({'name': 'x'})


def test_bundled_profiles_regenerate_identically(collection_root, shared_dir):
    """scripts/bundled-profiles.sh --check rebuilds every bundled profile with the documented
    command (generate_profile.yml over inventory/shared-dumps.yml) and compares."""
    env = dict(os.environ, VMCPU_SHARED=str(shared_dir), PYTHON=sys.executable,
               ANSIBLE_PLAYBOOK=os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'))
    result = subprocess.run(['bash', str(collection_root / 'scripts' / 'bundled-profiles.sh'), '--check'],
                            capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert 'bundled profiles are up to date: 10 checked' in result.stdout
    for path in sorted((collection_root / 'bundled_profiles').glob('*.json')):
        validate(json.loads(path.read_text()), PROFILE, str(path))


def test_an_inventory_host_named_like_a_file_is_a_host(qemu_model_facts, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # there is no file web.json: the term can only be the host
    hostvars = {'web.json': {'ansible_facts': {'vmcpu': qemu_model_facts['Haswell-v4']}}}
    profile = compute_profile(['web.json'], hostvars=hostvars, name='web')
    assert [host['name'] for host in profile['provenance']['hosts']] == ['web.json']


def test_a_facts_file_named_by_host_file_stem_gives_back_the_host(qemu_model_facts, tmp_path):
    host = '../odd host;$(id)'
    path = tmp_path / ('%s.json' % host_file_stem(host))
    path.write_text(json.dumps(qemu_model_facts['Haswell-v4']))
    profile = compute_profile([str(path)], name='odd')
    assert [entry['name'] for entry in profile['provenance']['hosts']] == [host]

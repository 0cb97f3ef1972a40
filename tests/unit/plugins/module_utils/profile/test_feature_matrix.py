# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hosts x features matrix: a row per field the report lists as differing, a column per kind of
CPU, each cell the value the explanation of the profile (built by the merge, not by the matrix) gives
that host."""

import copy

import pytest
from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile import feature_matrix as matrix_module
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import EXPLAINED_HOSTS, build_profile
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.feature_matrix import feature_matrix
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.report import differing_fields


def _with_copies(hosts, copies):
    """``hosts`` and ``copies`` more hosts with the facts of the second one (identical CPUs)."""
    name, facts = hosts[1]
    return hosts + [('%s-copy%02d' % (name, number), copy.deepcopy(facts)) for number in range(copies)]


@pytest.fixture(scope='module')
def fleet(xeon_generations):
    hosts = _with_copies(xeon_generations, 6)
    return hosts, build_profile(hosts, 'fleet')


def _cells(matrix):
    """``{(field, host): value}`` of every cell."""
    return {(row['name'], host): value for row in matrix['rows']
            for value, column in zip(row['values'], matrix['columns']) for host in column['hosts']}


def test_rows_are_the_report_sections_in_order(fleet):
    hosts, profile = fleet
    matrix = feature_matrix(profile, hosts)
    by_section = [[row['name'] for row in matrix['rows'] if row['section'] == section]
                  for section in ('lowered', 'raised', 'fixed')]
    assert [sorted(names) for names in by_section] == [sorted(names) for names in differing_fields(profile)]
    assert [row['section'] for row in matrix['rows']] == sorted((row['section'] for row in matrix['rows']),
                                                                key=('lowered', 'raised', 'fixed').index)
    assert len(matrix['rows']) >= 10


def test_every_cell_is_the_value_the_explanation_gives_the_host(fleet):
    """The explanation names the hosts below the best with their values (up to EXPLAINED_HOSTS of
    them): those cells hold that value, and when all of them are named every other host is at the best."""
    hosts, profile = fleet
    matrix = feature_matrix(profile, hosts)
    cells = _cells(matrix)
    checked = 0
    for row in matrix['rows']:
        entry = profile['explanation'][row['name']]
        assert (row['profile'], row['best'], row['location']) == (entry['profile'], entry['best'], entry['location'])
        for host, value in entry['limited_by'].items():
            assert cells[(row['name'], host)] == value, (row['name'], host)
        if entry['limited_by_count'] <= EXPLAINED_HOSTS:
            for host, _facts in hosts:
                if host not in entry['limited_by']:
                    assert cells[(row['name'], host)] == entry['best'], (row['name'], host)
                    checked += 1
    assert checked > 0


def test_identical_hosts_share_a_column_and_columns_are_grouped_by_model(fleet):
    hosts, profile = fleet
    matrix = feature_matrix(profile, hosts)
    columns = matrix['columns']
    assert sorted(host for column in columns for host in column['hosts']) == sorted(name for name, _facts in hosts)
    copied = hosts[1][0]
    assert [len(column['hosts']) for column in columns if copied in column['hosts']] == [7]
    assert len(columns) == len(hosts) - 6
    facts = dict(hosts)
    for column in columns:
        assert len({(facts[host]['family'], facts[host]['model'], facts[host]['stepping']) for host in column['hosts']}) == 1
    models = [column['model'] for column in columns]
    assert all(model not in models[models.index(model) + models.count(model):] for model in models)
    assert matrix['left_out'] == {'columns': 0, 'hosts': 0}


def test_columns_beyond_the_limit_are_counted_not_shown(fleet, monkeypatch):
    """With room for one column less, the one left out is counted, and no row loses the only CPU
    that holds it back: those columns are kept first."""
    hosts, profile = fleet
    full = feature_matrix(profile, hosts)
    monkeypatch.setattr(matrix_module, 'MAX_COLUMNS', len(full['columns']) - 1)
    matrix = feature_matrix(profile, hosts)
    assert len(matrix['columns']) == len(full['columns']) - 1
    hidden = [column for column in full['columns'] if column not in matrix['columns']]
    assert matrix['left_out'] == {'columns': 1, 'hosts': len(hidden[0]['hosts'])}
    for row, full_row in zip(matrix['rows'], full['rows']):
        assert len(row['values']) == len(matrix['columns'])
        if any(value != full_row['best'] for value in full_row['values']):
            assert any(value != row['best'] for value in row['values']), row['name']


def test_a_weak_host_is_shown_however_many_columns_are_bigger(xeon_generations, monkeypatch):
    """Many large columns and one host that alone lowers some fields: that host stays in view."""
    weak_name, weak = xeon_generations[0]
    hosts = [('%s-%d' % (name, number), facts) for name, facts in xeon_generations[1:] for number in range(3)]
    hosts.append((weak_name, weak))
    profile = build_profile(hosts, 'fleet')
    monkeypatch.setattr(matrix_module, 'MAX_COLUMNS', 2)
    matrix = feature_matrix(profile, hosts)
    assert any(weak_name in column['hosts'] for column in matrix['columns'])


def test_facts_whose_cpuid_changed_under_the_same_fingerprint_are_refused(fleet):
    """A kernel's clearcpuid= or a BIOS switch changes CPUID but not the fingerprint: the cells are
    checked against the explanation, which names the hosts below the best."""
    hosts, profile = fleet
    donor = hosts[-1][0]
    # A host that lowers a field the donor has: it gets the donor's CPUID.
    lacking = next(host for name in differing_fields(profile)[0] for host in profile['explanation'][name]['limited_by']
                   if donor not in profile['explanation'][name]['limited_by'])
    facts = dict(hosts)
    changed = copy.deepcopy(facts[lacking])
    changed['raw_cpuid'] = copy.deepcopy(facts[donor]['raw_cpuid'])
    with pytest.raises(VmcpuError, match=r'host %s: its facts are not those profile fleet was made from \(field ' % lacking):
        feature_matrix(profile, [(host, changed if host == lacking else host_facts) for host, host_facts in hosts])


def test_hosts_other_than_the_profiles_are_refused(fleet):
    hosts, profile = fleet
    with pytest.raises(VmcpuError, match=r'not those of profile fleet: missing %s; give' % hosts[0][0]):
        feature_matrix(profile, hosts[1:])
    with pytest.raises(VmcpuError, match=r'not those of profile fleet: stranger not in the profile'):
        feature_matrix(profile, hosts + [('stranger', hosts[0][1])])
    changed = copy.deepcopy(hosts[0][1])
    changed['fingerprint']['digest'] = 'sha256:' + '0' * 64
    with pytest.raises(VmcpuError, match=r'host %s: its facts are not those profile fleet was made from' % hosts[0][0]):
        feature_matrix(profile, [(hosts[0][0], changed)] + hosts[1:])
    with pytest.raises(VmcpuError, match=r'given more than once'):
        feature_matrix(profile, hosts + hosts[:1])


def test_a_field_this_version_does_not_know_is_named(fleet):
    hosts, profile = fleet
    older = copy.deepcopy(profile)
    name = next(iter(differing_fields(older)[0]))
    older['explanation']['retired_feature'] = older['explanation'].pop(name)
    with pytest.raises(VmcpuError, match=r'explains field retired_feature, which this version'):
        feature_matrix(older, hosts)

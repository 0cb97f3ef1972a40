# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host x host migration matrix (profile.matrix): each cell is the migration gate's check of the
destination against the source's own profile, identical hosts answer alike, vendors never mix, and
the report's table and reasons say the same as the data."""

import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.check.host_check import check_host
from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile import matrix
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import build_profile
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.matrix import matrix_report, migration_matrix

DUMPS = ('Xeon-E5-2650-v4', 'Xeon-Gold-6152', 'Xeon-Platinum-8268', 'Ice-Lake-Server', 'EPYC-7601-32-Core')
MODELS = ('Haswell-v4', 'Broadwell-v4', 'Skylake-Server-v4', 'Cascadelake-Server-v4', 'EPYC-v3')


@pytest.fixture(scope='module')
def fleet(request):
    try:
        facts = request.getfixturevalue('real_dump_facts')
        hosts = [(name, facts[name]) for name in DUMPS]
    except pytest.skip.Exception:
        facts = request.getfixturevalue('qemu_model_facts')
        hosts = [(name, facts[name]) for name in MODELS]
    return hosts + [(hosts[0][0] + '-twin', hosts[0][1])]


def test_each_cell_is_the_gate_check_of_the_destination(fleet):
    answer = migration_matrix(fleet, 'fleet')
    facts = dict(fleet)
    names = [cpu['name'] for cpu in answer['cpus']]
    assert len(names) == len(fleet) - 1 and {fleet[0][0], fleet[0][0] + '-twin'} in [set(c['hosts']) for c in answer['cpus']]
    for source in names:
        own = build_profile([(source, facts[source])], 'own')
        for dest in names:
            compatible = check_host(own, facts[dest], dest)['compatible']
            assert (answer['moves'][source][dest] == []) == compatible, (source, dest)
            if facts[source]['vendor'] != facts[dest]['vendor']:
                assert answer['moves'][source][dest] and 'CPU vendor' in answer['moves'][source][dest][0]
        assert answer['moves'][source][source] == []
    # Somewhere a VM can move, and somewhere it cannot: the older CPU lacks what the newer offers.
    cells = [answer['moves'][a][b] == [] for a in names for b in names if a != b]
    assert any(cells) and not all(cells)


def test_the_report_says_what_the_data_says(fleet):
    answer = migration_matrix(fleet, 'fleet')
    report = matrix_report(answer)
    names = [cpu['name'] for cpu in answer['cpus']]
    rows = [line for line in report.splitlines() if line.startswith('| `')]
    for source, row in zip(names, rows):
        cells = [cell.strip() for cell in row.strip('|').split('|')][1:]
        assert cells == ['-' if dest == source else ('yes' if not answer['moves'][source][dest] else 'no') for dest in names]
    nos = sum(1 for a in names for b in names if answer['moves'][a][b])
    assert sum(1 for line in report.splitlines() if line.startswith('- `') and ' -> ' in line) == nos
    assert '- `%s`: %s, %s-twin' % (fleet[0][0], fleet[0][0], fleet[0][0]) in report


def test_too_many_distinct_cpus_and_no_hosts_are_refused(fleet, monkeypatch):
    monkeypatch.setattr(matrix, 'MAX_DISTINCT', 2)
    with pytest.raises(VmcpuError, match=r'^the fleet has \d+ distinct CPUs, more than the 2 a matrix shows; split it '
                                         r'first \(playbooks/plan_pools.yml\) and ask per pool\.$'):
        migration_matrix(fleet, 'fleet')
    with pytest.raises(VmcpuError, match='^no hosts given'):
        migration_matrix([], 'fleet')

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Baselines as sets of per-slot parts: the registers of host_baseline, one set per baseline."""

import copy

from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.baseline_parts import BaselineParts
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.entry_table import EntryTable
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.host_view import host_view
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.merge import host_baseline


def _parts(facts_by_name):
    """``{name: (part numbers, host_baseline registers)}`` read with one table."""
    table, by_vendor, result = EntryTable(), {}, {}
    for name, facts in facts_by_name.items():
        view = host_view(name, facts, table)
        if view.vendor not in by_vendor:
            by_vendor[view.vendor] = BaselineParts(view.vendor, table)
        parts = by_vendor[view.vendor].host(view)
        assert by_vendor[view.vendor].registers(parts) == host_baseline(view).registers, name
        result[name] = parts
    return result


def test_parts_hold_the_baseline_of_every_dump(real_dump_facts):
    """Hybrid dumps (several CPU groups) go the register way, the others entry by entry."""
    _parts(real_dump_facts)


def test_entries_of_one_slot_go_the_register_way_to_the_same_parts(real_dump_facts):
    """A repeated entry (the later one wins, as in host_view) and a host whose repeat changes
    nothing: equal baselines, equal sets of parts."""
    gold = real_dump_facts['Xeon-Gold-6152']
    repeated, overridden = copy.deepcopy(gold), copy.deepcopy(gold)
    entries = repeated['raw_cpuid']['groups'][0]['cpuid']
    entries.append(dict(entries[0]))
    leaf7 = next(entry for entry in overridden['raw_cpuid']['groups'][0]['cpuid'] if entry['leaf'] == '0x00000007')
    overridden['raw_cpuid']['groups'][0]['cpuid'].append(dict(leaf7, ebx='0x00000001'))
    parts = _parts({'gold': gold, 'repeated': repeated, 'overridden': overridden})
    assert parts['repeated'] == parts['gold']
    assert parts['overridden'] != parts['gold']

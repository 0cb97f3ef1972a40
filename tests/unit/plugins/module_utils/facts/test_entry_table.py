# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""EntryTable reads a list of entries as its difference from the last list of its model: whatever
lists come in whatever order, each reads as the list alone does (registers, layout), and only the
places that differ from the list read before are fresh."""

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_dump import REGISTER_NAMES, parse_entry
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.entry_table import EntryTable


@pytest.fixture(scope='module')
def entry_lists(qemu_model_facts):
    return [facts['raw_cpuid']['groups'][0]['cpuid'] for model, facts in sorted(qemu_model_facts.items())]


def registers_alone(entries):
    """The registers of a list as one dict.update per entry with its non-zero registers gives them."""
    registers = {}
    for entry in entries:
        (leaf, subleaf), values = parse_entry(entry)
        registers.update({('cpuid', leaf, subleaf, name): value for name, value in zip(REGISTER_NAMES, values) if value})
    return registers


def first_twice(entries):
    seen = set()
    for entry in entries:
        slot = parse_entry(entry)[0]
        if slot in seen:
            return slot
        seen.add(slot)
    return None


@st.composite
def variants(draw, entry_lists):
    """A list of entries of one model, some changed: a register cleared, an entry dropped or listed twice."""
    entries = list(draw(st.sampled_from(entry_lists)))
    for _change in range(draw(st.integers(0, 4))):
        position = draw(st.integers(0, len(entries) - 1))
        action = draw(st.sampled_from(['clear', 'drop', 'twice']))
        if action == 'clear':
            entries[position] = dict(entries[position], **{draw(st.sampled_from(REGISTER_NAMES)): '0x00000000'})
        elif action == 'drop' and len(entries) > 1:
            del entries[position]
        else:
            entries.insert(draw(st.integers(0, len(entries))), entries[position])
    return entries


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_lists_read_one_after_another_read_as_each_alone(entry_lists, data):
    lists = data.draw(st.lists(variants(entry_lists), min_size=1, max_size=8))
    table = EntryTable()
    for entries in lists:
        previous = table._last_of_model.get(('model', False, len(entries)))
        read = table.cpuid(entries, False, 'model')
        assert table.registers(read.numbers) == registers_alone(entries)
        assert read.layout.twice == first_twice(entries)
        assert [table.listed[number] for number in read.numbers] == [parse_entry(entry)[0] for entry in entries]
        if previous is not None and len(read.fresh) < len(entries):  # else read in full, every place fresh
            last_entries = previous[1]
            assert set(read.fresh) == {place for place, entry in enumerate(entries) if entry != last_entries[place]}
        assert table.cpuid(entries, False, 'model').numbers == read.numbers  # read again


def test_a_kvm_entry_for_every_subleaf_fills_subleaf_0(entry_lists):
    entry = dict(entry_lists[0][0], subleaf='0x3', flags=0)
    table = EntryTable()
    read = table.cpuid([entry, dict(entry, leaf='0x00000007', flags=1)], True)
    assert [table.slot[number] for number in read.numbers] == [('cpuid', 0, 0), ('cpuid', 7, 3)]
    assert [table.listed[number] for number in read.numbers] == [(0, 3), (7, 3)]
    assert read.layout.twice is None


def test_only_what_differs_from_the_last_list_of_the_model_is_fresh(entry_lists):
    table = EntryTable()
    first = table.cpuid(entry_lists[0], False, 'model')
    assert list(first.fresh) == list(range(len(entry_lists[0])))
    changed = list(entry_lists[0])
    changed[2] = dict(changed[2], ecx='0x00000000')
    read = table.cpuid(changed, False, 'model')
    assert list(read.fresh) == [2] and read.layout is first.layout
    assert [number for place, number in enumerate(read.numbers) if number != first.numbers[place]] == [read.numbers[2]]
    assert list(table.cpuid(list(changed), False, 'other model').fresh) == list(range(len(changed)))

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The distinct CPUID entries and MSR values of many hosts' facts, numbered.

Hosts of one model have identical entries, and distinct hosts of one model still share most of
them: each distinct entry is parsed once, and a host's CPU group is a tuple of entry numbers.
Hosts of one model also list their entries in one order, so a list is read as its difference
from the last list read for the same model: entries equal to the one at the same place there
take its number without being looked at again (a C-level comparison), and only the others are
looked up by content. Standard library only: the facts consistency check on a managed node
reads through it too.
"""

import collections
import itertools
from operator import itemgetter, ne

from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_dump import ENTRY_TEXT, REGISTER_NAMES, parse_entry_text

# KVM_CPUID_FLAG_SIGNIFCANT_INDEX (linux/kvm.h): the entry is valid for its sub-leaf only.
KVM_SIGNIFICANT_INDEX = 1

_KVM_ENTRY_CONTENT = itemgetter('leaf', 'subleaf', 'flags', *REGISTER_NAMES)
_MODEL = ('vendor', 'family', 'model', 'stepping')

# A list that differs from the last one of its model in more than a quarter of its places is not
# of that model after all (a facts document may name any model): it is read in full.
_MOST_DIFFER = 4

ReadEntries = collections.namedtuple('ReadEntries', 'numbers fresh layout')
ReadEntries.__doc__ = """The entry numbers of a list of CPUID entries; ``fresh``: the places of the entries
that did not equal the entry at the same place of a list read before (every place when the list
was read in full): a validator that trusts the lists read before need look at these only;
``layout``: the ``Layout`` of the list."""


class Layout:
    """Where a list of entries has which (leaf, sub-leaf): ``position`` maps each to its (last)
    place, ``twice`` is the first one listed twice, or None. Lists of one model share it."""

    __slots__ = ('position', 'twice', '_places')

    def __init__(self, position, twice):
        self.position = position
        self.twice = twice
        self._places = {}

    def places(self, slots):
        """The places of those of ``slots`` (a tuple of (leaf, sub-leaf)) the list has, in that
        order: worked out once per layout, for a reader that looks at the same leaves of every list."""
        places = self._places.get(slots)
        if places is None:
            places = self._places[slots] = tuple(self.position[slot] for slot in slots if slot in self.position)
        return places


def model_of(facts):
    """What hosts whose entries are mostly equal share: vendor, family, model and stepping (what of
    them the facts have: the facts slices rebuild for the engine have the vendor only)."""
    return tuple(map(facts.get, _MODEL))


class EntryTable:
    """Per entry number: ``items`` (its ``(register key, value)`` pairs, zero values left out),
    ``slot`` (the CPUID (leaf, sub-leaf) or MSR index it fills; a KVM entry valid for every
    sub-leaf fills sub-leaf 0, where lookups start), ``listed`` (the CPUID (leaf, sub-leaf) as the
    entry lists it, None for an MSR) and ``text`` (the ``ENTRY_TEXT`` of a CPUID entry, without KVM
    flags). Two entries of one slot in a group are rare, and then the later one wins register by
    register, see ``registers``."""

    def __init__(self):
        self.numbers = {}
        self.items = []
        self.slot = []
        self.listed = []
        self.text = []
        self._listed_ids = {}              # listed (leaf, sub-leaf) -> a small number, for layout keys
        self._listed_id = []               # entry number -> that small number
        self._layouts = {}                 # listed ids of a list -> Layout
        self._last_of_model = {}           # (model, with_flags, length) -> ReadEntries of a list, the list
        self._msr_indexes = {}

    def cpuid(self, entries, with_flags, model=None, remember=True):
        """``ReadEntries`` of a list of CPUID entries (KVM entries, with their flags, when
        ``with_flags``); ``model`` (``model_of`` the facts) finds the list to read it against, and
        the list becomes the last of its model unless ``remember`` is false (see ``remember``)."""
        last, last_entries = self._last_of_model.get((model, with_flags, len(entries)), (None, None))
        if last_entries is entries:  # read again (by the consistency check after the validation)
            return last
        content = _KVM_ENTRY_CONTENT if with_flags else ENTRY_TEXT
        fresh = None if last is None else list(itertools.compress(itertools.count(), map(ne, entries, last_entries)))
        if fresh is None or len(fresh) * _MOST_DIFFER > len(entries):
            numbers = self._numbers(map(content, entries), with_flags)
            read = ReadEntries(numbers, range(len(entries)), self._layout(numbers))
        else:
            numbers = list(last.numbers)
            for position, number in zip(fresh, self._numbers(map(content, map(entries.__getitem__, fresh)), with_flags)):
                numbers[position] = number
            moved = any(self._listed_id[numbers[position]] != self._listed_id[last.numbers[position]] for position in fresh)
            read = ReadEntries(tuple(numbers), fresh, self._layout(numbers) if moved else last.layout)
        if remember:
            self.remember(entries, with_flags, model, read)
        return read

    def remember(self, entries, with_flags, model, read):
        """Make ``entries`` (read as ``read``) the last list of its model: the next list of the
        model is read against it, and reading it again gives ``read`` as it is. A list is taken
        to be unchanged once read (a table lasts one run, in which facts are not edited)."""
        self._last_of_model[(model, with_flags, len(entries))] = (read, entries)

    def _layout(self, numbers):
        ids = tuple(map(self._listed_id.__getitem__, numbers))
        layout = self._layouts.get(ids)
        if layout is None:
            listed = list(map(self.listed.__getitem__, numbers))
            position = {slot: place for place, slot in enumerate(listed)}
            layout = self._layouts[ids] = Layout(position, _first_twice(listed) if len(position) < len(listed) else None)
        return layout

    def msrs(self, msr_values):
        """The entry numbers of ``{MSR index: value}`` (hex text)."""
        return self._numbers(msr_values.items(), None)

    def _numbers(self, contents, with_flags):
        """The numbers of entries given as their content (``with_flags`` None: MSRs), numbering new ones."""
        contents = tuple(contents)
        numbers = tuple(map(self.numbers.get, contents))
        if None not in numbers:
            return numbers
        for content in contents:
            if content not in self.numbers:
                self._number(content, with_flags)
        return tuple(map(self.numbers.__getitem__, contents))

    def _number(self, content, with_flags):
        if with_flags is None:
            items, slot, listed, text = _parse_msr(content) + (None, None)
        else:
            text = content[:2] + content[3:] if with_flags else content
            (leaf, subleaf), regs = parse_entry_text(text)
            listed = (leaf, subleaf)
            # int(): a JSON integer may come as 1.0.
            if with_flags and not int(content[2]) & KVM_SIGNIFICANT_INDEX:
                subleaf = 0
            items = tuple((('cpuid', leaf, subleaf, name), value) for name, value in zip(REGISTER_NAMES, regs) if value)
            slot = ('cpuid', leaf, subleaf)
        if listed not in self._listed_ids:
            self._listed_ids[listed] = len(self._listed_ids)
        self._listed_id.append(self._listed_ids[listed])
        self.numbers[content] = len(self.items)
        self.items.append(items)
        self.slot.append(slot)
        self.listed.append(listed)
        self.text.append(text)

    def msr_index(self, index_list):
        """The KVM MSR index list as a set of numbers (hosts of one kernel share it)."""
        index_list = tuple(index_list)
        if index_list not in self._msr_indexes:
            self._msr_indexes[index_list] = frozenset(int(index, 16) for index in index_list)
        return self._msr_indexes[index_list]

    def registers(self, numbers):
        """``{('cpuid', leaf, subleaf, reg) or ('msr', index, 0, ''): value}`` of a group's entries;
        a later entry of the same register wins, as with one dict.update per entry."""
        return dict(itertools.chain.from_iterable(map(self.items.__getitem__, numbers)))


def _first_twice(slots):
    seen = set()
    for slot in slots:
        if slot in seen:
            return slot
        seen.add(slot)
    return None


def _parse_msr(content):
    """``(items, slot)`` of one MSR given as ``(index, value)``; a zero value fills no register."""
    index, value = content
    if int(value, 16):
        return ((('msr', int(index, 16), 0, ''), int(value, 16)),), ('msr', int(index, 16))
    return (), ('msr', index)

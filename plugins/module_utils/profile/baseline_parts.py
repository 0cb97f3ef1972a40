# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host baselines as sets of numbered parts, each the baseline's registers of one CPUID (leaf,
sub-leaf) or one MSR.

``profile.merge.host_baseline`` masks every register of a host. Distinct hosts of one model still
share most of their entries, so here each distinct entry of ``facts.entry_table.EntryTable`` is masked once
and a host's baseline is the set of its entries' parts: work per distinct entry, not per host and
register. A part holds every register of its slot that the baseline has, so two hosts have equal
baselines exactly when they have equal sets of parts.
"""

import itertools

from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.merge import (
    component_plan, host_baseline, merged_masks,
)

# The part number of a slot without merged bits; no baseline holds it.
EMPTY = 0


class BaselineParts:
    """The parts of the hosts of one vendor whose entries are numbered by ``entries``."""

    def __init__(self, vendor, entries):
        self.vendor = vendor
        self.entries = entries
        self.masks = merged_masks(vendor)
        self.plan = component_plan(vendor)
        self.items = []                 # part number -> ((register key, value), ...), sorted by key
        self.numbers = {}               # the reverse
        self.component = {}             # part number -> state component, for per-component sub-leaves
        self.of_entry = []              # entry number -> part number
        # Entry number -> number of the bits of its items that ComponentPlan.supported reads (0:
        # none): hosts that differ in other bits share the work of finding their usable components.
        self.support_of = []
        self._support_numbers = {(): 0}
        self._support_items = [()]
        self._supported = {}            # support numbers of a host -> its usable components
        self._number(())                # EMPTY

    def _number(self, items):
        number = self.numbers.get(items)
        if number is None:
            number = self.numbers[items] = len(self.items)
            self.items.append(items)
            first, last = self.plan.subleaves
            if items and items[0][0][:2] == self.plan.leaf_key and first <= items[0][0][2] <= last:
                self.component[number] = items[0][0][2]
        return number

    def _add_entries(self):
        masks, support_masks = self.masks, self.plan.support_masks
        for items in self.entries.items[len(self.of_entry):]:
            masked = tuple((key, value & masks.get(key, 0)) for key, value in items if value & masks.get(key, 0))
            support = tuple((key, value & support_masks[key]) for key, value in items
                            if value & support_masks.get(key, 0))
            if support not in self._support_numbers:
                self._support_numbers[support] = len(self._support_items)
                self._support_items.append(support)
            self.support_of.append(self._support_numbers[support])
            self.of_entry.append(self._number(masked))

    def host(self, view):
        """The frozenset of part numbers of the baseline of ``view`` (one of this vendor)."""
        if len(self.of_entry) < len(self.entries.items):
            self._add_entries()
        entries = view.entries[0]
        if len(view.entries) > 1 or len(set(map(self.entries.slot.__getitem__, entries))) < len(entries):
            # Several CPU groups to meet, or entries overriding each other: the register way.
            return self.split(host_baseline(view).registers)
        support = tuple(filter(None, map(self.support_of.__getitem__, entries)))
        if support not in self._supported:
            # Each slot has one entry here, so these items are the host's registers that count.
            self._supported[support] = self.plan.supported(dict(itertools.chain.from_iterable(
                map(self._support_items.__getitem__, support))))
        supported = self._supported[support]
        parts = set(map(self.of_entry.__getitem__, entries))
        parts.discard(EMPTY)
        for number in self.component.keys() & parts:
            if self.component[number] not in supported:
                parts.discard(number)
        return frozenset(parts)

    def split(self, registers):
        """The frozenset of part numbers of baseline ``registers``."""
        slots = itertools.groupby(sorted(registers.items()), key=lambda item: item[0][:3])
        return frozenset(self._number(tuple(items)) for slot, items in slots)

    def registers(self, parts):
        """The baseline registers of a set of parts."""
        return dict(itertools.chain.from_iterable(map(self.items.__getitem__, parts)))

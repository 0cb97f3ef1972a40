# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The facts of many hosts validated and checked one by one, each reading the entries it shares
with the hosts before it once.

A facts document is mostly CPUID entries (64 and more per CPU group), and hosts of one model list
equal entries in one order. ``facts.entry_table.EntryTable`` reads a list as its difference from
the last list of the same model; here an entry equal to the one at its place there (equal keys,
equal values) is known to match the schema, because that one did, so jsonschema-rs sees only the
rest of the document: its entry lists with every entry left out but their lengths kept (the
schema with the entry definitions accepting anything), then each entry the table found fresh.
That is exactly the schema: the entry definitions are used as array items only. Whatever this
does not accept goes to ``schemas.validate``, whose message names the place, as for a lone document.

An accepted list becomes the last of its model, so a list is trusted only while every document
before it was accepted or valid: a reader whose ``read`` raised is discarded with the run it belongs to.
"""

import copy
from operator import itemgetter

from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.entry_table import EntryTable, model_of
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.facts_check import check_facts_consistent
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.schemas import (
    HOST_FACTS, fast_accepts, fast_validator, load_schema, validate,
)

_ENTRY_DEFINITIONS = {'cpuid_entry': False, 'kvm_cpuid_entry': True}  # definition -> KVM entries
_FLAGS = itemgetter('flags')
_VALIDATORS = []


def _validators():
    """``(skeleton validator, {with KVM flags: (entry validator, number of its keys)})``, or None
    without jsonschema-rs. An entry has every key it may have (``required`` lists them all)."""
    if not _VALIDATORS:
        schema = load_schema(HOST_FACTS)
        skeleton = copy.deepcopy(schema)
        for definition in _ENTRY_DEFINITIONS:
            skeleton['$defs'][definition] = True
        entries = {with_flags: (fast_validator({'$defs': schema['$defs'], '$ref': '#/$defs/%s' % definition}),
                                len(schema['$defs'][definition]['required']))
                   for definition, with_flags in _ENTRY_DEFINITIONS.items()}
        _VALIDATORS.append(None if entries[False][0] is None else (fast_validator(skeleton), entries))
    return _VALIDATORS[0]


class FactsReader:
    """Reads facts documents of one run; ``table`` holds their entries, numbered."""

    def __init__(self):
        self.table = EntryTable()
        self._valid = set()                # entry numbers of entries the entry schema accepted

    def read(self, facts, what):
        """Refuse ``facts`` (named ``what`` in the message) unless it matches the facts schema and
        agrees with itself (``facts_check.check_facts_consistent``)."""
        if not self._accepted(facts):
            validate(facts, HOST_FACTS, what)
        check_facts_consistent(facts, what, self.table)

    def _accepted(self, facts):
        """Whether the fast way finds ``facts`` valid; False also for what it cannot read."""
        validators = _validators()
        if validators is None:
            return False
        skeleton_validator, entry_validators = validators
        lists = []
        skeleton = dict(facts)
        raw = facts.get('raw_cpuid')
        if isinstance(raw, dict) and isinstance(raw.get('groups'), list):
            skeleton['raw_cpuid'] = dict(raw, groups=[_without_entries(group, 'cpuid', False, lists)
                                                      for group in raw['groups']])
        if 'kvm' in facts:
            skeleton['kvm'] = _without_entries(facts['kvm'], 'supported_cpuid', True, lists)
        if not fast_accepts(skeleton_validator, skeleton):
            return False
        try:
            model = model_of(facts)
            for entries, with_flags in lists:
                if with_flags and not set(map(type, map(_FLAGS, entries))) <= {int}:
                    return False  # True equals 1 but is no JSON integer (1.0 is one: the thorough way takes it)
                read = self.table.cpuid(entries, with_flags, model)
                for position in read.fresh:
                    if not self._valid_entry(entries[position], read.numbers[position], entry_validators, with_flags):
                        return False
        except (KeyError, TypeError, ValueError, AttributeError):
            return False  # an entry that is not one; the schema says where
        return True

    def _valid_entry(self, entry, number, entry_validators, with_flags):
        """Whether ``entry`` (numbered ``number``) matches its schema. It has every key of its content
        (else it had no number); with no other key, it is valid when one of equal content was."""
        validator, keys = entry_validators[with_flags]
        if number in self._valid and len(entry) == keys:
            return True
        if fast_accepts(validator, entry):
            self._valid.add(number)
            return True
        return False


def _without_entries(holder, key, with_flags, lists):
    """``holder`` with its list ``key`` of entries replaced by as many None, and that list added to
    ``lists``; ``holder`` itself when it has no such list (the schema then says what is wrong)."""
    if isinstance(holder, dict) and isinstance(holder.get(key), list):
        lists.append((holder[key], with_flags))
        return dict(holder, **{key: [None] * len(holder[key])})
    return holder

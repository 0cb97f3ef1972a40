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
That is exactly the schema: the entry definitions are used as array items only, and only lists
are read this way. Whatever this does not accept goes to ``schemas.validate``, whose message names
the place, as for a lone document.

A list becomes the last of its model only once its document matched the schema, so the lists read
against are valid whatever came before. The facts must not change while their reader lives (one
run): a list read again is taken to be the one read before.
"""

import copy
from operator import itemgetter

from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.entry_table import EntryTable, model_of
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.facts_check import check_facts_consistent
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.host_view import check_facts_version
from ansible_collections.vmcpu.profiles.plugins.plugin_utils.schemas import (
    HOST_FACTS, fast_accepts, fast_validator, load_schema, validate,
)

_ENTRY_DEFINITIONS = {'cpuid_entry': False, 'kvm_cpuid_entry': True}  # definition -> KVM entries
_FLAGS = itemgetter('flags')
_NOT_A_LIST = object()
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

    def read(self, name, facts, what):
        """Refuse the facts of host ``name`` (named ``what`` in the message) unless they are a facts
        document of this collection's layout (``host_view.check_facts_version``) that matches the
        facts schema and agrees with itself (``facts_check.check_facts_consistent``)."""
        check_facts_version(name, facts)
        if not self._accepted(facts):
            validate(facts, HOST_FACTS, what)
        check_facts_consistent(facts, what, self.table)

    def _accepted(self, facts):
        """Whether the fast way finds ``facts`` valid; False also for what it cannot read. Its entry
        lists become the last of their model only when it is."""
        validators = _validators()
        if validators is None:
            return False
        skeleton_validator, entry_validators = validators
        skeleton, lists = _skeleton(facts)
        if skeleton is None or not fast_accepts(skeleton_validator, skeleton):
            return False
        reads = []
        try:
            model = model_of(facts)
            for entries, with_flags in lists:
                if with_flags and not set(map(type, map(_FLAGS, entries))) <= {int}:
                    return False  # True equals 1 but is no JSON integer (1.0 is one: the thorough way takes it)
                read = self.table.cpuid(entries, with_flags, model, remember=False)
                for position in read.fresh:
                    if not self._valid_entry(entries[position], read.numbers[position], entry_validators, with_flags):
                        return False
                reads.append((entries, with_flags, read))
        except (KeyError, TypeError, ValueError, AttributeError):
            return False  # an entry that is not one; the schema says where
        for entries, with_flags, read in reads:
            self.table.remember(entries, with_flags, model, read)
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


def _skeleton(facts):
    """``(skeleton, [(entry list, with KVM flags)])``: ``facts`` with each entry list replaced by as
    many None, and those lists; skeleton None when a place of entry lists holds anything but a list
    (jsonschema-rs reads a tuple as an array, whose entries would then go unchecked)."""
    lists = []
    skeleton = dict(facts)
    raw = facts.get('raw_cpuid')
    if isinstance(raw, dict) and 'groups' in raw:
        if not isinstance(raw['groups'], list):
            return None, lists
        groups = [_without_entries(group, 'cpuid', False, lists) for group in raw['groups']]
        if _NOT_A_LIST in groups:
            return None, lists
        skeleton['raw_cpuid'] = dict(raw, groups=groups)
    if 'kvm' in facts:
        skeleton['kvm'] = _without_entries(facts['kvm'], 'supported_cpuid', True, lists)
        if skeleton['kvm'] is _NOT_A_LIST:
            return None, lists
    return skeleton, lists


def _without_entries(holder, key, with_flags, lists):
    """``holder`` with its list ``key`` of entries replaced by as many None, and that list added to
    ``lists``; ``holder`` itself when it has no ``key`` or is no mapping (the schema says what is
    wrong); ``_NOT_A_LIST`` when ``key`` holds anything but a list."""
    if not isinstance(holder, dict) or key not in holder:
        return holder
    if not isinstance(holder[key], list):
        return _NOT_A_LIST
    lists.append((holder[key], with_flags))
    skeleton = dict(holder)
    skeleton[key] = [None] * len(holder[key])
    return skeleton

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The field tables are sane: no overlap, no gap, unique names, valid kinds and dependencies."""

import re

import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import Kind, Policy, VENDORS
from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.table import (
    REGISTERS, fields_for, registers_for,
)

NAME = re.compile(r'^[a-z0-9][a-z0-9_]*$')  # Linux's names may start with a digit (3dnow)


def _register_id(register):
    first, last = register.subleaves
    return '%s %#x sub-leaves %d..%d %s (%s)' % (
        register.source, register.leaf, first, last, register.register, '/'.join(register.vendors))


@pytest.mark.parametrize('register', REGISTERS, ids=_register_id)
def test_every_bit_is_in_exactly_one_field(register):
    owner = [None] * register.width
    for f in register.fields:
        assert 0 <= f.first_bit <= f.last_bit < register.width, '%s: bits out of range' % f.name
        for bit in range(f.first_bit, f.last_bit + 1):
            assert owner[bit] is None, 'bit %d is in both %s and %s' % (bit, owner[bit], f.name)
            owner[bit] = f.name
    gaps = [bit for bit, name in enumerate(owner) if name is None]
    assert not gaps, 'bits %s are neither a field nor reserved' % gaps


@pytest.mark.parametrize('register', REGISTERS, ids=_register_id)
def test_rows_are_well_formed(register):
    assert register.source in ('cpuid', 'msr')
    assert register.vendors and set(register.vendors) <= set(VENDORS)
    if register.source == 'cpuid':
        assert register.register in ('eax', 'ebx', 'ecx', 'edx') and register.width == 32
        assert 0 <= register.subleaves[0] <= register.subleaves[1]
    else:
        assert register.register == '' and register.width == 64
    for f in register.fields:
        assert NAME.match(f.name), f.name
        assert f.kind in Kind.ALL, '%s: kind %r' % (f.name, f.kind)
        assert f.policy in Policy.ALL, '%s: policy %r' % (f.name, f.policy)
        assert f.description.strip(), '%s has no description' % f.name
        assert 0 <= f.static_value < 1 << f.width, '%s: static value does not fit' % f.name


@pytest.mark.parametrize('vendor', VENDORS)
def test_no_two_registers_cover_the_same_place(vendor):
    seen = {}
    for register in registers_for(vendor):
        for subleaf in range(register.subleaves[0], register.subleaves[1] + 1):
            key = (register.source, register.leaf, subleaf, register.register)
            assert key not in seen, '%s and %s overlap' % (_register_id(seen[key]), _register_id(register))
            seen[key] = register


@pytest.mark.parametrize('vendor', VENDORS)
def test_names_are_unique_per_vendor(vendor):
    names = {}
    for register in registers_for(vendor):
        for f in register.fields:
            if f.kind == Kind.RESERVED:
                continue
            assert f.name not in names, '%s is defined at %s and at %s' % (f.name, names[f.name], f.location)
            names[f.name] = f.location


@pytest.mark.parametrize('vendor', VENDORS)
def test_dependencies_exist_and_have_no_cycle(vendor):
    fields = fields_for(vendor)
    for f in fields.values():
        for dependency in f.depends:
            assert dependency in fields, '%s depends on unknown field %s (%s)' % (f.name, dependency, vendor)
    state = {}

    def visit(name, path):
        if state.get(name) == 'done':
            return
        assert state.get(name) != 'active', 'dependency cycle: %s' % ' -> '.join(path + [name])
        state[name] = 'active'
        for dependency in fields[name].depends:
            visit(dependency, path + [name])
        state[name] = 'done'

    for name in fields:
        visit(name, [])


def test_location_is_written_as_people_read_it():
    avx512f = fields_for('intel')['avx512f']
    assert avx512f.location == 'CPUID.(0x7,0).EBX[16]'
    assert avx512f.mask == 1 << 16

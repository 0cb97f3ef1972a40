# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Leaf enumeration and per-CPU masking, checked against real CPUs recorded in dumps."""

import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_leaves import (
    EXTENDED_BASE, HYPERVISOR_BASE, enumerate_cpuid, mask_per_cpu,
)
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.dump_import import load_dump

ZERO = (0, 0, 0, 0)


def _walked_range(leaves, leaf):
    """Whether ``leaf`` lies in a range the enumeration walks, judged from the dump's own max leaves."""
    basic_max = leaves[(0, 0)][0]
    extended_max = leaves.get((EXTENDED_BASE, 0), ZERO)[0]
    hypervisor = leaves.get((1, 0), ZERO)[2] >> 31 & 1
    if leaf <= basic_max:
        return True
    if EXTENDED_BASE <= leaf <= extended_max:
        return True
    return bool(hypervisor) and HYPERVISOR_BASE <= leaf < HYPERVISOR_BASE + 0x100


def test_enumeration_finds_every_non_empty_leaf_of_real_cpus(shared_dir, dump_paths):
    """Replaying a real CPU, the walk visits every leaf/sub-leaf that holds data in its ranges.

    The dump tools enumerate by their own rules (libvirt keeps zero terminators, AIDA64 lists
    sub-leaves of disabled features); entries they hold that are all zero may be skipped, entries
    with data may not.
    """
    assert dump_paths, 'no dumps under %s' % shared_dir
    for path in dump_paths:
        dump = load_dump(str(path))
        for cpu, leaves in dump.cpus.items():
            walked = enumerate_cpuid(lambda leaf, subleaf: leaves.get((leaf, subleaf), ZERO))
            missed = sorted((leaf, subleaf) for (leaf, subleaf), regs in leaves.items()
                            if regs != ZERO and _walked_range(leaves, leaf)
                            and (leaf, subleaf) not in walked)
            assert not missed, '%s CPU %d: leaves with data not enumerated: %s' % (
                path.name, cpu, ['%#x.%d' % key for key in missed])


def test_enumeration_follows_subleaf_rules():
    """A synthetic CPU exercising each kind of sub-leaf rule once."""
    regs = {
        (0x0, 0): (0x1F, 0, 0, 0),
        (0x4, 0): (0x121, 0, 0, 0), (0x4, 1): (0x122, 0, 0, 0), (0x4, 2): (0x143, 0, 0, 0),
        (0x7, 0): (2, 0, 0, 0),
        (0xB, 0): (1, 2, 0x100, 0), (0xB, 1): (4, 8, 0x201, 0),
        (0xD, 0): (0x207, 0, 0, 0), (0xD, 1): (0xF, 0, 0x1800, 0),
        (0x10, 0): (0, 0b1010, 0, 0),
    }
    walked = enumerate_cpuid(lambda leaf, subleaf: regs.get((leaf, subleaf), ZERO))
    assert sorted(s for leaf, s in walked if leaf == 0x4) == [0, 1, 2]            # type 0 ends, dropped
    assert sorted(s for leaf, s in walked if leaf == 0x7) == [0, 1, 2]            # max in EAX
    assert sorted(s for leaf, s in walked if leaf == 0xB) == [0, 1, 2]            # level type 0 kept
    assert sorted(s for leaf, s in walked if leaf == 0xD) == [0, 1, 2, 9, 11, 12]  # XCR0 | XSS bits
    assert sorted(s for leaf, s in walked if leaf == 0x10) == [0, 1, 3]           # EBX bitmap
    assert not any(HYPERVISOR_BASE <= leaf < EXTENDED_BASE for leaf, subleaf in walked)  # no hypervisor bit


def test_hypervisor_range_only_with_hypervisor_bit():
    regs = {(0x0, 0): (1, 0, 0, 0), (0x1, 0): (0, 0, 1 << 31, 0),
            (HYPERVISOR_BASE, 0): (HYPERVISOR_BASE + 1, 0x4B4D564B, 0x564B4D56, 0x4D)}
    walked = enumerate_cpuid(lambda leaf, subleaf: regs.get((leaf, subleaf), ZERO))
    assert (HYPERVISOR_BASE + 1, 0) in walked


@pytest.mark.parametrize('leaf, subleaf, per_cpu_bits', [
    (0x1, 0, {1: 0xFF000000}),                        # CPUID.1:EBX[31:24] initial APIC ID
    (0x6, 0, {3: 0xFFFF0000}),                        # CPUID.6:EDX[31:16] hardware feedback row
    (0xB, 1, {3: 0xFFFFFFFF}),                        # CPUID.B:EDX x2APIC ID, any sub-leaf
    (0x1F, 0, {3: 0xFFFFFFFF}),
    (0x8000001E, 0, {0: 0xFFFFFFFF, 1: 0xFF, 2: 0xFF}),  # AMD ext. APIC ID, core ID, node ID
    (0x7, 0, {}),                                     # feature flags are never per-CPU
])
def test_per_cpu_bits_are_masked_and_others_kept(leaf, subleaf, per_cpu_bits):
    masked = mask_per_cpu({(leaf, subleaf): (0xFFFFFFFF,) * 4})[(leaf, subleaf)]
    assert masked == tuple(0xFFFFFFFF & ~per_cpu_bits.get(reg, 0) for reg in range(4))

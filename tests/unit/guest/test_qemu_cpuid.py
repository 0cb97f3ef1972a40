# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CPUID dumper guest (tests/guest): its output is what the virtual CPU answers."""

import struct

import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_leaves import enumerate_cpuid
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.dump_import import load_dump


@pytest.fixture(scope='module')
def guest(guest_tool):
    return guest_tool


@pytest.fixture(scope='module')
def elf(guest, tmp_path_factory):
    return guest.build_guest(str(tmp_path_factory.mktemp('guest')))


def test_vendor_and_brand_are_the_models(guest, elf, tmp_path):
    entries = guest.boot(elf, 'EPYC-Rome-v2')[0]
    vendor = struct.pack('<III', *(entries[(0, 0)][i] for i in (1, 3, 2))).decode()
    assert vendor == 'AuthenticAMD'
    brand = b''.join(struct.pack('<4I', *entries[(leaf, 0)]) for leaf in (0x80000002, 0x80000003, 0x80000004))
    assert brand.rstrip(b'\0').decode().strip() == 'AMD EPYC-Rome Processor'
    path = tmp_path / 'rome.cpuid'
    path.write_text(guest.raw_dump(entries, enumerate_cpuid))
    dump = load_dump(str(path))
    assert dump.method == 'cpuid_raw' and list(dump.cpus) == [0]
    # The dump holds exactly the entries the collection's enumeration walks, with the guest's values.
    walked = enumerate_cpuid(lambda leaf, subleaf: entries.get((leaf, subleaf), (0, 0, 0, 0)))
    assert dump.cpus[0] == walked


def test_the_cpu_option_changes_what_the_guest_sees(guest, elf):
    # Haswell has AVX2 (CPUID.(7,0).EBX[5]), Westmere does not; both are Intel.
    haswell = guest.boot(elf, 'Haswell-v4')[0]
    westmere = guest.boot(elf, 'Westmere-v2')[0]
    assert haswell[(7, 0)][1] >> 5 & 1 == 1
    assert westmere[(0, 0)][0] < 7 or westmere[(7, 0)][1] >> 5 & 1 == 0


def test_output_without_the_end_mark_is_refused(guest):
    with pytest.raises(guest.GuestError, match='stopped after 28 bytes without its end mark'):
        guest.decode(struct.pack('<6I', 0, 0, 1, 2, 3, 4) + b'\x01\x00\x00\x00', 'x')


def test_an_unknown_model_is_a_clear_error(guest, elf):
    with pytest.raises(guest.GuestError, match='QEMU -cpu No-Such-Model exited with 1'):
        guest.boot(elf, 'No-Such-Model')

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The naming rule of feature fields (docs/docsite/rst/profiles.rst, "Feature names"), checked
against the names the Linux kernel gives CPUID bits (tests/unit/data/linux_cpufeatures.txt, facts
from its arch/x86/include/asm/cpufeatures.h): a one-bit field is named as /proc/cpuinfo prints the
bit, or, for a bit Linux defines without printing, as Linux's X86_FEATURE_ macro in lower case."""

from pathlib import Path

import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.index import FORMER_NAMES, field_index

DATA = Path(__file__).resolve().parents[3] / 'data' / 'linux_cpufeatures.txt'
# Linux's word number -> the CPUID register it is (the header's own comments).
WORDS = {0: (0x1, 0, 'edx'), 1: (0x80000001, 0, 'edx'), 4: (0x1, 0, 'ecx'), 6: (0x80000001, 0, 'ecx'),
         9: (0x7, 0, 'ebx'), 10: (0xD, 1, 'eax'), 12: (0x7, 1, 'eax'), 13: (0x80000008, 0, 'ebx'),
         14: (0x6, 0, 'eax'), 15: (0x8000000A, 0, 'edx'), 16: (0x7, 0, 'ecx'), 17: (0x80000007, 0, 'ebx'),
         18: (0x7, 0, 'edx'), 19: (0x8000001F, 0, 'eax'), 20: (0x80000021, 0, 'eax')}


def _linux_bits():
    """``[(leaf, subleaf, register, bit, name, printed)]`` of the data file."""
    bits = []
    for line in DATA.read_text().splitlines():
        if line.strip() and not line.startswith('#'):
            word, bit, name = line.split()
            bits.append(WORDS[int(word)] + (int(bit), name.lstrip('-'), not name.startswith('-')))
    return bits


@pytest.mark.parametrize('vendor', ['intel', 'amd'])
def test_feature_names_follow_linux(vendor):
    index = field_index(vendor)
    checked, wrong = 0, []
    for leaf, subleaf, register, bit, name, printed in _linux_bits():
        f = next(iter(index.fields_at(leaf, subleaf, register, bit)), None)
        if f is None or f.width != 1:
            continue  # a bit the other vendor's table leaves reserved
        checked += 1
        if f.name != name:
            wrong.append('%s is CPUID.(%#x,%d).%s[%d], which Linux %s %s' % (
                f.name, leaf, subleaf, register.upper(), bit, 'prints as' if printed else 'calls X86_FEATURE_', name))
    assert not wrong, wrong
    assert checked > 200


def test_former_names_still_resolve():
    for vendor in ('intel', 'amd'):
        index = field_index(vendor)
        for former, current in FORMER_NAMES.items():
            if current in index.by_name:
                assert index.resolve(former) == current and former not in index.by_name

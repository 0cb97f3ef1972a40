# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Editing Proxmox VE's cpu-models.conf: the model's section is replaced or added, every other byte
stays, the same section twice changes nothing, and files Proxmox would read with warnings are refused
naming file and line."""

import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.proxmox_config import (
    section_name, sections, with_cpu_model)

OURS = 'cpu-model: fleet\n\tflags -kvm_pv_unhalt;+vmx\n\tlevel 22\n\tphys-bits 46\n\treported-model Skylake-Server-v5\n\n'
# As an operator (or qemu-server's own tests) may write it: comments, four-space indents, a model with no keys.
OTHERS = ('\n# "qemu64" is also a default CPU name\ncpu-model: qemu64\n    reported-model athlon\n'
          '    flags +aes;+avx;-kvm_pv_unhalt\n    hv-vendor-id testvend\n    phys-bits 40\n\ncpu-model: alldefault\n\n')
# As Proxmox writes it through its API: tab indents, sorted keys, an empty line after each section.
WRITTEN = 'cpu-model: epyc\n\tflags +aes\n\treported-model EPYC-Rome\n\n'


def test_added_at_the_end_and_nothing_else_changes():
    after = with_cpu_model(OTHERS, OURS, 'cpu-models.conf')
    assert after == OTHERS + OURS.rstrip('\n') + '\n'
    assert sorted(sections(after, 'f')) == ['alldefault', 'fleet', 'qemu64']


def test_added_to_an_empty_or_missing_file():
    assert with_cpu_model('', OURS, 'f') == OURS.rstrip('\n') + '\n'


def test_a_file_without_the_final_empty_line_gets_one_before_the_new_model():
    # Without the empty line Proxmox would read our header as a (bad) line of the model above.
    before = 'cpu-model: epyc\n\treported-model EPYC-Rome\n'
    after = with_cpu_model(before, OURS, 'f')
    assert after == before + '\n' + OURS.rstrip('\n') + '\n'
    assert sorted(sections(after, 'f')) == ['epyc', 'fleet']
    no_newline = with_cpu_model(before.rstrip('\n'), OURS, 'f')
    assert no_newline == after


@pytest.mark.parametrize('before', [
    OTHERS + 'cpu-model: fleet\n\treported-model Broadwell\n\n' + WRITTEN,
    WRITTEN + 'cpu-model: fleet\n\treported-model Broadwell\n',
    'cpu-model: fleet\n\treported-model Broadwell\n# a comment inside\n\tlevel 13\n\n' + OTHERS,
])
def test_the_model_is_replaced_in_place(before):
    after = with_cpu_model(before, OURS, 'f')
    start, end = sections(before, 'f')['fleet']
    lines = before.split('\n')
    assert after.split('\n')[:start] == lines[:start]
    assert after.count('cpu-model: fleet\n') == 1 and 'Broadwell' not in after
    # Every other model reads back the same.
    assert {k: v for k, v in sections(after, 'f').items() if k != 'fleet'}.keys() == \
        {k for k in sections(before, 'f') if k != 'fleet'}
    assert with_cpu_model(after, OURS, 'f') == after


def test_same_section_twice_changes_nothing():
    once = with_cpu_model(OTHERS + WRITTEN, OURS, 'f')
    assert with_cpu_model(once, OURS, 'f') == once
    # Proxmox rewriting the file (an empty line after each model) keeps it unchanged for us too.
    rewritten = once + '\n'
    assert with_cpu_model(rewritten, OURS, 'f') == rewritten


@pytest.mark.parametrize('text, message', [
    ('reported-model athlon\n', r"^/etc/pve/virtual-guest/cpu-models\.conf line 1: 'reported-model athlon' is outside any "
                                r'model and not a "cpu-model: NAME" line; Proxmox VE would ignore it\. Fix the file first\.$'),
    ('cpu-model: a\n\tlevel 1\nflags +aes\n',
     r"line 3: 'flags \+aes' is not a property line of model a \(an indented \"key value\"\); Proxmox VE would ignore it"),
    ('cpu-model: a\n\tlevel 1\n\tlevel 2\n', r'line 3: model a sets level twice\. Fix the file first\.$'),
    ('vm: a\n\tlevel 1\n', r"line 1: section type 'vm', where Proxmox VE reads only 'cpu-model' sections"),
    ('cpu-model: a\n\ncpu-model: b\n\ncpu-model: a\n', r'line 5: model a is defined a second time \(first at line 1\)'),
    ('cpu-model: a b\n', r"line 1: 'cpu-model: a b' is outside any model"),
    # Perl keeps the CR in the line: Proxmox would swallow the next model into this one.
    ('cpu-model: a\r\n\tlevel 1\r\n\r\ncpu-model: b\r\n', r'line 1 holds a carriage return or another line-end character'),
    # Python's \s would take these for blanks, Perl's does not.
    ('cpu-model: a\n\x1clevel 1\n', r"line 2: '\\x1clevel 1' is not a property line of model a"),
])
def test_files_proxmox_would_read_with_warnings_are_refused(text, message):
    with pytest.raises(VmcpuError, match=message):
        with_cpu_model(text, OURS, '/etc/pve/virtual-guest/cpu-models.conf')


@pytest.mark.parametrize('section, count', [('', 0), (OURS + WRITTEN, 2)])
def test_the_section_must_define_one_model(section, count):
    with pytest.raises(VmcpuError, match=r'^the section must define exactly one CPU model, it defines %d\.$' % count):
        section_name(section)

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Put one custom CPU model into Proxmox VE's ``cpu-models.conf``, leaving every other model as it was.

The file is a Proxmox section config, read as ``PVE::SectionConfig`` reads it: comment lines
(``#`` after optional blanks) count nowhere; a section starts with ``TYPE: ID`` and goes on with
indented ``key value`` lines up to the first empty line. The model's section is the managed part:
Proxmox rewrites the whole file when a model is edited through its API or web interface and drops
comments, so marker comments would not survive, while the section (named by the model) does.

A file Proxmox would read with warnings - a line that is neither a header nor a property, a
property outside a section, a section type other than ``cpu-model``, a model defined twice - is
refused, naming the file and line: writing into it could change models the operator did not ask about.
"""

import re

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError

# PVE::SectionConfig's patterns, with Perl's \s (space, tab, and the line ends a line cannot hold).
HEADER = re.compile(r'^([^ \t]+):[ \t]*([^ \t]+)[ \t]*$')
PROPERTY = re.compile(r'^[ \t]+([^ \t]+)([ \t]+(.*[^ \t]))?[ \t]*$')
COMMENT = re.compile(r'^[ \t]*#')
SECTION_TYPE = 'cpu-model'


def sections(text, path):
    """``{model: (first line, end line)}`` of ``text`` (line indices; ``end`` is the empty line that
    ends the section, or the line count). ``VmcpuError`` naming ``path`` and the line for anything
    Proxmox would skip or warn about."""
    lines = text.split('\n')
    found, current, keys = {}, None, set()
    for number, line in enumerate(lines, 1):
        if '\r' in line or '\f' in line or '\v' in line:
            raise VmcpuError('%s line %d holds a carriage return or another line-end character, which Proxmox VE reads '
                             'as part of the line: save the file with plain line ends first.' % (path, number))
        if COMMENT.match(line):
            continue
        if current is not None:
            if line == '':
                found[current] = (found[current][0], number - 1)
                current = None
                continue
            match = PROPERTY.match(line)
            if not match:
                raise VmcpuError('%s line %d: %r is not a property line of model %s (an indented "key value"); '
                                 'Proxmox VE would ignore it. Fix the file first.' % (path, number, line, current))
            if match.group(1) in keys:
                raise VmcpuError('%s line %d: model %s sets %s twice. Fix the file first.'
                                 % (path, number, current, match.group(1)))
            keys.add(match.group(1))
            continue
        if line == '':
            continue
        match = HEADER.match(line)
        if not match:
            raise VmcpuError('%s line %d: %r is outside any model and not a "cpu-model: NAME" line; Proxmox VE '
                             'would ignore it. Fix the file first.' % (path, number, line))
        kind, model = match.groups()
        if kind != SECTION_TYPE:
            raise VmcpuError('%s line %d: section type %r, where Proxmox VE reads only %r sections. Fix the file first.'
                             % (path, number, kind, SECTION_TYPE))
        if model in found:
            raise VmcpuError('%s line %d: model %s is defined a second time (first at line %d). Fix the file first.'
                             % (path, number, model, found[model][0] + 1))
        found[model] = (number - 1, len(lines))
        current, keys = model, set()
    return found


def section_name(section, path='the section'):
    """The model ``section`` (one section's text, as the export writes it) defines."""
    found = sections(section, path)
    if len(found) != 1:
        raise VmcpuError('%s must define exactly one CPU model, it defines %d.' % (path, len(found)))
    return next(iter(found))


def with_cpu_model(text, section, path):
    """``text`` (the file's content) with the model of ``section`` replaced by it, or added at the end;
    every other line stays as it was."""
    name = section_name(section)
    found = sections(text, path)
    new = section.rstrip('\n').split('\n')
    lines = text.split('\n')
    if name in found:
        start, end = found[name]
        result = lines[:start] + new + (lines[end:] if end < len(lines) else [''])
    else:
        kept = lines[:-1] if lines and lines[-1] == '' else lines
        # An empty line ends the section before; a file without one would read the header as its property.
        separator = [''] if kept and kept[-1] != '' else []
        result = kept + separator + new + ['']
    joined = '\n'.join(result)
    return joined if joined.endswith('\n') else joined + '\n'

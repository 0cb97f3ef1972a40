# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``libvirt_xml`` dump format: libvirt cputestdata, ``<cpudata arch='x86'>`` with ``<cpuid .../>`` and
``<msr .../>`` elements; it describes one logical CPU, numbered 0.

``dump_import.load_dump`` tells the format and checks what the parser read. Standard library only.
"""

import re
import xml.parsers.expat

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import DumpFormatError
from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.dump_formats.parsing import Ledger, cpu_ledger, quote

_HEX32 = re.compile(r'(?:0[xX])?[0-9a-fA-F]{1,8}\Z')


def parse(path, lines):
    """Parse libvirt cputestdata XML; returns ({0: ledger}, {msr index: value}).

    expat rather than ElementTree because messages need the line of each element.
    """
    cpus = {}
    msrs = Ledger(path, 'the dump', None)
    parser = xml.parsers.expat.ParserCreate()
    open_elements = []

    def attributes(name, attrs, wanted):
        # Each a 32-bit register as libvirt writes it ('0x0000000d'): no sign, no more than 8 digits.
        values = [attrs.get(attr, '') for attr in wanted]
        if all(_HEX32.match(value) for value in values):
            return [int(value, 16) for value in values]
        given = ' '.join("%s='%s'" % item for item in sorted(attrs.items()))
        raise DumpFormatError(path, '<%s> needs attributes %s, each a 32-bit hexadecimal number (0x and at most 8 '
                                    'digits), got %s' % (name, ', '.join(wanted), quote(given)),
                              parser.CurrentLineNumber)

    def start_element(name, attrs):
        number = parser.CurrentLineNumber
        if not open_elements:
            if name != 'cpudata':
                raise DumpFormatError(path, 'XML root element is <%s>, not libvirt cputestdata '
                                            '<cpudata>' % name, number)
            if attrs.get('arch', 'x86') != 'x86':
                raise DumpFormatError(path, "cputestdata is for arch '%s'; only x86 is supported"
                                      % attrs['arch'], number)
            cpu_ledger(path, cpus, 0, number)
        elif open_elements != ['cpudata']:
            raise DumpFormatError(path, 'unexpected <%s> inside <%s>' % (name, open_elements[-1]),
                                  number)
        elif name == 'cpuid':
            leaf, subleaf, eax, ebx, ecx, edx = attributes(
                name, attrs, ('eax_in', 'ecx_in', 'eax', 'ebx', 'ecx', 'edx'))
            cpus[0].put((leaf, subleaf), (eax, ebx, ecx, edx), number)
        elif name == 'msr':
            index, edx, eax = attributes(name, attrs, ('index', 'edx', 'eax'))
            msrs.put(index, (edx << 32) | eax, number)
        else:
            raise DumpFormatError(path, 'unexpected element <%s>, cputestdata has only <cpuid> and '
                                        '<msr>' % name, number)
        open_elements.append(name)

    def end_element(_name):
        open_elements.pop()

    def character_data(data):
        if data.strip():
            raise DumpFormatError(path, 'garbage text %s between elements' % quote(data),
                                  parser.CurrentLineNumber)

    def refuse_entities(*_args):
        # cputestdata never declares entities; refusing them rules out entity-expansion bombs
        # in a parser that may run as root.
        raise DumpFormatError(path, 'XML entity declarations are not accepted in cputestdata',
                              parser.CurrentLineNumber)

    parser.StartElementHandler = start_element
    parser.EndElementHandler = end_element
    parser.CharacterDataHandler = character_data
    parser.EntityDeclHandler = refuse_entities
    try:
        parser.Parse('\n'.join(lines), True)
    except xml.parsers.expat.ExpatError as exc:
        raise DumpFormatError(path, 'not well-formed XML (%s); the file is truncated or corrupt'
                              % xml.parsers.expat.errors.messages[exc.code], exc.lineno) from None
    return cpus, msrs.values, None

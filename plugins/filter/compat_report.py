# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter compat_junit: the per-host results of check_compat.yml as JUnit XML for CI servers."""

import xml.etree.ElementTree as ET

from ansible.errors import AnsibleFilterError


def _text(value):
    # XML 1.0 cannot carry most control characters; CI parsers reject the whole file for one.
    return ''.join(ch if ch in '\t\n\r' or ord(ch) >= 0x20 else '?' for ch in str(value))


def compat_junit(results, profile_name):
    """JUnit XML: one ``testsuite`` for the profile, one ``testcase`` per host.

    A host the check refused gets a ``failure`` whose text is its reasons, one per line; a host the
    check could not run on (no facts, unreadable dump) gets an ``error`` with the message.
    """
    if not isinstance(results, list) or not all(isinstance(r, dict) and 'host' in r for r in results):
        raise AnsibleFilterError('vmcpu.profiles.compat_junit: expected a list of per-host results '
                                 'with a "host" key, got %r.' % (results,))
    # No error is None (ansible-core >= 2.19) or '' (older ones render a templated none as '').
    failures = sum(1 for r in results if not r.get('error') and not r.get('compatible'))
    errors = sum(1 for r in results if r.get('error'))
    suites = ET.Element('testsuites', name='vmcpu.profiles check_compat', tests=str(len(results)),
                        failures=str(failures), errors=str(errors))
    suite = ET.SubElement(suites, 'testsuite', name='compat %s' % _text(profile_name), tests=str(len(results)),
                          failures=str(failures), errors=str(errors), skipped='0')
    for result in sorted(results, key=lambda r: str(r['host'])):
        case = ET.SubElement(suite, 'testcase', name=_text(result['host']),
                             classname='vmcpu.compat.%s' % _text(profile_name), time='0')
        if result.get('error'):
            node = ET.SubElement(case, 'error', message=_text(result['error']), type='check_error')
            node.text = _text(result['error'])
        elif not result.get('compatible'):
            reasons = [_text(reason) for reason in result.get('reasons') or ['incompatible']]
            node = ET.SubElement(case, 'failure', message=reasons[0], type='incompatible')
            node.text = '\n'.join(reasons)
        if result.get('summary'):
            ET.SubElement(case, 'system-out').text = _text(result['summary'])
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding='unicode') + '\n'


class FilterModule:
    def filters(self):
        return {'compat_junit': compat_junit}

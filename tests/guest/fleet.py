# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The test fleet of the integration targets and the molecule scenario: one dump per host name.

    python tests/guest/fleet.py FOLDER [--source shared|qemu] [--shared SHARED]

writes ``FOLDER/fleet.json`` (``{"source": ..., "dumps": {host: path}, "odd_feature": ...,
"epyc_feature": ...}``) and prints the same as shell assignments (``skylake_dump=...``) for ``eval``.

Two sources. ``shared`` (the default when ``SHARED/testdata/cpuid/libvirt`` exists) names real CPU
dumps of ../shared. ``qemu`` makes the dumps now: the guest CPUID dumper booted under TCG with
``-cpu <model>`` of the installed QEMU (``qemu_cpuid.py``), so a clone without ../shared tests the
same playbooks on data of its own (``FEATURES`` says which features set hosts apart on each).
"""

import argparse
import json
import os
import shlex
import sys
import xml.etree.ElementTree as ET

import qemu_cpuid

# host: (dump in ../shared/testdata/cpuid/libvirt, QEMU CPU model)
HOSTS = {
    'skylake': ('x86_64-cpuid-Xeon-Gold-6152.xml', 'Skylake-Server-v4'),
    'cascadelake': ('x86_64-cpuid-Xeon-Platinum-8268.xml', 'Cascadelake-Server-v4'),
    'icelake': ('x86_64-cpuid-Ice-Lake-Server.xml', 'Icelake-Server-v6'),
    'broadwell': ('x86_64-cpuid-Xeon-E5-2650-v4.xml', 'Broadwell-v4'),
    'naples': ('x86_64-cpuid-EPYC-7601-32-Core.xml', 'EPYC-v3'),
    'milan': ('x86_64-cpuid-EPYC-7713-64-Core.xml', 'EPYC-Milan-v1'),
}
# Features that set hosts apart, each checked in the dumps' own CPUID.7.0:EBX (Intel SDM vol. 2A and
# AMD APM vol. 3, CPUID leaf 7) before a test relies on it, per source: (name, bit, hosts that have
# it, hosts that lack it). TCG leaves out what it cannot emulate (AVX-512 among it), so the feature
# that sets the odd host, broadwell, apart from the Xeon members is avx512f on the real CPUs and
# clwb under TCG; Zen 1 (naples) lacks CLWB, Zen 3 (milan) has it, on both.
FEATURES = {
    'odd_feature': {'shared': ('avx512f', 16), 'qemu': ('clwb', 24),
                    'with': ('skylake', 'cascadelake', 'icelake'), 'without': ('broadwell',)},
    'epyc_feature': {'shared': ('clwb', 24), 'qemu': ('clwb', 24), 'with': ('milan',), 'without': ('naples',)},
}


class FleetError(Exception):
    pass


def shared_fleet(shared):
    libvirt = os.path.join(shared, 'testdata', 'cpuid', 'libvirt')
    dumps = {host: os.path.join(libvirt, name) for host, (name, _model) in HOSTS.items()}
    leaf7_ebx = {}
    for host, path in dumps.items():
        cpuid = ET.parse(path).getroot().find("cpuid[@eax_in='0x00000007'][@ecx_in='0x00']")
        if cpuid is None:
            raise FleetError('%s has no CPUID leaf 7' % path)
        leaf7_ebx[host] = int(cpuid.get('ebx'), 16)
    return dumps, leaf7_ebx


def qemu_fleet(folder):
    from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_leaves import enumerate_cpuid
    elf = qemu_cpuid.build_guest(folder)
    dumps, leaf7_ebx = {}, {}
    for host, (_name, model) in HOSTS.items():
        entries, _warnings = qemu_cpuid.boot(elf, model)
        dumps[host] = os.path.join(folder, '%s.%s.cpuid' % (host, model))
        with open(dumps[host], 'w') as stream:
            stream.write(qemu_cpuid.raw_dump(entries, enumerate_cpuid))
        leaf7_ebx[host] = entries[(7, 0)][1]
    return dumps, leaf7_ebx


def make_fleet(folder, source, shared):
    os.makedirs(folder, exist_ok=True)
    dumps, leaf7_ebx = shared_fleet(shared) if source == 'shared' else qemu_fleet(folder)
    fleet = {'source': source, 'dumps': dumps,
             'models': {host: (HOSTS[host][0] if source == 'shared' else HOSTS[host][1]) for host in HOSTS}}
    for variable, check in sorted(FEATURES.items()):
        feature, bit = check[source]
        wrong = [host for host in check['with'] if not leaf7_ebx[host] >> bit & 1] + \
            [host for host in check['without'] if leaf7_ebx[host] >> bit & 1]
        if wrong:
            raise FleetError('the %s fleet does not tell %s from %s by %s as the tests expect (CPUID.7.0:EBX[%d] '
                             'is wrong on %s)' % (source, '/'.join(check['with']), '/'.join(check['without']),
                                                  feature, bit, ', '.join(wrong)))
        fleet[variable] = feature
    with open(os.path.join(folder, 'fleet.json'), 'w') as stream:
        json.dump(fleet, stream, indent=2, sort_keys=True)
    return fleet


def main(argv):
    parser = argparse.ArgumentParser(description='Write the test fleet of the integration targets.')
    parser.add_argument('folder')
    parser.add_argument('--source', choices=('shared', 'qemu'))
    parser.add_argument('--shared', default='')
    options = parser.parse_args(argv)
    source = options.source or (
        'shared' if options.shared and os.path.isdir(os.path.join(options.shared, 'testdata', 'cpuid', 'libvirt'))
        else 'qemu')
    try:
        fleet = make_fleet(options.folder, source, options.shared)
    except (FleetError, qemu_cpuid.GuestError, OSError) as exc:
        sys.exit('fleet.py: %s' % exc)
    print('fleet_source=%s' % shlex.quote(fleet['source']))
    for variable in sorted(FEATURES):
        print('%s=%s' % (variable, shlex.quote(fleet[variable])))
    for host, path in sorted(fleet['dumps'].items()):
        print('%s_dump=%s' % (host, shlex.quote(path)))


if __name__ == '__main__':
    main(sys.argv[1:])

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host fingerprint: the software and firmware state that changes what CPUID and KVM report.

A profile records each host's fingerprint digest; when a later check sees another digest, the host's
kernel, microcode, BIOS or KVM settings changed since, and the gate re-checks it.
"""

import glob
import hashlib
import json
import os
import platform

from ansible_collections.vmcpu.profiles.plugins.module_utils.version import COLLECTION_VERSION

# KVM module parameters that change the CPUID or MSRs KVM offers to guests. Parameters that only
# tune performance (halt polling, MMU caching...) are left out: they would report drift that does
# not matter to a migration.
KVM_PARAMETERS = {
    'kvm': ('enable_pmu', 'ignore_msrs', 'mitigate_smt_rsb'),
    'kvm_intel': ('nested', 'ept', 'unrestricted_guest', 'enable_apicv', 'enable_ipiv', 'pt_mode',
                  'vmentry_l1d_flush', 'allow_smaller_maxphyaddr'),
    'kvm_amd': ('nested', 'npt', 'avic', 'vgif', 'vls', 'lbrv', 'vnmi', 'sev', 'sev_es', 'sev_snp'),
}

DMI_FIELDS = {'vendor': 'bios_vendor', 'version': 'bios_version', 'date': 'bios_date'}


def _read_text(path):
    try:
        with open(path) as handle:
            return handle.read().strip()
    except OSError:
        return None


def read_microcode(proc_cpuinfo='/proc/cpuinfo'):
    """Microcode revision(s) as the kernel reports them; several values mean a mixed update."""
    revisions = set()
    text = _read_text(proc_cpuinfo) or ''
    for line in text.splitlines():
        key, separator, value = line.partition(':')
        if separator and key.strip() == 'microcode':
            revisions.add(value.strip())
    if not revisions:
        return None
    return ','.join(sorted(revisions))


def read_kvm_parameters(sys_module='/sys/module'):
    params = {}
    for module, names in KVM_PARAMETERS.items():
        for name in names:
            value = _read_text(os.path.join(sys_module, module, 'parameters', name))
            if value is not None:
                params['%s.%s' % (module, name)] = value
    return params


def read_vulnerabilities(sys_vuln='/sys/devices/system/cpu/vulnerabilities'):
    return {os.path.basename(path): _read_text(path)
            for path in sorted(glob.glob(os.path.join(sys_vuln, '*')))}


def fingerprint_summary(fingerprint):
    """The parts of a fingerprint a profile keeps per host, to say what drifted later: kernel,
    microcode, BIOS and KVM parameters (the digest covers everything, vulnerabilities included)."""
    bios = fingerprint.get('bios') or {}
    return {'kernel': fingerprint.get('kernel'), 'microcode': fingerprint.get('microcode'),
            'bios_version': bios.get('version'), 'bios_date': bios.get('date'),
            'kvm_parameters': dict(fingerprint.get('kvm_parameters') or {})}


def fingerprint_digest(fingerprint):
    """sha256 of the canonical JSON of the fingerprint without its own digest."""
    content = {key: value for key, value in fingerprint.items() if key != 'digest'}
    canonical = json.dumps(content, sort_keys=True, separators=(',', ':'))
    return 'sha256:' + hashlib.sha256(canonical.encode('utf-8')).hexdigest()


def with_digest(fingerprint):
    fingerprint['digest'] = fingerprint_digest(fingerprint)
    return fingerprint


def live_fingerprint(dmi_dir='/sys/class/dmi/id'):
    """Fingerprint of the running host."""
    return with_digest({
        'kernel': platform.release(),
        'microcode': read_microcode(),
        'bios': {key: _read_text(os.path.join(dmi_dir, name)) for key, name in DMI_FIELDS.items()},
        'kvm_parameters': read_kvm_parameters(),
        'vulnerabilities': read_vulnerabilities(),
        'collection_version': COLLECTION_VERSION,
    })


def dump_fingerprint(file_sha256):
    """Fingerprint of a host described by a dump file: only the file's own digest is known."""
    return with_digest({
        'kernel': None,
        'microcode': None,
        'bios': {key: None for key in DMI_FIELDS},
        'kvm_parameters': {},
        'vulnerabilities': {},
        'collection_version': COLLECTION_VERSION,
        'dump_sha256': file_sha256,
    })

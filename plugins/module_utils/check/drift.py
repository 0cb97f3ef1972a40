# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fingerprint drift: what changed on a host (kernel, microcode, BIOS, KVM parameters, ...) since a
profile recorded its fingerprint, and how a check result says it."""


def fingerprint_drift(profile, host_name, digest, summary):
    """What changed in the host's fingerprint since the profile recorded it."""
    recorded = next((host for host in profile['provenance']['hosts']
                     if isinstance(host, dict) and host.get('name') == host_name), None)
    if recorded is None:
        return {'status': 'not_in_profile', 'changes': {}}
    if recorded.get('fingerprint_digest') == digest:
        return {'status': 'none', 'changes': {}}
    before = recorded.get('fingerprint') or {}
    changes = {}
    for key in sorted(set(before) | set(summary)):
        if key == 'kvm_parameters':
            old, new = before.get(key) or {}, summary.get(key) or {}
            for parameter in sorted(set(old) | set(new)):
                if old.get(parameter) != new.get(parameter):
                    changes['kvm_parameters.%s' % parameter] = {'profile': old.get(parameter),
                                                                'host': new.get(parameter)}
        elif before.get(key) != summary.get(key):
            changes[key] = {'profile': before.get(key), 'host': summary.get(key)}
    if not changes:
        # The digest also covers the vulnerability status and the collection version.
        changes['fingerprint_digest'] = {'profile': recorded.get('fingerprint_digest'), 'host': digest}
    return {'status': 'changed', 'changes': changes}


def drift_text(drift):
    if drift['status'] == 'none':
        return 'fingerprint unchanged since the profile was made'
    if drift['status'] == 'not_in_profile':
        return 'host was not one of the profile hosts'
    return 'fingerprint changed since the profile was made (%s)' % ', '.join(drift['changes'])

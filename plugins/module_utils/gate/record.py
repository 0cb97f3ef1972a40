# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the migration gate writes: the deployed profile's canonical text and the decision record
``migration.json`` (profile, digest, compatible, state, reasons, drift, checked_at).
Standard library only (runs on the managed node).
"""

import json

RECORD_VERSION = 1


def profile_text(profile):
    """The deployed profile: canonical, so the same profile always gives the same bytes."""
    return json.dumps(profile, indent=4, sort_keys=True) + '\n'


def vmm_file_text(text):
    """A VMM file's text as written: a text file ends with a newline, whatever a template trimmed."""
    return text if text.endswith('\n') else text + '\n'


def record_text(record):
    return json.dumps(record, indent=4, sort_keys=True) + '\n'


def new_record(profile, compatible, reasons, drift, checked_at):
    """The decision written to ``migration.json``."""
    return {
        'record_version': RECORD_VERSION,
        'profile': profile['name'],
        'digest': profile['digest'],
        'compatible': bool(compatible),
        'state': 'enabled' if compatible else 'disabled',
        'reasons': [str(reason) for reason in reasons or ()],
        'drift': drift or {'status': 'none', 'changes': {}},
        'checked_at': checked_at,
    }


def gate_document(data):
    """The JSON object a gate file (bytes or text) holds, or None when it is absent, not UTF-8, not
    JSON, nested too deeply or not an object: such a file is replaced, never trusted."""
    if not data:
        return None
    try:
        document = json.loads(data.decode('utf-8') if isinstance(data, bytes) else data)
    except (ValueError, RecursionError):
        return None
    return document if isinstance(document, dict) else None


def read_record(data):
    """The previous record, or None when absent or not a record (then it is replaced)."""
    return gate_document(data)


def keep_checked_at(previous, record):
    """``record`` with the previous ``checked_at`` when nothing else differs.

    ``checked_at`` says when the decision was last *made differently*; rewriting it on every run
    would make every run a change (and defeat idempotence checks).
    """
    if previous and 'checked_at' in previous:
        rest = dict(record, checked_at=None)
        if dict(previous, checked_at=None) == rest:
            return dict(record, checked_at=previous['checked_at'])
    return record

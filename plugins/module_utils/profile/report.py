# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A human report of a profile, in Markdown and as an HTML page: what is kept, what is dropped and by whom, and why.

The fields the hosts disagree on (the explanation) and the features that are off (``disabled``) are
each split into sections that together hold every one of them once, so the counts of the summary
line (``profile_summary``, also printed by generate_profile.yml) add up to what the sections list.
"""

from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.levels import x86_64_level
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.report_format import (
    Heading, Items, Matrix, Paragraph, Table, html, markdown)

# The sections of the fields the hosts differ on, as ``differing_fields`` returns them: (key, title).
DIFFERING_SECTIONS = (('lowered', 'Lowered because some hosts lack them'),
                      ('raised', 'Vulnerability flags set because some hosts have the bug'),
                      ('fixed', 'Set by policy or toggle where the hosts differ'))
# Why a feature is off, by the start of its reason in ``disabled`` (profile.build writes them).
OFF_SECTIONS = (
    ('disabled by', 'Off by policy or toggle'),
    ('requires', 'Off because a feature they need is off'),
    ('no kept feature uses it', 'XSAVE state components no kept feature uses'),
)


def profile_level(profile):
    """The profile's x86-64 level; a profile of an earlier release has none written, so it is read
    from its features."""
    if 'x86_64_level' in profile:
        return profile['x86_64_level']
    return x86_64_level(set(profile['features']).__contains__)


def differing_fields(profile):
    """``(lowered, raised, fixed)``: names of the fields the hosts differ on - where some hosts lowered
    the profile (below the best host), where some raised it (vulnerability flags set because some
    hosts have the bug, so the guest protects itself), and where a policy or toggle set the value
    whatever the hosts have."""
    explanation = profile['explanation']
    lowered, raised, fixed = [], [], []
    for name in sorted(name for name, entry in explanation.items() if entry['limited_by']):
        entry = explanation[name]
        if entry['profile'] != entry['merged']:
            fixed.append(name)
        elif entry['profile'] > entry['best']:
            raised.append(name)
        else:
            lowered.append(name)
    return lowered, raised, fixed


def off_features(profile):
    """``[(section title, [feature names])]`` of the features that are off, every one in one section
    (an unforeseen reason gets a section of its own rather than going unlisted)."""
    sections = {title: [] for _start, title in OFF_SECTIONS}
    for name, reason in sorted(profile['disabled'].items()):
        title = next((title for start, title in OFF_SECTIONS if reason.startswith(start)), 'Off for another reason')
        sections.setdefault(title, []).append(name)
    return list(sections.items())


def profile_summary(profile):
    """One line with the counts the report's sections list."""
    lowered, raised, fixed = differing_fields(profile)
    return ('profile %s (%s, %d hosts, %s): %d features kept, %d fields lowered by some host, %d vulnerability '
            'flags set by some host, %d fields set by policy where hosts differ, %d features off; digest %s' % (
                profile['name'], profile['vendor'], len(profile['provenance']['hosts']),
                profile_level(profile) or 'below x86-64', len(profile['features']), len(lowered), len(raised),
                len(fixed), len(profile['disabled']), profile['digest']))


def _hosts_cell(entry):
    shown = ', '.join('%s (%s)' % (host, value) for host, value in sorted(entry['limited_by'].items()))
    more = entry['limited_by_count'] - len(entry['limited_by'])
    return shown + (' and %d more' % more if more > 0 else '')


# Models named per side of the named-models section before "and N more", and terms of the best fit.
MODELS_SHOWN = 8
TERMS_SHOWN = 12
_SIDES = (('qemu', lambda side: 'QEMU %s models' % side['qemu_version'], '-cpu'),
          ('libvirt', lambda side: 'libvirt models (%s)' % side['cpu_map'], '<feature>'),
          ('bundled', lambda side: 'bundled profiles', None))


def _named_models_blocks(models):
    """The "Named CPU models" section of ``export.named_models.named_models``'s answer."""
    items = []
    for key, title, element in _SIDES:
        side = models.get(key)
        if side is None:
            continue
        if 'error' in side:
            items.append('%s: not answered (%s)' % (key, side['error']))
            continue
        fits = side['fits']
        if fits:
            shown = ', '.join('`%s`' % name for name in fits[1:MODELS_SHOWN])
            more = len(fits) - MODELS_SHOWN
            terms = side['to_profile']
            change = (' (%d %s terms from it to the profile: `%s`%s)' % (
                len(terms), element, ','.join(terms[:TERMS_SHOWN]), ', ...' if len(terms) > TERMS_SHOWN else '')
                if element and terms else '')
            also = '; also ' + shown + (' and %d more' % more if more > 0 else '') if shown else ''
            line = '%s: fits `%s` best%s%s' % (title(side), side['best'], change, also)
        else:
            line = '%s: none fits' % title(side)
        misses = []
        for miss in side['nearest_misses']:
            by_reason = {}
            for feature, reason in miss['missing'].items():
                by_reason.setdefault(reason, []).append('`%s`' % feature)
            misses.append('not `%s`: lacks %s' % (miss['model'], '; '.join(
                '%s (%s)' % (', '.join(features), reason) for reason, features in by_reason.items())))
        items.append((line, misses))
    return [Heading(2, 'Named CPU models'), Paragraph('A model fits when every host of the pool offers every feature it has.'),
            Items(items)]


def report_blocks(profile, models=None):
    """The report of ``profile`` as ``report_format`` blocks; with ``models``
    (``export.named_models.named_models`` of it), the named CPU models it can run."""
    hosts = profile['provenance']['hosts']
    explanation = profile['explanation']
    lowered, raised, fixed = differing_fields(profile)
    blocks = [
        Heading(1, 'CPU profile `%s`' % profile['name']),
        Paragraph(profile_summary(profile)),
        Items([
            'vendor: %s, identity of host `%s`' % (profile['vendor'], profile['target_host']),
            'x86-64 level: %s' % (profile_level(profile) or 'below the x86-64 baseline'),
            'guest view: %s; %d hosts; digest `%s`' % (profile['guest_view'], len(hosts), profile['digest']),
            'toggles: %s' % (', '.join(profile['provenance']['features']) or 'none'),
            'generated by vmcpu.profiles %s at %s' % (profile['provenance']['collection_version'],
                                                      profile['provenance']['generated_at']),
        ]),
        Heading(2, 'Kept features (%d)' % len(profile['features'])),
        Paragraph(', '.join('`%s`' % name for name in profile['features']) or 'none'),
    ]
    for (_key, title), names in zip(DIFFERING_SECTIONS, (lowered, raised, fixed)):
        blocks.append(Heading(2, '%s (%d)' % (title, len(names))))
        blocks.append(Table(['field', 'where', 'profile', 'best host value', 'hosts that differ from the best'], [
            ('`%s`' % name, explanation[name]['location'], explanation[name]['profile'], explanation[name]['best'],
             _hosts_cell(explanation[name])) for name in names]) if names else Paragraph('none'))
    for title, names in off_features(profile):
        blocks.append(Heading(2, '%s (%d)' % (title, len(names))))
        blocks.append(Table(['feature', 'reason'], [('`%s`' % name, profile['disabled'][name]) for name in names])
                      if names else Paragraph('none'))
    if models is not None:
        blocks += _named_models_blocks(models)
    blocks += [Heading(2, 'Hosts'), Table(['host', 'view', 'fingerprint', 'source'], [
        (host['name'], host['view'], '`%s`' % host['fingerprint_digest'][:19], host['source']) for host in hosts])]
    return blocks


def profile_report(profile, models=None):
    """Markdown text describing ``profile``; with ``models`` (``export.named_models.named_models``
    of it), the named CPU models it can run."""
    return markdown(report_blocks(profile, models))


def profile_html(profile, models=None, matrix=None):
    """A self-contained HTML page of the report; with ``matrix`` (``feature_matrix`` of the profile),
    the hosts x features matrix follows the summary."""
    blocks = report_blocks(profile, models)
    if matrix is not None:
        blocks[3:3] = [Heading(2, 'Hosts x features (%d fields the hosts differ on)' % len(matrix['rows'])),
                       Matrix(matrix, dict(DIFFERING_SECTIONS))]
    return html('CPU profile %s' % profile['name'], blocks)

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The blocks a report is made of, written out as Markdown or as one self-contained HTML page.

A report is built once as blocks (headings, paragraphs, lists, tables, and for HTML the hosts x
features matrix) and both formats are written from them, so they cannot say different things.
Text may hold `code` spans, in Markdown's backticks; HTML escapes the text first, then marks them.
The page has its style inline and no script, image or link to anything outside it: it reads the
same opened from a mail, an artifact store or a folder without network access.
"""

import html as html_text
import re
from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple, Union


@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Paragraph:
    text: str


@dataclass
class Items:
    """A bulleted list; an item is a text, or ``(text, [sub-item texts])``."""
    items: Sequence[Union[str, Tuple[str, List[str]]]]


@dataclass
class Table:
    header: Sequence[str]
    rows: Sequence[Sequence[object]]


@dataclass
class Matrix:
    """``profile.feature_matrix``'s answer and the title of each of its row sections (HTML only)."""
    matrix: dict
    section_titles: Dict[str, str]


def _markdown_items(items):
    lines = []
    for item in items.items:
        text, subitems = (item, ()) if isinstance(item, str) else item
        lines.append('- ' + text)
        lines.extend('  - ' + sub for sub in subitems)
    return '\n'.join(lines)


def _markdown_table(table):
    lines = ['| %s |' % ' | '.join(table.header), '|%s|' % '|'.join([' --- '] * len(table.header))]
    lines.extend('| %s |' % ' | '.join(str(cell) for cell in row) for row in table.rows)
    return '\n'.join(lines)


_MARKDOWN = {
    Heading: lambda block: '%s %s' % ('#' * block.level, block.text),
    Paragraph: lambda block: block.text,
    Items: _markdown_items,
    Table: _markdown_table,
}


def markdown(blocks):
    """Markdown text of ``blocks`` (a ``Matrix`` has no Markdown form)."""
    return '\n\n'.join(_MARKDOWN[type(block)](block) for block in blocks) + '\n'


_CODE_SPAN = re.compile(r'`([^`]*)`')


def _inline(text):
    return _CODE_SPAN.sub(r'<code>\1</code>', html_text.escape(str(text)))


def _anchor(text):
    """The id of a heading: its words without the count, so links to a section hold across versions."""
    words = re.sub(r' \(\d+[^)]*\)$', '', _CODE_SPAN.sub(r'\1', text))
    return re.sub(r'[^a-z0-9]+', '-', words.lower()).strip('-')


def _html_heading(block):
    if block.level == 1:
        return '<h1>%s</h1>' % _inline(block.text)
    return '<h%d id="%s">%s</h%d>' % (block.level, _anchor(block.text), _inline(block.text), block.level)


def _html_items(block):
    parts = ['<ul>']
    for item in block.items:
        text, subitems = (item, ()) if isinstance(item, str) else item
        sub = ''.join('<li>%s</li>' % _inline(entry) for entry in subitems)
        parts.append('<li>%s%s</li>' % (_inline(text), '<ul>%s</ul>' % sub if sub else ''))
    parts.append('</ul>')
    return ''.join(parts)


def _html_table(block):
    head = ''.join('<th>%s</th>' % _inline(cell) for cell in block.header)
    body = ''.join('<tr>%s</tr>' % ''.join('<td>%s</td>' % _inline(cell) for cell in row) for row in block.rows)
    return '<div class="scroll"><table><thead><tr>%s</tr></thead><tbody>%s</tbody></table></div>' % (head, body)


# How a one-bit value reads in the matrix; multi-bit fields show their number.
FLAG_MARKS = {1: '\u2713', 0: '\u2013'}
# Host names listed per column before "and N more".
COLUMN_HOSTS_SHOWN = 20


def _matrix_value(row, value):
    return FLAG_MARKS[value] if row['flag'] else str(value)


def _column_hosts(hosts):
    more = len(hosts) - COLUMN_HOSTS_SHOWN
    return ', '.join(hosts[:COLUMN_HOSTS_SHOWN]) + (' and %d more' % more if more > 0 else '')


def _hosts_count(count):
    return '1 host' if count == 1 else '%d hosts' % count


def _cell_class(row, value):
    """``best``/``below`` the best value any host has; where a policy or toggle set the profile's
    value, no host is to blame, so ``other`` rather than ``below``."""
    if value == row['best']:
        return 'best'
    return 'other' if row['section'] == 'fixed' else 'below'


def _html_matrix(block):
    matrix = block.matrix
    columns, rows = matrix['columns'], matrix['rows']
    if not rows:
        return '<p>The hosts agree on every field: no CPU of the pool holds the profile back.</p>'
    models = []
    for column in columns:
        if models and models[-1][0] == column['model']:
            models[-1][1] += 1
        else:
            models.append([column['model'], 1])
    parts = [
        '<p class="legend">A column is a kind of CPU of the pool (its hosts are listed below the table), grouped by '
        'model; a row is a field the hosts differ on, with the value the profile gives the guest first. A cell is what '
        'that CPU offers, before the policies and toggles of the profile: %s the bit is set, %s it is not, a number is '
        'the field\'s value. <span class="best">Green</span>: the best value any host has. <span class="below">Red, '
        'striped</span>: below it, so that CPU holds the profile back (for a vulnerability flag the best is the flag '
        'clear, so a red %s is a CPU with the bug). Where a policy or toggle set the profile\'s value, the other values '
        'are <span class="other">grey</span>: no host is to blame.</p>' % (FLAG_MARKS[1], FLAG_MARKS[0], FLAG_MARKS[1]),
        '<div class="scroll matrix-frame"><table class="matrix" id="feature-matrix"><thead>',
        '<tr><th rowspan="2" class="corner">field</th><th rowspan="2" class="profile">profile</th>%s</tr>' % ''.join(
            '<th colspan="%d" class="model"><span>%s</span></th>' % (span, html_text.escape(model)) for model, span in models),
        '<tr class="cpus">%s</tr></thead><tbody>' % ''.join(
            '<th class="cpu" title="%s"><a href="#cpu-%d">C%d</a><br>%d</th>' % (
                html_text.escape(_column_hosts(column['hosts']), quote=True), number, number,
                len(column['hosts'])) for number, column in enumerate(columns, 1)),
    ]
    for section, title in block.section_titles.items():
        section_rows = [row for row in rows if row['section'] == section]
        if not section_rows:
            continue
        parts.append('<tr class="section"><th colspan="%d">%s (%d)</th></tr>' % (
            len(columns) + 2, html_text.escape(title), len(section_rows)))
        for row in section_rows:
            parts.append('<tr><th class="field" title="%s"><code>%s</code></th><td class="profile">%s</td>%s</tr>' % (
                html_text.escape(row['location'], quote=True), html_text.escape(row['name']),
                _matrix_value(row, row['profile']), ''.join(
                    '<td class="%s">%s</td>' % (_cell_class(row, value), _matrix_value(row, value)) for value in row['values'])))
    parts.append('</tbody></table></div>')
    parts.append('<ol class="columns">%s</ol>' % ''.join(
        '<li id="cpu-%d"><b>C%d</b>, %s: %s: %s</li>' % (
            number, number, html_text.escape(column['model']), _hosts_count(len(column['hosts'])),
            html_text.escape(_column_hosts(column['hosts']))) for number, column in enumerate(columns, 1)))
    left_out = matrix['left_out']
    if left_out['columns']:
        parts.append('<p class="left-out">%d more kinds of CPU (%s) are not shown; every row shows the largest CPU '
                     'below its best. A table of them all would not be read: split the pool first '
                     '(playbooks/plan_pools.yml).</p>' % (left_out['columns'], _hosts_count(left_out['hosts'])))
    return ''.join(parts)


_HTML = {
    Heading: _html_heading,
    Paragraph: lambda block: '<p>%s</p>' % _inline(block.text),
    Items: _html_items,
    Table: _html_table,
    Matrix: _html_matrix,
}

_STYLE = """
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; font-size: 14px; color: #1b1b1b;
       margin: 0 auto; padding: 1em 2em; max-width: 100em; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.92em; }
p, li { overflow-wrap: anywhere; }
nav ul { columns: 3; } nav li { margin: 0.1em 0; }
.scroll { overflow: auto; max-width: 100%; }
table { border-collapse: collapse; }
th, td { border: 1px solid #d0d0d0; padding: 0.2em 0.5em; text-align: left; vertical-align: top; }
thead th { background: #f0f0f0; }
.matrix-frame { max-height: 80vh; width: fit-content; border: 1px solid #d0d0d0; }
/* Separate borders: collapsed ones are not drawn on sticky cells. */
table.matrix { border-collapse: separate; border-spacing: 0; }
table.matrix th, table.matrix td { border-width: 0 1px 1px 0; }
/* Whole-pixel rows: sticky cells on fractional offsets lose their borders. */
table.matrix { line-height: 20px; } table.matrix code { font-size: 13px; }
table.matrix td, table.matrix th.cpu { text-align: center; min-width: 2.4em; }
table.matrix tr.cpus th { position: sticky; top: 0; z-index: 2; }
table.matrix th.model { vertical-align: bottom; height: 14em; }
table.matrix th.model span { writing-mode: vertical-rl; transform: rotate(180deg); white-space: normal;
                             max-height: 14em; display: inline-block; font-weight: normal; }
table.matrix th.field, table.matrix th.corner { position: sticky; left: 0; z-index: 1; background: #fafafa;
                                                white-space: nowrap; }
table.matrix th.corner { z-index: 3; }
table.matrix tr.section th { background: #e4e8f0; text-align: left; }
td.profile { font-weight: bold; background: #fff; }
.best { background: #d3ecd5; color: #14521c; }
/* Stripes as well as colour: the two must differ for readers who do not see red and green apart. */
.below { background: #f6cccc repeating-linear-gradient(135deg, transparent 0 4px, rgba(122, 16, 16, 0.14) 4px 6px);
         color: #7a1010; font-weight: bold; }
.other { background: #e6e6e6; color: #333; }
@media print { .matrix-frame { max-height: none; overflow: visible; } }
ol.columns li { margin: 0.2em 0; }
"""


def html(title, blocks):
    """One HTML page of ``blocks`` under ``title``; a list of the sections follows the first block."""
    sections = [block.text for block in blocks if isinstance(block, Heading) and block.level == 2]
    contents = '<nav><ul>%s</ul></nav>' % ''.join('<li><a href="#%s">%s</a></li>' % (_anchor(text), _inline(text)) for text in sections)
    rendered = [_HTML[type(block)](block) for block in blocks]
    body = '\n'.join(rendered[:1] + [contents] + rendered[1:])
    return ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>%s</title>\n'
            '<style>%s</style>\n</head>\n<body>\n%s\n</body>\n</html>\n'
            % (html_text.escape(title), _STYLE, body))

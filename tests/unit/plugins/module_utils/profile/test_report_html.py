# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTML report, rendered by headless Chromium (Debian package chromium, scripts/setup.sh installs
it): a probe script added to a copy of the page reads what the browser laid out - the matrix cells
with their computed colours, the headings, the resources the page loaded, whether the page itself
overflows - and the test compares that with the profile and its matrix."""

import copy
import html
import json
import re
import shutil
import subprocess

import pytest
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import build_profile
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.feature_matrix import feature_matrix
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.report import (
    differing_fields, profile_html, profile_report, profile_summary)

# A narrow window (a phone, a side panel): the matrix is wider than the page there.
PROBE_WINDOW = (480, 1000)
SCREENSHOT_WINDOW = (1280, 1600)
PROBE = r"""
<script>
(function () {
  const all = (selector, root) => Array.from((root || document).querySelectorAll(selector));
  const table = document.getElementById('feature-matrix');
  const frame = document.querySelector('.matrix-frame');
  const result = {
    title: document.title,
    resources: performance.getEntriesByType('resource').map(entry => entry.name),
    headings: all('h2').map(h => h.textContent),
    summary: document.querySelector('nav + p').textContent,
    models: all('th.model', table).map(th => [th.textContent, th.colSpan]),
    columns: all('tr.cpus th', table).map(th => th.textContent),
    rows: all('tbody tr:not(.section)', table).map(tr => ({
      name: tr.querySelector('th.field').textContent,
      profile: tr.querySelector('td.profile').textContent,
      cells: all('td:not(.profile)', tr).map(td => [td.className, td.textContent, getComputedStyle(td).backgroundColor]),
    })),
    pageOverflow: document.documentElement.scrollWidth - window.innerWidth,
    frameHeight: frame.getBoundingClientRect().height,
    frameScrolls: frame.scrollWidth > frame.clientWidth,
    stickyField: getComputedStyle(table.querySelector('th.field')).position,
    elements: ['script', 'img', 'iframe', 'object', 'link'].map(tag => [tag, document.getElementsByTagName(tag).length]),
    columnLists: all('ol.columns li').map(li => li.textContent),
  };
  const probe = document.createElement('pre');
  probe.id = 'vmcpu-probe';
  probe.textContent = JSON.stringify(result);
  document.body.appendChild(probe);
})();
</script>
"""


@pytest.fixture(scope='module')
def chromium():
    for name in ('chromium', 'chromium-browser'):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip('chromium is not installed (Debian package chromium; scripts/setup.sh installs it)')


def _run_chromium(chromium, profile_dir, window, *arguments):
    command = [chromium, '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--hide-scrollbars',
               '--user-data-dir=%s' % profile_dir, '--window-size=%d,%d' % window] + list(arguments)
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=True).stdout


# Host names that would be markup, if the page did not escape them.
HOSTILE_NAMES = ('<img src=x onerror=alert(1)>', '<script>alert(2)</script>', 'q"uo\'te&amp;')


def _probed(chromium, folder, page):
    """What the probe saw of ``page`` in Chromium."""
    probed = folder / 'probed.html'
    probed.write_text(page.replace('</body>', PROBE + '</body>'), encoding='utf-8')
    dom = _run_chromium(chromium, folder / 'chromium', PROBE_WINDOW, '--dump-dom', probed.as_uri())
    seen = re.search(r'<pre id="vmcpu-probe">(.*?)</pre>', dom, re.S)
    assert seen, 'the probe did not run; Chromium printed:\n%s' % dom[-2000:]
    return json.loads(html.unescape(seen.group(1)))


@pytest.fixture(scope='module')
def report(xeon_generations, tmp_path_factory, chromium):
    """A Xeon pool with six identical hosts more, its profile, matrix, page and what Chromium saw of it."""
    name, facts = xeon_generations[1]
    hosts = xeon_generations + [('%s-copy%d' % (name, number), copy.deepcopy(facts)) for number in range(6)]
    profile = build_profile(hosts, 'fleet')
    matrix = feature_matrix(profile, hosts)
    page = profile_html(profile, None, matrix)
    folder = tmp_path_factory.mktemp('html-report')
    return {'profile': profile, 'matrix': matrix, 'page': page, 'folder': folder,
            'seen': _probed(chromium, folder, page)}


def test_host_names_that_look_like_markup_are_text(xeon_generations, tmp_path, chromium):
    hosts = [(name, facts) for name, (_old, facts) in zip(HOSTILE_NAMES, xeon_generations)]
    profile = build_profile(hosts, 'fleet')
    seen = _probed(chromium, tmp_path, profile_html(profile, None, feature_matrix(profile, hosts)))
    assert dict(seen['elements']) == {'script': 1, 'img': 0, 'iframe': 0, 'object': 0, 'link': 0}    # the probe's own
    assert all(any(name in text for text in seen['columnLists']) for name in HOSTILE_NAMES)


def test_a_pool_whose_hosts_agree_says_so_instead_of_an_empty_table(xeon_generations):
    profile = build_profile(xeon_generations[:1], 'one')
    page = profile_html(profile, None, feature_matrix(profile, xeon_generations[:1]))
    assert 'The hosts agree on every field' in page and 'id="feature-matrix"' not in page


def test_the_page_is_self_contained(report):
    page, seen = report['page'], report['seen']
    assert seen['resources'] == []
    assert '<script' not in page and '<link' not in page and '<img' not in page
    assert re.findall(r'(?:src|href)="([^"#][^"]*)"', page) == []
    assert seen['title'] == 'CPU profile fleet'


def test_the_matrix_chromium_lays_out_is_the_matrix(report):
    matrix, seen = report['matrix'], report['seen']
    assert [row['name'] for row in seen['rows']] == [row['name'] for row in matrix['rows']]
    assert len(seen['columns']) == len(matrix['columns']) and sum(span for _model, span in seen['models']) == len(seen['columns'])
    assert [model for model, _span in seen['models']] == list(dict.fromkeys(column['model'] for column in matrix['columns']))
    colours = {}
    for row, shown in zip(matrix['rows'], seen['rows']):
        for value, (kind, text, colour) in zip(row['values'], shown['cells']):
            # Below the best is a CPU to blame, but not where a policy or toggle set the value.
            expected = 'best' if value == row['best'] else 'other' if row['section'] == 'fixed' else 'below'
            assert kind == expected, row['name']
            assert text == ({1: '\u2713', 0: '\u2013'}[value] if row['flag'] else str(value)), row['name']
            colours.setdefault(kind, set()).add(colour)
    # Every cell of a kind is painted alike, the kinds differently, none left transparent ("other"
    # only where a policy set a field the hosts differ on, which some pools have not).
    assert {'best', 'below'} <= set(colours) <= {'best', 'below', 'other'}
    assert all(len(found) == 1 for found in colours.values()), colours
    painted = [found.pop() for found in colours.values()]
    assert len(set(painted)) == len(painted) and 'rgba(0, 0, 0, 0)' not in painted


def test_the_page_says_what_the_summary_and_the_markdown_say(report):
    profile, seen = report['profile'], report['seen']
    assert seen['summary'] == profile_summary(profile)
    markdown_headings = re.findall(r'^## (.*)$', profile_report(profile), re.M)
    assert seen['headings'] == ['Hosts x features (%d fields the hosts differ on)' % len(report['matrix']['rows'])] + \
        markdown_headings
    lowered, raised, fixed = map(len, differing_fields(profile))
    assert 'Lowered because some hosts lack them (%d)' % lowered in seen['headings']
    assert len(report['matrix']['rows']) == lowered + raised + fixed


def test_the_wide_matrix_scrolls_in_its_frame_not_the_page(report):
    seen = report['seen']
    assert seen['frameScrolls'], 'the matrix fits a %d pixel window: the test proves nothing' % PROBE_WINDOW[0]
    assert seen['pageOverflow'] <= 0 and seen['frameHeight'] > 100
    assert seen['stickyField'] == 'sticky'


def test_a_screenshot_is_drawn(report, chromium):
    """The picture looked at when the page changes (written next to the page, in pytest's temporary folder)."""
    page = report['folder'] / 'report.html'
    page.write_text(report['page'], encoding='utf-8')
    picture = report['folder'] / 'report.png'
    _run_chromium(chromium, report['folder'] / 'chromium', SCREENSHOT_WINDOW, '--screenshot=%s' % picture, page.as_uri())
    assert picture.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n' and picture.stat().st_size > 20000

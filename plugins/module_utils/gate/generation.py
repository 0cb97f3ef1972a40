# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A host's gate files change as one transaction: every run that changes anything writes a whole new
*generation* and makes it visible with one atomic rename.

Under ``<root>/etc/vmcpu``::

    generations/000007/manifest.json         what the generation holds (written last)
    generations/000007/migration.json        the decision
    generations/000007/profiles/<name>.json  the deployed profile, and its VMM files <name>.<suffix>
    current -> generations/000007            swapped by rename(2): readers see one generation or the next
    migration.json -> current/migration.json made once; the paths users and VMM configs name
    profiles -> current/profiles             made once

A generation is built in ``generations/.build-*`` (never visible), synced, renamed to its number, and
only then ``current`` is switched. A run killed at any point leaves the previous generation in place;
the next run removes what it left. A reader that needs several files of one generation resolves
``current`` once and reads below it.

What readers see through the stable names is also what the next generation starts from, so a file
edited by hand, or an old layout where ``migration.json`` and ``profiles/`` were plain files, is
shown in the diff, carried over, and then moved aside as ``<name>.<time>~`` when the gate puts its
links there. Every function here runs under the gate lock. Standard library only (managed node).
"""

import errno
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
import time

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.gate.paths import (
    CURRENT_LINK, GENERATIONS_DIR, MANIFEST_FILE, PROFILES_DIR, RECORD_FILE)
from ansible_collections.vmcpu.profiles.plugins.module_utils.gate.record import read_record
from ansible_collections.vmcpu.profiles.plugins.module_utils.gate.writer import FILE_MODE, make_dirs, read_text

MANIFEST_VERSION = 1
# The stable names readers use, each a link the gate makes into the current generation.
STABLE_NAMES = (RECORD_FILE, PROFILES_DIR)
# Generations kept: the current one and, with backups, the ones before it (the backups).
GENERATIONS_KEPT = 3
_GENERATION_NAME = re.compile(r'[0-9]{6,12}\Z')
_BUILD_PREFIX = '.build-'


class GateView:
    """What the gate holds on a host now.

    ``files``: what readers see through the stable names, by path relative to ``etc``
    (``migration.json``, ``profiles/<file>``); ``sources``: for each, the digest of the profile it was
    made from (None when unknown); ``generation``: the current generation's name, or None;
    ``generation_files``: that generation's files; ``foreign``: stable names that are not the gate's
    link (absent, a plain file or folder left by an older version, or edited by hand).
    """

    def __init__(self, etc):
        self.etc = etc
        self.generation = None
        self.generation_files = {}
        self.files = {}
        self.sources = {}
        self.foreign = {}

    def display_path(self, relpath):
        return os.path.join(self.etc, relpath)


def read_view(etc):
    """The ``GateView`` of the gate folder ``etc``; never follows a link the gate did not make."""
    view = GateView(etc)
    view.generation = _current_generation(etc)
    generation_sources = {}
    if view.generation:
        folder = _generation_path(etc, view.generation)
        view.generation_files = _read_tree(folder)
        generation_sources = _manifest_sources(folder)
    foreign_files = {}
    for name in STABLE_NAMES:
        kind = _stable_kind(etc, name)
        if kind == 'gate_link':
            view.files.update((relpath, text) for relpath, text in view.generation_files.items()
                              if _under(relpath, name))
            continue
        view.foreign[name] = kind
        if kind == 'file':
            foreign_files[name] = read_text(os.path.join(etc, name))
        elif kind == 'folder':
            foreign_files.update((PROFILES_DIR + '/' + file_name, text)
                                 for file_name, text in _read_folder(os.path.join(etc, name)).items())
    view.files.update(foreign_files)
    record = read_record(view.files.get(RECORD_FILE))
    record_digest = record.get('digest') if record and isinstance(record.get('digest'), str) else None
    for relpath in view.files:
        # Files of an older layout were written with the record they sit next to.
        view.sources[relpath] = generation_sources.get(relpath) if relpath not in foreign_files else record_digest
    return view


def next_files(view, profile_name, profile_digest, updates):
    """The files of the next generation: what readers see now, with ``updates`` ({relpath: (text,
    source digest)}) replacing or adding files. VMM files of ``profile_name`` that this run does not
    write are kept only when they were made from ``profile_digest``, so a generation never holds a
    profile next to VMM files of another version of it. Returns ``(files, sources)``."""
    files, sources = {}, {}
    export_prefix = '%s/%s.' % (PROFILES_DIR, profile_name)
    profile_relpath = '%s/%s.json' % (PROFILES_DIR, profile_name)
    for relpath, text in view.files.items():
        stale_export = (relpath.startswith(export_prefix) and relpath != profile_relpath
                        and view.sources.get(relpath) != profile_digest)
        if not stale_export:
            files[relpath], sources[relpath] = text, view.sources.get(relpath)
    for relpath, (text, source) in updates.items():
        files[relpath], sources[relpath] = text, source
    return files, sources


def commit(module, view, files, sources, result, created_at):
    """Make ``files`` what readers see, as one new generation when the content differs.

    Fills ``result['diff']`` (one entry per file that differs from what readers see) and
    ``result['backup_files']``; in check mode writes nothing. Returns whether anything changed.
    """
    for relpath in sorted(set(view.files) | set(files)):
        before, after = view.files.get(relpath), files.get(relpath)
        if before != after:
            path = view.display_path(relpath)
            result['diff'].append({'before_header': path if before is not None else '%s (absent)' % path,
                                   'after_header': path if after is not None else '%s (removed)' % path,
                                   'before': before or '', 'after': after or ''})
    new_generation = view.generation is None or view.generation_files != files
    changed = bool(result['diff']) or new_generation or bool(view.foreign)
    if module.check_mode:
        return changed or (not new_generation and _fix_attributes(module, view, sorted(files)))
    _remove_leftovers(view.etc, view.generation)
    if new_generation:
        previous = view.generation
        view.generation = _publish(module, view.etc, files, sources, created_at)
        if previous and module.params['backup']:
            old = _generation_path(view.etc, previous)
            result['backup_files'].extend(os.path.join(old, relpath) for relpath in sorted(view.generation_files)
                                          if files.get(relpath) != view.generation_files[relpath])
    else:
        changed = _fix_attributes(module, view, sorted(files)) or changed
    for name in sorted(view.foreign):
        aside = _place_link(view.etc, name, view.foreign[name])
        if aside:
            result['backup_files'].append(aside)
    _prune(view.etc, view.generation, GENERATIONS_KEPT if module.params['backup'] else 1)
    result['generation'] = _generation_path(view.etc, view.generation)
    return changed


def _under(relpath, name):
    return relpath == name or relpath.startswith(name + '/')


def _generation_path(etc, name):
    return os.path.join(etc, GENERATIONS_DIR, name)


def _current_generation(etc):
    """The name of the generation ``current`` points to, or None when there is none yet."""
    path = os.path.join(etc, CURRENT_LINK)
    try:
        target = os.readlink(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.EINVAL:
            raise VmcpuError('%s is not the link the gate makes; remove it (the gate then rebuilds it from what '
                             'migration.json and profiles/ show).' % path) from None
        raise VmcpuError('cannot read the link %s: %s.' % (path, exc.strerror)) from None
    folder, name = os.path.split(target)
    if folder != GENERATIONS_DIR or not _GENERATION_NAME.match(name) or \
            not os.path.isfile(os.path.join(etc, GENERATIONS_DIR, name, MANIFEST_FILE)):
        raise VmcpuError('%s points to %r, not to a complete generation in %s; remove it (the gate then rebuilds '
                         'it from what migration.json and profiles/ show).'
                         % (path, target, os.path.join(etc, GENERATIONS_DIR)))
    return name


def _stable_kind(etc, name):
    """``gate_link``, ``absent``, ``file`` or ``folder`` for the stable name ``name``; anything else
    (a link the gate did not make, a FIFO, a device) is refused."""
    path = os.path.join(etc, name)
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return 'absent'
    if stat.S_ISLNK(mode):
        if os.readlink(path) == os.path.join(CURRENT_LINK, name):
            return 'gate_link'
        raise VmcpuError('%s is a symbolic link the gate did not make (it points to %r); remove it (the gate '
                         'then puts its own link there).' % (path, os.readlink(path)))
    if stat.S_ISREG(mode) and name == RECORD_FILE:
        return 'file'
    if stat.S_ISDIR(mode) and name == PROFILES_DIR:
        return 'folder'
    raise VmcpuError('%s is not a regular %s; remove it (the gate then puts its own link there).'
                     % (path, 'file' if name == RECORD_FILE else 'folder'))


def _read_folder(folder):
    """{file name: text} of the regular files in ``folder`` with plain names (no leading dot, no
    backup ``~``): links, folders and temporary files are not the gate's and are skipped."""
    files = {}
    try:
        entries = sorted(os.listdir(folder))
    except FileNotFoundError:
        return files
    except OSError as exc:
        raise VmcpuError('cannot list %s: %s.' % (folder, exc.strerror)) from None
    for entry in entries:
        path = os.path.join(folder, entry)
        if entry.startswith('.') or entry.endswith('~') or not stat.S_ISREG(os.lstat(path).st_mode):
            continue
        files[entry] = read_text(path)
    return files


def _read_tree(folder):
    """The files of the generation ``folder`` by path relative to it."""
    files = {}
    record = read_text(os.path.join(folder, RECORD_FILE))
    if record is not None:
        files[RECORD_FILE] = record
    files.update((PROFILES_DIR + '/' + name, text)
                 for name, text in _read_folder(os.path.join(folder, PROFILES_DIR)).items())
    return files


def _manifest_sources(folder):
    text = read_text(os.path.join(folder, MANIFEST_FILE))
    try:
        entries = json.loads(text)['files']
        return {relpath: entry.get('profile_digest') for relpath, entry in entries.items()}
    except (ValueError, TypeError, KeyError, AttributeError):
        return {}  # a damaged manifest: the files are still read, their origin is unknown


def _publish(module, etc, files, sources, created_at):
    """Build the generation of ``files`` and switch ``current`` to it; returns its name."""
    generations = os.path.join(etc, GENERATIONS_DIR)
    make_dirs(generations)
    try:
        build = tempfile.mkdtemp(prefix=_BUILD_PREFIX, dir=generations)
    except OSError as exc:
        raise VmcpuError('cannot create a folder in %s: %s.' % (generations, exc.strerror or exc)) from None
    try:
        os.chmod(build, 0o755)
        os.mkdir(os.path.join(build, PROFILES_DIR), 0o755)
        manifest = {'manifest_version': MANIFEST_VERSION, 'created_at': created_at, 'files': {}}
        for relpath in sorted(files):
            data = files[relpath].encode('utf-8')
            _write_new_file(module, os.path.join(build, relpath), data)
            manifest['files'][relpath] = {'sha256': hashlib.sha256(data).hexdigest(),
                                          'profile_digest': sources.get(relpath)}
        _write_new_file(module, os.path.join(build, MANIFEST_FILE),
                        (json.dumps(manifest, indent=4, sort_keys=True) + '\n').encode('utf-8'))
        _sync_folder(os.path.join(build, PROFILES_DIR))
        _sync_folder(build)
        name = _next_name(generations)
        os.rename(build, os.path.join(generations, name))
        _sync_folder(generations)
    except OSError as exc:
        shutil.rmtree(build, ignore_errors=True)
        raise VmcpuError('cannot write the new generation in %s: %s; nothing was changed.'
                         % (generations, exc.strerror or exc)) from None
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    _swap_link(etc, CURRENT_LINK, os.path.join(GENERATIONS_DIR, name))
    return name


def _write_new_file(module, path, data):
    """Create ``path`` (it must not exist; never through a link), write ``data``, sync it, and give it
    the gate's mode and owner."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(handle, 'wb') as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    file_args = module.load_file_common_arguments({'mode': FILE_MODE, 'owner': module.params['owner']}, path=path)
    module.set_fs_attributes_if_different(file_args, False)


def _sync_folder(path):
    handle = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _next_name(generations):
    numbered = _numbered(generations)
    return '%06d' % (int(numbered[-1]) + 1 if numbered else 1)


def _swap_link(etc, name, target):
    """Point the link ``etc/name`` at ``target`` with one rename (a new link under a fresh name first)."""
    for _attempt in range(100):
        temp = os.path.join(etc, '.%s.%s.tmp' % (name, os.urandom(6).hex()))
        try:
            os.symlink(target, temp)
            break
        except FileExistsError:
            continue
        except OSError as exc:
            raise VmcpuError('cannot create a link in %s: %s.' % (etc, exc.strerror)) from None
    else:
        raise VmcpuError('cannot find a free temporary name in %s.' % etc)
    try:
        os.rename(temp, os.path.join(etc, name))
        _sync_folder(etc)
    except OSError as exc:
        os.unlink(temp)
        raise VmcpuError('cannot replace %s: %s.' % (os.path.join(etc, name), exc.strerror)) from None


def _place_link(etc, name, kind):
    """Put the gate's link at the stable name ``name``; what was there (``kind``) is moved aside first
    and its new path returned (None when nothing was there). A plain file is replaced in one rename
    (after a hard link keeps it as ``<name>.<time>~``); a folder is renamed aside, then the link made."""
    path = os.path.join(etc, name)
    aside = None
    if kind != 'absent':
        aside = '%s.%s~' % (path, time.strftime('%Y%m%dT%H%M%SZ', time.gmtime()))
        try:
            if kind == 'file':
                os.link(path, aside)
            else:
                os.rename(path, aside)
        except OSError as exc:
            raise VmcpuError('cannot move %s aside to %s: %s.' % (path, aside, exc.strerror)) from None
    _swap_link(etc, name, os.path.join(CURRENT_LINK, name))
    return aside


def _fix_attributes(module, view, relpaths):
    """Mode and owner of the current generation's files (also in check mode: it only reports)."""
    changed = False
    folder = _generation_path(view.etc, view.generation)
    for relpath in relpaths:
        path = os.path.join(folder, relpath)
        file_args = module.load_file_common_arguments({'mode': FILE_MODE, 'owner': module.params['owner']},
                                                      path=path)
        changed = module.set_fs_attributes_if_different(file_args, False) or changed
    return changed


def _remove_leftovers(etc, current):
    """Remove what killed runs left: half-built generations, generations numbered after ``current``
    (built, but killed before ``current`` was switched) and temporary links."""
    generations = os.path.join(etc, GENERATIONS_DIR)
    if current:
        for entry in _numbered(generations):
            if int(entry) > int(current):
                shutil.rmtree(os.path.join(generations, entry), ignore_errors=True)
    for folder, prefixes in ((generations, (_BUILD_PREFIX,)),
                             (etc, tuple('.%s.' % name for name in (CURRENT_LINK,) + STABLE_NAMES))):
        try:
            entries = os.listdir(folder)
        except FileNotFoundError:
            continue
        for entry in entries:
            if not entry.startswith(prefixes):
                continue
            path = os.path.join(folder, entry)
            if entry.startswith(_BUILD_PREFIX) and stat.S_ISDIR(os.lstat(path).st_mode):
                shutil.rmtree(path, ignore_errors=True)
            elif entry.endswith('.tmp') and not stat.S_ISDIR(os.lstat(path).st_mode):
                os.unlink(path)  # a link is removed itself, never followed


def _numbered(generations):
    """The generations in ``generations`` by number, oldest first."""
    try:
        entries = os.listdir(generations)
    except FileNotFoundError:
        return []
    return sorted((entry for entry in entries if _GENERATION_NAME.match(entry)), key=int)


def _prune(etc, current, kept):
    """Keep ``current`` and the ``kept - 1`` generations before it; remove older ones."""
    generations = os.path.join(etc, GENERATIONS_DIR)
    older = [entry for entry in _numbered(generations) if int(entry) < int(current)]
    for entry in older[:max(len(older) - (kept - 1), 0)]:
        shutil.rmtree(os.path.join(generations, entry), ignore_errors=True)

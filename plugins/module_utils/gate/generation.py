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
``current`` once and reads below it; the generation before the current one is always kept, so such
a reader is not cut off by the next switch.

What readers see through the stable names is also what the next generation starts from. When a
stable name is not the gate's link (a plain ``migration.json`` and ``profiles/`` folder of an older
version, or a file edited by hand), what it shows is first published as a generation of its own and
the link put in its place (a folder is swapped for the link with one ``renameat2(RENAME_EXCHANGE)``
where the kernel has it), so readers never see a mix; what was there is kept as ``<name>.<time>~``.

The manifest names, for every file, the profile it belongs to and the digest it was made from, so a
profile ``fleet`` never takes the files of a profile ``fleet.v2``. Every function here runs under
the gate lock and never follows a link it did not make. Standard library only (managed node).
"""

import ctypes
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
from ansible_collections.vmcpu.profiles.plugins.module_utils.gate.record import gate_document
from ansible_collections.vmcpu.profiles.plugins.module_utils.gate.writer import FILE_MODE, make_dirs, read_gate_file

MANIFEST_VERSION = 1
# The stable names readers use, each a link the gate makes into the current generation.
STABLE_NAMES = (RECORD_FILE, PROFILES_DIR)
# Generations kept: the current one and the ones before it, which are the backups (with backup) or
# only there for readers still reading the previous one (without).
KEPT_WITH_BACKUP = 3
KEPT_WITHOUT_BACKUP = 2
FOLDER_MODE = 0o755
_GENERATION_NAME = re.compile(r'[0-9]{6,}\Z')
_BUILD_PREFIX = '.build-'


class GateView:
    """What the gate holds on a host now.

    ``files``: the bytes readers see through the stable names, by path relative to ``etc``
    (``migration.json``, ``profiles/<file>``); ``owners``: for each, ``(profile name, digest it was made
    from)`` (either None when unknown); ``generation``: the current generation's name, or None;
    ``generation_files``: that generation's files; ``foreign``: stable names that are not the gate's
    link, by what is there (``absent``, ``file``, ``folder``); ``skipped``: entries of a foreign
    folder that are not plain files and so are not carried over.
    """

    def __init__(self, etc):
        self.etc = etc
        self.generation = None
        self.generation_files = {}
        self.files = {}
        self.owners = {}
        self.foreign = {}
        self.skipped = []

    def display_path(self, relpath):
        return os.path.join(self.etc, relpath)

    def profile_names(self):
        """Names of the profiles readers see deployed: ``profiles/<name>.json`` holding a profile of that
        name (a VMM file such as ``<name>.cpuid.json`` is JSON too, but not a profile)."""
        prefix, suffix = PROFILES_DIR + '/', '.json'
        names = set()
        for relpath, data in self.files.items():
            if relpath.startswith(prefix) and relpath.endswith(suffix):
                name = relpath[len(prefix):-len(suffix)]
                if (gate_document(data) or {}).get('name') == name:
                    names.add(name)
        return names


def read_view(etc):
    """The ``GateView`` of the gate folder ``etc``."""
    view = GateView(etc)
    _check_folder(os.path.join(etc, GENERATIONS_DIR))
    view.generation = _current_generation(etc)
    recorded = {}
    if view.generation:
        folder = _generation_path(etc, view.generation)
        view.generation_files = _read_tree(folder)
        recorded = _manifest_owners(folder)
    foreign_files = {}
    for name in STABLE_NAMES:
        kind = _stable_kind(etc, name)
        if kind == 'gate_link':
            view.files.update((relpath, data) for relpath, data in view.generation_files.items()
                              if _under(relpath, name))
            continue
        view.foreign[name] = kind
        if kind == 'file':
            foreign_files[name] = read_gate_file(os.path.join(etc, name))
        elif kind == 'folder':
            files, view.skipped = _read_folder(os.path.join(etc, name))
            foreign_files.update((PROFILES_DIR + '/' + file_name, data) for file_name, data in files.items())
    view.files.update(foreign_files)
    record = gate_document(view.files.get(RECORD_FILE))
    record_digest = record.get('digest') if record and isinstance(record.get('digest'), str) else None
    deployed = view.profile_names()
    for relpath in view.files:
        if relpath in recorded and relpath not in foreign_files:
            view.owners[relpath] = recorded[relpath]
        else:
            # Files of an older layout were written with the record they sit next to.
            view.owners[relpath] = (_owner_by_name(relpath, deployed), record_digest)
    return view


def next_files(view, profile_name, profile_digest, updates):
    """The files of the next generation: what readers see now, with ``updates`` ({relpath: bytes}, all
    of ``profile_name`` made from ``profile_digest``) replacing or adding files. VMM files of
    ``profile_name`` that this run does not write are kept only when they were made from
    ``profile_digest``, so a generation never holds a profile next to VMM files of another version
    of it. A file of another profile is never replaced. Returns ``(files, owners)``."""
    files, owners = {}, {}
    profile_file = '%s/%s.json' % (PROFILES_DIR, profile_name)
    for relpath, data in view.files.items():
        owner, digest = view.owners[relpath]
        stale_export = owner == profile_name and relpath != profile_file and digest != profile_digest
        if not stale_export:
            files[relpath], owners[relpath] = data, view.owners[relpath]
    for relpath, data in updates.items():
        owner = view.owners.get(relpath, (profile_name, None))[0]
        if relpath != RECORD_FILE and owner not in (profile_name, None):
            raise VmcpuError('%s belongs to the deployed profile %s; profile %s cannot write it (choose another '
                             'file name).' % (view.display_path(relpath), owner, profile_name))
        files[relpath], owners[relpath] = data, (profile_name, profile_digest)
    return files, owners


def commit(module, view, files, owners, result, created_at):
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
                                   'before': _shown(before), 'after': _shown(after)})
    if view.skipped:
        module.warn('%s holds entries that are not plain files (%s); they are not carried into the gate\'s '
                    'generations and stay in the folder it is moved aside to.'
                    % (view.display_path(PROFILES_DIR), ', '.join(view.skipped)))
    changed = bool(result['diff']) or bool(view.foreign) or view.generation_files != files
    if module.check_mode:
        return changed or (view.generation is not None and _fix_attributes(module, view, sorted(files)))
    _remove_leftovers(view.etc, view.generation)
    if view.foreign:
        # First make the stable names the gate's links without changing what readers see.
        if view.files and (view.generation is None or view.generation_files != view.files):
            view.generation = _publish(module, view.etc, view.files, view.owners, created_at)
            view.generation_files = dict(view.files)
        for name in sorted(view.foreign):
            aside = _place_link(view.etc, name, view.foreign[name])
            if aside:
                result['backup_files'].append(aside)
    if view.generation_files != files:
        previous = view.generation
        view.generation = _publish(module, view.etc, files, owners, created_at)
        if previous and module.params['backup']:
            old = _generation_path(view.etc, previous)
            result['backup_files'].extend(
                os.path.join(old, relpath) for relpath in sorted(view.generation_files)
                if files.get(relpath) != view.generation_files[relpath])
    else:
        changed = _fix_attributes(module, view, sorted(files)) or changed
    _prune(view.etc, view.generation, KEPT_WITH_BACKUP if module.params['backup'] else KEPT_WITHOUT_BACKUP)
    result['generation'] = _generation_path(view.etc, view.generation)
    return changed


def _shown(data):
    return '' if data is None else data.decode('utf-8', errors='replace')


def _under(relpath, name):
    return relpath == name or relpath.startswith(name + '/')


def _owner_by_name(relpath, deployed):
    """The deployed profile a file of unknown origin belongs to: ``<name>.json`` itself, or the
    longest profile name it starts with followed by a dot (``fleet.v2.cpuid.json`` is ``fleet.v2``'s)."""
    if not relpath.startswith(PROFILES_DIR + '/'):
        return None
    file_name = relpath[len(PROFILES_DIR) + 1:]
    names = [name for name in deployed if file_name == name + '.json' or file_name.startswith(name + '.')]
    return max(names, key=len) if names else None


def _generation_path(etc, name):
    return os.path.join(etc, GENERATIONS_DIR, name)


def _check_folder(path):
    """Refuse ``path`` unless it is a real folder (a link there is never followed)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return False
    if not stat.S_ISDIR(mode):
        raise VmcpuError('%s is %s, not a folder the gate made; remove it (the gate never follows a link it did '
                         'not make).' % (path, 'a symbolic link' if stat.S_ISLNK(mode) else 'not a folder'))
    return True


def _complete_generations(etc):
    generations = os.path.join(etc, GENERATIONS_DIR)
    return [entry for entry in _numbered(generations)
            if os.path.isfile(os.path.join(generations, entry, MANIFEST_FILE))]


def _current_generation(etc):
    """The name of the generation ``current`` points to, or None when there is none yet."""
    path = os.path.join(etc, CURRENT_LINK)
    try:
        target = os.readlink(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.EINVAL:
            raise VmcpuError('%s is not the link the gate makes; %s.' % (path, _current_advice(etc))) from None
        raise VmcpuError('cannot read the link %s: %s.' % (path, exc.strerror)) from None
    folder, name = os.path.split(target)
    if folder != GENERATIONS_DIR or not _GENERATION_NAME.match(name) or \
            not _check_folder(os.path.join(etc, GENERATIONS_DIR, name)) or \
            not os.path.isfile(os.path.join(etc, GENERATIONS_DIR, name, MANIFEST_FILE)):
        raise VmcpuError('%s points to %r, not to a complete generation; %s.' % (path, target, _current_advice(etc)))
    return name


def _current_advice(etc):
    """What to do about a damaged ``current``: point it at the newest complete generation."""
    complete = _complete_generations(etc)
    if complete:
        return 'point it at the newest complete generation (ln -sfn %s %s) and run again' % (
            os.path.join(GENERATIONS_DIR, complete[-1]), os.path.join(etc, CURRENT_LINK))
    return 'remove it (there is no complete generation; the gate then starts from what migration.json and ' \
           'profiles/ show)'


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
    """``({file name: bytes}, [skipped entries])`` of ``folder``: regular files with plain names (no
    leading dot, no backup ``~``) are read; links, folders, FIFOs and temporary files are not the
    gate's and are skipped."""
    files, skipped = {}, []
    if not _check_folder(folder):
        return files, skipped
    try:
        entries = sorted(os.listdir(folder))
    except OSError as exc:
        raise VmcpuError('cannot list %s: %s.' % (folder, exc.strerror)) from None
    for entry in entries:
        path = os.path.join(folder, entry)
        if entry.startswith('.') or entry.endswith('~'):
            continue
        if not stat.S_ISREG(os.lstat(path).st_mode):
            skipped.append(entry)
            continue
        files[entry] = read_gate_file(path)
    return files, skipped


def _read_tree(folder):
    """The files of the generation ``folder`` by path relative to it."""
    files = {}
    record = read_gate_file(os.path.join(folder, RECORD_FILE))
    if record is not None:
        files[RECORD_FILE] = record
    files.update((PROFILES_DIR + '/' + name, data)
                 for name, data in _read_folder(os.path.join(folder, PROFILES_DIR))[0].items())
    return files


def _manifest_owners(folder):
    """``{relpath: (profile, digest)}`` as the manifest of ``folder`` records them."""
    manifest = gate_document(read_gate_file(os.path.join(folder, MANIFEST_FILE))) or {}
    entries = manifest.get('files')
    if not isinstance(entries, dict):
        return {}  # a damaged manifest: the files are still read, their origin is unknown
    return {relpath: (entry.get('profile'), entry.get('profile_digest'))
            for relpath, entry in entries.items() if isinstance(entry, dict)}


def _publish(module, etc, files, owners, created_at):
    """Build the generation of ``files`` and switch ``current`` to it; returns its name."""
    generations = os.path.join(etc, GENERATIONS_DIR)
    make_dirs(generations)
    try:
        build = tempfile.mkdtemp(prefix=_BUILD_PREFIX, dir=generations)
    except OSError as exc:
        raise VmcpuError('cannot create a folder in %s: %s.' % (generations, exc.strerror or exc)) from None
    try:
        os.chmod(build, FOLDER_MODE)
        os.mkdir(os.path.join(build, PROFILES_DIR))
        os.chmod(os.path.join(build, PROFILES_DIR), FOLDER_MODE)
        manifest = {'manifest_version': MANIFEST_VERSION, 'created_at': created_at, 'files': {}}
        for relpath in sorted(files):
            _write_new_file(module, os.path.join(build, relpath), files[relpath])
            profile, digest = owners.get(relpath, (None, None))
            manifest['files'][relpath] = {'sha256': hashlib.sha256(files[relpath]).hexdigest(),
                                          'profile': profile, 'profile_digest': digest}
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
    try:
        _swap_link(etc, CURRENT_LINK, os.path.join(GENERATIONS_DIR, name))
    except VmcpuError:
        shutil.rmtree(os.path.join(generations, name), ignore_errors=True)
        raise
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


def _temporary_link(etc, name, target):
    """A new link to ``target`` under a fresh name next to ``etc/name``; its path."""
    for _attempt in range(100):
        temp = os.path.join(etc, '.%s.%s.tmp' % (name, os.urandom(6).hex()))
        try:
            os.symlink(target, temp)
            return temp
        except FileExistsError:
            continue
        except OSError as exc:
            raise VmcpuError('cannot create a link in %s: %s.' % (etc, exc.strerror)) from None
    raise VmcpuError('cannot find a free temporary name in %s.' % etc)


def _swap_link(etc, name, target):
    """Point the link ``etc/name`` at ``target`` with one rename."""
    temp = _temporary_link(etc, name, target)
    try:
        os.rename(temp, os.path.join(etc, name))
        _sync_folder(etc)
    except OSError as exc:
        os.unlink(temp)
        raise VmcpuError('cannot replace %s: %s.' % (os.path.join(etc, name), exc.strerror)) from None


def _aside_path(path):
    """A free ``<path>.<time>~`` (``.<n>`` added when one was made in the same second)."""
    stem = '%s.%s' % (path, time.strftime('%Y%m%dT%H%M%SZ', time.gmtime()))
    candidate, number = stem + '~', 1
    while os.path.lexists(candidate):
        candidate, number = '%s.%d~' % (stem, number), number + 1
    return candidate


def _place_link(etc, name, kind):
    """Put the gate's link at the stable name ``name`` in one step; what was there (``kind``) is kept
    aside and its new path returned (None when nothing was there)."""
    path = os.path.join(etc, name)
    target = os.path.join(CURRENT_LINK, name)
    if kind == 'absent':
        _swap_link(etc, name, target)
        return None
    aside = _aside_path(path)
    try:
        if kind == 'file':
            os.link(path, aside)  # keeps the file; the rename below replaces the name in one step
            _swap_link(etc, name, target)
        else:
            temp = _temporary_link(etc, name, target)
            if _exchange(temp, path):
                os.rename(temp, aside)  # temp is the old folder now
            else:  # no RENAME_EXCHANGE here: two renames, a moment without the folder
                os.rename(path, aside)
                os.rename(temp, path)
            _sync_folder(etc)
    except OSError as exc:
        raise VmcpuError('cannot put the gate\'s link at %s (keeping what was there as %s): %s.'
                         % (path, aside, exc.strerror)) from None
    return aside


def _exchange(first, second):
    """Swap two names with ``renameat2(RENAME_EXCHANGE)``; False where the C library or the file system
    does not offer it (then nothing happened)."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange) == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.EINVAL, errno.ENOSYS, errno.EPERM):
        return False
    raise OSError(error, os.strerror(error), second)


def _fix_attributes(module, view, relpaths):
    """Mode and owner of the current generation, folders included (also in check mode: it only
    reports). A file with other hard links is refused: its inode is not only the gate's."""
    changed = False
    folder = _generation_path(view.etc, view.generation)
    for relpath in relpaths:
        path = os.path.join(folder, relpath)
        if os.lstat(path).st_nlink > 1:
            raise VmcpuError('%s has other hard links; the gate changes no file it did not write alone (remove '
                             'the link, or the file, and run again).' % path)
        file_args = module.load_file_common_arguments({'mode': FILE_MODE, 'owner': module.params['owner']},
                                                      path=path)
        changed = module.set_fs_attributes_if_different(file_args, False) or changed
    for path in (view.etc, os.path.join(view.etc, GENERATIONS_DIR), folder, os.path.join(folder, PROFILES_DIR)):
        if stat.S_IMODE(os.lstat(path).st_mode) != FOLDER_MODE:
            changed = True
            if not module.check_mode:
                os.chmod(path, FOLDER_MODE)
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

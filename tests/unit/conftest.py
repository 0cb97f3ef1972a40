# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared fixtures of the unit tests, and the import path of the collection.

``scripts/test.sh`` runs pytest in a copy of the collection laid out as
``<tmp>/ansible_collections/vmcpu/profiles`` with ``<tmp>`` on ``PYTHONPATH``. When pytest is run
straight from a checkout (``.venv/bin/pytest tests/unit``), this file makes the same imports work by
linking the checkout into such a layout in a temporary folder.
"""

import atexit
import importlib.util
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

COLLECTION_ROOT = Path(__file__).resolve().parents[2]


def _collection_import_root(root):
    """Return a folder that holds ``ansible_collections/vmcpu/profiles`` pointing at ``root``."""
    if root.parts[-3:] == ('ansible_collections', 'vmcpu', 'profiles'):
        return root.parents[2]
    link_root = Path(tempfile.mkdtemp(prefix='vmcpu-import-'))
    atexit.register(shutil.rmtree, str(link_root), True)
    namespace = link_root / 'ansible_collections' / 'vmcpu'
    namespace.mkdir(parents=True)
    (namespace / 'profiles').symlink_to(root, target_is_directory=True)
    return link_root


IMPORT_ROOT = _collection_import_root(COLLECTION_ROOT)
sys.path.insert(0, str(IMPORT_ROOT))

try:
    from hypothesis import HealthCheck, settings
except ImportError:  # hypothesis is in requirements/dev.txt; other environments may lack it
    pass
else:
    # No time limit per example, anywhere: a 2-core machine is slow and shared, and ansible-test runs
    # pytest without the CI variable, so a limit only in CI left its runs flaky. Speed is benchmarked.
    settings.register_profile('untimed', deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True)
    settings.load_profile('untimed')


@pytest.fixture(scope='session')
def collection_root():
    """The root of the collection tree under test (the temporary ansible_collections copy in test.sh)."""
    return COLLECTION_ROOT


@pytest.fixture(scope='session')
def collections_path():
    """A folder holding ``ansible_collections/vmcpu/profiles`` (for Ansible's collection loader)."""
    return IMPORT_ROOT


@pytest.fixture(scope='session')
def module_environment():
    """The environment a module file runs in as its own process (``python module.py ARGS_FILE``): it
    imports the collection and ansible-core, which ansible-test units provides on its own path, not
    installed, so that folder is passed on too."""
    import ansible
    paths = [str(IMPORT_ROOT), os.path.dirname(os.path.dirname(ansible.__file__)), os.environ.get('PYTHONPATH', '')]
    return dict(os.environ, PYTHONPATH=os.pathsep.join(path for path in paths if path), LC_ALL='C.UTF-8')


# The project's read-only ../shared folder (test data, oracles). scripts/test.sh exports VMCPU_SHARED as
# <real checkout>/../shared, since the tree under test is a temporary copy; without it, ../shared next
# to this collection root is used.
SHARED_ROOT = Path(os.environ.get('VMCPU_SHARED') or COLLECTION_ROOT.parent / 'shared')
DUMPS_ROOT = SHARED_ROOT / 'testdata' / 'cpuid'


def _shared_dump_files():
    """Every dump file of ../shared (none when it is absent)."""
    return sorted(path for path in DUMPS_ROOT.rglob('*') if path.is_file()) if DUMPS_ROOT.is_dir() else []


def pytest_generate_tests(metafunc):
    """Tests taking ``shared_dump`` run once per dump of ../shared (its path), and skip with the reason
    when ../shared is absent. Tests taking ``qemu_fleet`` run once per ``QEMU_MODEL_FLEETS`` entry
    (its name and models)."""
    if 'qemu_fleet' in metafunc.fixturenames:
        metafunc.parametrize('qemu_fleet', sorted(QEMU_MODEL_FLEETS.items()), ids=sorted(QEMU_MODEL_FLEETS))
    if 'shared_dump' in metafunc.fixturenames:
        params = [pytest.param(path, id=path.name) for path in _shared_dump_files()]
        metafunc.parametrize('shared_dump', params or [pytest.param(None, marks=pytest.mark.skip(
            reason='no shared dumps under %s (a clone without ../shared; set VMCPU_SHARED to its path)' % DUMPS_ROOT))])


@pytest.fixture(scope='session')
def shared_dir():
    """The project's ``../shared`` folder (``SHARED_ROOT``, a ``pathlib.Path``); skips when it is absent."""
    if not SHARED_ROOT.is_dir():
        pytest.skip('shared test data not found at %s (a clone without ../shared; set VMCPU_SHARED to its path)'
                    % SHARED_ROOT)
    return SHARED_ROOT


@pytest.fixture(scope='session')
def shared_dumps_root():
    """``../shared/testdata/cpuid`` (a ``pathlib.Path``), or None in a clone without ../shared: for tests
    that use real dumps when they are there and data they make themselves otherwise."""
    return DUMPS_ROOT if DUMPS_ROOT.is_dir() else None


@pytest.fixture(scope='session')
def dump_paths(shared_dir):
    """Every real CPU dump of ../shared."""
    return _shared_dump_files()


@pytest.fixture(scope='session')
def real_dump_facts(dump_paths):
    """Host facts of every real CPU dump in ../shared the importer takes, keyed by a short host name (file stem)."""
    from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.host_facts import gather_facts
    return {path.stem.replace('x86_64-cpuid-', ''): gather_facts(src=str(path)) for path in dump_paths}


# Profiles the export tests run over, besides the bundled ones: single CPUs (a hybrid one with every
# logical CPU dumped, an Atom server) and mixed fleets of both vendors, by dump file stems.
EXPORT_FLEETS = {
    'spr': ('Xeon-Bronze-3408U',),
    'hybrid': ('12th-gen-intel-core-i7-12700h',),
    'atom': ('Atom-P5362',),
    'desktop': ('Core-i7-8700', 'Core-i7-1270P'),
    'xeons': ('Xeon-E5-2650-v4', 'Xeon-Gold-6152', 'Xeon-Platinum-8268', 'Ice-Lake-Server', 'Xeon-Bronze-3408U',
              'Xeon-6788P'),
    'zen3': ('EPYC-7713-64-Core',),
    'zen': ('EPYC-7601-32-Core', 'EPYC-7713-64-Core', 'Ryzen-9-3900X-12-Core'),
}
# The bundled profiles' hosts (inventory/shared-dumps.yml) as dump file stems.
BUNDLED_HOST_STEMS = {
    'xeon-e5-2650-v4': 'Xeon-E5-2650-v4', 'xeon-gold-6152': 'Xeon-Gold-6152', 'xeon-platinum-8268': 'Xeon-Platinum-8268',
    'icelake-sp-sample': 'Ice-Lake-Server', 'xeon-bronze-3408u': 'Xeon-Bronze-3408U', 'xeon-6788p': 'Xeon-6788P',
    'epyc-7601': 'EPYC-7601-32-Core', 'epyc-7713': 'EPYC-7713-64-Core',
}


# Fleets the tests make themselves, on any machine with QEMU and binutils (tests/guest): each QEMU
# CPU model, booted under TCG with the CPUID dumper guest, is one host. TCG leaves out what it cannot
# emulate (AVX-512, ...), so these are the CPUs a TCG guest really sees.
QEMU_MODEL_FLEETS = {
    'qemu-xeons': ('Haswell-v4', 'Broadwell-v4', 'Skylake-Server-v4', 'Cascadelake-Server-v4', 'Icelake-Server-v6'),
    'qemu-epycs': ('EPYC-v3', 'EPYC-Rome-v2', 'EPYC-Milan-v1'),
}


@pytest.fixture(scope='session')
def generator():
    """scripts/qemu-cpu-models.py as a module (its QMP client); skips without qemu-system-x86_64."""
    if shutil.which('qemu-system-x86_64') is None:
        pytest.skip('qemu-system-x86_64 is not installed (Debian package qemu-system-x86)')
    spec = importlib.util.spec_from_file_location('qemu_cpu_models_script',
                                                  str(COLLECTION_ROOT / 'scripts' / 'qemu-cpu-models.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='session')
def libvirtd(tmp_path_factory):
    """A private system libvirtd (``tests/guest/libvirtd.py``) for the session; its ``uri`` and
    ``boot``. Needs root (it is the system daemon, in its own mount namespace)."""
    if os.geteuid() != 0:
        pytest.skip('the system libvirtd needs root; run the tests as root (scripts/test.sh does in CI)')
    sys.path.insert(0, str(COLLECTION_ROOT / 'tests' / 'guest'))
    try:
        import libvirtd as module
    finally:
        sys.path.pop(0)
    daemon = module.Libvirtd(str(tmp_path_factory.mktemp('libvirtd')))
    try:
        daemon.start()
    except module.LibvirtdError as exc:
        pytest.fail('cannot start the test libvirtd: %s' % exc)
    yield daemon
    daemon.stop()


@pytest.fixture(scope='session')
def guest_tool():
    """``tests/guest/qemu_cpuid.py``, the builder and runner of the CPUID dumper guest."""
    spec = importlib.util.spec_from_file_location('qemu_cpuid', str(COLLECTION_ROOT / 'tests' / 'guest' / 'qemu_cpuid.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='session')
def qemu_model_dumps(tmp_path_factory, guest_tool):
    """``{model: path}`` of a raw CPU dump of every model of ``QEMU_MODEL_FLEETS``, made at test time
    by booting the CPUID dumper guest under the installed QEMU (scripts/setup.sh installs it)."""
    from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.cpuid_leaves import enumerate_cpuid
    models = sorted({model for fleet in QEMU_MODEL_FLEETS.values() for model in fleet})
    try:
        return guest_tool.model_dumps(models, str(tmp_path_factory.mktemp('qemu-models')), enumerate_cpuid)
    except guest_tool.GuestError as exc:
        pytest.fail('cannot make the QEMU model dumps: %s' % exc)


@pytest.fixture(scope='session')
def qemu_model_facts(qemu_model_dumps):
    """Host facts of every model of ``QEMU_MODEL_FLEETS``, imported from its dump."""
    from ansible_collections.vmcpu.profiles.plugins.module_utils.facts.host_facts import gather_facts
    return {model: gather_facts(src=path) for model, path in qemu_model_dumps.items()}


# Xeons of five server generations: real dumps, or QEMU's models of them in a clone without ../shared.
XEON_GENERATION_DUMPS = ('Xeon-E5-2650-v4', 'Xeon-Gold-6152', 'Xeon-Platinum-8268', 'Ice-Lake-Server', 'Xeon-Bronze-3408U')
XEON_GENERATION_MODELS = ('Haswell-v4', 'Broadwell-v4', 'Skylake-Server-v4', 'Cascadelake-Server-v4', 'Icelake-Server-v6')


@pytest.fixture(scope='session')
def xeon_generations(request):
    """``[(host, facts)]`` of five Xeon generations that share a profile: real dumps of ../shared, or
    QEMU's models of them."""
    try:
        facts = request.getfixturevalue('real_dump_facts')
        return [(name, facts[name]) for name in XEON_GENERATION_DUMPS]
    except pytest.skip.Exception:
        facts = request.getfixturevalue('qemu_model_facts')
        return [(model, facts[model]) for model in XEON_GENERATION_MODELS]


@pytest.fixture(scope='session')
def export_cases(request, collection_root, qemu_model_facts):
    """``(profile, [(host, facts)])`` of every fleet of ``QEMU_MODEL_FLEETS`` and, when ../shared is
    there, of every bundled profile and every fleet of ``EXPORT_FLEETS`` (built once per session):
    what every VMM export is checked over."""
    from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import build_profile
    cases = []
    if SHARED_ROOT.is_dir():
        real_dump_facts = request.getfixturevalue('real_dump_facts')
        for path in sorted((collection_root / 'bundled_profiles').glob('*.json')):
            profile = json.loads(path.read_text())
            stems = [BUNDLED_HOST_STEMS[host['name']] for host in profile['provenance']['hosts']]
            cases.append((profile, [(stem, real_dump_facts[stem]) for stem in stems]))
        for name, stems in EXPORT_FLEETS.items():
            hosts = [(stem, real_dump_facts[stem]) for stem in stems]
            cases.append((build_profile(hosts, name), hosts))
    for name, models in QEMU_MODEL_FLEETS.items():
        hosts = [(model, qemu_model_facts[model]) for model in models]
        cases.append((build_profile(hosts, name), hosts))
    return cases


@pytest.fixture(scope='session')
def schema_documents(collection_root, qemu_model_facts):
    """``[(schema name, document)]``: real documents of each schema, facts imported from dumps of
    QEMU's models and the bundled profiles."""
    profiles = [json.loads(path.read_text()) for path in sorted((collection_root / 'bundled_profiles').glob('*.json'))]
    return [('host_facts.schema.json', facts) for facts in qemu_model_facts.values()] + \
        [('profile.schema.json', profile) for profile in profiles]


def _places(value, path=()):
    """Every path into the JSON value ``value``."""
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _places(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _places(item, path + (index,))


@pytest.fixture(scope='session')
def mutated_document():
    """``mutated_document(data, document)``: a copy of the JSON ``document`` with one to three values
    replaced, deleted or added by hypothesis (``data`` is ``st.data()``), for fuzzing what reads it."""
    import copy
    from hypothesis import strategies as st
    values = st.recursive(
        st.none() | st.booleans() | st.integers(-2, 2 ** 40) | st.floats(allow_nan=False, allow_infinity=False)
        | st.sampled_from(['', 'x', '0x0000000d', '0x1', '0xffffffff', 'live', 'kvm', 'GenuineIntel', 'eax',
                           'sha256:' + '0' * 64, '0x0000000d\n', '2026-12-03T10:00:00Z', 'yesterday']),
        lambda children: st.lists(children, max_size=3) | st.dictionaries(
            st.sampled_from(['leaf', 'eax', 'x', 'name']), children, max_size=3),
        max_leaves=6)

    def mutate(data, document):
        document = copy.deepcopy(document)
        for _mutation in range(data.draw(st.integers(1, 3))):
            path = data.draw(st.sampled_from(list(_places(document))))
            if not path:
                document = data.draw(values)
                continue
            parent = document
            for part in path[:-1]:
                parent = parent[part]
            action = data.draw(st.sampled_from(['replace', 'delete', 'add']))
            if action == 'delete':
                del parent[path[-1]]
            elif action == 'add' and isinstance(parent, dict):
                parent[data.draw(st.sampled_from(['extra', 'leaf', 'eax', 'name']))] = data.draw(values)
            else:
                parent[path[-1]] = data.draw(values)
        return document
    return mutate

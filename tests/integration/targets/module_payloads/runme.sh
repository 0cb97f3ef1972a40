#!/usr/bin/env bash
# shellcheck disable=SC2154  # collection_root and python are set by setup_vmcpu_env/env.sh
# Every module of the collection is run once on localhost with its remote files kept; its AnsiballZ
# wrapper is exploded (the wrapper's own `explode` command) and the collection files in the payload
# are compared with the closure of the module's imports, worked out here from the sources with ast.
# The module's own result does not matter (most are called without their required options).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=../setup_vmcpu_env/env.sh
source "$(dirname "$0")/../setup_vmcpu_env/env.sh"

for module_path in "$collection_root"/plugins/modules/*.py; do
    module="$(basename "$module_path" .py)"
    action="$collection_root/plugins/action/$module.py"
    # A module whose action plugin never executes a module runs wholly on the controller: its module
    # file is documentation and must stay so (no code that could be shipped to a host).
    if [ -f "$action" ] && ! grep -q "_execute_module" "$action"; then
        if grep -Eq "^(import|from) " "$module_path"; then
            fail "$module runs on the controller (plugins/action/$module.py) but its module file has imports"
        fi
        echo "ok: $module runs on the controller; its module file is documentation only"
        continue
    fi
    keep="$OUTPUT_DIR/$module"
    rm -rf "$keep"
    mkdir -p "$keep"
    ANSIBLE_KEEP_REMOTE_FILES=1 ANSIBLE_REMOTE_TMP="$keep" \
        ansible localhost -c local -e "ansible_python_interpreter=$python" -m "vmcpu.profiles.$module" \
        >"$keep/run.log" 2>&1 || true
    wrapper="$(find "$keep" -name "AnsiballZ_$module.py" | head -n 1)"
    [ -n "$wrapper" ] || { cat "$keep/run.log"; fail "no AnsiballZ wrapper kept for $module"; }
    "$python" "$wrapper" explode >/dev/null
    "$python" - "$collection_root" "$module" "$(dirname "$wrapper")/debug_dir" <<'PYTHON'
import ast, os, sys

root, module, exploded = sys.argv[1:]
PREFIX = 'ansible_collections.vmcpu.profiles.'


def source_of(dotted):
    """The file of a collection module or package, relative to the collection root."""
    relative = dotted[len(PREFIX):].replace('.', '/')
    return relative + '.py' if os.path.isfile(os.path.join(root, relative + '.py')) else relative + '/__init__.py'


def imports_of(path):
    names = set()
    for node in ast.walk(ast.parse(open(os.path.join(root, path)).read())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PREFIX):
            names.add(node.module)
            # "from package import submodule" imports the submodule too.
            for alias in node.names:
                candidate = node.module + '.' + alias.name
                if os.path.isfile(os.path.join(root, source_of(candidate))):
                    names.add(candidate)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names if alias.name.startswith(PREFIX))
    return names


wanted, todo = set(), ['plugins/modules/%s.py' % module]
while todo:
    path = todo.pop()
    if path in wanted:
        continue
    wanted.add(path)
    for dotted in imports_of(path):
        todo.append(source_of(dotted))
        parts = dotted[len(PREFIX):].split('.')
        # Importing a.b.c imports the packages a and a.b first; Ansible ships each package's
        # __init__.py, synthesised empty where the copy under test has none.
        for depth in range(1, len(parts)):
            if os.path.isdir(os.path.join(root, *parts[:depth])):
                wanted.add('/'.join(parts[:depth]) + '/__init__.py')
wanted_utils = {path for path in wanted if path.startswith('plugins/module_utils/')}

shipped = set()
base = os.path.join(exploded, 'ansible_collections', 'vmcpu', 'profiles')
for folder, _, files in os.walk(base):
    for name in files:
        if name.endswith('.py'):
            shipped.add(os.path.relpath(os.path.join(folder, name), base))
# Ansible adds the __init__ of module_utils itself (empty in this collection or synthesised).
shipped_utils = {path for path in shipped if path.startswith('plugins/module_utils/')} - {'plugins/module_utils/__init__.py'}
wanted_utils.discard('plugins/module_utils/__init__.py')

extra, missing = sorted(shipped_utils - wanted_utils), sorted(wanted_utils - shipped_utils)
if extra or missing:
    sys.exit('FAIL: %s payload: shipped but not imported: %s; imported but not shipped: %s'
             % (module, extra or 'none', missing or 'none'))
if not shipped_utils:
    sys.exit('FAIL: %s payload holds no module_utils at all (the comparison found nothing to compare)' % module)
# The stage folders each module may draw from: the layout's dependency direction, as shipped.
STAGES = {
    'cpu_facts': {'facts'},
    'cpu_profile_check': {'facts', 'fields', 'profile', 'check', 'schemas'},
    'migration_gate_files': {'gate'},
    'profile_export_files': {'gate'},
    'proxmox_cpu_model': {'export'},
}
stages = {path.split('/')[2] for path in shipped_utils if path.count('/') > 2}
if module not in STAGES:
    sys.exit('FAIL: module %s has no entry in STAGES of this test; add the stage folders it may use' % module)
if stages - STAGES[module]:
    sys.exit('FAIL: %s ships module_utils of the stages %s, beyond %s'
             % (module, sorted(stages - STAGES[module]), sorted(STAGES[module])))
print('ok: %s ships %d module_utils files: %s' % (module, len(shipped_utils), ', '.join(sorted(shipped_utils))))
PYTHON
done

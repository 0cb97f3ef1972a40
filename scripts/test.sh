#!/usr/bin/env bash
# The whole test suite of vmcpu.profiles. Stops at the first failing stage with a non-zero exit.
#
#   scripts/test.sh
#
# Stages (each prints a header, a PASS/FAIL/SKIP line with its time, and a summary at the end):
#   sanity-2.19   ansible-test sanity, ansible-core 2.19 on Python 3.11 (.venv)
#   sanity-2.21   ansible-test sanity, ansible-core 2.21 on Python 3.12 (.venv-2.21; skipped with
#                 a reason when the machine has no pyenv Python 3.12)
#   units         pytest tests/unit (exit code 5, "no tests collected", is a failure), then
#                 ansible-test units --venv over the same tests
#   integration   ansible-test integration --local, targets under tests/integration/targets, on the
#                 test fleet of ../shared's real dumps (QEMU's CPU models when ../shared is absent)
#   compat        the same targets with each other ansible-core meta/runtime.yml claims (2.17, 2.18,
#                 2.20: .venv-<version>; one without its pyenv Python is skipped with the reason), on
#                 the fleet made from QEMU's CPU models, so each run tests both fleets
#   package       scripts/package-check.sh: build the tarball, galaxy-importer, ansible-builder
#                 introspect, and every playbook by FQCN from the installed tarball
#   molecule      molecule test for every scenario found (skipped with a reason when there is none),
#                 on each fleet
#   lint          ansible-lint (production profile) and shellcheck of the project's shell scripts
#
# ansible-test needs the collection at .../ansible_collections/vmcpu/profiles, so the tracked and
# untracked-but-not-ignored files are copied into such a tree in a temporary folder, and every stage
# runs there. Tests that read ../shared find it through VMCPU_SHARED (the real checkout's ../shared).
# Environment: VMCPU_KEEP_TREE=1 keeps the temporary tree; VMCPU_STAGES="units lint" runs only
# those stages and VMCPU_TARGETS="a b" only those integration targets (for local iteration; CI runs
# all).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

ALL_STAGES=(sanity-2.19 sanity-2.21 units integration compat package molecule lint)
read -r -a STAGES <<<"${VMCPU_STAGES:-${ALL_STAGES[*]}}"
PARTIAL=""
if [ -n "${VMCPU_STAGES:-}${VMCPU_TARGETS:-}" ]; then
    PARTIAL="PARTIAL RUN (VMCPU_STAGES=\"${VMCPU_STAGES:-}\" VMCPU_TARGETS=\"${VMCPU_TARGETS:-}\"): the rest was not run"
    echo "$PARTIAL"
fi
SKIP_RC=77

# Tests that need the shared test data look here and skip with a reason when it is absent.
VMCPU_SHARED="$(cd "$ROOT/.." && pwd)/shared"
export VMCPU_SHARED
# Nova's own parser for the Nova export's tests (tests/platforms/nova_guest_cpu.py), made by setup.sh.
export VMCPU_NOVA_PYTHON="$ROOT/.venv-nova/bin/python"

banner() { printf '\n%s\n== %s\n%s\n' "$(printf '=%.0s' {1..100})" "$*" "$(printf '=%.0s' {1..100})"; }

banner "setup: scripts/setup.sh --no-run"
scripts/setup.sh --no-run

VENV="$ROOT/.venv"
VENV221="$ROOT/.venv-2.21"
# Tools find their siblings (ansible-playbook, ansible-galaxy) on PATH, as in an activated venv.
export PATH="$VENV/bin:$PATH"
export ANSIBLE_NOCOLOR=1 NO_COLOR=1 PY_COLORS=0

# ---------------------------------------------------------------------------------------------
# The collection tree ansible-test wants, in a temporary folder.
# ---------------------------------------------------------------------------------------------
WORK="$(mktemp -d "${TMPDIR:-/tmp}/vmcpu-test.XXXXXX")"
if [ "${VMCPU_KEEP_TREE:-0}" = 1 ]; then
    trap 'echo "kept test tree: $WORK"' EXIT
else
    trap 'rm -rf "$WORK"' EXIT
fi
COLL="$WORK/ansible_collections/vmcpu/profiles"
mkdir -p "$COLL"

list_project_files() {
    if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        # Tracked plus untracked-but-not-ignored, minus files deleted from the work tree.
        git -C "$ROOT" ls-files -z --cached --others --exclude-standard |
            while IFS= read -r -d '' path; do
                if [ -e "$path" ] || [ -L "$path" ]; then printf '%s\0' "$path"; fi
            done
    else
        find . \( -name .git -o -name '.venv*' -o -name .collections -o -path ./tests/output \
            -o -name __pycache__ -o -name .pytest_cache -o -name .hypothesis \) -prune \
            -o \( -type f -o -type l \) -printf '%P\0'
    fi
}
list_project_files | tar --null --no-recursion -T - -cf - | tar -xf - -C "$COLL"

# Integration targets get the shared data path as a variable (ansible-test passes
# tests/integration/integration_config.yml to every target as extra vars; it does not pass the
# environment through).
INTEGRATION_CONFIG="$COLL/tests/integration/integration_config.yml"
mkdir -p "$(dirname "$INTEGRATION_CONFIG")"
[ -s "$INTEGRATION_CONFIG" ] || printf -- '---\n' >"$INTEGRATION_CONFIG"
# The collections of Ansible's community package (requirements/collections.txt), made by setup.sh.
VMCPU_TEST_COLLECTIONS="$(echo "$ROOT"/.venv-collections/lib/python3.*/site-packages)"
printf '# added by scripts/test.sh\nvmcpu_shared: "%s"\nvmcpu_nova_python: "%s"\nvmcpu_test_collections: "%s"\n' \
    "$VMCPU_SHARED" "$VMCPU_NOVA_PYTHON" "$VMCPU_TEST_COLLECTIONS" >>"$INTEGRATION_CONFIG"

echo "Collection tree under test: $COLL"
echo "Shared test data (VMCPU_SHARED): $VMCPU_SHARED$([ -d "$VMCPU_SHARED" ] || echo ' (absent: tests that need it skip)')"

# ---------------------------------------------------------------------------------------------
# Stages. Each runs in a subshell with `set -e`; exit code 77 means "skipped, reason printed".
# ---------------------------------------------------------------------------------------------
skip() {
    echo "SKIP: $*"
    exit "$SKIP_RC"
}

stage_sanity_2_19() {
    cd "$COLL"
    "$VENV/bin/ansible-test" sanity --python 3.11 --color no
    # Modules run on managed nodes with Python >= 3.9 (tests/config.yml): compile and import them
    # on the oldest one too. ansible-test finds python3.9 on PATH; pyenv's shim would not run it.
    local py39
    py39="$(printf '%s\n' "$(pyenv root 2>/dev/null || echo ~/.pyenv)"/versions/3.9.*/bin/python3.9 | sort -rV | head -n1)"
    if [ -x "$py39" ]; then
        echo "-- compile and import on the oldest managed-node Python: $py39"
        mkdir -p "$WORK/bin39"
        ln -sfn "$py39" "$WORK/bin39/python3.9"
        PATH="$WORK/bin39:$PATH" "$VENV/bin/ansible-test" sanity --python 3.9 --test compile --test import --color no
    else
        echo "-- no pyenv Python 3.9 here: compile/import on 3.9 not run (3.11 checks above still apply)"
    fi
}

stage_sanity_2_21() {
    [ -x "$VENV221/bin/ansible-test" ] ||
        skip "no .venv-2.21: this machine has no Python 3.12 under $(pyenv root 2>/dev/null || echo ~/.pyenv)/versions (see scripts/setup.sh)"
    cd "$COLL"
    export PATH="$VENV221/bin:$PATH"
    "$VENV221/bin/ansible-test" sanity --python 3.12 --color no
}

stage_units() {
    cd "$COLL"
    [ -d tests/unit ] || { echo "FAIL: no tests/unit directory" >&2; exit 1; }
    local rc=0
    # The temporary tree's root makes ansible_collections.vmcpu.profiles importable.
    PYTHONPATH="$WORK${PYTHONPATH:+:$PYTHONPATH}" "$VENV/bin/python" -m pytest tests/unit -ra || rc=$?
    if [ "$rc" -eq 5 ]; then
        echo "FAIL: pytest collected no tests under tests/unit (exit code 5)" >&2
        exit 1
    fi
    [ "$rc" -eq 0 ] || exit "$rc"
    # The same tests the Ansible way: a virtualenv with tests/unit/requirements.txt, module_utils
    # tests kept apart from controller code. ansible-test passes no VMCPU_SHARED, so this run also
    # shows what a clone without ../shared tests.
    echo "-- ansible-test units --venv"
    "$VENV/bin/ansible-test" units --venv --python 3.11 --color no
}

# Which test fleet (tests/guest/fleet.py) the integration targets use: "" is ../shared when present.
set_fleet_source() {
    sed -i '/^vmcpu_fleet_source:/d' "$INTEGRATION_CONFIG"
    [ -z "$1" ] || printf 'vmcpu_fleet_source: %s\n' "$1" >>"$INTEGRATION_CONFIG"
}

stage_integration() {
    cd "$COLL"
    set_fleet_source ""
    local targets
    targets="$(find tests/integration/targets -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l)"
    [ "$targets" -gt 0 ] || { echo "FAIL: no integration targets under tests/integration/targets" >&2; exit 1; }
    echo "$targets target(s)"
    local selected=()
    read -r -a selected <<<"${VMCPU_TARGETS:-}"
    "$VENV/bin/ansible-test" integration --local --python 3.11 --color no "${selected[@]}"
}

# The other ansible-core releases meta/runtime.yml claims (scripts/setup.sh makes .venv-<release>).
COMPAT_CORES=(2.17 2.18 2.20)

stage_compat() {
    cd "$COLL"
    set_fleet_source qemu
    local core python ran=0 selected=()
    read -r -a selected <<<"${VMCPU_TARGETS:-}"
    for core in "${COMPAT_CORES[@]}"; do
        if [ ! -x "$ROOT/.venv-$core/bin/ansible-test" ]; then
            echo "-- ansible-core $core: SKIPPED, no .venv-$core (its pyenv Python is missing; see scripts/setup.sh)"
            continue
        fi
        python="$("$ROOT/.venv-$core/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
        echo "-- ansible-core $core on Python $python: $("$ROOT/.venv-$core/bin/ansible" --version | sed -n 1p)"
        PATH="$ROOT/.venv-$core/bin:$PATH" "$ROOT/.venv-$core/bin/ansible-test" integration --local \
            --python "$python" --color no "${selected[@]}"
        ran=$((ran + 1))
    done
    [ "$ran" -gt 0 ] || skip "no venv of another ansible-core release exists (see scripts/setup.sh)"
}

stage_package() {
    [ -x "$ROOT/.venv-packaging/bin/python" ] ||
        skip "no .venv-packaging: this machine has no Python 3.12 under $(pyenv root 2>/dev/null || echo ~/.pyenv)/versions"
    "$ROOT/scripts/package-check.sh" "$COLL" "$WORK/package"
}

stage_molecule() {
    cd "$COLL"
    local scenario_files=() file dir
    while IFS= read -r -d '' file; do scenario_files+=("$file"); done < <(
        find . -path ./tests/output -prune -o -path '*/molecule/*/molecule.yml' -print0 | sort -z)
    [ "${#scenario_files[@]}" -gt 0 ] ||
        skip "no molecule scenarios in the collection (looked for */molecule/<scenario>/molecule.yml)"
    export ANSIBLE_COLLECTIONS_PATH="$WORK"
    # The scenarios describe their hosts with the test fleet (tests/guest/fleet.py): the real CPU
    # dumps of ../shared when present, and always the fleet made from QEMU's CPU models.
    local sources=(qemu) source
    [ -d "$VMCPU_SHARED/testdata/cpuid/libvirt" ] && sources=(shared qemu)
    for source in "${sources[@]}"; do
        PYTHONPATH="$WORK" "$VENV/bin/python" tests/guest/fleet.py "$WORK/fleet-$source" --source "$source" \
            --shared "$VMCPU_SHARED" >/dev/null
        export VMCPU_FLEET="$WORK/fleet-$source/fleet.json"
        # molecule runs from the folder that holds molecule/: extensions/ or a role.
        for dir in $(printf '%s\n' "${scenario_files[@]}" | sed 's|/molecule/[^/]*/molecule.yml$||' | sort -u); do
            echo "molecule test --all in $dir, on the $source fleet"
            (cd "$dir" && "$VENV/bin/molecule" test --all)
        done
    done
}

stage_lint() {
    cd "$COLL"
    echo "-- ansible-lint (production profile)"
    ANSIBLE_COLLECTIONS_PATH="$WORK" "$VENV/bin/ansible-lint" --offline --profile production --nocolor
    echo "-- shellcheck"
    local scripts=()
    while IFS= read -r -d '' file; do scripts+=("$file"); done < <(
        find . -path ./tests/output -prune -o -type f \( -name '*.sh' -o -path ./.ci/run \) -print0 | sort -z)
    shellcheck --version | sed -n 2p
    # -x follows the files the test targets source (their source-path directives say where).
    shellcheck -x "${scripts[@]}"
    echo "shellcheck: ${#scripts[@]} script(s) clean: ${scripts[*]}"
}

RESULTS=()
print_summary() {
    banner "summary"
    printf '%s\n' "${RESULTS[@]}"
}

for stage in "${STAGES[@]}"; do
    func="stage_${stage//[.-]/_}"
    declare -F "$func" >/dev/null || { echo "unknown stage: $stage (known: ${ALL_STAGES[*]})" >&2; exit 2; }
    banner "$stage"
    start=$SECONDS
    # Not `("$func") || rc=$?`: bash ignores `set -e` inside anything tested by || or if.
    set +e
    (
        set -e
        "$func"
    )
    rc=$?
    set -e
    took=$((SECONDS - start))
    if [ "$rc" -eq 0 ]; then
        RESULTS+=("$(printf 'PASS  %-12s %5ss' "$stage" "$took")")
    elif [ "$rc" -eq "$SKIP_RC" ]; then
        RESULTS+=("$(printf 'SKIP  %-12s %5ss' "$stage" "$took")")
    else
        RESULTS+=("$(printf 'FAIL  %-12s %5ss  (exit %s)' "$stage" "$took" "$rc")")
        print_summary
        echo "scripts/test.sh: stage $stage failed" >&2
        exit 1
    fi
    echo "-- $stage: ${RESULTS[-1]%% *} in ${took}s"
done

print_summary
if [ -n "$PARTIAL" ]; then echo "$PARTIAL"; fi
echo "scripts/test.sh: all stages passed"

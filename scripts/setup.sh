#!/usr/bin/env bash
# Install everything vmcpu.profiles needs on a Debian machine (run as root), then gather this host.
#
#   scripts/setup.sh            install (if needed), then run playbooks/gather.yml on localhost
#   scripts/setup.sh --no-run   install only (scripts/test.sh calls this)
#
# Idempotent and fast on a machine that already has everything: each step checks before it acts
# (Debian packages by dpkg status, virtualenvs by a stamp of their requirements file).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

RUN_MAIN=1
for arg in "$@"; do
    case "$arg" in
        --no-run) RUN_MAIN=0 ;;
        -h | --help)
            sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "setup.sh: unknown argument: $arg (try --help)" >&2
            exit 2
            ;;
    esac
done

log() { printf '==> %s\n' "$*"; }
die() {
    printf 'setup.sh: %s\n' "$*" >&2
    exit 1
}

# ---------------------------------------------------------------------------------------------
# Debian packages: every platform:dpkg line of bindep.txt (the one list of system packages, also
# what ansible-builder reads for an execution environment; it says what each package is for).
# Recommends are not installed, so each one a test needs is listed there itself.
# ---------------------------------------------------------------------------------------------
mapfile -t APT_PACKAGES < <(awk '!/^[[:space:]]*(#|$)/ && /platform:dpkg/ {print $1}' bindep.txt)
[ "${#APT_PACKAGES[@]}" -gt 0 ] || die "bindep.txt lists no platform:dpkg package"
# Commands the tests run, each from one of those packages: checked after the install, so a
# package that no longer brings its command fails here, not in the middle of the tests.
REQUIRED_COMMANDS=(cpuid qemu-system-x86_64 virsh libvirtd unshare virt-xml-validate xmllint as ld ssh-keygen shellcheck
                   modprobe chromium)

install_debian_packages() {
    local missing=() pkg
    for pkg in "${APT_PACKAGES[@]}"; do
        if [ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)" != "installed" ]; then
            missing+=("$pkg")
        fi
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        log "Debian packages present: ${APT_PACKAGES[*]}"
        return
    fi
    command -v apt-get >/dev/null || die "apt-get not found; install by hand: ${missing[*]}"
    [ "$(id -u)" -eq 0 ] || die "run as root to install Debian packages: ${missing[*]}"
    log "Installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

check_required_commands() {
    local missing=() command
    for command in "${REQUIRED_COMMANDS[@]}"; do
        command -v "$command" >/dev/null 2>&1 || [ -x "/usr/sbin/$command" ] || [ -x "/sbin/$command" ] ||
            missing+=("$command")
    done
    [ "${#missing[@]}" -eq 0 ] ||
        die "still missing after installing bindep.txt's Debian packages: ${missing[*]} (fix bindep.txt)"
}

# ---------------------------------------------------------------------------------------------
# Python interpreters, by full path: pyenv shims pick a version from the environment and break both
# venv creation and Ansible's interpreter discovery.
# ---------------------------------------------------------------------------------------------
pyenv_root() {
    if command -v pyenv >/dev/null 2>&1; then
        pyenv root
    else
        echo "${PYENV_ROOT:-$HOME/.pyenv}"
    fi
}

# find_python MINOR: print the full path of a real python3.MINOR, newest patch release first.
find_python() {
    local minor="$1" candidate found
    found="$(printf '%s\n' "$(pyenv_root)"/versions/3."$minor".*/bin/python3."$minor" | sort -rV | head -n1)"
    if [ -x "$found" ]; then
        echo "$found"
        return 0
    fi
    for candidate in /usr/bin/python3."$minor" /usr/local/bin/python3."$minor" /usr/bin/python3; do
        if [ -x "$candidate" ] &&
            [ "$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" = "3.$minor" ]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

# make_venv DIR PYTHON REQUIREMENTS: (re)create DIR unless its stamp matches the interpreter and the
# requirements file, then install the pinned requirements.
make_venv() {
    local dir="$1" python="$2" requirements="$3" stamp want
    stamp="$dir/.vmcpu-requirements.sha256"
    want="$("$python" -c 'import sys; print(sys.version)' | sha256sum | cut -c1-16) $(sha256sum "$requirements" | cut -c1-64)"
    if [ -x "$dir/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        log "$dir is up to date ($requirements)"
        return
    fi
    log "Creating $dir with $python from $requirements"
    rm -rf "$dir"
    "$python" -m venv "$dir"
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade \
        "$(grep -E '^pip==' "$requirements" | cut -d' ' -f1)"
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
    "$dir/bin/python" -m pip check
    echo "$want" >"$stamp"
}

# ---------------------------------------------------------------------------------------------
# ansible-test bootstraps pip in each of its sanity virtualenvs with a get-pip script downloaded from
# a host these machines cannot reach, cached as ~/.ansible/test/cache/get_pip_<version>.py. Seed it
# with scripts/get_pip_bootstrap.py, under every pip version the installed ansible-test asks for.
# ---------------------------------------------------------------------------------------------
seed_ansible_test_cache() {
    local venv="$1" source_file versions version cache
    source_file="$(echo "$venv"/lib/python3.*/site-packages/ansible_test/_internal/python_requirements.py)"
    [ -f "$source_file" ] || die "ansible-test not found in $venv"
    versions="$(grep -oE "pip='[0-9.]+'" "$source_file" | grep -oE "[0-9.]+" | sort -u)"
    [ -n "$versions" ] || die "cannot find the pip version ansible-test bootstraps in $source_file"
    cache="$HOME/.ansible/test/cache"
    mkdir -p "$cache"
    for version in $versions; do
        if ! cmp -s scripts/get_pip_bootstrap.py "$cache/get_pip_${version//./_}.py"; then
            cp scripts/get_pip_bootstrap.py "$cache/get_pip_${version//./_}.py"
            log "Seeded $cache/get_pip_${version//./_}.py (pip $version for $(basename "$venv"))"
        fi
    done
}

install_debian_packages
check_required_commands

PY311="$(find_python 11)" || die "no Python 3.11 found (looked in $(pyenv_root)/versions and /usr/bin)"
make_venv .venv "$PY311" requirements/dev.txt
seed_ansible_test_cache .venv

# optional_venv DIR MINOR REQUIREMENTS: DIR on the newest Python 3.MINOR, or none (and why) without it.
# Never called as a condition: set -e must stop the set-up when building a venv fails.
optional_venv() {
    local dir="$1" minor="$2" requirements="$3" python
    if python="$(find_python "$minor")"; then
        make_venv "$dir" "$python" "$requirements"
    else
        rm -rf "$dir"
        log "SKIP $dir: no Python 3.$minor under $(pyenv_root)/versions/3.$minor*/bin (see $requirements)"
    fi
}

# Second ansible-core line for ansible-test sanity.
optional_venv .venv-2.21 12 requirements/ansible-2.21.txt
if [ -d .venv-2.21 ]; then seed_ansible_test_cache .venv-2.21; fi
# The other ansible-core releases meta/runtime.yml claims, each on a Python it supports, for the
# compat stage of scripts/test.sh (playbooks and the role end to end).
optional_venv .venv-2.17 10 requirements/ansible-2.17.txt
optional_venv .venv-2.18 13 requirements/ansible-2.18.txt
optional_venv .venv-2.20 12 requirements/ansible-2.20.txt
# The package stage of scripts/test.sh: galaxy-importer and ansible-builder.
optional_venv .venv-packaging 12 requirements/packaging.txt
# Nova's own nova.conf parser for the Nova export's tests (tests/platforms/nova_guest_cpu.py).
make_venv .venv-nova "$PY311" requirements/nova.txt
# community.general (its redis fact-cache plugin) for the fact-cache tests.
make_venv .venv-collections "$PY311" requirements/collections.txt

# Make the checkout importable as the collection vmcpu.profiles for ansible-playbook run from it
# (ansible.cfg puts .collections on collections_path).
mkdir -p .collections/ansible_collections/vmcpu
ln -sfn "$ROOT" .collections/ansible_collections/vmcpu/profiles

if [ "$RUN_MAIN" -eq 0 ]; then
    log "Installed (--no-run: not gathering)"
    exit 0
fi

# ---------------------------------------------------------------------------------------------
# The main job on its embedded default: gather this host (local connection, the venv's Python).
# ---------------------------------------------------------------------------------------------
log "Gathering localhost with playbooks/gather.yml"
# The embedded default inventory (inventory/localhost.yml: localhost, local connection). The venv's
# Python is given explicitly: interpreter discovery finds pyenv shims, which fail under Ansible.
export ANSIBLE_CONFIG="$ROOT/ansible.cfg"
export ANSIBLE_COLLECTIONS_PATH="$ROOT/.collections"
exec .venv/bin/ansible-playbook \
    -i inventory/localhost.yml \
    -e "ansible_python_interpreter=$ROOT/.venv/bin/python" \
    playbooks/gather.yml

#!/usr/bin/env bash
# shellcheck disable=SC2154  # python is set by setup_vmcpu_env/env.sh
# Facts, profiles and reports land in the directory the playbook was started in: with PWD unset
# (cron, systemd), with a PWD naming another folder (a process started by one with another working
# directory), and under ansible-runner with a private data dir (its project folder, as in AWX).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=../setup_vmcpu_env/env.sh
source "$(dirname "$0")/../setup_vmcpu_env/env.sh"
base="$OUTPUT_DIR/without_pwd"
rm -rf "$base"
mkdir -p "$base/started" "$base/elsewhere" "$base/stale"
cat >"$base/inventory.yml" <<INVENTORY
all:
  vars:
    ansible_connection: local
    ansible_python_interpreter: $python
  hosts:
    localhost: {}
INVENTORY

# -- PWD unset ----------------------------------------------------------------------------------
(
    cd "$base/started"
    env -u PWD ansible-playbook -i "$base/inventory.yml" vmcpu.profiles.gather >gather.log 2>&1 ||
        { cat gather.log; fail "gather.yml failed with PWD unset"; }
    env -u PWD ansible-playbook -i "$base/inventory.yml" vmcpu.profiles.generate_profile -l all \
        -e profile_name=nopwd >generate.log 2>&1 || { cat generate.log; fail "generate_profile.yml failed with PWD unset"; }
    env -u PWD ansible-playbook -i "$base/inventory.yml" vmcpu.profiles.check_compat \
        -e profile=profiles/nopwd.json >compat.log 2>&1 || { cat compat.log; fail "check_compat.yml failed with PWD unset"; }
)
for file in facts/localhost.json profiles/nopwd.json profiles/nopwd.md reports/nopwd-compat.json reports/nopwd-compat.xml; do
    [ -s "$base/started/$file" ] || fail "PWD unset: $file was not written in the start directory"
done
for folder in /facts /profiles /reports; do [ ! -e "$folder" ] || fail "PWD unset: output written to $folder"; done
echo "ok: PWD unset, every output in the start directory"

# -- PWD naming another folder --------------------------------------------------------------------
(
    cd "$base/elsewhere"
    PWD="$base/stale" ansible-playbook -i "$base/inventory.yml" vmcpu.profiles.gather >gather.log 2>&1 ||
        { cat gather.log; fail "gather.yml failed with a stale PWD"; }
)
[ -s "$base/elsewhere/facts/localhost.json" ] || fail "stale PWD: facts not written in the start directory"
[ -z "$(ls -A "$base/stale")" ] || fail "stale PWD: files written into the folder PWD named: $(ls -A "$base/stale")"
echo "ok: a stale PWD is ignored"

# -- ansible-runner, private data dir -------------------------------------------------------------
private="$base/runner"
mkdir -p "$private/project" "$private/inventory" "$private/env"
cp "$base/inventory.yml" "$private/inventory/hosts.yml"
# The collection under test, as an AWX project's collections would be found.
printf 'ANSIBLE_COLLECTIONS_PATH: %s\n' "$(cd "$collection_root/../../.." && pwd)" >"$private/env/envvars"
(cd "$base" && ansible-runner run "$private" -p vmcpu.profiles.gather >runner.log 2>&1) ||
    { cat "$base/runner.log"; fail "ansible-runner run -p vmcpu.profiles.gather failed"; }
[ -s "$private/project/facts/localhost.json" ] ||
    { cat "$base/runner.log"; fail "ansible-runner: facts not written in the project folder"; }
[ ! -e "$base/facts" ] || fail "ansible-runner: facts written into the folder runner was started from"
echo "ok: under ansible-runner the facts land in its project folder"

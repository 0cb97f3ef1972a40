#!/usr/bin/env bash
# The collection as its users get it: build the tarball from a collection tree, check its content,
# run galaxy-importer on it (what Galaxy runs on an upload), install it, let ansible-builder
# introspect the installed copy (what an execution environment gets), and run every playbook by its
# FQCN from the installed copy, in an empty folder, on the local host.
#
#   scripts/package-check.sh COLLECTION_TREE WORK_DIR
#
# Needs .venv (ansible-core) and .venv-packaging (galaxy-importer, ansible-builder, antsibull-docs) from setup.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TREE="$1"
WORK="$2"
VENV="$ROOT/.venv"
PACKAGING="$ROOT/.venv-packaging"
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "$WORK/dist" "$WORK/installed" "$WORK/run"

echo "-- antsibull-changelog lint (fragments) and lint-changelog-yaml (the released changelog)"
(cd "$TREE" && "$PACKAGING/bin/antsibull-changelog" lint && \
    "$PACKAGING/bin/antsibull-changelog" lint-changelog-yaml changelogs/changelog.yaml) ||
    fail "the changelog fragments or changelogs/changelog.yaml have the problems above"

echo "-- ansible-galaxy collection build"
"$VENV/bin/ansible-galaxy" collection build --force --output-path "$WORK/dist" "$TREE"
tarball="$(echo "$WORK"/dist/vmcpu-profiles-*.tar.gz)"
[ -f "$tarball" ] || fail "no tarball built in $WORK/dist"

echo "-- tarball content"
tar -tzf "$tarball" >"$WORK/content.txt"
for wanted in LICENSE README.md bindep.txt requirements.txt meta/runtime.yml meta/execution-environment.yml \
    roles/migration_gate/meta/main.yml playbooks/generate_profile.yml schemas/profile.schema.json \
    bundled_profiles/skylake-server.json bundled_profiles/skylake-server.md; do
    grep -qx "$wanted" "$WORK/content.txt" || fail "$wanted is not in $tarball"
done
# Development files and caches never ship (galaxy.yml build_ignore).
if grep -E '(^|/)(\.hypothesis|\.pytest_cache|__pycache__|\.venv[^/]*|\.collections)(/|$)|^(facts|profiles|reports|scripts|requirements|tests/output)/|^inventory/shared-dumps\.yml$|\.pyc$' \
    "$WORK/content.txt"; then
    fail "development files in $tarball (above)"
fi
echo "$(wc -l <"$WORK/content.txt") entries, no development files"

echo "-- galaxy-importer"
# ansible-test sanity runs in its own stages; the importer would want a container engine for it.
printf '[galaxy-importer]\nRUN_ANSIBLE_TEST = False\nRUN_ANSIBLE_LINT = True\n' >"$WORK/galaxy-importer.cfg"
# It writes importer_result.json into its working directory.
(cd "$WORK" && GALAXY_IMPORTER_CONFIG="$WORK/galaxy-importer.cfg" PATH="$PACKAGING/bin:$PATH" \
    "$PACKAGING/bin/python" -m galaxy_importer.main "$tarball" >"$WORK/galaxy-importer.log" 2>&1) ||
    { cat "$WORK/galaxy-importer.log"; fail "galaxy-importer refused $tarball"; }
grep -q 'Importer processing completed successfully' "$WORK/galaxy-importer.log" ||
    { cat "$WORK/galaxy-importer.log"; fail "galaxy-importer did not complete"; }
if grep -E '^(ERROR|WARNING)' "$WORK/galaxy-importer.log"; then fail "galaxy-importer reported the above"; fi
grep -q 'ansible-lint run complete' "$WORK/galaxy-importer.log" || fail "galaxy-importer did not run ansible-lint"
echo "galaxy-importer: completed, no errors or warnings"

echo "-- ansible-galaxy collection install"
"$VENV/bin/ansible-galaxy" collection install --force -p "$WORK/installed" "$tarball"
installed="$WORK/installed/ansible_collections/vmcpu/profiles"
[ -f "$installed/MANIFEST.json" ] || fail "the tarball did not install to $installed"

echo "-- antsibull-docs lint-collection-docs (the docsite and every plugin's and role's docs, as docs.ansible.com builds them)"
for wanted in docs/docsite/extra-docs.yml docs/docsite/links.yml docs/docsite/rst/vmm-exports.rst changelogs/changelog.yaml; do
    [ -f "$installed/$wanted" ] || fail "$wanted is not in the installed collection"
done
(cd "$installed" && PATH="$PACKAGING/bin:$PATH" ANSIBLE_COLLECTIONS_PATH="$WORK/installed" PYTHONDONTWRITEBYTECODE=1 \
    "$PACKAGING/bin/antsibull-docs" lint-collection-docs --plugin-docs .) ||
    fail "antsibull-docs lint-collection-docs found the problems above"
echo "antsibull-docs: docsite and plugin docs clean"
touch "$WORK/installed.stamp"  # nothing below may write into the installed collection

echo "-- ansible-builder introspect"
"$PACKAGING/bin/ansible-builder" introspect --sanitize "$WORK/installed" >"$WORK/introspect.txt"
cat "$WORK/introspect.txt"
"$PACKAGING/bin/python" - "$WORK/introspect.txt" <<'PYTHON'
import sys, yaml
found = yaml.safe_load(open(sys.argv[1]))
python, system = found.get('python') or [], found.get('system') or []
assert any(line.startswith('jsonschema') for line in python), 'no jsonschema in %r' % python
for package in ('libvirt0 [platform:dpkg]', 'libvirt-libs [platform:rpm]'):
    assert any(line.startswith(package) for line in system), 'no %s in %r' % (package, system)
print('ansible-builder finds jsonschema and the CPU map packages for dpkg and rpm')
PYTHON

echo "-- every playbook by FQCN from the installed tarball, in an empty folder, PWD as the shell sets it"
cd "$WORK/run"
cat >inventory.yml <<INVENTORY
all:
  vars:
    ansible_connection: local
    ansible_python_interpreter: $VENV/bin/python
  hosts:
    localhost: {}
    also-localhost: {}
INVENTORY
# No ansible.cfg of the checkout: only the installed tarball is on the collections path.
printf '[defaults]\n' >"$WORK/ansible.cfg"
play() {
    ANSIBLE_COLLECTIONS_PATH="$WORK/installed" ANSIBLE_CONFIG="$WORK/ansible.cfg" \
        "$VENV/bin/ansible-playbook" -i inventory.yml "$@"
}
play vmcpu.profiles.gather >gather.log 2>&1 || { cat gather.log; fail "vmcpu.profiles.gather failed"; }
[ -s facts/localhost.json ] || fail "gather wrote no facts/localhost.json in the folder it was started in"
play vmcpu.profiles.generate_profile -l all -e profile_name=here >generate.log 2>&1 ||
    { cat generate.log; fail "vmcpu.profiles.generate_profile failed"; }
for file in profiles/here.json profiles/here.md; do [ -s "$file" ] || fail "generate_profile wrote no $file"; done
play vmcpu.profiles.check_compat -e profile=profiles/here.json >compat.log 2>&1 ||
    { cat compat.log; fail "vmcpu.profiles.check_compat failed"; }
for file in reports/here-compat.json reports/here-compat.xml; do [ -s "$file" ] || fail "check_compat wrote no $file"; done
play vmcpu.profiles.check_pair -e profile=profiles/here.json -e source=localhost -e dest=also-localhost >pair.log 2>&1 ||
    { cat pair.log; fail "vmcpu.profiles.check_pair failed"; }
grep -q 'MIGRATION localhost -> also-localhost on profiles/here.json: YES' pair.log || { cat pair.log; fail "no YES from check_pair"; }
play vmcpu.profiles.whatif -l all -e profile_name=here >whatif.log 2>&1 || { cat whatif.log; fail "vmcpu.profiles.whatif failed"; }
grep -q 'none: every host of the pool has the same CPU.' reports/whatif-here.md || { cat whatif.log; fail "whatif wrote no answer"; }
play vmcpu.profiles.plan_pools -l all -e pools=1 -e profile_name=here >plan.log 2>&1 || { cat plan.log; fail "vmcpu.profiles.plan_pools failed"; }
play vmcpu.profiles.migration_matrix -l all -e profile_name=here >matrix.log 2>&1 || { cat matrix.log; fail "vmcpu.profiles.migration_matrix failed"; }
[ -s reports/matrix-here.md ] || { cat matrix.log; fail "migration_matrix wrote no reports/matrix-here.md"; }
[ -s profiles/here-pool1.json ] || { cat plan.log; fail "plan_pools wrote no profiles/here-pool1.json"; }
# A bundled profile by name: found in the installed collection, wherever it is. This host need not
# be compatible with it (the play then exits non-zero), but the check must have run and reported.
play vmcpu.profiles.check_compat -l localhost -e profile=vmcpu.profiles.skylake-server >bundled.log 2>&1 || true
"$VENV/bin/python" -c 'import json, sys; report = json.load(open(sys.argv[1])); assert report["profile"] == "skylake-server", report' \
    reports/skylake-server-compat.json || { cat bundled.log; fail "check_compat did not check the bundled profile by name"; }
if play vmcpu.profiles.check_compat -l localhost -e profile=vmcpu.profiles.no-such-profile >unknown.log 2>&1; then
    fail "check_compat accepted an unknown bundled profile name"
fi
grep -q 'bundled profiles: vmcpu.profiles.broadwell-server, ' unknown.log ||
    { cat unknown.log; fail "an unknown bundled profile name does not list the bundled ones"; }
echo "bundled profiles by name: vmcpu.profiles.skylake-server checked; an unknown name lists the bundled ones"
if find "$installed" -newer "$WORK/installed.stamp" | grep .; then
    fail "files written inside the installed collection (above)"
fi
echo "gather, generate_profile, check_compat, check_pair, whatif, plan_pools, migration_matrix: ran from the installed tarball, output in $WORK/run"

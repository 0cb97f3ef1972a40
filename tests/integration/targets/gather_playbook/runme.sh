#!/usr/bin/env bash
# shellcheck disable=SC2154  # collection_root and python are set by setup_vmcpu_env/env.sh
# playbooks/gather.yml end to end: one live host and one host described by a dump through the host
# variable cpu_facts_src; both facts files are written, valid against the schema, and a second run
# changes nothing.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=../setup_vmcpu_env/env.sh
source "$(dirname "$0")/../setup_vmcpu_env/env.sh"
facts_dir="$OUTPUT_DIR/facts"

cpuid -r >"$OUTPUT_DIR/dump.cpuid"
cat >"$OUTPUT_DIR/inventory.yml" <<INVENTORY
all:
  vars:
    ansible_connection: local
    ansible_python_interpreter: $python
  hosts:
    live_host: {}
    dump_host:
      cpu_facts_src: $OUTPUT_DIR/dump.cpuid
INVENTORY

run_gather() {
    ansible-playbook -i "$OUTPUT_DIR/inventory.yml" vmcpu.profiles.gather -e "vmcpu_facts_dir=$facts_dir" "$@"
}

run_gather | tee "$OUTPUT_DIR/first.log"
grep -q 'live_host: .* logical CPUs' "$OUTPUT_DIR/first.log"
grep -q 'dump_host: .* KVM no (facts imported from a dump file)' "$OUTPUT_DIR/first.log"
# Each host's line: its x86-64 level, then where its facts came from.
grep -Eq 'dump_host: .* feature MSRs; (x86-64(-v[234])?|below x86-64); gathered now"' "$OUTPUT_DIR/first.log"
# The facts files are written by one controller task for all hosts.
grep -Eq 'changed: \[(live|dump)_host -> localhost\]' "$OUTPUT_DIR/first.log" ||
    fail "the facts files were not written by one task on the controller"

"$python" - "$collection_root/schemas/host_facts.schema.json" "$facts_dir" <<'PYTHON'
import json, sys, jsonschema
schema_path, facts_dir = sys.argv[1:]
validator = jsonschema.Draft202012Validator(json.load(open(schema_path)))
live = json.load(open(facts_dir + '/live_host.json'))
dump = json.load(open(facts_dir + '/dump_host.json'))
for facts in (live, dump):
    validator.validate(facts)
assert live['source'] == 'live', live['source']
assert dump['source'].startswith('cpuid_raw:'), dump['source']
assert [g['cpus'] for g in live['raw_cpuid']['groups']] == [g['cpus'] for g in dump['raw_cpuid']['groups']]
print('facts files valid:', sorted(live), len(dump['raw_cpuid']['groups']), 'group(s)')
PYTHON

run_gather | tee "$OUTPUT_DIR/second.log"
grep -Eq 'dump_host +: ok=[0-9]+ +changed=0 ' "$OUTPUT_DIR/second.log"
grep -Eq 'live_host +: ok=[0-9]+ +changed=0 ' "$OUTPUT_DIR/second.log"

# Check mode writes nothing and shows the file it would write.
mv "$facts_dir/dump_host.json" "$OUTPUT_DIR/dump_host.json.kept"
run_gather --check --diff >"$OUTPUT_DIR/check.log"
[ ! -e "$facts_dir/dump_host.json" ] || fail "check mode wrote a facts file"
grep -q "^+++ after: $facts_dir/dump_host.json" "$OUTPUT_DIR/check.log" ||
    { cat "$OUTPUT_DIR/check.log"; fail "check mode with --diff showed no diff of the facts file"; }
mv "$OUTPUT_DIR/dump_host.json.kept" "$facts_dir/dump_host.json"

# -e vmcpu_facts_files=false writes no file; the summary is still there.
run_gather -e vmcpu_facts_files=false -e "vmcpu_facts_dir=$OUTPUT_DIR/unused" >"$OUTPUT_DIR/nofiles.log"
[ ! -e "$OUTPUT_DIR/unused" ] || fail "vmcpu_facts_files=false wrote facts files"
grep -q 'dump_host: .*; gathered now' "$OUTPUT_DIR/nofiles.log" || fail "no summary without facts files"

# A host name that is a path: its facts file stays in the facts folder, named by host_file_stem, and
# the cluster_profile lookup reads it back as that host.
mkdir -p "$OUTPUT_DIR/names/facts/inner"
cat >"$OUTPUT_DIR/names/inventory.yml" <<INVENTORY
all:
  vars:
    ansible_connection: local
    ansible_python_interpreter: $python
  hosts:
    "../escaped host;\$(id)":
      cpu_facts_src: $OUTPUT_DIR/dump.cpuid
INVENTORY
ansible-playbook -i "$OUTPUT_DIR/names/inventory.yml" vmcpu.profiles.gather \
    -e "vmcpu_facts_dir=$OUTPUT_DIR/names/facts/inner" >"$OUTPUT_DIR/names/gather.log" 2>&1 ||
    { cat "$OUTPUT_DIR/names/gather.log"; fail "gather.yml failed for a host named like a path"; }
[ "$(ls "$OUTPUT_DIR/names/facts/inner")" = '%2E%2E%2Fescaped%20host%3B%24%28id%29.json' ] ||
    fail "facts file of a host named like a path: $(ls -A "$OUTPUT_DIR/names/facts/inner")"
[ "$(ls -A "$OUTPUT_DIR/names/facts")" = inner ] || fail "a file was written outside the facts folder"
"$python" - "$OUTPUT_DIR/names/facts/inner" <<'PYTHON'
import glob, subprocess, sys
path = glob.glob(sys.argv[1] + '/*.json')[0]
out = subprocess.run(['ansible', 'localhost', '-m', 'ansible.builtin.debug', '-a',
                      "msg={{ lookup('vmcpu.profiles.cluster_profile', '%s', name='x').provenance.hosts[0].name }}" % path],
                     capture_output=True, text=True, check=True).stdout
assert '../escaped host;$(id)' in out, out
print('the lookup reads the facts file back as host ../escaped host;$(id)')
PYTHON

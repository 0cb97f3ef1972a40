#!/usr/bin/env bash
# shellcheck disable=SC2154  # collection_root, python and the fleet (use_fleet) are set by setup_vmcpu_env/env.sh
# playbooks/generate_profile.yml end to end: two EPYC hosts described by real dumps (cpu_facts_src),
# the profile named after the limit, written with its Markdown and HTML reports, valid against the
# schema; a second run changes nothing, a missing report is written again alone; a limit that is no
# valid profile name fails with a clear message; the feature_matrix lookup refuses other hosts.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=../setup_vmcpu_env/env.sh
source "$(dirname "$0")/../setup_vmcpu_env/env.sh"
use_fleet
cat >"$OUTPUT_DIR/inventory.yml" <<INVENTORY
all:
  vars:
    ansible_connection: local
    ansible_python_interpreter: $python
  children:
    epyc_hosts:
      hosts:
        naples: {cpu_facts_src: $naples_dump}
        milan: {cpu_facts_src: $milan_dump}
INVENTORY

generate() {
    ansible-playbook -i "$OUTPUT_DIR/inventory.yml" vmcpu.profiles.generate_profile \
        -e "vmcpu_profiles_dir=$OUTPUT_DIR/profiles" -e "vmcpu_facts_dir=$OUTPUT_DIR/facts" "$@"
}

generate -l epyc_hosts | tee "$OUTPUT_DIR/first.log"
grep -q 'profile epyc_hosts (AuthenticAMD, 2 hosts, x86-64-v3): ' "$OUTPUT_DIR/first.log"
test -s "$OUTPUT_DIR/profiles/epyc_hosts.md"
# The HTML report: the matrix has a row for epyc_feature, which naples lacks (tests/unit renders the
# page in Chromium; here: written by the playbook, one page, nothing loaded from elsewhere).
html="$OUTPUT_DIR/profiles/epyc_hosts.html"
grep -q '<table class="matrix" id="feature-matrix">' "$html"
grep -q "<code>$epyc_feature</code>" "$html"
grep -q '<li id="cpu-2"><b>C2</b>, ' "$html"
if grep -Eq '<script|<link|(src|href)="[^#]' "$html"; then fail "the HTML report loads something from elsewhere"; fi

"$python" - "$collection_root/schemas/profile.schema.json" "$OUTPUT_DIR/profiles/epyc_hosts.json" <<'PYTHON'
import json, os, sys, jsonschema
schema, profile = (json.load(open(path)) for path in sys.argv[1:])
# epyc_feature: naples lacks it, milan has it (tests/guest/fleet.py checks that in their CPUID).
feature = os.environ['epyc_feature']
jsonschema.Draft202012Validator(schema).validate(profile)
assert profile['name'] == 'epyc_hosts'
assert sorted(h['name'] for h in profile['provenance']['hosts']) == ['milan', 'naples']
assert 'avx2' in profile['features'] and feature not in profile['features']
assert profile['explanation'][feature]['limited_by'] == {'naples': 0}
print('profile valid:', len(profile['features']), 'features')
PYTHON

generate -l epyc_hosts | tee "$OUTPUT_DIR/second.log"
grep -Eq 'localhost +: ok=[0-9]+ +changed=0 |naples +: ok=[0-9]+ +changed=0 ' "$OUTPUT_DIR/second.log"
if grep -q 'changed: \[.*\] => (item=epyc_hosts' "$OUTPUT_DIR/second.log"; then
    echo "second run rewrote the profile" >&2
    exit 1
fi

# A report deleted by hand comes back, and only it: the profile is unchanged.
rm "$html"
generate -l epyc_hosts | tee "$OUTPUT_DIR/third.log"
test -s "$html"
grep -q 'changed: \[.*\] => (item=epyc_hosts.html)' "$OUTPUT_DIR/third.log"
if grep -Eq 'changed: \[.*\] => \(item=epyc_hosts\.(json|md)\)' "$OUTPUT_DIR/third.log"; then
    fail "the unchanged profile was rewritten with its missing report"
fi

matrix() {
    ansible localhost -m ansible.builtin.debug -a "msg={{ lookup('vmcpu.profiles.feature_matrix', $1,
        profile=lookup('ansible.builtin.file', '$OUTPUT_DIR/profiles/epyc_hosts.json') | from_json) }}"
}
matrix "'$OUTPUT_DIR/facts/naples.json', '$OUTPUT_DIR/facts/milan.json'" | tee "$OUTPUT_DIR/matrix.log"
grep -q '"left_out": {' "$OUTPUT_DIR/matrix.log"
expect_refusal matrix-missing.log "the hosts given are not those of profile epyc_hosts: missing milan" \
    matrix "'$OUTPUT_DIR/facts/naples.json'"

if generate -l 'naples:milan' >"$OUTPUT_DIR/bad.log" 2>&1; then
    echo "a limit that is no profile name was accepted" >&2
    exit 1
fi
grep -q "invalid profile name 'naples:milan'" "$OUTPUT_DIR/bad.log"

# profile_min_level: EPYC 7601 and 7713 keep x86-64-v3 and lack AVX-512.
generate -l epyc_hosts -e profile_min_level=x86-64-v3 | tee "$OUTPUT_DIR/level.log"
grep -q 'profile epyc_hosts (AuthenticAMD, 2 hosts, x86-64-v3): ' "$OUTPUT_DIR/level.log"
if generate -l epyc_hosts -e profile_min_level=x86-64-v4 >"$OUTPUT_DIR/v4.log" 2>&1; then
    echo "a profile below profile_min_level was accepted" >&2
    exit 1
fi
grep -q 'profile epyc_hosts is x86-64-v3, below min_level x86-64-v4; it lacks avx512bw, avx512cd, avx512dq, avx512f, avx512vl' "$OUTPUT_DIR/v4.log"
grep -q '(hosts without them: milan, naples)' "$OUTPUT_DIR/v4.log"

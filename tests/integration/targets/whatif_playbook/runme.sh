#!/usr/bin/env bash
# shellcheck disable=SC2154  # collection_root, python and the fleet (use_fleet) are set by setup_vmcpu_env/env.sh
# playbooks/whatif.yml end to end: four Xeons, where broadwell lacks odd_feature. Who holds the pool
# back (broadwell first, gaining odd_feature), a named host leaving, broadwell as a candidate joining
# the three others, and the bad inputs: a candidate of another vendor, one not targeted, an unknown
# host to leave.
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
    xeons:
      hosts:
        skylake: {cpu_facts_src: $skylake_dump}
        cascadelake: {cpu_facts_src: $cascadelake_dump}
        icelake: {cpu_facts_src: $icelake_dump}
        broadwell: {cpu_facts_src: $broadwell_dump}
    epycs:
      hosts:
        naples: {cpu_facts_src: $naples_dump}
INVENTORY

whatif() {
    ansible-playbook -i "$OUTPUT_DIR/inventory.yml" vmcpu.profiles.whatif \
        -e "vmcpu_reports_dir=$OUTPUT_DIR/reports" -e "vmcpu_facts_dir=$OUTPUT_DIR/facts" "$@"
}

whatif -l xeons | tee "$OUTPUT_DIR/all.log"
grep -q "if \`broadwell\` left: the profile would gain " "$OUTPUT_DIR/all.log"
"$python" - "$OUTPUT_DIR/reports/whatif-xeons.json" <<'PYTHON'
import json, os, sys
answer = json.load(open(sys.argv[1]))
feature = os.environ['odd_feature']
assert answer['name'] == 'xeons' and answer['hosts'] == 4, answer
first = answer['leave'][0]
assert first['hosts'] == ['broadwell'] and feature in first['gains'], first
gains = [len(entry['gains']) for entry in answer['leave']]
assert gains == sorted(gains, reverse=True), gains
print('broadwell holds the pool back by %d features' % len(first['gains']))
PYTHON
test -s "$OUTPUT_DIR/reports/whatif-xeons.md"

whatif -l xeons -e leave=skylake -e profile_name=xeons-skylake
"$python" -c 'import json, sys; a = json.load(open(sys.argv[1])); assert [e["hosts"] for e in a["leave"]] == [["skylake"]], a' \
    "$OUTPUT_DIR/reports/whatif-xeons-skylake.json"

whatif -l 'skylake:cascadelake:icelake:broadwell' -e join=broadwell -e leave= -e profile_name=newer
"$python" - "$OUTPUT_DIR/reports/whatif-newer.json" <<'PYTHON'
import json, os, sys
answer = json.load(open(sys.argv[1]))
assert answer['hosts'] == 3 and answer['leave'] is None, answer
assert [e['host'] for e in answer['join']] == ['broadwell'] and os.environ['odd_feature'] in answer['join'][0]['loses'], answer
PYTHON

expect_refusal vendor.log "candidate naples has CPU vendor 'AuthenticAMD', the pool 'GenuineIntel'" whatif -l 'xeons:naples' -e join=naples
expect_refusal untargeted.log "join host(s) naples not targeted" whatif -l xeons -e join=naples
expect_refusal unknown.log "cannot leave host(s) nosuch: not in the pool" whatif -l xeons -e leave=nosuch

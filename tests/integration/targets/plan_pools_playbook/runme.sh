#!/usr/bin/env bash
# shellcheck disable=SC2154  # collection_root, python and the fleet (use_fleet) are set by setup_vmcpu_env/env.sh
# playbooks/plan_pools.yml end to end: four Xeons and two EPYCs split into two pools (one per vendor,
# as hosts of different vendors never share one), each pool's profile valid and written with its
# report, the plan written and printed; three pools; the bad inputs: no split given, too many pools.
# Then playbooks/migration_matrix.yml over the same hosts.
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
    fleet:
      hosts:
        skylake: {cpu_facts_src: $skylake_dump}
        cascadelake: {cpu_facts_src: $cascadelake_dump}
        icelake: {cpu_facts_src: $icelake_dump}
        broadwell: {cpu_facts_src: $broadwell_dump}
        naples: {cpu_facts_src: $naples_dump}
        milan: {cpu_facts_src: $milan_dump}
INVENTORY

plan() {
    ansible-playbook -i "$OUTPUT_DIR/inventory.yml" vmcpu.profiles.plan_pools -e "vmcpu_profiles_dir=$OUTPUT_DIR/profiles" \
        -e "vmcpu_reports_dir=$OUTPUT_DIR/reports" -e "vmcpu_facts_dir=$OUTPUT_DIR/facts" "$@"
}

plan -l fleet -e pools=2 | tee "$OUTPUT_DIR/two.log"
grep -qF "# Migration pools for \`fleet\`" "$OUTPUT_DIR/two.log"
"$python" - "$collection_root/schemas/profile.schema.json" "$OUTPUT_DIR" <<'PYTHON'
import json, sys, jsonschema
schema, out = json.load(open(sys.argv[1])), sys.argv[2]
plan = json.load(open(out + '/reports/plan-fleet.json'))
assert [sorted(pool['hosts']) for pool in plan['pools']] == [['broadwell', 'cascadelake', 'icelake', 'skylake'],
                                                           ['milan', 'naples']], plan['pools']
for pool in plan['pools']:
    profile = json.load(open('%s/profiles/%s.json' % (out, pool['name'])))
    jsonschema.Draft202012Validator(schema).validate(profile)
    assert profile['digest'] == pool['profile']['digest']
    assert open('%s/profiles/%s.md' % (out, pool['name'])).read().startswith('# CPU profile `%s`' % pool['name'])
print('two pools:', [pool['name'] for pool in plan['pools']])
PYTHON
test -s "$OUTPUT_DIR/reports/plan-fleet.md"

plan -l fleet -e pools=3 -e profile_name=three
"$python" -c 'import json, sys; p = json.load(open(sys.argv[1])); assert len(p["pools"]) == 3, p' "$OUTPUT_DIR/reports/plan-three.json"

expect_refusal neither.log "give -e pools=K (how many pools) or -e min_pool_size=N" plan -l fleet
expect_refusal many.log "pools=9, but the fleet has 6 distinct CPUs" plan -l fleet -e pools=9

# playbooks/migration_matrix.yml on the same hosts: every cell is yes or no, each no has reasons, a CPU
# can always move to itself, and an EPYC never to a Xeon.
ansible-playbook -i "$OUTPUT_DIR/inventory.yml" vmcpu.profiles.migration_matrix -l fleet \
    -e "vmcpu_reports_dir=$OUTPUT_DIR/reports" -e "vmcpu_facts_dir=$OUTPUT_DIR/facts" | tee "$OUTPUT_DIR/matrix.log"
grep -qF "# Migration matrix of" "$OUTPUT_DIR/matrix.log"
"$python" - "$OUTPUT_DIR/reports/matrix-fleet.json" <<'PYTHON'
import json, sys
answer = json.load(open(sys.argv[1]))
names = [cpu['name'] for cpu in answer['cpus']]
assert sorted(names) == ['broadwell', 'cascadelake', 'icelake', 'milan', 'naples', 'skylake'], names
assert all(answer['moves'][name][name] == [] for name in names)
assert 'CPU vendor' in answer['moves']['naples']['skylake'][0]
print('matrix: %d of %d moves possible' % (sum(not answer['moves'][a][b] for a in names for b in names if a != b),
                                           len(names) * (len(names) - 1)))
PYTHON
test -s "$OUTPUT_DIR/reports/matrix-fleet.md"

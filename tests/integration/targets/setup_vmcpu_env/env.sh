# shellcheck shell=bash
# Sourced by the runme.sh targets (alias needs/target/setup_vmcpu_env): where the collection under
# test, the shared real-CPU dumps and the target's Python are, and the test fleet (use_fleet).

# ansible-test runs a copy of each target elsewhere; the collection under test is on its collections path.
collection_root="$(ansible-galaxy collection list vmcpu.profiles --format json |
    python -c 'import json, sys; print(next(iter(json.load(sys.stdin))))')/vmcpu/profiles"
# scripts/test.sh passes the path of ../shared as vmcpu_shared in integration_config.yml, and may
# choose the fleet's source (vmcpu_fleet_source: qemu) to test what a clone without ../shared tests.
config="$collection_root/tests/integration/integration_config.yml"
shared="$(python -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1])).get("vmcpu_shared") or "")' "$config")"
fleet_source_wanted="$(python -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1])).get("vmcpu_fleet_source") or "")' \
    "$config")"
# and the Python of .venv-nova (Nova's own nova.conf parser) as vmcpu_nova_python.
nova_python="$(python -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1])).get("vmcpu_nova_python") or "")' "$config")"
# and the site-packages of .venv-collections (community.general, requirements/collections.txt) as
# vmcpu_test_collections.
test_collections="$(python -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1])).get("vmcpu_test_collections") or "")' \
    "$config")"
python="$(command -v python)"
export collection_root shared nova_python test_collections python
# Python snippets of the targets import the collection under test.
PYTHONPATH="$(cd "$collection_root/../../.." && pwd)${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONPATH

# use_fleet: the dump of each test host (skylake_dump, cascadelake_dump, icelake_dump, broadwell_dump,
# naples_dump, milan_dump), odd_feature (the Xeons have it, broadwell lacks it) and epyc_feature (milan
# has it, naples lacks it): the real
# dumps of ../shared when present, else made now by booting the installed QEMU's CPU models
# (tests/guest/fleet.py).
use_fleet() {
    local assignments
    assignments="$(python "$collection_root/tests/guest/fleet.py" "$OUTPUT_DIR/fleet" --shared "$shared" \
        ${fleet_source_wanted:+--source "$fleet_source_wanted"})" || fail "no test fleet (tests/guest/fleet.py)"
    eval "$assignments"  # fleet_source, odd_feature, epyc_feature and <host>_dump for each host
    export odd_feature epyc_feature
    echo "test fleet: ${fleet_source:?} dumps ($OUTPUT_DIR/fleet/fleet.json)"
}

fail() { echo "FAIL: $*" >&2; exit 1; }

# gate_playbook FILE: a playbook that runs the role vmcpu.profiles.migration_gate on all hosts.
gate_playbook() {
    cat >"$1" <<'PLAYBOOK'
- name: Gate
  hosts: all
  gather_facts: false
  roles:
    - role: vmcpu.profiles.migration_gate
PLAYBOOK
}

# skylake_server_profile: generate_profile.yml over the hosts skylake and cascadelake of
# $OUTPUT_DIR/inventory.yml, into $OUTPUT_DIR/profiles/skylake-server.json (the gate targets' profile).
skylake_server_profile() {
    (cd "$OUTPUT_DIR" && ansible-playbook -i "$OUTPUT_DIR/inventory.yml" vmcpu.profiles.generate_profile \
        -l skylake,cascadelake -e profile_name=skylake-server -e "vmcpu_profiles_dir=$OUTPUT_DIR/profiles" \
        -e "vmcpu_facts_dir=$OUTPUT_DIR/facts" >"$OUTPUT_DIR/generate.log") ||
        { cat "$OUTPUT_DIR/generate.log"; fail "generate_profile failed"; }
}

# expect_refusal LOG MESSAGE COMMAND ARGS...: COMMAND (a function of the target, or a program) run with
# ARGS fails without a traceback, and its output (kept in $OUTPUT_DIR/LOG) has MESSAGE.
expect_refusal() {
    local log="$OUTPUT_DIR/$1" message="$2"
    shift 2
    if "$@" >"$log" 2>&1; then cat "$log"; fail "run expected to fail succeeded ($log)"; fi
    grep -qF -- "$message" "$log" || { cat "$log"; fail "no '$message' in $log"; }
    if grep -q 'Traceback' "$log"; then cat "$log"; fail "traceback in $log"; fi
    echo "ok: refused with: $message"
}

# expect_failure LOG MESSAGE ARGS...: the target's own `gate` function refuses ARGS (expect_refusal).
expect_failure() {
    local log="$1" message="$2"
    shift 2
    expect_refusal "$log" "$message" gate "$@"
}

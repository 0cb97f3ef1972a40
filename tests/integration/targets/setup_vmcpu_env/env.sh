# shellcheck shell=bash
# Sourced by the runme.sh targets (alias needs/target/setup_vmcpu_env): where the collection under
# test, the shared real-CPU dumps and the target's Python are. With require_dumps, a target without
# the dumps (a clone without ../shared) skips with a message.

# ansible-test runs a copy of each target elsewhere; the collection under test is on its collections path.
collection_root="$(ansible-galaxy collection list vmcpu.profiles --format json |
    python -c 'import json, sys; print(next(iter(json.load(sys.stdin))))')/vmcpu/profiles"
# scripts/test.sh passes the path of ../shared as vmcpu_shared in integration_config.yml.
shared="$(python -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["vmcpu_shared"])' \
    "$collection_root/tests/integration/integration_config.yml")"
dumps="$shared/testdata/cpuid/libvirt"
python="$(command -v python)"
export collection_root shared dumps python
# Python snippets of the targets import the collection under test.
PYTHONPATH="$(cd "$collection_root/../../.." && pwd)${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONPATH

require_dumps() {
    if [ ! -d "$dumps" ]; then
        echo "SKIP: no shared dumps at $dumps"
        exit 0
    fi
}

fail() { echo "FAIL: $*" >&2; exit 1; }

# expect_failure LOG MESSAGE ARGS...: the target's own `gate` function, run with ARGS, fails without a
# traceback, and its output (kept in $OUTPUT_DIR/LOG) has MESSAGE.
expect_failure() {
    local log="$OUTPUT_DIR/$1" message="$2"
    shift 2
    if gate "$@" >"$log" 2>&1; then cat "$log"; fail "run expected to fail succeeded ($log)"; fi
    grep -qF -- "$message" "$log" || { cat "$log"; fail "no '$message' in $log"; }
    if grep -q 'Traceback' "$log"; then cat "$log"; fail "traceback in $log"; fi
    echo "ok: refused with: $message"
}

#!/usr/bin/env bash
# shellcheck disable=SC2154  # collection_root, python, test_collections and the fleet are set by setup_vmcpu_env/env.sh
# Ansible's fact cache as the store of CPU facts, with the builtin jsonfile cache and with Redis
# (community.general.redis, a redis-server started here on 127.0.0.1): the fleet gathered in two
# slices (-l 'fleet[0:1]', -l 'fleet[2:3]'), then generate_profile.yml -e vmcpu_gather=false computes
# the profile of all four hosts from the cache alone, equal (digest) to the profile of one gathering
# pass without any cache, and says each host's facts came from the cache. vmcpu_facts_max_age
# regathers only stale hosts; a host without cached facts, or that fails in this run while its cached
# facts exist, fails the run naming it; check_compat.yml -e vmcpu_gather=false checks the cached facts.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=../setup_vmcpu_env/env.sh
source "$(dirname "$0")/../setup_vmcpu_env/env.sh"
use_fleet
out="$OUTPUT_DIR"

write_inventory() {  # FILE BROADWELL_DUMP
    cat >"$1" <<INVENTORY
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
        broadwell: {cpu_facts_src: $2}
    spare:
      hosts:
        never_gathered: {cpu_facts_src: $skylake_dump}
INVENTORY
}
write_inventory "$out/inventory.yml" "$broadwell_dump"
write_inventory "$out/inventory-broken.yml" "$out/no-such-dump.cpuid"

play() { (cd "$out" && ansible-playbook -i "$out/inventory.yml" "$@"); }
digest_of() { "$python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["digest"])' "$1"; }

# The reference: one gathering pass, no fact cache.
env -u ANSIBLE_CACHE_PLUGIN ANSIBLE_CACHE_PLUGIN=memory bash -c \
    "cd '$out' && ansible-playbook -i '$out/inventory.yml' vmcpu.profiles.generate_profile -l fleet -e profile_name=fleet \
     -e vmcpu_profiles_dir='$out/one-pass' -e vmcpu_facts_dir='$out/facts'" >"$out/one-pass.log" ||
    { cat "$out/one-pass.log"; fail "generate_profile (one pass) failed"; }
one_pass="$(digest_of "$out/one-pass/fleet.json")"
echo "one pass: $one_pass"

# check_cache NAME: the whole story on the cache configured in the environment.
check_cache() {
    local name="$1" log="$out/$1"
    mkdir -p "$log"
    play vmcpu.profiles.gather -l 'fleet[0:1]' -e vmcpu_facts_files=false >"$log/slice1.log" ||
        { cat "$log/slice1.log"; fail "$name: gathering slice 1 failed"; }
    play vmcpu.profiles.gather -l 'fleet[2:3]' -e vmcpu_facts_files=false >"$log/slice2.log" ||
        { cat "$log/slice2.log"; fail "$name: gathering slice 2 failed"; }
    grep -q 'skylake: .*; gathered now' "$log/slice1.log" || { cat "$log/slice1.log"; fail "$name: slice 1 summary"; }
    grep -q 'broadwell: .*; gathered now' "$log/slice2.log" || { cat "$log/slice2.log"; fail "$name: slice 2 summary"; }

    play vmcpu.profiles.generate_profile -l fleet -e profile_name=fleet -e vmcpu_gather=false \
        -e "vmcpu_profiles_dir=$out/$name-profiles" -e vmcpu_facts_files=false >"$log/cached.log" ||
        { cat "$log/cached.log"; fail "$name: generate_profile from the cache failed"; }
    for host in skylake cascadelake icelake broadwell; do
        grep -Eq "$host: .*; from the fact cache, gathered [0-9]+ s ago \([0-9T:Z-]+\)" "$log/cached.log" ||
            { cat "$log/cached.log"; fail "$name: the summary does not say $host's facts came from the cache"; }
    done
    if grep -q 'gathered now' "$log/cached.log"; then cat "$log/cached.log"; fail "$name: a host was gathered"; fi
    [ "$(digest_of "$out/$name-profiles/fleet.json")" = "$one_pass" ] ||
        fail "$name: the profile of the cached slices differs from the one-pass profile"
    echo "ok: $name: the profile of two cached slices is the one-pass profile ($one_pass)"

    # Partial profiles of the slices (profile_partial=true), merged by the filter merge_profiles.
    for slice in 'fleet[0:1]' 'fleet[2:3]'; do
        play vmcpu.profiles.generate_profile -l "$slice" -e "profile_name=slice${slice:6:1}" -e vmcpu_gather=false \
            -e profile_partial=true -e "vmcpu_profiles_dir=$out/$name-slices" -e vmcpu_facts_files=false >"$log/partial.log" ||
            { cat "$log/partial.log"; fail "$name: partial profile of $slice failed"; }
    done
    (cd "$out" && ansible localhost -m ansible.builtin.copy -a "dest=$out/$name-merged.json content={{ query('ansible.builtin.file', \
        '$out/$name-slices/slice0.json', '$out/$name-slices/slice2.json') | map('from_json') | list \
        | vmcpu.profiles.merge_profiles(name='fleet') | to_nice_json }}") >"$log/merge.log" ||
        { cat "$log/merge.log"; fail "$name: merge_profiles failed"; }
    [ "$(digest_of "$out/$name-merged.json")" = "$one_pass" ] ||
        fail "$name: the merged partial profiles of the slices differ from the one-pass profile"
    echo "ok: $name: merge_profiles of the slices' partial profiles is the one-pass profile"

    # Fresh enough: nothing is gathered; older than the maximum age: all are gathered again.
    play vmcpu.profiles.gather -l fleet -e vmcpu_facts_max_age=3600 -e vmcpu_facts_files=false >"$log/fresh.log"
    grep -Eq 'skylake +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0 +skipped=1 ' "$log/fresh.log" ||
        { cat "$log/fresh.log"; fail "$name: a fresh host was gathered again"; }
    sleep 2
    play vmcpu.profiles.gather -l fleet -e vmcpu_facts_max_age=1 -e vmcpu_facts_files=false >"$log/stale.log"
    [ "$(grep -c '; gathered now' "$log/stale.log")" = 4 ] || { cat "$log/stale.log"; fail "$name: stale hosts were not gathered"; }
    echo "ok: $name: vmcpu_facts_max_age regathers only stale hosts"

    # A host never gathered, and a host that fails now while its cached facts exist.
    expect_refusal "$name/missing.log" "no CPU facts for host(s) never_gathered, neither gathered in this play nor in the fact cache" \
        play vmcpu.profiles.generate_profile -e profile_name=all -e vmcpu_gather=false -e "vmcpu_profiles_dir=$out/$name-all"
    [ ! -e "$out/$name-all" ] || fail "$name: a profile was written without never_gathered"
    expect_refusal "$name/failed.log" "host(s) broadwell failed or were unreachable while gathering" \
        bash -c "cd '$out' && ansible-playbook -i '$out/inventory-broken.yml' vmcpu.profiles.generate_profile -l fleet \
                 -e profile_name=fleet -e vmcpu_profiles_dir='$out/$name-broken'"
    [ ! -e "$out/$name-broken" ] || fail "$name: a profile was written from broadwell's cached facts"

    # check_compat on the cached facts: every host checked, none contacted, each result says so.
    play vmcpu.profiles.check_compat -l 'fleet:!broadwell' -e profile=one-pass/fleet.json -e vmcpu_gather=false \
        -e "vmcpu_reports_dir=$out/$name-reports" >"$log/compat.log" || { cat "$log/compat.log"; fail "$name: check_compat"; }
    "$python" - "$out/$name-reports/fleet-compat.json" <<'PYTHON'
import json, sys
report = json.load(open(sys.argv[1]))
hosts = {h['host']: h for h in report['hosts']}
assert sorted(hosts) == ['cascadelake', 'icelake', 'skylake'], sorted(hosts)
for host in hosts.values():
    assert host['compatible'] and host['facts_from'] == 'cache' and isinstance(host['facts_age'], int), host
print('check_compat from the cache:', {h: v['facts_age'] for h, v in hosts.items()})
PYTHON
}

# -- jsonfile ---------------------------------------------------------------------------------------
export ANSIBLE_CACHE_PLUGIN=jsonfile ANSIBLE_CACHE_PLUGIN_CONNECTION="$out/jsonfile-cache"
check_cache jsonfile
# ansible-core 2.19 names the file s1_<host> (its serialisation version), earlier releases <host>.
find "$out/jsonfile-cache" -type f -size +1k | grep -Eq '/(s[0-9]+_)?skylake$' ||
    { ls -l "$out/jsonfile-cache"; fail "jsonfile: no cache file for skylake"; }
# A maximum age that is not a number of seconds stops the run before any host is gathered.
expect_refusal jsonfile/max-age-text.log "vmcpu.profiles.facts_stale: the maximum age must be a number of seconds, got " \
    play vmcpu.profiles.gather -l fleet -e vmcpu_facts_max_age=soon -e vmcpu_facts_files=false
expect_refusal jsonfile/max-age-negative.log "vmcpu.profiles.facts_stale: the maximum age must be 0 or more seconds, got -5." \
    play vmcpu.profiles.gather -l fleet -e vmcpu_facts_max_age=-5 -e vmcpu_facts_files=false
for log in max-age-text max-age-negative; do
    if grep -q 'TASK \[Read CPUID' "$out/jsonfile/$log.log"; then cat "$out/jsonfile/$log.log"; fail "$log: cpu_facts ran"; fi
done

# -- Redis ------------------------------------------------------------------------------------------
[ -d "$test_collections/ansible_collections/community/general" ] ||
    fail "no community.general under '$test_collections' (scripts/setup.sh makes .venv-collections)"
port="$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$out" >"$out/redis.log" 2>&1 &
redis_pid=$!
trap 'kill "$redis_pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
redis-cli -p "$port" ping | grep -q PONG || { cat "$out/redis.log"; fail "redis-server did not start"; }
ANSIBLE_COLLECTIONS_PATH="$(cd "$collection_root/../../.." && pwd):$test_collections"
export ANSIBLE_COLLECTIONS_PATH ANSIBLE_CACHE_PLUGIN=community.general.redis ANSIBLE_CACHE_PLUGIN_CONNECTION="127.0.0.1:$port:0"
check_cache redis
redis-cli -p "$port" --raw keys '*' | grep -Eqx 'ansible_facts(s[0-9]+_)?skylake' ||
    { redis-cli -p "$port" keys '*'; fail "redis: the facts of skylake are not in Redis"; }
echo "ok: Redis holds $(redis-cli -p "$port" dbsize) keys"

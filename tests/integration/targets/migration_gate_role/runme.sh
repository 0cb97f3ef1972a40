#!/usr/bin/env bash
# shellcheck disable=SC2154  # collection_root, python and the fleet (use_fleet) are set by setup_vmcpu_env/env.sh
# The role vmcpu.profiles.migration_gate end to end, on local-connection hosts described by real dumps
# (cpu_facts_src), each with its own migration_gate_root under $OUTPUT_DIR:
# a 3-host cluster (Skylake + Cascade Lake make the profile, Broadwell is the odd one out); files,
# modes and content; a second run changes nothing; check mode writes nothing; diff mode shows the
# diff; drift is reported and re-checked; every kind of bad input fails with its message and
# without touching the hosts; two gate runs at once on one host leave consistent files.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=../setup_vmcpu_env/env.sh
source "$(dirname "$0")/../setup_vmcpu_env/env.sh"
use_fleet
out="$OUTPUT_DIR"
cat >"$out/inventory.yml" <<INVENTORY
all:
  vars:
    ansible_connection: local
    ansible_python_interpreter: $python
    gate_roots: $out/roots
    migration_gate_root: "{{ gate_roots }}/{{ inventory_hostname }}"
    migration_gate_enable_command: "touch {{ migration_gate_root }}/enable-ran"
    migration_gate_disable_command: "touch {{ migration_gate_root }}/disable-ran"
  children:
    cluster:
      children:
        sky_cas:
          hosts:
            skylake: {cpu_facts_src: $skylake_dump}
            cascadelake: {cpu_facts_src: $cascadelake_dump}
        odd:
          hosts:
            broadwell: {cpu_facts_src: $broadwell_dump}
    amd:
      hosts:
        naples: {cpu_facts_src: $naples_dump}
    nofacts:
      hosts:
        ghost: {cpu_facts_src: $out/no-such-dump.xml}
INVENTORY
cat >"$out/gate.yml" <<'PLAYBOOK'
- name: Gate
  hosts: all
  gather_facts: false
  roles:
    - role: vmcpu.profiles.migration_gate
  post_tasks:
    - name: Show the ready group
      ansible.builtin.debug:
        msg: "READY={{ groups['vmcpu_migration_ready'] | default([]) | sort | join(',') }}"
      run_once: true
PLAYBOOK

gate() { ansible-playbook -i "$out/inventory.yml" "$out/gate.yml" "$@"; }

# The profile of the two newer hosts, made by the collection's own playbook.
(cd "$out" && ansible-playbook -i "$out/inventory.yml" vmcpu.profiles.generate_profile -l sky_cas \
    -e "vmcpu_profiles_dir=$out/profiles" -e "vmcpu_facts_dir=$out/facts" >"$out/generate.log")
profile="$out/profiles/sky_cas.json"
test -s "$profile"

# -- first run: two hosts enabled, the odd one disabled with reasons; no failure --------------------
gate -l cluster -e "migration_gate_profile=$profile" | tee "$out/run1.log"
grep -q 'READY=cascadelake,skylake$' "$out/run1.log" || grep -q 'READY=cascadelake,skylake"' "$out/run1.log" ||
    fail "group vmcpu_migration_ready is not cascadelake,skylake"
grep -q 'broadwell: not one of the hosts profile' "$out/run1.log" || fail "broadwell drift (not in profile) not reported"
"$python" - "$profile" "$out/roots" <<'PYTHON'
import json, os, stat, sys
profile = json.load(open(sys.argv[1]))
roots = sys.argv[2]
for host, state in (('skylake', 'enabled'), ('cascadelake', 'enabled'), ('broadwell', 'disabled')):
    etc = os.path.join(roots, host, 'etc', 'vmcpu')
    deployed = os.path.join(etc, 'profiles', 'sky_cas.json')
    assert json.load(open(deployed)) == profile, host
    record = json.load(open(os.path.join(etc, 'migration.json')))
    # Both are links into the one generation the run published.
    assert os.readlink(os.path.join(etc, 'migration.json')) == 'current/migration.json', host
    assert os.readlink(os.path.join(etc, 'current')) == 'generations/000001', host
    for path in (deployed, os.path.join(etc, 'migration.json')):
        st = os.stat(path)
        assert stat.S_IMODE(st.st_mode) == 0o644 and st.st_uid == 0, (path, oct(st.st_mode), st.st_uid)
    assert record['profile'] == 'sky_cas' and record['digest'] == profile['digest'], record
    assert record['state'] == state and record['compatible'] == (state == 'enabled'), record
    assert record['checked_at'].endswith('Z'), record
    if state == 'enabled':
        assert record['reasons'] == [] and record['drift']['status'] == 'none', record
        assert os.path.exists(os.path.join(roots, host, 'enable-ran')), host
        assert not os.path.exists(os.path.join(roots, host, 'disable-ran')), host
    else:
        assert record['reasons'] and any(os.environ['odd_feature'] in r for r in record['reasons']), record
        assert record['drift']['status'] == 'not_in_profile', record
        assert os.path.exists(os.path.join(roots, host, 'disable-ran')), host
print('first run: files, modes, records and commands as expected')
PYTHON
cp "$out/roots/skylake/etc/vmcpu/migration.json" "$out/skylake-record-1.json"

# -- second run: nothing changes, checked_at kept, commands not re-run -----------------------------
rm "$out/roots/skylake/enable-ran"
# What killed runs leave behind (a half-built generation, a temporary link, a temporary file of the
# old writer): the next run removes it, even when it changes nothing.
mkdir -p "$out/roots/skylake/etc/vmcpu/generations/.build-x1y2z3/profiles"
echo half >"$out/roots/skylake/etc/vmcpu/generations/.build-x1y2z3/migration.json"
ln -s generations/.build-x1y2z3 "$out/roots/skylake/etc/vmcpu/.current.x1y2z3.tmp"
echo half >"$out/roots/skylake/etc/vmcpu/.migration.json.4242.tmp"
sleep 1
gate -l cluster -e "migration_gate_profile=$profile" | tee "$out/run2.log"
for host in skylake cascadelake broadwell; do
    grep -Eq "^$host +: ok=[0-9]+ +changed=0 " "$out/run2.log" || fail "second run changed $host"
done
cmp "$out/skylake-record-1.json" "$out/roots/skylake/etc/vmcpu/migration.json" || fail "second run rewrote migration.json"
if find "$out/roots/skylake/etc/vmcpu" -name '.*.tmp' -o -name '.build-*' | grep .; then
    fail "leftovers of a killed run were not removed"
fi
test ! -e "$out/roots/skylake/enable-ran" || fail "enable command re-run without a change of decision"

# -- check mode writes nothing; diff mode shows the diff ------------------------------------------
gate -l cluster -e "migration_gate_profile=$profile" -e "gate_roots=$out/checkmode" --check | tee "$out/check.log"
test ! -e "$out/checkmode" || { find "$out/checkmode"; fail "check mode wrote files"; }
# sed -i puts a plain file where the gate's link was: shown, repaired, and the edited file kept aside.
sed -i 's/"state": "enabled"/"state": "bogus"/' "$out/roots/skylake/etc/vmcpu/migration.json"
gate -l skylake -e "migration_gate_profile=$profile" --check --diff | tee "$out/diff.log"
grep -q -- '-    "state": "bogus"' "$out/diff.log" || fail "diff mode shows no removed line"
grep -q -- '+    "state": "enabled"' "$out/diff.log" || fail "diff mode shows no added line"
grep -q '"state": "bogus"' "$out/roots/skylake/etc/vmcpu/migration.json" || fail "check mode changed migration.json"
gate -l skylake -e "migration_gate_profile=$profile" | tee "$out/repair.log"
grep -Eq '^skylake +: ok=[0-9]+ +changed=[1-9]' "$out/repair.log" || fail "the repair run changed nothing"
grep -q '"state": "enabled"' "$out/roots/skylake/etc/vmcpu/migration.json" || fail "repair did not restore the record"
ls "$out/roots/skylake/etc/vmcpu/"migration.json.*~ >/dev/null || fail "no backup of the replaced migration.json"

# -- drift: the profile recorded another kernel for skylake (re-digested, so not tampered) ----------
"$python" - "$profile" "$out/drift/sky_cas.json" <<'PYTHON'
import json, os, sys
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import profile_digest
profile = json.load(open(sys.argv[1]))
host = next(h for h in profile['provenance']['hosts'] if h['name'] == 'xeon-gold-6152' or h['name'] == 'skylake')
host['fingerprint']['kernel'] = '5.10.0-old'
host['fingerprint_digest'] = 'sha256:' + '0' * 64
profile['digest'] = profile_digest(profile)
os.makedirs(os.path.dirname(sys.argv[2]), exist_ok=True)
json.dump(profile, open(sys.argv[2], 'w'), indent=2)
PYTHON
gate -l sky_cas -e "migration_gate_profile=$out/drift/sky_cas.json" -e "gate_roots=$out/drift-roots" | tee "$out/drift.log"
grep -q 'skylake: fingerprint changed since profile sky_cas was made: kernel 5.10.0-old -> ' "$out/drift.log" ||
    fail "drift not reported"
grep -q 're-checked now: compatible' "$out/drift.log" || fail "drift re-check not reported"
grep -q '"status": "changed"' "$out/drift-roots/skylake/etc/vmcpu/migration.json" || fail "drift not recorded"
grep -q '"state": "enabled"' "$out/drift-roots/skylake/etc/vmcpu/migration.json" || fail "drifted host not enabled"

# -- bad input: each refused with its message -----------------------------------------------------
mkdir -p "$out/bad"
"$python" - "$profile" "$out/bad" <<'PYTHON'
import json, sys
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import profile_digest
profile, bad = json.load(open(sys.argv[1])), sys.argv[2]
invalid = dict(profile, vendor='CyrixInstead')
invalid['digest'] = profile_digest(invalid)
json.dump(invalid, open(bad + '/invalid.json', 'w'))
tampered = json.loads(json.dumps(profile))
tampered['features'] = tampered['features'] + ['pretend_feature'] if 'pretend_feature' not in tampered['features'] else []
json.dump(tampered, open(bad + '/tampered.json', 'w'))
evil = dict(profile, name='../evil')
evil['digest'] = profile_digest(evil)
json.dump(evil, open(bad + '/evil.json', 'w'))
open(bad + '/notjson.json', 'w').write('{"name": ')
PYTHON
bad_roots="$out/bad-roots"
expect_failure bad-schema.log 'does not match profile.schema.json at vendor' \
    -l cluster -e "migration_gate_profile=$out/bad/invalid.json" -e "gate_roots=$bad_roots"
expect_failure bad-tampered.log 'was tampered with' \
    -l cluster -e "migration_gate_profile=$out/bad/tampered.json" -e "gate_roots=$bad_roots"
expect_failure bad-missing.log "profile file $out/bad/absent.json does not exist on the controller" \
    -l cluster -e "migration_gate_profile=$out/bad/absent.json" -e "gate_roots=$bad_roots"
expect_failure bad-directory.log "profile file $out/bad is a directory, not a profile file" \
    -l cluster -e "migration_gate_profile=$out/bad" -e "gate_roots=$bad_roots"
mkfifo "$out/bad/fifo.json"
expect_failure bad-fifo.log "profile file $out/bad/fifo.json is not a regular file" \
    -l cluster -e "migration_gate_profile=$out/bad/fifo.json" -e "gate_roots=$bad_roots"
expect_failure bad-name.log "invalid profile name '../evil'" \
    -l cluster -e "migration_gate_profile=$out/bad/evil.json" -e "gate_roots=$bad_roots"
expect_failure bad-json.log 'is not JSON' \
    -l cluster -e "migration_gate_profile=$out/bad/notjson.json" -e "gate_roots=$bad_roots"
expect_failure bad-vmm.log "migration_gate_vmms must be one or more of" \
    -l cluster -e "migration_gate_profile=$profile" -e "gate_roots=$bad_roots" -e '{"migration_gate_vmms": ["nope"]}'
test ! -e "$bad_roots" || { find "$bad_roots"; fail "a refused profile touched a host"; }

# Wrong vendor: the Intel profile on an AMD host is reported, not failed, unless asked.
gate -l naples -e "migration_gate_profile=$profile" -e "gate_roots=$out/amd" | tee "$out/vendor.log"
grep -q 'host CPU vendor is AuthenticAMD, but the profile is for GenuineIntel CPUs' \
    "$out/amd/naples/etc/vmcpu/migration.json" || fail "vendor reason not recorded"
grep -q '"state": "disabled"' "$out/amd/naples/etc/vmcpu/migration.json" || fail "AMD host not disabled"
expect_failure vendor-fail.log 'naples is not compatible with profile sky_cas: host CPU vendor is AuthenticAMD' \
    -l naples -e "migration_gate_profile=$profile" -e "gate_roots=$out/amd" -e migration_gate_fail_on_incompatible=true

# Unwritable destination: the root lies below a regular file.
touch "$out/plainfile"
expect_failure unwritable.log "cannot create the folder $out/plainfile: Not a directory" \
    -l skylake -e "migration_gate_profile=$profile" -e "gate_roots=$out/plainfile"

# Host without facts: its dump is missing. It is disabled and fails; the others are still gated.
expect_failure nofacts.log 'the check could not run on ghost' \
    -l 'ghost:skylake' -e "migration_gate_profile=$profile" -e "gate_roots=$out/nofacts"
grep -q '"state": "disabled"' "$out/nofacts/ghost/etc/vmcpu/migration.json" || fail "host without facts not disabled"
grep -q '"state": "enabled"' "$out/nofacts/skylake/etc/vmcpu/migration.json" || fail "other host not gated"

# -- two gate runs at once on the same hosts, with two different profiles --------------------------
cp "$collection_root/bundled_profiles/skylake-server.json" "$out/skylake-server.json"
for round in 1 2 3; do
    gate -l sky_cas -e "migration_gate_profile=$profile" -e "gate_roots=$out/race" >"$out/race-a-$round.log" 2>&1 &
    pid_a=$!
    gate -l sky_cas -e "migration_gate_profile=$out/skylake-server.json" -e "gate_roots=$out/race" \
        >"$out/race-b-$round.log" 2>&1 &
    pid_b=$!
    wait "$pid_a" || { cat "$out/race-a-$round.log"; fail "concurrent run A failed"; }
    wait "$pid_b" || { cat "$out/race-b-$round.log"; fail "concurrent run B failed"; }
done
"$python" - "$out/race" <<'PYTHON'
import glob, hashlib, json, os, sys
for host in ('skylake', 'cascadelake'):
    etc = os.path.join(sys.argv[1], host, 'etc', 'vmcpu')
    record = json.load(open(os.path.join(etc, 'migration.json')))
    deployed = json.load(open(os.path.join(etc, 'profiles', record['profile'] + '.json')))
    # The record and the profile it names come from the same run (one generation), as its manifest says.
    assert deployed['digest'] == record['digest'], (host, record)
    generation = os.path.join(etc, os.readlink(os.path.join(etc, 'current')))
    manifest = json.load(open(os.path.join(generation, 'manifest.json')))
    for relpath, entry in manifest['files'].items():
        assert hashlib.sha256(open(os.path.join(generation, relpath), 'rb').read()).hexdigest() == entry['sha256']
    for path in glob.glob(os.path.join(etc, 'profiles', '*.json')) + [os.path.join(etc, 'migration.json')]:
        json.load(open(path))
    leftovers = glob.glob(os.path.join(etc, '**', '.*.tmp'), recursive=True)
    assert not leftovers, leftovers
print('concurrent runs: records consistent, every file valid JSON, no temporary files left')
PYTHON
# The lock itself: while another process holds <root>/etc/vmcpu/.gate.lock, a run gives up after
# migration_gate_lock_timeout with a clear message and writes nothing; a patient run waits and succeeds.
lock="$out/race/skylake/etc/vmcpu/.gate.lock"
"$python" -c 'import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(300)' "$lock" "$out/lock-held" &
holder=$!
for _ in $(seq 100); do [ -e "$out/lock-held" ] && break; sleep 0.1; done
test -e "$out/lock-held" || fail "the lock holder did not start"
before="$(sha256sum "$out/race/skylake/etc/vmcpu/migration.json")"
expect_failure locked.log 'another migration gate run holds' -l skylake -e "migration_gate_profile=$profile" \
    -e "gate_roots=$out/race" -e migration_gate_lock_timeout=1
test "$before" = "$(sha256sum "$out/race/skylake/etc/vmcpu/migration.json")" ||
    fail "a run that did not get the lock changed migration.json"
gate -l skylake -e "migration_gate_profile=$profile" -e "gate_roots=$out/race" >"$out/waited.log" 2>&1 &
waiter=$!
sleep 8
kill "$holder"
wait "$holder" || true
wait "$waiter" || { cat "$out/waited.log"; fail "the run waiting for the lock failed"; }
grep -q 'sky_cas' "$out/race/skylake/etc/vmcpu/migration.json" || fail "the waiting run did not write its record"
echo "ok: the gate lock makes a second run wait, and time out when asked"

echo "migration_gate_role: all checks passed"

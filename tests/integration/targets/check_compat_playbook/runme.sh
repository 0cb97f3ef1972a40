#!/usr/bin/env bash
# shellcheck disable=SC2154  # collection_root, python and the fleet (use_fleet) are set by setup_vmcpu_env/env.sh
# playbooks/check_compat.yml and playbooks/check_pair.yml on local-connection hosts described by real
# dumps: a profile of Skylake + Cascade Lake checked against those two and a Broadwell. check_compat
# exits non-zero with the incompatible host after writing the JSON report and a JUnit XML that
# parses as JUnit; it exits 0 on the compatible hosts and writes nothing on any host. The pair check
# says YES for two compatible hosts, NO for an incompatible destination, NO for unreviewed drift and
# YES once the gate has reviewed it.
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
    migration_gate_root: $out/roots/{{ inventory_hostname }}
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
INVENTORY
play() { (cd "$out" && ansible-playbook -i "$out/inventory.yml" "$@"); }

play vmcpu.profiles.generate_profile -l sky_cas -e "vmcpu_profiles_dir=$out/profiles" \
    -e "vmcpu_facts_dir=$out/facts" >"$out/generate.log"

# -- check_compat: one incompatible host -> non-zero, reports written --------------------------------
if play vmcpu.profiles.check_compat -e profile=profiles/sky_cas.json >"$out/compat-all.log" 2>&1; then
    cat "$out/compat-all.log"; fail "check_compat succeeded with an incompatible host"
fi
cat "$out/compat-all.log"
grep -q "check_compat: 1 of 3 hosts are not compatible with profile sky_cas: broadwell (.*host lacks $odd_feature\b" \
    "$out/compat-all.log" || fail "no summary of the refused host"
"$python" - "$out/reports/sky_cas-compat.json" "$out/reports/sky_cas-compat.xml" <<'PYTHON'
import json, os, sys
import xml.etree.ElementTree as ET
report = json.load(open(sys.argv[1]))
assert report['profile'] == 'sky_cas' and report['compatible'] is False, report
by_host = {h['host']: h for h in report['hosts']}
assert sorted(by_host) == ['broadwell', 'cascadelake', 'skylake'], by_host
assert by_host['skylake']['compatible'] and by_host['cascadelake']['compatible']
assert not by_host['broadwell']['compatible'] and by_host['broadwell']['reasons']
assert by_host['broadwell']['drift']['status'] == 'not_in_profile'

# JUnit as GitLab and Jenkins read it: <testsuites> of <testsuite> of <testcase>, counts that add up,
# a <failure message=... type=...> with the reasons as text for the refused host only.
root = ET.parse(sys.argv[2]).getroot()
assert root.tag == 'testsuites', root.tag
suites = root.findall('testsuite')
assert len(suites) == 1
suite = suites[0]
for attribute in ('name', 'tests', 'failures', 'errors'):
    assert attribute in suite.attrib, attribute
cases = suite.findall('testcase')
assert int(suite.get('tests')) == len(cases) == 3
assert int(suite.get('failures')) == 1 and int(suite.get('errors')) == 0
assert int(root.get('tests')) == 3 and int(root.get('failures')) == 1
for case in cases:
    assert case.get('name') and case.get('classname') == 'vmcpu.compat.sky_cas', case.attrib
    failures = case.findall('failure')
    if case.get('name') == 'broadwell':
        assert len(failures) == 1 and failures[0].get('message') and failures[0].get('type') == 'incompatible'
        lines = failures[0].text.splitlines()
        assert lines == by_host['broadwell']['reasons'], lines
        assert any(os.environ['odd_feature'] in line for line in lines)
    else:
        assert not failures and not case.findall('error'), case.get('name')
print('reports: JSON and JUnit XML as expected')
PYTHON
test ! -e "$out/roots" || { find "$out/roots"; fail "check_compat wrote on a host"; }

# -- check_compat on the compatible hosts only -> exit 0 ---------------------------------------------
play vmcpu.profiles.check_compat -e profile=profiles/sky_cas.json -l sky_cas | tee "$out/compat-ok.log"
grep -q 'check_compat: all 2 hosts are compatible with profile sky_cas' "$out/compat-ok.log" || fail "no all-compatible summary"
"$python" -c 'import json, sys; r = json.load(open(sys.argv[1])); assert r["compatible"] is True and len(r["hosts"]) == 2' \
    "$out/reports/sky_cas-compat.json"

# -- check_compat with every targeted host unreachable: the reports still say so -----------------------
# Host variables, not group ones: the implicit localhost the reports are written on takes "all"'s.
cat >"$out/unreachable.yml" <<INVENTORY
all:
  hosts:
    gone-a: &gone {ansible_connection: ssh, ansible_host: 127.0.0.1, ansible_port: 1,
                   ansible_ssh_common_args: -o ConnectTimeout=5 -o BatchMode=yes}
    gone-b: *gone
INVENTORY
if (cd "$out" && ansible-playbook -i "$out/unreachable.yml" vmcpu.profiles.check_compat \
        -e profile=profiles/sky_cas.json -e vmcpu_reports_dir="$out/unreachable-reports") >"$out/compat-unreachable.log" 2>&1; then
    cat "$out/compat-unreachable.log"; fail "check_compat succeeded with every host unreachable"
fi
"$python" - "$out/unreachable-reports/sky_cas-compat.json" "$out/unreachable-reports/sky_cas-compat.xml" <<'PYTHON' ||
import json, sys
import xml.etree.ElementTree as ET
report = json.load(open(sys.argv[1]))
assert report['compatible'] is False and [h['host'] for h in report['hosts']] == ['gone-a', 'gone-b'], report
assert all('Failed to connect' in (h['error'] or '') for h in report['hosts']), report
suite = ET.parse(sys.argv[2]).getroot().find('testsuite')
assert (suite.get('tests'), suite.get('errors'), suite.get('failures')) == ('2', '2', '0'), suite.attrib
print('reports written with every host unreachable: both hosts are errors')
PYTHON
    { cat "$out/compat-unreachable.log"; fail "no reports with every host unreachable"; }

# -- check_compat with a tampered profile: refused before any check -----------------------------------
sed 's/"avx2"/"avx3"/' "$out/profiles/sky_cas.json" >"$out/profiles/tampered.json"
if play vmcpu.profiles.check_compat -e profile=profiles/tampered.json >"$out/compat-tampered.log" 2>&1; then
    fail "check_compat accepted a tampered profile"
fi
grep -q 'was tampered with' "$out/compat-tampered.log" || { cat "$out/compat-tampered.log"; fail "no tamper message"; }

# -- signed profiles: signed by generate_profile, required by the gate ---------------------------------
ssh-keygen -q -t ed25519 -N '' -C ops@example -f "$out/signing_key"
printf 'ops@example namespaces="vmcpu-profile" %s\n' "$(cat "$out/signing_key.pub")" >"$out/allowed_signers"
sign_profile() {
    play vmcpu.profiles.generate_profile -l sky_cas -e profile_name=signed -e "profile_signing_key=$out/signing_key" \
        -e "vmcpu_profiles_dir=$out/profiles" -e "vmcpu_facts_dir=$out/facts"
}
sign_profile >"$out/sign1.log" 2>&1 || { cat "$out/sign1.log"; fail "generate_profile with profile_signing_key failed"; }
[ -s "$out/profiles/signed.json.sig" ] || fail "no signature written next to the profile"
cp "$out/profiles/signed.json.sig" "$out/signed.sig.first"
sign_profile >"$out/sign2.log" 2>&1 || { cat "$out/sign2.log"; fail "second signing run failed"; }
grep -Eq 'localhost +: ok=[0-9]+ +changed=0 |skylake +: ok=[0-9]+ +changed=0 ' "$out/sign2.log" || { cat "$out/sign2.log"; fail "re-signing an unchanged profile changed something"; }
cmp -s "$out/profiles/signed.json.sig" "$out/signed.sig.first" || fail "the signature of an unchanged profile was rewritten"
trusted() { play vmcpu.profiles.check_compat -l sky_cas -e "migration_gate_trusted_signers=$out/allowed_signers" "$@"; }
trusted -e profile=profiles/signed.json >"$out/signed-ok.log" 2>&1 || { cat "$out/signed-ok.log"; fail "a trusted signed profile was refused"; }
grep -q 'check_compat: all 2 hosts are compatible with profile signed' "$out/signed-ok.log" || fail "no verdict on the signed profile"
# The attack a digest cannot stop: edit the profile and recompute its digest.
"$python" - "$out/profiles/signed.json" <<'PYTHON'
import json, os, sys
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import profile_digest
profile = json.load(open(sys.argv[1]))
profile['features'].remove(os.environ['odd_feature'])
profile['digest'] = profile_digest(profile)
open(sys.argv[1], 'w').write(json.dumps(profile, indent=4, sort_keys=True) + '\n')
PYTHON
if trusted -e profile=profiles/signed.json >"$out/signed-edited.log" 2>&1; then fail "an edited, re-digested signed profile was accepted"; fi
grep -q 'the profile was changed after it was signed' "$out/signed-edited.log" || { cat "$out/signed-edited.log"; fail "no message for an edited signed profile"; }
if grep -q 'Check the host against the profile' "$out/signed-edited.log"; then fail "a host was checked with an untrusted profile"; fi
if trusted -e profile=profiles/sky_cas.json >"$out/unsigned.log" 2>&1; then fail "an unsigned profile was accepted"; fi
grep -q 'sky_cas.json is not signed' "$out/unsigned.log" || { cat "$out/unsigned.log"; fail "no message for an unsigned profile"; }
echo "ok: signed profiles - signed once, trusted, edited and unsigned ones refused before any host"

# -- pair check ----------------------------------------------------------------------------------------
pair() { play vmcpu.profiles.check_pair -e profile=profiles/sky_cas.json "$@"; }
pair -e source=skylake -e dest=cascadelake | tee "$out/pair-yes.log"
grep -q 'MIGRATION skylake -> cascadelake on profiles/sky_cas.json: YES' "$out/pair-yes.log" || fail "pair check did not say YES"

if pair -e source=skylake -e dest=broadwell >"$out/pair-no.log" 2>&1; then
    cat "$out/pair-no.log"; fail "pair check said yes for an incompatible destination"
fi
grep -q 'MIGRATION skylake -> broadwell on profiles/sky_cas.json: NO - dest broadwell: not compatible: host' \
    "$out/pair-no.log" || { cat "$out/pair-no.log"; fail "pair check NO without the reason"; }
grep -q 'unreviewed drift (not_in_profile' "$out/pair-no.log" || fail "broadwell's drift not named"

if pair -e source=skylake >"$out/pair-args.log" 2>&1; then fail "pair check ran without dest"; fi
grep -q 'check_pair: give -e profile=' "$out/pair-args.log" || { cat "$out/pair-args.log"; fail "no usage message"; }

# Drift: the profile recorded another kernel for skylake. Unreviewed -> NO; after the gate ran -> YES.
"$python" - "$out/profiles/sky_cas.json" "$out/drifted/sky_cas.json" <<'PYTHON'
import json, os, sys
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import profile_digest
profile = json.load(open(sys.argv[1]))
host = next(h for h in profile['provenance']['hosts'] if h['name'] == 'skylake')
host['fingerprint']['microcode'] = '0x2000065'
host['fingerprint_digest'] = 'sha256:' + '1' * 64
profile['digest'] = profile_digest(profile)
os.makedirs(os.path.dirname(sys.argv[2]), exist_ok=True)
json.dump(profile, open(sys.argv[2], 'w'), indent=2)
PYTHON
drift_pair() { play vmcpu.profiles.check_pair -e profile=drifted/sky_cas.json -e source=skylake -e dest=cascadelake; }
if drift_pair >"$out/pair-drift.log" 2>&1; then cat "$out/pair-drift.log"; fail "unreviewed drift accepted"; fi
# ansible-core < 2.19 prints the message JSON-escaped (\"microcode\").
grep -qE 'NO - source skylake: unreviewed drift [(]changed: [{]\\?"microcode\\?"' "$out/pair-drift.log" ||
    { cat "$out/pair-drift.log"; fail "unreviewed drift not named"; }
gate_playbook "$out/gate.yml"
play "$out/gate.yml" -l sky_cas -e migration_gate_profile=drifted/sky_cas.json >"$out/gate.log"
drift_pair | tee "$out/pair-reviewed.log"
grep -q 'MIGRATION skylake -> cascadelake on drifted/sky_cas.json: YES' "$out/pair-reviewed.log" ||
    fail "reviewed drift still refused"
echo "check_compat_playbook: all checks passed"

#!/usr/bin/env bash
# shellcheck disable=SC2154  # collection_root and python are set by setup_vmcpu_env/env.sh
# playbooks/verify_guest.yml on guests booted for real: a profile of two of QEMU's CPU models (booted
# under TCG, so TCG can run it) is exported to QEMU, a guest is booted with that -cpu and enforce,
# and the dump of its CPUID is that guest's cpu_facts_src. The playbook finds that the guest sees
# exactly the profile; a guest booted with one feature turned off is refused, naming the feature,
# and the JSON and JUnit reports say so. Bad input: a guest of the other vendor is refused naming
# both vendors, and the gate role refuses migration_gate_check_as guest.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=../setup_vmcpu_env/env.sh
source "$(dirname "$0")/../setup_vmcpu_env/env.sh"
out="$OUTPUT_DIR"
guest="$collection_root/tests/guest/qemu_cpuid.py"

for model in Cascadelake-Server-v4 Icelake-Server-v6; do
    "$python" "$guest" "$model" >"$out/$model.cpuid" 2>"$out/$model.log" || { cat "$out/$model.log"; fail "no guest of $model"; }
done
cat >"$out/hosts.yml" <<INVENTORY
all:
  vars:
    ansible_connection: local
    ansible_python_interpreter: $python
  hosts:
    cascadelake: {cpu_facts_src: $out/Cascadelake-Server-v4.cpuid}
    icelake: {cpu_facts_src: $out/Icelake-Server-v6.cpuid}
INVENTORY
(cd "$out" && ansible-playbook -i hosts.yml vmcpu.profiles.generate_profile -e profile_name=tcg-xeons >generate.log) ||
    { cat "$out/generate.log"; fail "generate_profile failed"; }
argument="$("$python" -c 'import json, sys
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.qemu import to_qemu_cpu
print(to_qemu_cpu(json.load(open(sys.argv[1]))).argument)' "$out/profiles/tcg-xeons.json")"
"$python" "$guest" "$argument" >"$out/vm-good.cpuid" 2>"$out/vm-good.log" ||
    { cat "$out/vm-good.log"; fail "the exported -cpu argument does not boot with enforce"; }
"$python" "$guest" "${argument%,enforce},-popcnt,enforce" >"$out/vm-bad.cpuid" 2>"$out/vm-bad.log" ||
    { cat "$out/vm-bad.log"; fail "the guest without popcnt does not boot"; }
cat >"$out/guests.yml" <<INVENTORY
all:
  vars:
    ansible_connection: local
    ansible_python_interpreter: $python
  hosts:
    vm-good: {cpu_facts_src: $out/vm-good.cpuid}
    vm-bad: {cpu_facts_src: $out/vm-bad.cpuid}
INVENTORY
verify() { (cd "$out" && ansible-playbook -i guests.yml vmcpu.profiles.verify_guest -e profile=profiles/tcg-xeons.json "$@"); }

verify -l vm-good >"$out/good.log" 2>&1 || { cat "$out/good.log"; fail "verify_guest refused the guest booted with the export"; }
grep -q 'verify_guest: all 1 guests see exactly profile tcg-xeons' "$out/good.log" || { cat "$out/good.log"; fail "no verdict"; }

if verify >"$out/both.log" 2>&1; then cat "$out/both.log"; fail "verify_guest accepted the guest without popcnt"; fi
grep -q 'verify_guest: 1 of 2 guests do not see profile tcg-xeons: vm-bad (guest has popcnt = 0, the profile fixes 1)' \
    "$out/both.log" || { cat "$out/both.log"; fail "no verdict naming popcnt"; }
if grep -q Traceback "$out/both.log"; then fail "traceback in $out/both.log"; fi
"$python" - "$out/reports/tcg-xeons-guest.json" "$out/reports/tcg-xeons-guest.xml" <<'PYTHON'
import json, sys
import xml.etree.ElementTree as ET
report = json.load(open(sys.argv[1]))
by_host = {host['host']: host for host in report['hosts']}
assert report['compatible'] is False and by_host['vm-good']['compatible'], report
assert by_host['vm-bad']['reasons'] == ['guest has popcnt = 0, the profile fixes 1'], by_host['vm-bad']
failures = {case.get('name'): case.findall('failure') for case in ET.parse(sys.argv[2]).getroot().iter('testcase')}
assert not failures['vm-good'] and failures['vm-bad'][0].text == 'guest has popcnt = 0, the profile fixes 1', failures
print('reports: vm-good sees the profile, vm-bad lacks popcnt')
PYTHON
# -- bad input ----------------------------------------------------------------------------------------
"$python" "$guest" EPYC-v3 >"$out/vm-amd.cpuid" 2>"$out/vm-amd.log" || { cat "$out/vm-amd.log"; fail "no AMD guest"; }
cat >"$out/amd.yml" <<INVENTORY
all:
  vars:
    ansible_connection: local
    ansible_python_interpreter: $python
  hosts:
    vm-amd: {cpu_facts_src: $out/vm-amd.cpuid}
INVENTORY
if (cd "$out" && ansible-playbook -i amd.yml vmcpu.profiles.verify_guest -e profile=profiles/tcg-xeons.json) \
    >"$out/amd.log" 2>&1; then cat "$out/amd.log"; fail "verify_guest accepted an AMD guest of an Intel profile"; fi
grep -q 'vm-amd (guest CPU vendor is AuthenticAMD, the profile is for GenuineIntel)' "$out/amd.log" ||
    { cat "$out/amd.log"; fail "no verdict naming both vendors"; }
if grep -q Traceback "$out/amd.log"; then fail "traceback in $out/amd.log"; fi
echo "ok: an AMD guest of an Intel profile is refused naming both vendors"

gate_playbook "$out/gate.yml"
gate() {
    ansible-playbook -i "$out/guests.yml" "$out/gate.yml" -e "migration_gate_profile=$out/profiles/tcg-xeons.json" \
        -e "migration_gate_root=$out/gate-root" "$@"
}
expect_failure gate-as-guest.log \
    'migration_gate_check_as guest is for the entry point check (playbooks/verify_guest.yml)' \
    -e migration_gate_check_as=guest
test ! -e "$out/gate-root" || { find "$out/gate-root"; fail "a refused gate run wrote files"; }

echo "verify_guest_playbook: all checks passed"

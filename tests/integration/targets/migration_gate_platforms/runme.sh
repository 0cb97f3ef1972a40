#!/usr/bin/env bash
# shellcheck disable=SC2154  # collection_root, python and the fleet (use_fleet) are set by setup_vmcpu_env/env.sh
# The platform exports of the role vmcpu.profiles.migration_gate into files the platform shares with
# other settings. Proxmox VE: with migration_gate_vmms [proxmox] and migration_gate_proxmox_cpu_models,
# each compatible host gets <name>.proxmox-cpu-model next to the profile and the model's section in
# its cpu-models.conf, where the operator's other models stay byte for byte. OpenStack Nova: the
# nova.conf export as a managed block (migration_gate_config_blocks) at the end of the operator's
# nova.conf, which Nova's own parser then reads as the profile's CPU options (with .venv-nova). The
# incompatible host's files are untouched. A second run, and a run after Proxmox rewrote its file the
# way its API does, change nothing; check mode writes nothing and diff mode shows the change; a
# malformed file, a missing /etc/pve and a missing proxmox export are refused by message, nothing written.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=../setup_vmcpu_env/env.sh
source "$(dirname "$0")/../setup_vmcpu_env/env.sh"
use_fleet
out="$OUTPUT_DIR"
profile="$out/profiles/skylake-server.json"
models=/etc/pve/virtual-guest/cpu-models.conf
# With Nova installed (.venv-nova), its own validator checks nova.conf before the block goes in.
nova_validate=""
[ ! -x "$nova_python" ] ||
    nova_validate=", validate: '$(dirname "$nova_python")/oslo-config-validator --namespace nova.conf --input-file %s'"
gate_playbook "$out/gate.yml"
gate() { ansible-playbook -i "$out/inventory.yml" "$out/gate.yml" "$@"; }
cat >"$out/inventory.yml" <<INVENTORY
all:
  vars:
    ansible_connection: local
    ansible_python_interpreter: $python
    migration_gate_root: "$out/roots/{{ inventory_hostname }}"
    migration_gate_profile: $profile
    migration_gate_vmms: [nova, proxmox]
    migration_gate_proxmox_cpu_models: $models
    migration_gate_config_blocks:
      - {path: /etc/nova/nova.conf, export: nova.conf$nova_validate}
  hosts:
    skylake: {cpu_facts_src: $skylake_dump}
    cascadelake: {cpu_facts_src: $cascadelake_dump}
    broadwell: {cpu_facts_src: $broadwell_dump}
INVENTORY
skylake_server_profile

# The operator's models, as written by hand (comments, four-space indents).
others=$'# models of the operator\ncpu-model: legacy\n    reported-model Broadwell\n    flags +aes;-kvm_pv_unhalt\n\ncpu-model: alldefault\n\n'
# The operator's nova.conf, which sets another CPU mode before the block.
nova_conf=$'[DEFAULT]\nhost = compute-1\n\n[libvirt]\nvirt_type = kvm\ncpu_mode = host-model\n\n[workarounds]\n'
for host in skylake cascadelake broadwell; do
    mkdir -p "$out/roots/$host/etc/pve/virtual-guest" "$out/roots/$host/etc/nova"
    printf '%s' "$others" >"$out/roots/$host$models"
    printf '%s' "$nova_conf" >"$out/roots/$host/etc/nova/nova.conf"
done
check_files() {  # check_files LABEL: compatible hosts hold the operator's models and ours, broadwell only the operator's
    "$python" - "$profile" "$out/roots" "$models" "$others" "$nova_conf" "$1" <<'PYTHON'
import json, os, sys
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.nova import to_nova
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.proxmox import to_proxmox
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.proxmox_config import sections
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.vmm_files import vmm_files
profile, roots, models, others, nova_conf, label = json.load(open(sys.argv[1])), *sys.argv[2:]
section = to_proxmox(profile).section()
exports, _warnings = vmm_files(profile, ['nova', 'proxmox'])
assert sorted(exports) == ['skylake-server.nova-flavor-properties', 'skylake-server.nova.conf',
                           'skylake-server.proxmox-cpu-model'], sorted(exports)
block = '# BEGIN vmcpu.profiles migration_gate\n%s# END vmcpu.profiles migration_gate\n' % to_nova(profile).fragment()
for host, expected in (('skylake', nova_conf + block), ('cascadelake', nova_conf + block), ('broadwell', nova_conf)):
    assert open(roots + '/' + host + '/etc/nova/nova.conf').read() == expected, host
for host in ('skylake', 'cascadelake'):
    text = open(roots + '/' + host + models).read()
    assert text == others + section.rstrip('\n') + '\n', (host, text)
    assert sorted(sections(text, models)) == ['alldefault', 'legacy', 'skylake-server']
    for name, text in exports.items():
        assert open(os.path.join(roots, host, 'etc/vmcpu/profiles', name)).read() == text, (host, name)
assert open(roots + '/broadwell' + models).read() == others
assert os.listdir(os.path.join(roots, 'broadwell/etc/vmcpu/profiles')) == ['skylake-server.json']
print(label + ': the model in the compatible hosts\' cpu-models.conf and nova.conf, the operator\'s settings as they were')
PYTHON
}

# -- first run, second run ---------------------------------------------------------------------------
gate >"$out/run1.log" 2>&1 || { cat "$out/run1.log"; fail "first gate run failed"; }
grep -q "changed: \[skylake\]" "$out/run1.log" || { cat "$out/run1.log"; fail "first run changed nothing on skylake"; }
check_files "first run"
if [ -x "$nova_python" ]; then
    "$nova_python" "$collection_root/tests/platforms/nova_guest_cpu.py" "$out/roots/skylake/etc/nova/nova.conf" \
        >"$out/nova-read.json" 2>"$out/nova-read.log" || { cat "$out/nova-read.log"; fail "Nova refuses the nova.conf"; }
    "$python" - "$profile" "$out/nova-read.json" <<'PYTHON'
import json, sys
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.nova import to_nova
exported, (read,) = to_nova(json.load(open(sys.argv[1]))), json.load(open(sys.argv[2]))
assert (read['cpu_mode'], read['cpu_models'], read['cpu_model_extra_flags']) == ('custom', [exported.model], exported.flags), read
print('Nova reads the profile\'s CPU options from the host\'s nova.conf (the operator\'s host-model overridden)')
PYTHON
else
    echo "SKIP the Nova parser check: no Python of .venv-nova (vmcpu_nova_python; scripts/setup.sh makes .venv-nova)"
fi
gate >"$out/run2.log" 2>&1 || { cat "$out/run2.log"; fail "second gate run failed"; }
grep -Eq "^skylake +: .*changed=0" "$out/run2.log" || { cat "$out/run2.log"; fail "second run changed skylake"; }
check_files "second run (nothing changed)"

# -- Proxmox rewrote the file through its API: comments gone, tab indents, an empty line after each --
"$python" - "$out/roots/skylake$models" <<'PYTHON'
import sys
path = sys.argv[1]
text = open(path).read()
ours = text[text.index('cpu-model: skylake-server'):]
open(path, 'w').write('cpu-model: legacy\n\tflags +aes;-kvm_pv_unhalt\n\treported-model Broadwell\n\n'
                      'cpu-model: alldefault\n\treported-model kvm64\n\n' + ours + '\n')
PYTHON
cp "$out/roots/skylake$models" "$out/rewritten.conf"
gate -l skylake >"$out/run3.log" 2>&1 || { cat "$out/run3.log"; fail "gate run after the rewrite failed"; }
grep -Eq "^skylake +: .*changed=0" "$out/run3.log" || { cat "$out/run3.log"; fail "the rewritten file was changed"; }
cmp -s "$out/rewritten.conf" "$out/roots/skylake$models" || fail "the file Proxmox rewrote was edited"
echo "ok: a file Proxmox rewrote keeps the model, nothing changes"
cp "$out/roots/cascadelake$models" "$out/roots/skylake$models"  # back to the operator's file with our model

# -- check mode and diff mode --------------------------------------------------------------------------
# Our section is the tab-indented one (the operator's models use spaces); Westmere is no profile's model here.
sed -i 's/^\treported-model .*/\treported-model Westmere/' "$out/roots/cascadelake$models"
cp "$out/roots/cascadelake$models" "$out/edited.conf"
gate -l cascadelake --check --diff >"$out/check.log" 2>&1 || { cat "$out/check.log"; fail "check-mode run failed"; }
grep -q "^-	reported-model Westmere" "$out/check.log" || { cat "$out/check.log"; fail "diff mode does not show the change"; }
cmp -s "$out/edited.conf" "$out/roots/cascadelake$models" || fail "check mode wrote the file"
gate -l cascadelake >"$out/run4.log" 2>&1 || { cat "$out/run4.log"; fail "gate run after the edit failed"; }
check_files "edited model put back"

# -- bad input: nothing written ------------------------------------------------------------------------
if [ -n "$nova_validate" ]; then
    printf '%s' "$nova_conf" >"$out/roots/skylake/etc/nova/nova.conf"
    printf 'cpu_modez = custom\n' >>"$out/roots/skylake/etc/nova/nova.conf"  # under [workarounds]
    cp "$out/roots/skylake/etc/nova/nova.conf" "$out/malformed-nova.conf"
    expect_failure malformed-nova.log "workarounds/cpu_modez is not part of the sample config" -l skylake
    cmp -s "$out/malformed-nova.conf" "$out/roots/skylake/etc/nova/nova.conf" || fail "the malformed nova.conf was written"
    printf '%s' "$nova_conf" >"$out/roots/skylake/etc/nova/nova.conf"
fi
printf '%s' "$others" >"$out/roots/skylake$models"
printf 'flags +aes\n' >>"$out/roots/skylake$models"
cp "$out/roots/skylake$models" "$out/malformed.conf"
expect_failure malformed.log "proxmox_cpu_model: $out/roots/skylake$models line 8: 'flags +aes' is outside any model" -l skylake
cmp -s "$out/malformed.conf" "$out/roots/skylake$models" || fail "the malformed file was written"
rm -r "$out/roots/skylake/etc/pve"
expect_failure nopve.log "proxmox_cpu_model: $out/roots/skylake/etc/pve/virtual-guest does not exist: not a Proxmox VE node" -l skylake
expect_failure noexport.log "migration_gate: migration_gate_proxmox_cpu_models ($models) takes the proxmox export; add proxmox to migration_gate_vmms (qemu)" \
    -l skylake -e '{"migration_gate_vmms": ["qemu"]}'
echo "migration_gate_platforms: all checks passed"

#!/usr/bin/env bash
# shellcheck disable=SC2154  # collection_root, python and the fleet (use_fleet) are set by setup_vmcpu_env/env.sh
# The VMM exports of the role vmcpu.profiles.migration_gate (migration_gate_vmms) and the managed
# blocks in existing VMM configuration files (migration_gate_config_blocks), on local-connection hosts
# described by the test fleet's dumps, each with its own migration_gate_root (the profile is made
# from skylake and cascadelake with generate_profile): the files of compatible hosts are
# exactly what the vmm_files filter gives, incompatible hosts get none; a second run changes nothing;
# check mode writes nothing and diff mode shows the change; the domain XML that gets the libvirt
# <cpu> and <qemu:commandline> elements as managed blocks passes virt-xml-validate; bad input stops
# with its message.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=../setup_vmcpu_env/env.sh
source "$(dirname "$0")/../setup_vmcpu_env/env.sh"
use_fleet
out="$OUTPUT_DIR"
profile="$out/profiles/skylake-server.json"
cat >"$out/inventory.yml" <<INVENTORY
all:
  vars:
    ansible_connection: local
    ansible_python_interpreter: $python
    gate_roots: $out/roots
    migration_gate_root: "{{ gate_roots }}/{{ inventory_hostname }}"
    migration_gate_profile: $profile
    migration_gate_vmms: [cloud_hypervisor, firecracker, libvirt, qemu]
    migration_gate_config_blocks:
      - path: /etc/default/vm-guests
      - path: /etc/libvirt/qemu/guest.xml
        marker: "<!-- {mark} vmcpu.profiles migration_gate -->"
        insertbefore: "^</domain>"
        export: libvirt.xml
      - path: /etc/libvirt/qemu/guest.xml
        marker: "<!-- {mark} vmcpu.profiles migration_gate qemu -->"
        insertbefore: "^</domain>"
        export: libvirt-qemu.xml
      - path: /etc/vm-notes.txt
        block: "profile files of {{ inventory_hostname }}"
  hosts:
    skylake: {cpu_facts_src: $skylake_dump}
    cascadelake: {cpu_facts_src: $cascadelake_dump}
    broadwell: {cpu_facts_src: $broadwell_dump}
INVENTORY
gate_playbook "$out/gate.yml"

gate() { ansible-playbook -i "$out/inventory.yml" "$out/gate.yml" "$@"; }
skylake_server_profile
# the VMM configuration files the managed blocks go into
seed() {
    for host in skylake cascadelake broadwell; do
        mkdir -p "$1/$host/etc/default" "$1/$host/etc/libvirt/qemu"
        printf 'VM_MEMORY=4G\n' >"$1/$host/etc/default/vm-guests"
        printf 'notes\n' >"$1/$host/etc/vm-notes.txt"
        printf '%s\n' '<domain type="kvm">' '  <name>guest</name>' '  <memory unit="MiB">512</memory>' \
            '  <os><type arch="x86_64">hvm</type></os>' '</domain>' >"$1/$host/etc/libvirt/qemu/guest.xml"
    done
}

# -- first run: compatible hosts get the exports and the blocks, the incompatible one nothing -------
seed "$out/roots"
gate 2>&1 | tee "$out/run1.log"
# ansible-core < 2.19 wraps warnings at the terminal width: match the start of the line only.
grep -q "\[WARNING\]: vmcpu.profiles.vmm_files: qemu export of profile skylake-server" "$out/run1.log" ||
    fail "no warning about fields the QEMU argument cannot express"
"$python" - "$profile" "$out/roots" <<'PYTHON'
import json, os, shlex, stat, sys
from ansible_collections.vmcpu.profiles.plugins.module_utils.export.vmm_files import vmm_files
profile, roots = json.load(open(sys.argv[1])), sys.argv[2]
expected, warnings = vmm_files(profile, ['cloud_hypervisor', 'firecracker', 'libvirt', 'qemu'])
# Made from dumps, the profile knows no KVM MSR index: cloud-hypervisor gets no MSR file.
assert sorted(expected) == ['skylake-server.cloud-hypervisor-cpus', 'skylake-server.cpuid.json',
                            'skylake-server.firecracker.json',
                            'skylake-server.libvirt-qemu.xml', 'skylake-server.libvirt.xml',
                            'skylake-server.qemu-cpu'], sorted(expected)
for host in ('skylake', 'cascadelake'):
    profiles = os.path.join(roots, host, 'etc', 'vmcpu', 'profiles')
    assert sorted(os.listdir(profiles)) == sorted(list(expected) + ['skylake-server.json']), os.listdir(profiles)
    for name, text in expected.items():
        path = os.path.join(profiles, name)
        assert open(path).read() == text, path
        st = os.stat(path)
        assert stat.S_IMODE(st.st_mode) == 0o644 and st.st_uid == 0, (path, oct(st.st_mode))
    env = open(os.path.join(roots, host, 'etc', 'default', 'vm-guests')).read()
    qemu_cpu = expected['skylake-server.qemu-cpu'].strip()
    assert env == ('VM_MEMORY=4G\n# BEGIN vmcpu.profiles migration_gate\n'
                   'VMCPU_PROFILE=skylake-server\n'
                   'VMCPU_PROFILE_DIGEST=%s\n'
                   'VMCPU_PROFILE_FILE={p}/skylake-server.json\n'
                   'VMCPU_EXPORT_CLOUD_HYPERVISOR_CPUS={p}/skylake-server.cloud-hypervisor-cpus\n'
                   'VMCPU_EXPORT_CPUID_JSON={p}/skylake-server.cpuid.json\n'
                   'VMCPU_EXPORT_FIRECRACKER_JSON={p}/skylake-server.firecracker.json\n'
                   'VMCPU_EXPORT_LIBVIRT_QEMU_XML={p}/skylake-server.libvirt-qemu.xml\n'
                   'VMCPU_EXPORT_LIBVIRT_XML={p}/skylake-server.libvirt.xml\n'
                   'VMCPU_EXPORT_QEMU_CPU={p}/skylake-server.qemu-cpu\n'
                   'VMCPU_QEMU_CPU=%s\n'
                   'VMCPU_CLOUD_HYPERVISOR_CPUS=%s\n'
                   '# END vmcpu.profiles migration_gate\n'.format(p=profiles)
                   % (profile['digest'], shlex.quote(qemu_cpu),
                      expected['skylake-server.cloud-hypervisor-cpus'].strip())), env
    xml = open(os.path.join(roots, host, 'etc', 'libvirt', 'qemu', 'guest.xml')).read()
    assert xml.endswith('<!-- BEGIN vmcpu.profiles migration_gate -->\n%s<!-- END vmcpu.profiles migration_gate -->\n'
                        '<!-- BEGIN vmcpu.profiles migration_gate qemu -->\n%s'
                        '<!-- END vmcpu.profiles migration_gate qemu -->\n</domain>\n'
                        % (expected['skylake-server.libvirt.xml'], expected['skylake-server.libvirt-qemu.xml'])), xml
    notes = open(os.path.join(roots, host, 'etc', 'vm-notes.txt')).read()
    assert notes == 'notes\n# BEGIN vmcpu.profiles migration_gate\nprofile files of %s\n' \
        '# END vmcpu.profiles migration_gate\n' % host, notes
broadwell = os.path.join(roots, 'broadwell', 'etc')
assert os.listdir(os.path.join(broadwell, 'vmcpu', 'profiles')) == ['skylake-server.json']
assert open(os.path.join(broadwell, 'default', 'vm-guests')).read() == 'VM_MEMORY=4G\n'
print('first run: exports and managed blocks on compatible hosts only, as the filter gives them')
PYTHON
for host in skylake cascadelake; do
    virt-xml-validate "$out/roots/$host/etc/libvirt/qemu/guest.xml" domain ||
        fail "the domain XML with the exported <cpu> and <qemu:commandline> of $host does not validate"
done

# -- second run: nothing changes -------------------------------------------------------------------
gate | tee "$out/run2.log"
for host in skylake cascadelake broadwell; do
    grep -Eq "^$host +: ok=[0-9]+ +changed=0 " "$out/run2.log" || fail "second run changed $host"
done

# -- check mode writes nothing; diff mode shows what a run would repair ----------------------------
seed "$out/checkmode"
gate -e "gate_roots=$out/checkmode" --check | tee "$out/check.log"
test ! -e "$out/checkmode/skylake/etc/vmcpu" || { find "$out/checkmode"; fail "check mode wrote files"; }
grep -q VMCPU "$out/checkmode/skylake/etc/default/vm-guests" && fail "check mode wrote a managed block"
cpuid="$out/roots/skylake/etc/vmcpu/profiles/skylake-server.cpuid.json"
sed -i 's/"cpu_vendor": "Intel"/"cpu_vendor": "AMD"/' "$cpuid"
sed -i 's/^VMCPU_PROFILE=.*/VMCPU_PROFILE=edited/' "$out/roots/skylake/etc/default/vm-guests"
gate -l skylake --check --diff | tee "$out/diff.log"
grep -q -- '-  "cpu_vendor": "AMD"' "$out/diff.log" || fail "diff mode shows no removed export line"
grep -q -- '+  "cpu_vendor": "Intel"' "$out/diff.log" || fail "diff mode shows no added export line"
grep -q -- '-VMCPU_PROFILE=edited' "$out/diff.log" || fail "diff mode shows no managed block change"
grep -q '"cpu_vendor": "AMD"' "$cpuid" || fail "check mode repaired the export"
gate -l skylake | tee "$out/repair.log"
grep -q '"cpu_vendor": "Intel"' "$cpuid" || fail "the run did not repair the export"
grep -q '^VMCPU_PROFILE=skylake-server$' "$out/roots/skylake/etc/default/vm-guests" || fail "block not repaired"
grep -q '"cpu_vendor": "AMD"' "$out/roots/skylake/etc/vmcpu/generations/000001/profiles/skylake-server.cpuid.json" ||
    fail "the previous generation does not keep the edited export"

# -- bad input --------------------------------------------------------------------------------------
mkdir -p "$out/missing/skylake/etc"
expect_failure missing-config.log "skylake has no file $out/missing/skylake/etc/default/vm-guests" \
    -l skylake -e "gate_roots=$out/missing"
seed "$out/fifo"
rm "$out/fifo/skylake/etc/default/vm-guests" && mkfifo "$out/fifo/skylake/etc/default/vm-guests"
expect_failure fifo-config.log \
    "$out/fifo/skylake/etc/default/vm-guests on skylake (migration_gate_config_blocks) is not a regular file" \
    -l skylake -e "gate_roots=$out/fifo"
expect_failure bad-export.log \
    "takes the export firecracker.json, but the exports are ['cloud-hypervisor-cpus', 'cpuid.json', 'libvirt-qemu.xml', 'libvirt.xml']" \
    -l skylake -e "gate_roots=$out/roots" -e '{"migration_gate_vmms": ["cloud_hypervisor", "libvirt"]}' \
    -e '{"migration_gate_config_blocks": [{"path": "/etc/vm-notes.txt", "export": "firecracker.json"}]}'
expect_failure no-cpu-map.log "libvirt CPU map" \
    -e "gate_roots=$out/bad-roots" -e "migration_gate_libvirt_cpu_map=$out/no-cpu-map"
expect_failure bad-vmm.log "migration_gate_vmms must be one or more of" \
    -e "gate_roots=$out/bad-roots" -e '{"migration_gate_vmms": ["nope"]}'
test ! -e "$out/bad-roots" || { find "$out/bad-roots"; fail "a refused run touched a host"; }

echo "migration_gate_exports: all checks passed"

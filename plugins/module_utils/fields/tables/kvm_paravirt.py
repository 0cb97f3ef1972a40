# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Field table: the KVM paravirtual CPUID leaves 0x4000_0000 and 0x4000_0001 (both vendors).

Bit positions from Linux Documentation/virt/kvm/x86/cpuid.rst and arch/x86/include/uapi/asm/kvm_para.h;
names are QEMU's KVM feature names in snake_case (``kvm-nopiodelay`` -> ``kvm_nopiodelay``).
When a VMM also offers Hyper-V enlightenments the KVM leaves move to 0x4000_0100; this table describes
the KVM base only, which is what ``KVM_GET_SUPPORTED_CPUID`` reports.
"""

from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import (
    Kind, Policy, bits, cpuid, flag, reserved,
)

REGISTERS = (
    # Leaf 0x4000_0000: KVM signature "KVMKVMKVM" and the highest KVM leaf.
    cpuid(0x40000000, 'eax', fields=(
        bits(0, 31, 'kvm_max_leaf', Kind.MIN,
             'highest KVM paravirtual leaf (0 from old hosts means 0x4000_0001)'),
    )),
    cpuid(0x40000000, 'ebx', fields=(
        bits(0, 31, 'kvm_signature_ebx', Kind.EQUAL, 'hypervisor signature, first part ("KVMK")'),
    )),
    cpuid(0x40000000, 'ecx', fields=(
        bits(0, 31, 'kvm_signature_ecx', Kind.EQUAL, 'hypervisor signature, second part ("VMKV")'),
    )),
    cpuid(0x40000000, 'edx', fields=(
        bits(0, 31, 'kvm_signature_edx', Kind.EQUAL, 'hypervisor signature, last part ("M")'),
    )),
    # Leaf 0x4000_0001 EAX: KVM_FEATURE_* paravirtual features.
    cpuid(0x40000001, 'eax', fields=(
        flag(0, 'kvmclock', 'kvmclock at the legacy MSRs 0x11/0x12'),
        flag(1, 'kvm_nopiodelay', 'port I/O needs no delay', qemu='kvm-nopiodelay'),
        flag(2, 'kvm_mmu', 'paravirtual MMU hypercall (deprecated, never offered by current hosts)',
             qemu='kvm-mmu'),
        flag(3, 'kvmclock2', 'kvmclock at MSRs 0x4b564d00/0x4b564d01 (QEMU "kvmclock" sets bits 0 and 3)',
             qemu='kvmclock'),
        flag(4, 'kvm_asyncpf', 'asynchronous page faults (MSR 0x4b564d02)', qemu='kvm-asyncpf'),
        flag(5, 'kvm_steal_time', 'steal-time accounting (MSR 0x4b564d03)', qemu='kvm-steal-time'),
        flag(6, 'kvm_pv_eoi', 'paravirtual end of interrupt (MSR 0x4b564d04)', qemu='kvm-pv-eoi'),
        flag(7, 'kvm_pv_unhalt', 'paravirtual spinlocks: kick a halted vCPU', qemu='kvm-pv-unhalt'),
        reserved(8),
        flag(9, 'kvm_pv_tlb_flush', 'paravirtual remote TLB flush (uses the steal-time area)',
             qemu='kvm-pv-tlb-flush', depends=('kvm_steal_time',)),
        flag(10, 'kvm_asyncpf_vmexit', 'async page faults delivered as a nested VM exit',
             qemu='kvm-asyncpf-vmexit', depends=('kvm_asyncpf',)),
        flag(11, 'kvm_pv_ipi', 'paravirtual send-IPI hypercall (KVM_FEATURE_PV_SEND_IPI)', qemu='kvm-pv-ipi'),
        flag(12, 'kvm_poll_control', 'guest can turn off host-side halt polling (MSR 0x4b564d05)',
             qemu='kvm-poll-control'),
        flag(13, 'kvm_pv_sched_yield', 'yield to a preempted vCPU (uses the steal-time area)',
             qemu='kvm-pv-sched-yield', depends=('kvm_steal_time',)),
        flag(14, 'kvm_asyncpf_int', 'async page faults signalled by interrupt (MSRs 0x4b564d06/07)',
             qemu='kvm-asyncpf-int', depends=('kvm_asyncpf',)),
        flag(15, 'kvm_msi_ext_dest_id', 'MSI address bits 11:5 extend the destination APIC ID',
             qemu='kvm-msi-ext-dest-id'),
        flag(16, 'kvm_hc_map_gpa_range', 'map-GPA-range hypercall (page state changes)'),
        flag(17, 'kvm_migration_control', 'MSR_KVM_MIGRATION_CONTROL'),
        reserved(18, 23),
        flag(24, 'kvmclock_stable_bit', 'kvmclock is stable across vCPUs: no per-vCPU warps expected',
             qemu='kvmclock-stable-bit'),
        reserved(25, 31),
    )),
    # Leaf 0x4000_0001 EBX/ECX: no bits assigned.
    cpuid(0x40000001, 'ebx', fields=(reserved(0, 31),)),
    cpuid(0x40000001, 'ecx', fields=(reserved(0, 31),)),
    # Leaf 0x4000_0001 EDX: KVM_HINTS_* (a statement about the host's vCPU placement, set by the VMM).
    cpuid(0x40000001, 'edx', fields=(
        bits(0, 0, 'kvm_hint_realtime', Kind.VMM,
             'vCPUs are never preempted for long (dedicated pCPUs): set by the VMM, not a CPU property',
             policy=Policy.PASSTHROUGH, qemu='kvm-hint-dedicated'),
        reserved(1, 31),
    )),
)

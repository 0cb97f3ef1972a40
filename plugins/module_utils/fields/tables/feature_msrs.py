# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Field table: feature MSRs (what ``KVM_GET_MSR_FEATURE_INDEX_LIST`` reports), bit by bit.

Bit positions from the Intel SDM vol. 4 and vol. 3 appendix A, Linux arch/x86/include/asm/msr-index.h and
vmxfeatures.h; names follow Linux (``ARCH_CAP_RDCL_NO`` -> ``rdcl_no``) with QEMU's names in ``qemu``.

Vendors: 0x10a is synthesised by KVM on AMD hosts too (it reports the AMD host's immunities there), so it
applies to both vendors. 0xcf, 0x345 and the VMX MSRs are Intel-only (KVM reports 0 or nothing on AMD).
0x8b is the microcode revision on both vendors but in different halves, so it has one register each.

VMX control MSRs: bits 31:0 are the allowed-0 settings (1 = the control cannot be cleared: worse, so
``bug_flag`` and OR over hosts), bits 63:32 the allowed-1 settings (1 = the control can be set: ``flag``,
AND over hosts). Each control is one row below, expanded into both halves by ``_vmx_controls``. The
reserved "default1" positions read 1 in both halves on every CPU and in KVM, so they are ``static`` 1.
The non-TRUE MSRs 0x481-0x484 are the TRUE ones (0x48d-0x490) with the default1 class forced to 1 in
the allowed-0 half (SDM A.2); they merge bitwise like them (allowed-0 OR, allowed-1 AND), which keeps
that relation. The tertiary controls MSR 0x492 is left out:
KVM does not offer tertiary controls to a nested hypervisor.
"""

from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import (
    AMD, INTEL, Kind, Policy, bits, flag, msr, off, reserved,
)


def _vmx_controls(index, controls, default1=(), allowed0=True, depends=('vmx',)):
    """A VMX control-capability MSR from its controls ``(bit, name, qemu, description)`` and its
    reserved-as-1 runs ``(first, last, name)``; every other position is reserved in both halves."""
    fields = []
    for bit, name, qemu, description in controls:
        fields.append(flag(32 + bit, name, 'can be set: ' + description, qemu=qemu, depends=depends))
        if allowed0:
            fields.append(flag(bit, name + '_always_on', 'cannot be cleared: ' + description,
                               kind=Kind.BUG_FLAG))
    for first, last, name in default1:
        ones = (1 << (last - first + 1)) - 1
        fields.append(bits(first, last, name + '_allowed0', Kind.STATIC,
                           'reserved control bits of the default1 class: must be 1', policy=Policy.STATIC,
                           static_value=ones))
        fields.append(bits(32 + first, 32 + last, name + '_allowed1', Kind.STATIC,
                           'reserved control bits of the default1 class: may be 1', policy=Policy.STATIC,
                           static_value=ones))
    taken = set()
    for f in fields:
        taken.update(range(f.first_bit, f.last_bit + 1))
    start = None
    for bit in range(65):
        free = bit < 64 and bit not in taken
        if start is not None and (not free or bit == 32):
            fields.append(reserved(start, bit - 1))
            start = None
        if free and start is None:
            start = bit
    return msr(index, tuple(sorted(fields, key=lambda f: f.first_bit)), vendors=(INTEL,))


def _vmx_derived(index, name, true_index):
    return msr(index, (
        bits(0, 31, name + '_allowed0', Kind.BUG_FLAG,
             'allowed-0 settings (bitwise): those of MSR %#x plus the default1 class' % true_index),
        bits(32, 63, name + '_allowed1', Kind.FLAG,
             'allowed-1 settings (bitwise): those of MSR %#x' % true_index),
    ), vendors=(INTEL,))


REGISTERS = (
    # MSR 0x8b IA32_BIOS_SIGN_ID (Intel): microcode revision, a fingerprint only.
    msr(0x8b, (
        reserved(0, 31),
        bits(32, 63, 'microcode_revision', Kind.IDENTITY, 'microcode update revision (fingerprint only)',
             policy=Policy.PASSTHROUGH),
    ), vendors=(INTEL,)),
    # MSR 0x8b PATCH_LEVEL (AMD): microcode patch level, a fingerprint only.
    msr(0x8b, (
        bits(0, 31, 'microcode_revision', Kind.IDENTITY, 'microcode patch level (fingerprint only)',
             policy=Policy.PASSTHROUGH),
        reserved(32, 63),
    ), vendors=(AMD,)),
    # MSR 0xcf IA32_CORE_CAPABILITIES: model-independent core features; only split-lock detection
    # is virtualised by KVM, the rest are host platform controls.
    msr(0xcf, (
        off(0, 'stlb_qos', 'STLB quality-of-service MSRs (host platform control)',
            depends=('core_capabilities',)),
        off(1, 'rar', 'remote action request (host platform control)', depends=('core_capabilities',)),
        off(2, 'integrity_caps', 'IA32_INTEGRITY_CAPABILITIES MSR (functional-safety self tests)',
            depends=('core_capabilities',)),
        off(3, 'rsm_in_cpl0_only', 'RSM allowed only at CPL 0 (host platform control)',
            depends=('core_capabilities',)),
        off(4, 'core_caps_uc_lock_disable', 'locked accesses to UC memory can be made to fault',
            depends=('core_capabilities',)),
        flag(5, 'split_lock_detect', '#AC on split locks (MSR_TEST_CTRL bit 29)', qemu='split-lock-detect',
             depends=('core_capabilities',)),
        off(6, 'snoop_filter_qos', 'snoop-filter quality-of-service MSRs (host platform control)',
            depends=('core_capabilities',)),
        off(7, 'uc_store_throttling', 'UC store throttling control (host platform control)',
            depends=('core_capabilities',)),
        off(8, 'core_caps_lam', 'LAM enumeration in this MSR (LAM itself is CPUID.(7,1).EAX[26])',
            depends=('core_capabilities',)),
        reserved(9, 63),
    ), vendors=(INTEL,)),
    # MSR 0x10a IA32_ARCH_CAPABILITIES: immunities (``flag``), RSB-alternative bugs (``bug_flag``) and
    # host-only controls that KVM never passes to a guest (``off``).
    msr(0x10a, (
        flag(0, 'rdcl_no', 'not affected by rogue data cache load (Meltdown)', qemu='rdctl-no',
             depends=('arch_capabilities',)),
        flag(1, 'ibrs_all', 'enhanced IBRS', qemu='ibrs-all', depends=('arch_capabilities',)),
        flag(2, 'rsba', 'RET may predict from the BTB when the RSB underflows (retpoline unsafe)',
             kind=Kind.BUG_FLAG),
        flag(3, 'skip_l1dfl_vmentry', 'no L1D flush needed on VM entry', qemu='skip-l1dfl-vmentry',
             depends=('arch_capabilities',)),
        flag(4, 'ssb_no', 'not affected by speculative store bypass', qemu='ssb-no',
             depends=('arch_capabilities',)),
        flag(5, 'mds_no', 'not affected by microarchitectural data sampling', qemu='mds-no',
             depends=('arch_capabilities',)),
        flag(6, 'if_pschange_mc_no', 'no machine check on instruction-fetch page-size change',
             qemu='pschange-mc-no', depends=('arch_capabilities',)),
        flag(7, 'tsx_ctrl', 'IA32_TSX_CTRL MSR present', qemu='tsx-ctrl', depends=('arch_capabilities',)),
        flag(8, 'taa_no', 'not affected by TSX asynchronous abort', qemu='taa-no',
             depends=('arch_capabilities',)),
        off(9, 'mcu_control', 'IA32_MCU_CONTROL MSR (host microcode control)'),
        off(10, 'misc_package_ctls', 'IA32_MISC_PACKAGE_CTLS MSR (host package control)'),
        off(11, 'energy_filtering_ctl', 'energy filtering control in IA32_MISC_PACKAGE_CTLS'),
        off(12, 'doitm', 'data operand independent timing mode control (IA32_UARCH_MISC_CTL)'),
        flag(13, 'sbdr_ssdp_no', 'not affected by shared-buffer data read / sideband stale data',
             qemu='sbdr-ssdp-no', depends=('arch_capabilities',)),
        flag(14, 'fbsdp_no', 'not affected by fill-buffer stale data propagation', qemu='fbsdp-no',
             depends=('arch_capabilities',)),
        flag(15, 'psdp_no', 'not affected by primary stale data propagation', qemu='psdp-no',
             depends=('arch_capabilities',)),
        off(16, 'mcu_enumeration', 'IA32_MCU_ENUMERATION MSR (host microcode staging)'),
        flag(17, 'fb_clear', 'VERW clears fill buffers (mitigation available)', qemu='fb-clear',
             depends=('arch_capabilities',)),
        off(18, 'fb_clear_ctrl', 'IA32_MCU_OPT_CTRL can turn off VERW fill-buffer clearing (host control)'),
        flag(19, 'rrsba', 'restricted RSB alternative: RET may use other predictors under eIBRS',
             kind=Kind.BUG_FLAG),
        flag(20, 'bhi_no', 'not affected by branch history injection', qemu='bhi-no',
             depends=('arch_capabilities',)),
        off(21, 'xapic_disable_status', 'IA32_XAPIC_DISABLE_STATUS MSR (host firmware state)'),
        reserved(22),
        off(23, 'overclocking_status', 'IA32_OVERCLOCKING_STATUS MSR (host platform state)'),
        flag(24, 'pbrsb_no', 'not affected by post-barrier RSB predictions', qemu='pbrsb-no',
             depends=('arch_capabilities',)),
        off(25, 'gds_ctrl', 'gather data sampling mitigation control in IA32_MCU_OPT_CTRL (host control)'),
        flag(26, 'gds_no', 'not affected by gather data sampling', qemu='gds-no',
             depends=('arch_capabilities',)),
        flag(27, 'rfds_no', 'not affected by register file data sampling', qemu='rfds-no',
             depends=('arch_capabilities',)),
        flag(28, 'rfds_clear', 'VERW clears the register file (mitigation available)', qemu='rfds-clear',
             depends=('arch_capabilities',)),
        off(29, 'ign_umonitor_support', 'UMONITOR can be made to ignore its address (host control)'),
        off(30, 'mon_umon_mitg_support', 'MONITOR/UMONITOR mitigation control (host control)'),
        reserved(31),
        off(32, 'pbopt_support', 'IA32_PB_OPT_CTRL MSR (IBPB alternative, host control)'),
        reserved(33, 61),
        flag(62, 'its_no', 'not affected by indirect target selection', depends=('arch_capabilities',)),
        reserved(63),
    )),
    # MSR 0x345 IA32_PERF_CAPABILITIES: PMU capabilities; the PMU is migration-hostile, so all static 0
    # except full-width counter writes, which VMMs pass whenever they offer a PMU.
    msr(0x345, (
        bits(0, 5, 'lbr_fmt', Kind.EQUAL, 'LBR record format (an encoding, not a level)',
             policy=Policy.STATIC),
        off(6, 'pebs_trap', 'PEBS assist is trap-like'),
        off(7, 'pebs_arch_reg', 'PEBS records save architectural registers'),
        bits(8, 11, 'pebs_format', Kind.EQUAL, 'PEBS record format (an encoding, not a level)',
             policy=Policy.STATIC),
        off(12, 'smm_freeze', 'IA32_DEBUGCTL can freeze counters while in SMM'),
        flag(13, 'full_width_write', 'full-width writes to the general counters (IA32_A_PMCx)',
             qemu='full-width-write', depends=('pdcm',)),
        off(14, 'pebs_baseline', 'adaptive PEBS (baseline record group)'),
        off(15, 'perf_metrics', 'top-down PERF_METRICS MSR'),
        off(16, 'pebs_output_pt', 'PEBS records can be written into the Intel PT stream'),
        off(17, 'pebs_timing_info', 'PEBS records carry timing information'),
        reserved(18, 63),
    ), vendors=(INTEL,)),
    # MSR 0x480 IA32_VMX_BASIC: VMCS revision and layout, basic VMX capabilities (nested VMX).
    msr(0x480, (
        bits(0, 30, 'vmx_basic_revision_id', Kind.EQUAL, 'VMCS revision identifier'),
        reserved(31),
        bits(32, 44, 'vmx_basic_vmcs_size', Kind.EQUAL, 'bytes to allocate for the VMXON region and each VMCS'),
        reserved(45, 47),
        flag(48, 'vmx_basic_32bit_addresses', 'VMXON/VMCS physical addresses limited to 32 bits',
             kind=Kind.BUG_FLAG),
        off(49, 'vmx_basic_dual_monitor', 'dual-monitor treatment of SMIs and SMM (never offered to guests)'),
        bits(50, 53, 'vmx_basic_memory_type', Kind.EQUAL, 'memory type for VMCS accesses (6 = write-back)'),
        flag(54, 'vmx_ins_outs', 'VM exits for INS/OUTS report instruction information',
             qemu='vmx-ins-outs', depends=('vmx',)),
        flag(55, 'vmx_true_ctls', 'the TRUE control MSRs 0x48d-0x490 exist', qemu='vmx-true-ctls',
             depends=('vmx',)),
        flag(56, 'vmx_any_errcode', 'VM entry may inject a hardware exception with or without error code',
             qemu='vmx-any-errcode', depends=('vmx',)),
        reserved(57),
        flag(58, 'vmx_nested_exception', 'VM entry/exit support nested-exception information (FRED)',
             qemu='vmx-nested-exception', depends=('vmx',)),
        reserved(59, 63),
    ), vendors=(INTEL,)),
    # MSRs 0x481-0x484 IA32_VMX_{PINBASED,PROCBASED,EXIT,ENTRY}_CTLS: the TRUE MSRs plus the default1 class.
    _vmx_derived(0x481, 'vmx_pinbased_ctls', 0x48d),
    _vmx_derived(0x482, 'vmx_procbased_ctls', 0x48e),
    _vmx_derived(0x483, 'vmx_exit_ctls', 0x48f),
    _vmx_derived(0x484, 'vmx_entry_ctls', 0x490),
    # MSR 0x485 IA32_VMX_MISC: preemption timer rate, activity states, CR3-target and MSR-list limits.
    msr(0x485, (
        bits(0, 4, 'vmx_preemption_timer_rate', Kind.EQUAL,
             'VMX-preemption timer counts down once per 2^N TSC ticks'),
        flag(5, 'vmx_store_lma', 'VM exit stores EFER.LMA into the IA-32e-mode-guest entry control',
             qemu='vmx-store-lma', depends=('vmx',)),
        flag(6, 'vmx_activity_hlt', 'HLT activity state', qemu='vmx-activity-hlt', depends=('vmx',)),
        flag(7, 'vmx_activity_shutdown', 'shutdown activity state', qemu='vmx-activity-shutdown',
             depends=('vmx',)),
        flag(8, 'vmx_activity_wait_sipi', 'wait-for-SIPI activity state', qemu='vmx-activity-wait-sipi',
             depends=('vmx',)),
        reserved(9, 13),
        off(14, 'vmx_pt_in_vmx', 'Intel PT usable in VMX operation (PT is migration-hostile)'),
        flag(15, 'vmx_rdmsr_smbase', 'RDMSR of IA32_SMBASE in SMM', depends=('vmx',)),
        bits(16, 24, 'vmx_cr3_targets', Kind.MIN, 'number of CR3-target values'),
        bits(25, 27, 'vmx_msr_list_size', Kind.MIN, 'MSR load/store lists hold 512 * (N + 1) entries'),
        off(28, 'vmx_smm_monitor_ctl_b2', 'IA32_SMM_MONITOR_CTL bit 2 can be set (dual-monitor SMM)'),
        flag(29, 'vmx_vmwrite_vmexit_fields', 'VMWRITE may write the VM-exit information fields',
             qemu='vmx-vmwrite-vmexit-fields', depends=('vmx',)),
        flag(30, 'vmx_zero_len_inject', 'VM entry may inject software events with zero instruction length',
             qemu='vmx-zero-len-inject', depends=('vmx',)),
        reserved(31),
        bits(32, 63, 'vmx_mseg_revision_id', Kind.STATIC, 'MSEG revision identifier (dual-monitor SMM only)',
             policy=Policy.STATIC),
    ), vendors=(INTEL,)),
    # MSR 0x48b IA32_VMX_PROCBASED_CTLS2: secondary processor-based controls (every one may be 0).
    _vmx_controls(0x48b, allowed0=False, depends=('vmx_secondary_ctls',), controls=(
        (0, 'vmx_apicv_xapic', 'vmx-apicv-xapic', 'virtualize APIC accesses'),
        (1, 'vmx_ept', 'vmx-ept', 'enable EPT'),
        (2, 'vmx_desc_exit', 'vmx-desc-exit', 'descriptor-table exiting'),
        (3, 'vmx_rdtscp_exit', 'vmx-rdtscp-exit', 'enable RDTSCP'),
        (4, 'vmx_apicv_x2apic', 'vmx-apicv-x2apic', 'virtualize x2APIC mode'),
        (5, 'vmx_vpid', 'vmx-vpid', 'enable VPID'),
        (6, 'vmx_wbinvd_exit', 'vmx-wbinvd-exit', 'WBINVD exiting'),
        (7, 'vmx_unrestricted_guest', 'vmx-unrestricted-guest', 'unrestricted guest'),
        (8, 'vmx_apicv_register', 'vmx-apicv-register', 'APIC-register virtualization'),
        (9, 'vmx_apicv_vid', 'vmx-apicv-vid', 'virtual-interrupt delivery'),
        (10, 'vmx_ple', 'vmx-ple', 'PAUSE-loop exiting'),
        (11, 'vmx_rdrand_exit', 'vmx-rdrand-exit', 'RDRAND exiting'),
        (12, 'vmx_invpcid_exit', 'vmx-invpcid-exit', 'enable INVPCID'),
        (13, 'vmx_vmfunc', 'vmx-vmfunc', 'enable VM functions'),
        (14, 'vmx_shadow_vmcs', 'vmx-shadow-vmcs', 'VMCS shadowing'),
        (15, 'vmx_encls_exit', 'vmx-encls-exit', 'ENCLS exiting'),
        (16, 'vmx_rdseed_exit', 'vmx-rdseed-exit', 'RDSEED exiting'),
        (17, 'vmx_pml', 'vmx-pml', 'page-modification logging'),
        (18, 'vmx_ept_violation_ve', None, 'EPT violations may cause #VE'),
        (19, 'vmx_pt_conceal', None, 'conceal VMX from Intel PT'),
        (20, 'vmx_xsaves', 'vmx-xsaves', 'enable XSAVES/XRSTORS'),
        (21, 'vmx_pasid_translation', None, 'PASID translation'),
        (22, 'vmx_ept_mode_based_exec', None, 'mode-based execute control for EPT'),
        (23, 'vmx_ept_subpage_write', None, 'sub-page write permissions for EPT'),
        (24, 'vmx_pt_use_gpa', None, 'Intel PT uses guest-physical addresses'),
        (25, 'vmx_tsc_scaling', 'vmx-tsc-scaling', 'use TSC scaling'),
        (26, 'vmx_enable_user_wait_pause', 'vmx-enable-user-wait-pause', 'enable user wait and pause'),
        (27, 'vmx_pconfig', None, 'enable PCONFIG'),
        (28, 'vmx_enclv_exit', None, 'ENCLV exiting'),
        (30, 'vmx_bus_lock_detect', None, 'VMM bus-lock detection'),
        (31, 'vmx_notify_vm_exit', None, 'instruction timeout (notify VM exit)'),
    )),
    # MSR 0x48c IA32_VMX_EPT_VPID_CAP: EPT and VPID capabilities.
    msr(0x48c, (
        flag(0, 'vmx_ept_execonly', 'EPT execute-only translations', qemu='vmx-ept-execonly',
             depends=('vmx_ept',)),
        reserved(1, 5),
        flag(6, 'vmx_page_walk_4', 'EPT page-walk length 4', qemu='vmx-page-walk-4', depends=('vmx_ept',)),
        flag(7, 'vmx_page_walk_5', 'EPT page-walk length 5', qemu='vmx-page-walk-5', depends=('vmx_ept',)),
        flag(8, 'vmx_ept_uc', 'EPT paging structures may be uncacheable', depends=('vmx_ept',)),
        reserved(9, 13),
        flag(14, 'vmx_ept_wb', 'EPT paging structures may be write-back', depends=('vmx_ept',)),
        reserved(15),
        flag(16, 'vmx_ept_2mb', 'EPT 2-MByte pages', qemu='vmx-ept-2mb', depends=('vmx_ept',)),
        flag(17, 'vmx_ept_1gb', 'EPT 1-GByte pages', qemu='vmx-ept-1gb', depends=('vmx_ept',)),
        reserved(18, 19),
        flag(20, 'vmx_invept', 'INVEPT instruction', qemu='vmx-invept', depends=('vmx_ept',)),
        flag(21, 'vmx_eptad', 'EPT accessed and dirty flags', qemu='vmx-eptad', depends=('vmx_ept',)),
        flag(22, 'vmx_ept_advanced_exitinfo', 'advanced VM-exit information for EPT violations',
             qemu='vmx-ept-advanced-exitinfo', depends=('vmx_ept',)),
        flag(23, 'vmx_ept_sss', 'supervisor shadow-stack control in EPT', depends=('vmx_ept',)),
        reserved(24),
        flag(25, 'vmx_invept_single_context', 'single-context INVEPT', qemu='vmx-invept-single-context',
             depends=('vmx_invept',)),
        flag(26, 'vmx_invept_all_context', 'all-context INVEPT', qemu='vmx-invept-all-context',
             depends=('vmx_invept',)),
        reserved(27, 31),
        flag(32, 'vmx_invvpid', 'INVVPID instruction', qemu='vmx-invvpid', depends=('vmx_vpid',)),
        reserved(33, 39),
        flag(40, 'vmx_invvpid_single_addr', 'individual-address INVVPID', qemu='vmx-invvpid-single-addr',
             depends=('vmx_invvpid',)),
        flag(41, 'vmx_invvpid_single_context', 'single-context INVVPID (QEMU mislabels it, see the report)',
             depends=('vmx_invvpid',)),
        flag(42, 'vmx_invvpid_all_context', 'all-context INVVPID', qemu='vmx-invvpid-all-context',
             depends=('vmx_invvpid',)),
        flag(43, 'vmx_invvpid_single_context_noglobals', 'single-context INVVPID keeping global translations',
             qemu='vmx-invept-single-context-noglobals', depends=('vmx_invvpid',)),
        reserved(44, 47),
        bits(48, 53, 'vmx_hlat_prefix_size', Kind.MIN, 'maximum HLAT prefix size'),
        reserved(54, 63),
    ), vendors=(INTEL,)),
    # MSR 0x48d IA32_VMX_TRUE_PINBASED_CTLS: pin-based VM-execution controls.
    _vmx_controls(0x48d, default1=((1, 2, 'vmx_pinbased_default1_1'), (4, 4, 'vmx_pinbased_default1_4')),
                  controls=(
        (0, 'vmx_intr_exit', 'vmx-intr-exit', 'external-interrupt exiting'),
        (3, 'vmx_nmi_exit', 'vmx-nmi-exit', 'NMI exiting'),
        (5, 'vmx_vnmi', 'vmx-vnmi', 'virtual NMIs'),
        (6, 'vmx_preemption_timer', 'vmx-preemption-timer', 'VMX-preemption timer'),
        (7, 'vmx_posted_intr', 'vmx-posted-intr', 'process posted interrupts'),
    )),
    # MSR 0x48e IA32_VMX_TRUE_PROCBASED_CTLS: primary processor-based VM-execution controls.
    _vmx_controls(0x48e, default1=(
        (1, 1, 'vmx_procbased_default1_1'), (4, 6, 'vmx_procbased_default1_4'),
        (8, 8, 'vmx_procbased_default1_8'), (13, 14, 'vmx_procbased_default1_13'),
        (26, 26, 'vmx_procbased_default1_26'),
    ), controls=(
        (2, 'vmx_vintr_pending', 'vmx-vintr-pending', 'interrupt-window exiting'),
        (3, 'vmx_tsc_offset', 'vmx-tsc-offset', 'use TSC offsetting'),
        (7, 'vmx_hlt_exit', 'vmx-hlt-exit', 'HLT exiting'),
        (9, 'vmx_invlpg_exit', 'vmx-invlpg-exit', 'INVLPG exiting'),
        (10, 'vmx_mwait_exit', 'vmx-mwait-exit', 'MWAIT exiting'),
        (11, 'vmx_rdpmc_exit', 'vmx-rdpmc-exit', 'RDPMC exiting'),
        (12, 'vmx_rdtsc_exit', 'vmx-rdtsc-exit', 'RDTSC exiting'),
        (15, 'vmx_cr3_load_exit', None, 'CR3-load exiting (QEMU vmx-cr3-load-noexit = allowed-0 is 0)'),
        (16, 'vmx_cr3_store_exit', None, 'CR3-store exiting (QEMU vmx-cr3-store-noexit = allowed-0 is 0)'),
        (17, 'vmx_tertiary_ctls', None, 'activate tertiary controls'),
        (19, 'vmx_cr8_load_exit', 'vmx-cr8-load-exit', 'CR8-load exiting'),
        (20, 'vmx_cr8_store_exit', 'vmx-cr8-store-exit', 'CR8-store exiting'),
        (21, 'vmx_flexpriority', 'vmx-flexpriority', 'use TPR shadow'),
        (22, 'vmx_vnmi_pending', 'vmx-vnmi-pending', 'NMI-window exiting'),
        (23, 'vmx_movdr_exit', 'vmx-movdr-exit', 'MOV-DR exiting'),
        (24, 'vmx_io_exit', 'vmx-io-exit', 'unconditional I/O exiting'),
        (25, 'vmx_io_bitmap', 'vmx-io-bitmap', 'use I/O bitmaps'),
        (27, 'vmx_mtf', 'vmx-mtf', 'monitor trap flag'),
        (28, 'vmx_msr_bitmap', 'vmx-msr-bitmap', 'use MSR bitmaps'),
        (29, 'vmx_monitor_exit', 'vmx-monitor-exit', 'MONITOR exiting'),
        (30, 'vmx_pause_exit', 'vmx-pause-exit', 'PAUSE exiting'),
        (31, 'vmx_secondary_ctls', 'vmx-secondary-ctls', 'activate secondary controls'),
    )),
    # MSR 0x48f IA32_VMX_TRUE_EXIT_CTLS: VM-exit controls.
    _vmx_controls(0x48f, default1=(
        (0, 1, 'vmx_exit_default1_0'), (3, 8, 'vmx_exit_default1_3'), (10, 11, 'vmx_exit_default1_10'),
        (13, 14, 'vmx_exit_default1_13'), (16, 17, 'vmx_exit_default1_16'),
    ), controls=(
        (2, 'vmx_exit_save_debugctl', None, 'save debug controls (QEMU vmx-exit-nosave-debugctl = allowed-0 is 0)'),
        (9, 'vmx_exit_host_addr_space_size', None, 'host address-space size (64-bit host)'),
        (12, 'vmx_exit_load_perf_global_ctrl', 'vmx-exit-load-perf-global-ctrl', 'load IA32_PERF_GLOBAL_CTRL'),
        (15, 'vmx_exit_ack_intr', 'vmx-exit-ack-intr', 'acknowledge interrupt on exit'),
        (18, 'vmx_exit_save_pat', 'vmx-exit-save-pat', 'save IA32_PAT'),
        (19, 'vmx_exit_load_pat', 'vmx-exit-load-pat', 'load IA32_PAT'),
        (20, 'vmx_exit_save_efer', 'vmx-exit-save-efer', 'save IA32_EFER'),
        (21, 'vmx_exit_load_efer', 'vmx-exit-load-efer', 'load IA32_EFER'),
        (22, 'vmx_exit_save_preemption_timer', 'vmx-exit-save-preemption-timer',
         'save VMX-preemption timer value'),
        (23, 'vmx_exit_clear_bndcfgs', 'vmx-exit-clear-bndcfgs', 'clear IA32_BNDCFGS'),
        (24, 'vmx_exit_pt_conceal', None, 'conceal VMX from Intel PT'),
        (25, 'vmx_exit_clear_rtit_ctl', 'vmx-exit-clear-rtit-ctl', 'clear IA32_RTIT_CTL'),
        (26, 'vmx_exit_clear_lbr_ctl', None, 'clear IA32_LBR_CTL'),
        (27, 'vmx_exit_clear_uinv', None, 'clear UINV'),
        (28, 'vmx_exit_load_cet', None, 'load CET state'),
        (29, 'vmx_exit_load_pkrs', 'vmx-exit-load-pkrs', 'load PKRS'),
        (30, 'vmx_exit_save_perf_global_ctrl', None, 'save IA32_PERF_GLOBAL_CTRL'),
        (31, 'vmx_exit_secondary_ctls', 'vmx-exit-secondary-ctls', 'activate secondary VM-exit controls'),
    )),
    # MSR 0x490 IA32_VMX_TRUE_ENTRY_CTLS: VM-entry controls.
    _vmx_controls(0x490, default1=((0, 1, 'vmx_entry_default1_0'), (3, 8, 'vmx_entry_default1_3'),
                                   (12, 12, 'vmx_entry_default1_12')), controls=(
        (2, 'vmx_entry_load_debugctl', None,
         'load debug controls (QEMU vmx-entry-noload-debugctl = allowed-0 is 0)'),
        (9, 'vmx_entry_ia32e_mode', 'vmx-entry-ia32e-mode', 'IA-32e mode guest'),
        (10, 'vmx_entry_smm', None, 'entry to SMM'),
        (11, 'vmx_entry_deactivate_dual_monitor', None, 'deactivate dual-monitor treatment'),
        (13, 'vmx_entry_load_perf_global_ctrl', 'vmx-entry-load-perf-global-ctrl', 'load IA32_PERF_GLOBAL_CTRL'),
        (14, 'vmx_entry_load_pat', 'vmx-entry-load-pat', 'load IA32_PAT'),
        (15, 'vmx_entry_load_efer', 'vmx-entry-load-efer', 'load IA32_EFER'),
        (16, 'vmx_entry_load_bndcfgs', 'vmx-entry-load-bndcfgs', 'load IA32_BNDCFGS'),
        (17, 'vmx_entry_pt_conceal', None, 'conceal VMX from Intel PT'),
        (18, 'vmx_entry_load_rtit_ctl', 'vmx-entry-load-rtit-ctl', 'load IA32_RTIT_CTL'),
        (19, 'vmx_entry_load_uinv', None, 'load UINV'),
        (20, 'vmx_entry_load_cet', None, 'load CET state'),
        (21, 'vmx_entry_load_lbr_ctl', None, 'load guest IA32_LBR_CTL'),
        (22, 'vmx_entry_load_pkrs', 'vmx-entry-load-pkrs', 'load PKRS'),
        (23, 'vmx_entry_load_fred', 'vmx-entry-load-fred', 'load FRED state'),
    )),
    # MSR 0x491 IA32_VMX_VMFUNC: VM functions.
    msr(0x491, (
        flag(0, 'vmx_eptp_switching', 'EPTP switching VM function', qemu='vmx-eptp-switching',
             depends=('vmx_vmfunc',)),
        reserved(1, 63),
    ), vendors=(INTEL,)),
)

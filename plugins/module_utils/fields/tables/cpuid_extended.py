# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Field table: extended CPUID leaves 0x8000_0000..0x8000_0026.

Leaves 0x8000_0000..0x8000_0008 have one layout on both vendors (Intel defines a few of the bits AMD
defines and reports 0 elsewhere), so they are written once. Leaves 0x8000_000A and up exist on AMD only.
Sources: AMD APM vol. 3 appendix E and the family 17h/19h PPRs, Intel SDM vol. 2A (CPUID), Linux
cpufeatures.h / KVM cpuid.c, QEMU feature_word_info.
"""

from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import (
    AMD, Kind, Policy, bits, cpuid, flag, off, reserved,
)

_VMM = dict(policy=Policy.PASSTHROUGH)
_STATIC = dict(policy=Policy.STATIC)


def _vmm(first_bit, last_bit, name, description):
    """A field the VMM sets (cache/TLB descriptors, topology): passed through, not in the contract."""
    return bits(first_bit, last_bit, name, Kind.VMM, description, **_VMM)


def _brand(leaf, register, index):
    return cpuid(leaf, register, fields=(
        bits(0, 31, 'brand_string_%d' % index, Kind.IDENTITY,
             'processor brand string, characters %d..%d' % (4 * index, 4 * index + 3)),
    ))


def _alias(bit, name):
    """AMD repeats some CPUID.1.EDX bits in CPUID.0x8000_0001.EDX; the copy follows the original."""
    return flag(bit, name + '_alias', 'AMD copy of CPUID.1.EDX %s' % name, depends=(name,))


REGISTERS = (
    # 0x8000_0000: highest extended leaf; AMD repeats the vendor string here (Intel: 0).
    cpuid(0x80000000, 'eax', fields=(
        bits(0, 31, 'max_ext_leaf', Kind.MIN, 'highest extended CPUID leaf'),
    )),
    cpuid(0x80000000, 'ebx', fields=(
        bits(0, 31, 'ext_vendor_ebx', Kind.EQUAL, 'vendor string, characters 0..3 (AMD; 0 on Intel)'),
    )),
    cpuid(0x80000000, 'ecx', fields=(
        bits(0, 31, 'ext_vendor_ecx', Kind.EQUAL, 'vendor string, characters 8..11 (AMD; 0 on Intel)'),
    )),
    cpuid(0x80000000, 'edx', fields=(
        bits(0, 31, 'ext_vendor_edx', Kind.EQUAL, 'vendor string, characters 4..7 (AMD; 0 on Intel)'),
    )),

    # 0x8000_0001: AMD processor signature and brand id (Intel: 0), extended feature flags.
    cpuid(0x80000001, 'eax', fields=(
        bits(0, 3, 'ext_stepping', Kind.IDENTITY, 'stepping, as in CPUID.1.EAX (AMD)'),
        bits(4, 7, 'ext_base_model', Kind.IDENTITY, 'base model, as in CPUID.1.EAX (AMD)'),
        bits(8, 11, 'ext_base_family', Kind.IDENTITY, 'base family, as in CPUID.1.EAX (AMD)'),
        reserved(12, 15),
        bits(16, 19, 'ext_ext_model', Kind.IDENTITY, 'extended model, as in CPUID.1.EAX (AMD)'),
        bits(20, 27, 'ext_ext_family', Kind.IDENTITY, 'extended family, as in CPUID.1.EAX (AMD)'),
        reserved(28, 31),
    )),
    cpuid(0x80000001, 'ebx', fields=(
        bits(0, 15, 'ext_brand_id', Kind.IDENTITY, 'brand identifier (AMD)'),
        reserved(16, 27),
        bits(28, 31, 'pkg_type', Kind.IDENTITY, 'package (socket) type (AMD)'),
    )),
    cpuid(0x80000001, 'ecx', fields=(
        flag(0, 'lahf_lm', 'LAHF/SAHF in 64-bit mode', qemu='lahf-lm', libvirt='lahf_lm'),
        bits(1, 1, 'cmp_legacy', Kind.VMM, 'core multi-processing legacy mode: says how HTT counts cores, '
             'set by the VMM from the guest topology', qemu='cmp-legacy', libvirt='cmp_legacy', **_VMM),
        flag(2, 'svm', 'AMD-V for nested guests; KVM reports it only with kvm_amd nested=1, so the merge '
             'drops it wherever nesting is off'),
        off(3, 'extapic', 'extended APIC register space: KVM never gives it to a guest'),
        flag(4, 'cr8_legacy', 'LOCK MOV CR0 accesses CR8 in 32-bit mode', qemu='cr8legacy'),
        flag(5, 'abm', 'LZCNT instruction (AMD: advanced bit manipulation, LZCNT and POPCNT)'),
        flag(6, 'sse4a', 'SSE4A instructions (EXTRQ, INSERTQ, MOVNTSS, MOVNTSD)'),
        flag(7, 'misalignsse', 'misaligned SSE mode'),
        flag(8, '3dnowprefetch', 'PREFETCH/PREFETCHW instructions'),
        flag(9, 'osvw', 'OS visible workaround MSRs'),
        off(10, 'ibs', 'instruction based sampling (profiling hardware, not migratable)'),
        flag(11, 'xop', 'XOP instructions (AMD extended AVX operations)', depends=('avx',)),
        off(12, 'skinit', 'SKINIT and STGI instructions: KVM never gives them to a guest'),
        off(13, 'wdt', 'watchdog timer: KVM never gives it to a guest'),
        reserved(14),
        off(15, 'lwp', 'lightweight profiling (removed from Zen; profiling is not migratable)'),
        flag(16, 'fma4', 'four-operand FMA instructions', depends=('avx',)),
        flag(17, 'tce', 'translation cache extension'),
        reserved(18),
        flag(19, 'nodeid_msr', 'NodeId MSR'),
        reserved(20),
        flag(21, 'tbm', 'trailing bit manipulation instructions'),
        flag(22, 'topoext', 'topology extensions: leaves 0x8000_001D and 0x8000_001E'),
        off(23, 'perfctr_core', 'core performance counter extensions (PMU)', qemu='perfctr-core',
            libvirt='perfctr_core'),
        off(24, 'perfctr_nb', 'northbridge performance counter extensions (PMU)', qemu='perfctr-nb',
            libvirt='perfctr_nb'),
        off(25, 'stream_perf_mon', 'streaming performance monitor architecture (PMU)'),
        flag(26, 'bpext', 'data breakpoint address mask extension'),
        off(27, 'ptsc', 'performance time-stamp counter (PMU)'),
        off(28, 'perfctr_llc', 'last level cache performance counter extensions (PMU)'),
        off(29, 'mwaitx', 'MONITORX/MWAITX instructions (like MONITOR/MWAIT, not migratable)'),
        flag(30, 'addr_mask_ext', 'instruction breakpoint address mask extension'),
        reserved(31),
    )),
    cpuid(0x80000001, 'edx', fields=(
        _alias(0, 'fpu'),
        _alias(1, 'vme'),
        _alias(2, 'de'),
        _alias(3, 'pse'),
        _alias(4, 'tsc'),
        _alias(5, 'msr'),
        _alias(6, 'pae'),
        _alias(7, 'mce'),
        _alias(8, 'cx8'),
        _alias(9, 'apic'),
        reserved(10),
        flag(11, 'syscall', 'SYSCALL/SYSRET instructions'),
        _alias(12, 'mtrr'),
        _alias(13, 'pge'),
        _alias(14, 'mca'),
        _alias(15, 'cmov'),
        _alias(16, 'pat'),
        _alias(17, 'pse36'),
        reserved(18),
        flag(19, 'mp', 'multiprocessor capable (old Athlon MP marker)'),
        flag(20, 'nx', 'no-execute page protection'),
        reserved(21),
        flag(22, 'mmxext', 'AMD extensions to MMX', depends=('mmx',)),
        _alias(23, 'mmx'),
        _alias(24, 'fxsr'),
        flag(25, 'fxsr_opt', 'FXSAVE/FXRSTOR optimisations', qemu='fxsr-opt', libvirt='fxsr_opt', depends=('fxsr',)),
        flag(26, 'pdpe1gb', '1 GiB pages'),
        flag(27, 'rdtscp', 'RDTSCP instruction and TSC_AUX'),
        reserved(28),
        flag(29, 'lm', 'long mode (x86-64)'),
        flag(30, '3dnowext', 'AMD extensions to 3DNow!', depends=('3dnow',)),
        flag(31, '3dnow', '3DNow! instructions', depends=('mmx',)),
    )),

    # 0x8000_0002..0x8000_0004: processor brand string.
    _brand(0x80000002, 'eax', 0), _brand(0x80000002, 'ebx', 1),
    _brand(0x80000002, 'ecx', 2), _brand(0x80000002, 'edx', 3),
    _brand(0x80000003, 'eax', 4), _brand(0x80000003, 'ebx', 5),
    _brand(0x80000003, 'ecx', 6), _brand(0x80000003, 'edx', 7),
    _brand(0x80000004, 'eax', 8), _brand(0x80000004, 'ebx', 9),
    _brand(0x80000004, 'ecx', 10), _brand(0x80000004, 'edx', 11),

    # 0x8000_0005: L1 cache and TLB descriptors (AMD; Intel: 0).
    cpuid(0x80000005, 'eax', fields=(
        _vmm(0, 7, 'l1_itlb_2m_size', 'L1 instruction TLB entries for 2M/4M pages'),
        _vmm(8, 15, 'l1_itlb_2m_assoc', 'L1 instruction TLB associativity for 2M/4M pages'),
        _vmm(16, 23, 'l1_dtlb_2m_size', 'L1 data TLB entries for 2M/4M pages'),
        _vmm(24, 31, 'l1_dtlb_2m_assoc', 'L1 data TLB associativity for 2M/4M pages'),
    )),
    cpuid(0x80000005, 'ebx', fields=(
        _vmm(0, 7, 'l1_itlb_4k_size', 'L1 instruction TLB entries for 4K pages'),
        _vmm(8, 15, 'l1_itlb_4k_assoc', 'L1 instruction TLB associativity for 4K pages'),
        _vmm(16, 23, 'l1_dtlb_4k_size', 'L1 data TLB entries for 4K pages'),
        _vmm(24, 31, 'l1_dtlb_4k_assoc', 'L1 data TLB associativity for 4K pages'),
    )),
    cpuid(0x80000005, 'ecx', fields=(
        _vmm(0, 7, 'l1d_line_size', 'L1 data cache line size in bytes'),
        _vmm(8, 15, 'l1d_lines_per_tag', 'L1 data cache lines per tag'),
        _vmm(16, 23, 'l1d_assoc', 'L1 data cache associativity'),
        _vmm(24, 31, 'l1d_size_kb', 'L1 data cache size in KiB'),
    )),
    cpuid(0x80000005, 'edx', fields=(
        _vmm(0, 7, 'l1i_line_size', 'L1 instruction cache line size in bytes'),
        _vmm(8, 15, 'l1i_lines_per_tag', 'L1 instruction cache lines per tag'),
        _vmm(16, 23, 'l1i_assoc', 'L1 instruction cache associativity'),
        _vmm(24, 31, 'l1i_size_kb', 'L1 instruction cache size in KiB'),
    )),

    # 0x8000_0006: L2 TLB, L2 cache (both vendors) and L3 cache (AMD) descriptors.
    cpuid(0x80000006, 'eax', fields=(
        _vmm(0, 11, 'l2_itlb_2m_size', 'L2 instruction TLB entries for 2M/4M pages'),
        _vmm(12, 15, 'l2_itlb_2m_assoc', 'L2 instruction TLB associativity for 2M/4M pages'),
        _vmm(16, 27, 'l2_dtlb_2m_size', 'L2 data TLB entries for 2M/4M pages'),
        _vmm(28, 31, 'l2_dtlb_2m_assoc', 'L2 data TLB associativity for 2M/4M pages'),
    )),
    cpuid(0x80000006, 'ebx', fields=(
        _vmm(0, 11, 'l2_itlb_4k_size', 'L2 instruction TLB entries for 4K pages'),
        _vmm(12, 15, 'l2_itlb_4k_assoc', 'L2 instruction TLB associativity for 4K pages'),
        _vmm(16, 27, 'l2_dtlb_4k_size', 'L2 data TLB entries for 4K pages'),
        _vmm(28, 31, 'l2_dtlb_4k_assoc', 'L2 data TLB associativity for 4K pages'),
    )),
    cpuid(0x80000006, 'ecx', fields=(
        _vmm(0, 7, 'l2_line_size', 'L2 cache line size in bytes'),
        _vmm(8, 11, 'l2_lines_per_tag', 'L2 cache lines per tag (AMD)'),
        _vmm(12, 15, 'l2_assoc', 'L2 cache associativity (encoded)'),
        _vmm(16, 31, 'l2_size_kb', 'L2 cache size in KiB'),
    )),
    cpuid(0x80000006, 'edx', fields=(
        _vmm(0, 7, 'l3_line_size', 'L3 cache line size in bytes (AMD)'),
        _vmm(8, 11, 'l3_lines_per_tag', 'L3 cache lines per tag (AMD)'),
        _vmm(12, 15, 'l3_assoc', 'L3 cache associativity, encoded (AMD)'),
        reserved(16, 17),
        _vmm(18, 31, 'l3_size_512kb', 'L3 cache size in 512 KiB units (AMD)'),
    )),

    # 0x8000_0007: RAS capabilities and power management (AMD); invariant TSC (both vendors).
    cpuid(0x80000007, 'ebx', fields=(
        off(0, 'overflow_recov', 'MCA overflow recovery (host machine-check handling)', qemu='overflow-recov'),
        off(1, 'succor', 'software containment of uncorrectable errors (host machine-check handling)'),
        off(2, 'hw_assert', 'hardware assert MSRs'),
        off(3, 'smca', 'scalable machine check architecture (host machine-check handling)'),
        off(4, 'pfeh', 'platform first error handling'),
        reserved(5, 31),
    )),
    cpuid(0x80000007, 'ecx', fields=(
        bits(0, 31, 'cpu_pwr_sample_ratio', Kind.EQUAL,
             'ratio of the power accumulator sample period to the TSC period (power management)', **_STATIC),
    )),
    cpuid(0x80000007, 'edx', fields=(
        off(0, 'ts', 'temperature sensor'),
        off(1, 'fid', 'frequency ID control'),
        off(2, 'vid', 'voltage ID control'),
        off(3, 'ttp', 'THERMTRIP'),
        off(4, 'hw_thermal_control', 'hardware thermal control'),
        off(5, 'stc', 'software thermal control'),
        off(6, 'steps_100mhz', '100 MHz multiplier control'),
        off(7, 'hw_pstate', 'hardware P-state control'),
        off(8, 'invtsc', 'invariant TSC: not migratable unless the VMM pins the TSC frequency'),
        off(9, 'cpb', 'core performance boost'),
        off(10, 'eff_freq_ro', 'read-only effective frequency interface'),
        off(11, 'proc_feedback', 'processor feedback interface'),
        off(12, 'acc_power', 'processor power reporting interface'),
        off(13, 'connected_standby', 'connected standby'),
        off(14, 'rapl', 'running average power limit interface'),
        off(15, 'amd_fast_cppc', 'fast CPPC'),
        reserved(16, 31),
    )),

    # 0x8000_0008: address sizes (both vendors), extended features and speculation control (AMD), core count.
    cpuid(0x80000008, 'eax', fields=(
        bits(0, 7, 'phys_addr_bits', Kind.MIN, 'physical address width in bits'),
        bits(8, 15, 'virt_addr_bits', Kind.MIN, 'linear address width in bits'),
        bits(16, 23, 'guest_phys_addr_bits', Kind.MIN,
             'guest physical address width for nested paging; 0 means the physical width'),
        reserved(24, 31),
    )),
    cpuid(0x80000008, 'ebx', fields=(
        flag(0, 'clzero', 'CLZERO instruction'),
        off(1, 'irperf', 'instructions retired counter MSR (PMU)'),
        flag(2, 'xsaveerptr', 'FXSAVE/XSAVE always save the x87 error pointers'),
        flag(3, 'invlpgb', 'INVLPGB and TLBSYNC instructions'),
        flag(4, 'rdpru', 'RDPRU instruction'),
        reserved(5),
        off(6, 'amd_mbe', 'memory bandwidth enforcement (Linux: mba; resource control, not migratable)'),
        reserved(7),
        flag(8, 'mcommit', 'MCOMMIT instruction'),
        flag(9, 'wbnoinvd', 'WBNOINVD instruction'),
        off(10, 'lbr_extn', 'LBR extensions (Zen 2/3 PPR; last branch records are not migratable)'),
        reserved(11),
        flag(12, 'amd_ibpb', 'indirect branch prediction barrier (PRED_CMD)', qemu='ibpb'),
        flag(13, 'int_wbinvd', 'WBINVD/WBNOINVD are interruptible'),
        flag(14, 'amd_ibrs', 'indirect branch restricted speculation (SPEC_CTRL)', qemu='ibrs'),
        flag(15, 'amd_stibp', 'single thread indirect branch predictors (SPEC_CTRL)', qemu='amd-stibp'),
        flag(16, 'amd_ibrs_always_on', 'IBRS should be left on (hint)', depends=('amd_ibrs',)),
        flag(17, 'amd_stibp_always_on', 'STIBP should be left on (hint)', qemu='stibp-always-on',
             depends=('amd_stibp',)),
        flag(18, 'amd_ibrs_preferred', 'IBRS preferred over software mitigations', depends=('amd_ibrs',)),
        flag(19, 'amd_ibrs_same_mode', 'IBRS also protects within the same privilege mode',
             depends=('amd_ibrs',)),
        bits(20, 20, 'efer_lmsle_mbz', Kind.BUG_FLAG,
             'EFER.LMSLE (long-mode segment limits) is not supported: 1 takes a feature away'),
        flag(21, 'invlpgb_nested', 'INVLPGB can flush nested translations', depends=('invlpgb',)),
        reserved(22),
        off(23, 'amd_ppin', 'protected processor inventory number (identifies the physical chip)'),
        flag(24, 'amd_ssbd', 'speculative store bypass disable (SPEC_CTRL)', qemu='amd-ssbd'),
        flag(25, 'virt_ssbd', 'speculative store bypass disable via VIRT_SPEC_CTRL', qemu='virt-ssbd'),
        flag(26, 'amd_ssb_no', 'not affected by speculative store bypass', qemu='amd-no-ssb'),
        off(27, 'cppc', 'collaborative processor performance control (power management)'),
        flag(28, 'amd_psfd', 'predictive store forwarding disable (SPEC_CTRL)', qemu='amd-psfd'),
        flag(29, 'btc_no', 'not affected by branch type confusion'),
        flag(30, 'amd_ibpb_ret', 'IBPB also clears the return address predictor', depends=('amd_ibpb',)),
        off(31, 'brs', 'branch sampling (PMU)'),
    )),
    cpuid(0x80000008, 'ecx', fields=(
        _vmm(0, 7, 'nc', 'number of threads in the package minus 1 (AMD)'),
        reserved(8, 11),
        _vmm(12, 15, 'apic_id_size', 'APIC ID bits that identify the thread within the package (AMD)'),
        bits(16, 17, 'perf_tsc_size', Kind.MIN, 'performance time-stamp counter width (AMD, PMU)', **_STATIC),
        reserved(18, 31),
    )),
    cpuid(0x80000008, 'edx', fields=(
        bits(0, 15, 'invlpgb_count_max', Kind.MIN, 'most pages one INVLPGB may invalidate (AMD)',
             depends=('invlpgb',)),
        bits(16, 31, 'rdpru_max_id', Kind.MIN, 'highest register id RDPRU accepts (AMD)',
             depends=('rdpru',)),
    )),

    # 0x8000_000A: SVM revision and features (AMD), only meaningful with svm (nested virtualisation).
    cpuid(0x8000000A, 'eax', vendors=(AMD,), fields=(
        bits(0, 7, 'svm_revision', Kind.MIN, 'SVM revision number', depends=('svm',)),
        reserved(8, 31),
    )),
    cpuid(0x8000000A, 'ebx', vendors=(AMD,), fields=(
        bits(0, 31, 'svm_nasid', Kind.MIN, 'number of address space identifiers', depends=('svm',)),
    )),
    cpuid(0x8000000A, 'ecx', vendors=(AMD,), fields=(
        reserved(0, 3),
        flag(4, 'svm_pml', 'page modification logging for nested guests', depends=('svm',)),
        reserved(5, 31),
    )),
    cpuid(0x8000000A, 'edx', vendors=(AMD,), fields=(
        flag(0, 'npt', 'nested page tables', depends=('svm',)),
        flag(1, 'lbrv', 'LBR virtualisation', depends=('svm',)),
        flag(2, 'svm_lock', 'SVM lock (VM_CR.SVMDIS lockable)', qemu='svm-lock', depends=('svm',)),
        flag(3, 'nrip_save', 'next RIP saved on #VMEXIT', qemu='nrip-save', depends=('svm',)),
        flag(4, 'tsc_scale', 'TSC ratio MSR', qemu='tsc-scale', depends=('svm',)),
        flag(5, 'vmcb_clean', 'VMCB clean bits', qemu='vmcb-clean', depends=('svm',)),
        flag(6, 'flushbyasid', 'flush by ASID', depends=('svm',)),
        flag(7, 'decodeassists', 'decode assists', depends=('svm',)),
        reserved(8, 9),
        flag(10, 'pausefilter', 'PAUSE intercept filter', qemu='pause-filter', depends=('svm',)),
        off(11, 'encrypted_mcode_patch', 'encrypted microcode patches (host firmware property)',
            depends=('svm',)),
        flag(12, 'pfthreshold', 'PAUSE filter threshold', depends=('svm',)),
        flag(13, 'avic', 'advanced virtual interrupt controller', depends=('svm',)),
        reserved(14),
        flag(15, 'v_vmsave_vmload', 'virtualised VMSAVE/VMLOAD', qemu='v-vmsave-vmload', depends=('svm',)),
        flag(16, 'vgif', 'virtualised global interrupt flag', depends=('svm',)),
        flag(17, 'gmet', 'guest mode execute trap', depends=('svm',)),
        flag(18, 'x2avic', 'AVIC in x2APIC mode', depends=('avic',)),
        flag(19, 'svm_sss_check', 'supervisor shadow stack restrictions in nested page tables',
             depends=('svm',)),
        flag(20, 'v_spec_ctrl', 'SPEC_CTRL virtualisation', depends=('svm',)),
        flag(21, 'rogpt', 'read-only guest page table support', depends=('svm',)),
        reserved(22),
        off(23, 'host_mce_override', 'host MCE override: host machine-check handling', depends=('svm',)),
        flag(24, 'tlbictl', 'INVLPGB/TLBSYNC hypervisor enable and intercept', depends=('svm',)),
        flag(25, 'vnmi', 'NMI virtualisation', depends=('svm',)),
        off(26, 'svm_ibs_virt', 'IBS virtualisation (profiling, not migratable)', depends=('svm',)),
        flag(27, 'ext_lvt_avic_access_chg', 'extended LVT AVIC access changes', depends=('svm',)),
        flag(28, 'svme_addr_chk', 'guest VMCB address check', qemu='svme-addr-chk', depends=('svm',)),
        flag(29, 'bus_lock_threshold', 'bus lock threshold', depends=('svm',)),
        flag(30, 'idle_hlt', 'idle HLT intercept', depends=('svm',)),
        reserved(31),
    )),

    # 0x8000_0019: TLB descriptors for 1G pages (AMD).
    cpuid(0x80000019, 'eax', vendors=(AMD,), fields=(
        _vmm(0, 11, 'l1_itlb_1g_size', 'L1 instruction TLB entries for 1G pages'),
        _vmm(12, 15, 'l1_itlb_1g_assoc', 'L1 instruction TLB associativity for 1G pages'),
        _vmm(16, 27, 'l1_dtlb_1g_size', 'L1 data TLB entries for 1G pages'),
        _vmm(28, 31, 'l1_dtlb_1g_assoc', 'L1 data TLB associativity for 1G pages'),
    )),
    cpuid(0x80000019, 'ebx', vendors=(AMD,), fields=(
        _vmm(0, 11, 'l2_itlb_1g_size', 'L2 instruction TLB entries for 1G pages'),
        _vmm(12, 15, 'l2_itlb_1g_assoc', 'L2 instruction TLB associativity for 1G pages'),
        _vmm(16, 27, 'l2_dtlb_1g_size', 'L2 data TLB entries for 1G pages'),
        _vmm(28, 31, 'l2_dtlb_1g_assoc', 'L2 data TLB associativity for 1G pages'),
    )),

    # 0x8000_001A: performance optimisation hints (AMD).
    cpuid(0x8000001A, 'eax', vendors=(AMD,), fields=(
        flag(0, 'fp128', '128-bit SSE operations run at full width'),
        flag(1, 'movu', 'MOVU SSE instructions are more efficient than MOVL/MOVH'),
        flag(2, 'fp256', '256-bit AVX operations run at full width'),
        reserved(3, 31),
    )),

    # 0x8000_001B: instruction based sampling capabilities (AMD; profiling, static 0).
    cpuid(0x8000001B, 'eax', vendors=(AMD,), fields=(
        off(0, 'ibs_ffv', 'IBS feature flags valid', depends=('ibs',)),
        off(1, 'ibs_fetch_sam', 'IBS fetch sampling', depends=('ibs',)),
        off(2, 'ibs_op_sam', 'IBS execution sampling', depends=('ibs',)),
        off(3, 'ibs_rd_wr_op_cnt', 'IBS read/write of the op counter', depends=('ibs',)),
        off(4, 'ibs_op_cnt', 'IBS op counting mode', depends=('ibs',)),
        off(5, 'ibs_brn_trgt', 'IBS branch target address reporting', depends=('ibs',)),
        off(6, 'ibs_op_cnt_ext', 'IBS op counters extended by 7 bits', depends=('ibs',)),
        off(7, 'ibs_rip_invalid_chk', 'IBS invalid RIP indication', depends=('ibs',)),
        off(8, 'ibs_op_brn_fuse', 'IBS fused branch micro-op indication', depends=('ibs',)),
        off(9, 'ibs_fetch_ctl_extd', 'IBS fetch control extended MSR', depends=('ibs',)),
        off(10, 'ibs_op_data4', 'IBS op data 4 MSR', depends=('ibs',)),
        off(11, 'ibs_zen4', 'IBS Zen 4 extensions (L3 miss filtering)', depends=('ibs',)),
        off(12, 'ibs_op_ldlat', 'IBS load latency filtering', depends=('ibs',)),
        off(13, 'ibs_dis', 'IBS disable bit', depends=('ibs',)),
        off(14, 'ibs_fetch_lat', 'IBS fetch latency filtering', depends=('ibs',)),
        off(15, 'ibs_bit63_filter', 'IBS filtering on bit 63 of the address', depends=('ibs',)),
        off(16, 'ibs_strmst_rmtsocket', 'IBS streaming store and remote socket reporting', depends=('ibs',)),
        reserved(17),
        off(18, 'ibs_mem_profiler', 'IBS memory profiler', depends=('ibs',)),
        off(19, 'ibs_op_dtlb_pgsize', 'IBS data TLB page size reporting', depends=('ibs',)),
        reserved(20, 31),
    )),

    # 0x8000_001C: lightweight profiling (AMD; removed from Zen, static 0).
    cpuid(0x8000001C, 'eax', vendors=(AMD,), fields=(
        bits(0, 31, 'lwp_enabled_features', Kind.STATIC, 'LWP features enabled in LWP_CFG', **_STATIC),
    )),
    cpuid(0x8000001C, 'ebx', vendors=(AMD,), fields=(
        bits(0, 31, 'lwp_buffer_format', Kind.STATIC, 'LWP control block and event record sizes', **_STATIC),
    )),
    cpuid(0x8000001C, 'ecx', vendors=(AMD,), fields=(
        bits(0, 31, 'lwp_capabilities', Kind.STATIC, 'LWP filtering and latency capabilities', **_STATIC),
    )),
    cpuid(0x8000001C, 'edx', vendors=(AMD,), fields=(
        bits(0, 31, 'lwp_supported_features', Kind.STATIC, 'LWP features the processor supports', **_STATIC),
    )),

    # 0x8000_001D: cache topology, one sub-leaf per cache (AMD, with topoext).
    cpuid(0x8000001D, 'eax', subleaf=(0, 7), vendors=(AMD,), fields=(
        _vmm(0, 4, 'amd_cache_type', 'cache type (0 = no more caches, 1 data, 2 instruction, 3 unified)'),
        _vmm(5, 7, 'amd_cache_level', 'cache level'),
        _vmm(8, 8, 'amd_cache_self_init', 'self-initialising cache'),
        _vmm(9, 9, 'amd_cache_fully_assoc', 'fully associative cache'),
        reserved(10, 13),
        _vmm(14, 25, 'amd_cache_sharing', 'logical processors sharing the cache minus 1'),
        reserved(26, 31),
    )),
    cpuid(0x8000001D, 'ebx', subleaf=(0, 7), vendors=(AMD,), fields=(
        _vmm(0, 11, 'amd_cache_line_size', 'cache line size minus 1'),
        _vmm(12, 21, 'amd_cache_partitions', 'physical line partitions minus 1'),
        _vmm(22, 31, 'amd_cache_ways', 'ways of associativity minus 1'),
    )),
    cpuid(0x8000001D, 'ecx', subleaf=(0, 7), vendors=(AMD,), fields=(
        _vmm(0, 31, 'amd_cache_sets', 'number of sets minus 1'),
    )),
    cpuid(0x8000001D, 'edx', subleaf=(0, 7), vendors=(AMD,), fields=(
        _vmm(0, 0, 'amd_cache_wbinvd', 'WBINVD does not invalidate lower levels of sharing threads'),
        _vmm(1, 1, 'amd_cache_inclusive', 'cache is inclusive of lower levels'),
        reserved(2, 31),
    )),

    # 0x8000_001E: extended APIC id, core and node ids (AMD, with topoext).
    cpuid(0x8000001E, 'eax', vendors=(AMD,), fields=(
        _vmm(0, 31, 'ext_apic_id', 'extended APIC id of this logical processor'),
    )),
    cpuid(0x8000001E, 'ebx', vendors=(AMD,), fields=(
        _vmm(0, 7, 'amd_core_id', 'core (compute unit) id'),
        _vmm(8, 15, 'amd_threads_per_core', 'threads per core minus 1'),
        reserved(16, 31),
    )),
    cpuid(0x8000001E, 'ecx', vendors=(AMD,), fields=(
        _vmm(0, 7, 'amd_node_id', 'node id'),
        _vmm(8, 10, 'amd_nodes_per_socket', 'nodes per processor package minus 1'),
        reserved(11, 31),
    )),

    # 0x8000_001F: SME/SEV encrypted memory (AMD; forced off: guests cannot use it after migration).
    cpuid(0x8000001F, 'eax', vendors=(AMD,), fields=(
        off(0, 'sme', 'secure memory encryption'),
        off(1, 'sev', 'secure encrypted virtualisation'),
        off(2, 'vm_page_flush', 'VM page flush MSR', depends=('sev',)),
        off(3, 'sev_es', 'SEV encrypted register state', depends=('sev',)),
        off(4, 'sev_snp', 'SEV secure nested paging', depends=('sev_es',)),
        off(5, 'vmpl', 'VM permission levels', depends=('sev_snp',)),
        off(6, 'rmpquery', 'RMPQUERY instruction', depends=('sev_snp',)),
        off(7, 'vmpl_sss', 'supervisor shadow stack bit in VMPL permissions', depends=('vmpl',)),
        off(8, 'secure_tsc', 'SEV-SNP secure TSC', depends=('sev_snp',)),
        off(9, 'v_tsc_aux', 'TSC_AUX virtualisation for SEV-ES guests', depends=('sev_es',)),
        off(10, 'sme_coherent', 'cache coherency across encryption domains enforced by hardware'),
        off(11, 'sev_64bit_host', 'SEV guests require a 64-bit hypervisor', depends=('sev',)),
        off(12, 'restricted_injection', 'SEV-ES restricted event injection', depends=('sev_es',)),
        off(13, 'alternate_injection', 'SEV-ES alternate event injection', depends=('sev_es',)),
        off(14, 'debug_swap', 'SEV-ES full debug register state swap', depends=('sev_es',)),
        off(15, 'prevent_host_ibs', 'SEV-ES can forbid IBS in the host', depends=('sev_es',)),
        off(16, 'vte', 'virtual transparent encryption', depends=('sev',)),
        off(17, 'vmgexit_parameter', 'VMGEXIT parameter in SEV_FEATURES', depends=('sev_es',)),
        off(18, 'virtual_tom_msr', 'virtual top-of-memory MSR', depends=('sev',)),
        off(19, 'ibs_virt_guest_ctl', 'IBS virtualisation for SEV-ES guests', depends=('sev_es',)),
        reserved(20, 23),
        off(24, 'vmsa_reg_prot', 'VMSA register protection', depends=('sev_es',)),
        off(25, 'smt_protection', 'SMT protection for SEV-SNP guests', depends=('sev_snp',)),
        reserved(26, 27),
        off(28, 'svsm', 'SVSM communication page MSR (an SVSM is present)', depends=('sev_snp',)),
        off(29, 'nested_virt_snp_msr', 'VIRT_RMPUPDATE/VIRT_PSMASH MSRs', depends=('sev_snp',)),
        reserved(30, 31),
    )),
    cpuid(0x8000001F, 'ebx', vendors=(AMD,), fields=(
        bits(0, 5, 'sme_c_bit', Kind.EQUAL, 'page table bit that marks memory encrypted', **_STATIC),
        bits(6, 11, 'sme_phys_addr_reduction', Kind.EQUAL,
             'physical address bits lost when memory encryption is on', **_STATIC),
        bits(12, 15, 'sev_num_vmpl', Kind.MIN, 'number of VM permission levels', **_STATIC),
        reserved(16, 30),
        off(31, 'coherency_sfw_no', 'no cache flush needed when changing page encryption state'),
    )),
    cpuid(0x8000001F, 'ecx', vendors=(AMD,), fields=(
        bits(0, 31, 'sev_max_guests', Kind.MIN, 'simultaneous encrypted guests supported', **_STATIC),
    )),
    cpuid(0x8000001F, 'edx', vendors=(AMD,), fields=(
        bits(0, 31, 'sev_min_asid', Kind.EQUAL, 'lowest ASID of an SEV guest without SEV-ES', **_STATIC),
    )),

    # 0x8000_0020: platform QoS (AMD resource director technology: static 0).
    cpuid(0x80000020, 'ebx', subleaf=0, vendors=(AMD,), fields=(
        reserved(0),
        off(1, 'l3mbe', 'L3 memory bandwidth enforcement'),
        off(2, 'smba', 'slow memory bandwidth allocation'),
        off(3, 'bmec', 'bandwidth monitoring event configuration'),
        off(4, 'l3rr', 'L3 range reservation'),
        off(5, 'abmc', 'assignable bandwidth monitoring counters'),
        off(6, 'sdciae', 'L3 smart data cache injection allocation enforcement'),
        off(7, 'gmba', 'global memory bandwidth allocation'),
        reserved(8, 31),
    )),
    cpuid(0x80000020, 'eax', subleaf=1, vendors=(AMD,), fields=(
        bits(0, 31, 'mba_bw_len', Kind.MIN, 'memory bandwidth enforcement limit width', **_STATIC),
    )),
    cpuid(0x80000020, 'edx', subleaf=1, vendors=(AMD,), fields=(
        bits(0, 31, 'mba_cos_max', Kind.MIN, 'highest memory bandwidth class of service', **_STATIC),
    )),
    cpuid(0x80000020, 'eax', subleaf=2, vendors=(AMD,), fields=(
        bits(0, 31, 'smba_bw_len', Kind.MIN, 'slow memory bandwidth limit width', **_STATIC),
    )),
    cpuid(0x80000020, 'edx', subleaf=2, vendors=(AMD,), fields=(
        bits(0, 31, 'smba_cos_max', Kind.MIN, 'highest slow memory bandwidth class of service', **_STATIC),
    )),
    cpuid(0x80000020, 'ebx', subleaf=3, vendors=(AMD,), fields=(
        bits(0, 7, 'bmec_num_events', Kind.MIN, 'configurable bandwidth events', **_STATIC),
        reserved(8, 31),
    )),
    cpuid(0x80000020, 'ecx', subleaf=3, vendors=(AMD,), fields=(
        bits(0, 6, 'bmec_sources', Kind.STATIC, 'bandwidth sources an event can count', **_STATIC),
        reserved(7, 31),
    )),

    # 0x8000_0021: extended features 2 (AMD): speculation behaviour, serialisation, SRSO/TSA.
    cpuid(0x80000021, 'eax', vendors=(AMD,), fields=(
        flag(0, 'no_nested_data_bp', 'data breakpoints on nested accesses are ignored', qemu='no-nested-data-bp'),
        bits(1, 1, 'wrmsr_xx_base_ns', Kind.BUG_FLAG,
             'WRMSR to FS/GS/KERNEL_GS base is not serialising: 1 obliges the guest to fence',
             qemu='fs-gs-base-ns'),
        flag(2, 'lfence_rdtsc', 'LFENCE is always serialising', qemu='lfence-always-serializing'),
        off(3, 'smm_pg_cfg_lock', 'SMM paging configuration lock: host firmware state'),
        reserved(4),
        flag(5, 'verw_clear', 'VERW clears CPU buffers (TSA mitigation)', qemu='verw-clear'),
        flag(6, 'null_sel_clr_base', 'loading a null selector clears the segment base',
             qemu='null-sel-clr-base'),
        flag(7, 'upper_addr_ignore', 'EFER upper address ignore'),
        flag(8, 'autoibrs', 'automatic IBRS (EFER)', qemu='auto-ibrs'),
        bits(9, 9, 'no_smm_ctl_msr', Kind.BUG_FLAG, 'SMM_CTL MSR is absent: 1 takes an MSR away'),
        flag(10, 'amd_fsrs', 'fast short REP STOSB'),
        flag(11, 'amd_fsrc', 'fast short REPE CMPSB'),
        reserved(12),
        off(13, 'prefetch_ctl_msr', 'prefetch control MSR: host tuning, not virtualised'),
        reserved(14, 15),
        flag(16, 'opcode_reclaim', 'opcode space 0F 01 /7 reserved and raises #UD'),
        flag(17, 'gp_on_user_cpuid', 'CPUID at CPL > 0 can be made to fault'),
        flag(18, 'epsf', 'enhanced predictive store forwarding'),
        reserved(19),
        flag(20, 'prefetchi', 'PREFETCHIT0/1 instructions'),
        reserved(21),
        off(22, 'wl_feedback', 'workload class feedback to the OS (host power management)'),
        flag(23, 'avx512_bmm', 'AVX-512 bit matrix multiply instructions'),
        flag(24, 'eraps', 'enhanced return address predictor security'),
        reserved(25, 26),
        flag(27, 'sbpb', 'selective branch predictor barrier'),
        flag(28, 'ibpb_brtype', 'IBPB flushes all branch type predictions', qemu='ibpb-brtype'),
        flag(29, 'srso_no', 'not affected by speculative return stack overflow', qemu='srso-no'),
        flag(30, 'srso_user_kernel_no', 'not affected by SRSO across the user/kernel boundary',
             qemu='srso-user-kernel-no'),
        flag(31, 'srso_bp_spec_reduce', 'BP_CFG[BpSpecReduce] mitigates SRSO'),
    )),
    cpuid(0x80000021, 'ebx', vendors=(AMD,), fields=(
        bits(0, 11, 'ucode_patch_size', Kind.MIN, 'microcode patch size in 16-byte units (host only)', **_STATIC),
        reserved(12, 15),
        bits(16, 23, 'rap_size', Kind.MIN, 'return address predictor entries (ERAPS)', depends=('eraps',)),
        reserved(24, 31),
    )),
    cpuid(0x80000021, 'ecx', vendors=(AMD,), fields=(
        reserved(0),
        flag(1, 'tsa_sq_no', 'not affected by transient scheduler attack on the store queue', qemu='tsa-sq-no'),
        flag(2, 'tsa_l1_no', 'not affected by transient scheduler attack on the L1', qemu='tsa-l1-no'),
        reserved(3, 31),
    )),

    # 0x8000_0022: performance monitoring v2 and LBR stack (AMD PMU: static 0).
    cpuid(0x80000022, 'eax', vendors=(AMD,), fields=(
        off(0, 'perfmon_v2', 'performance monitoring version 2', qemu='perfmon-v2'),
        off(1, 'amd_lbr_v2', 'last branch record stack'),
        off(2, 'amd_lbr_pmc_freeze', 'freeze of LBR stack and counters on overflow'),
        reserved(3, 31),
    )),
    cpuid(0x80000022, 'ebx', vendors=(AMD,), fields=(
        bits(0, 3, 'num_perf_ctr_core', Kind.MIN, 'core performance counters', **_STATIC),
        bits(4, 9, 'lbr_v2_stack_size', Kind.MIN, 'last branch record stack entries', **_STATIC),
        bits(10, 15, 'num_perf_ctr_nb', Kind.MIN, 'northbridge (data fabric) performance counters', **_STATIC),
        bits(16, 21, 'num_perf_ctr_umc', Kind.MIN, 'memory controller performance counters', **_STATIC),
        reserved(22, 31),
    )),
    cpuid(0x80000022, 'ecx', vendors=(AMD,), fields=(
        bits(0, 31, 'active_umc_mask', Kind.STATIC, 'active memory controllers', **_STATIC),
    )),

    # 0x8000_0023: multi-key encrypted memory (AMD; static 0 like SME).
    cpuid(0x80000023, 'eax', vendors=(AMD,), fields=(
        off(0, 'mem_hmk', 'multi-key host memory encryption'),
        reserved(1, 31),
    )),
    cpuid(0x80000023, 'ebx', vendors=(AMD,), fields=(
        bits(0, 15, 'mem_hmk_max_keys', Kind.MIN, 'encryption keys available', **_STATIC),
        reserved(16, 31),
    )),

    # 0x8000_0026: extended CPU topology, one sub-leaf per level (AMD).
    cpuid(0x80000026, 'eax', subleaf=(0, 7), vendors=(AMD,), fields=(
        _vmm(0, 4, 'ext_topo_shift', 'APIC id bits to shift right to reach the next level'),
        reserved(5, 28),
        _vmm(29, 29, 'ext_topo_eff_ranking', 'cores at this level have a power efficiency ranking'),
        _vmm(30, 30, 'ext_topo_hetero', 'cores at this level are heterogeneous'),
        _vmm(31, 31, 'ext_topo_asymmetric', 'instances of this level have different core counts'),
    )),
    cpuid(0x80000026, 'ebx', subleaf=(0, 7), vendors=(AMD,), fields=(
        _vmm(0, 15, 'ext_topo_num_lp', 'logical processors at this level'),
        _vmm(16, 23, 'ext_topo_pwr_eff_ranking', 'power efficiency ranking of this core'),
        _vmm(24, 27, 'ext_topo_native_model_id', 'native model id of this core'),
        _vmm(28, 31, 'ext_topo_core_type', 'core type (0 performance, 1 efficiency)'),
    )),
    cpuid(0x80000026, 'ecx', subleaf=(0, 7), vendors=(AMD,), fields=(
        _vmm(0, 7, 'ext_topo_level', 'level number (the sub-leaf)'),
        _vmm(8, 15, 'ext_topo_level_type', 'level type (1 core, 2 complex, 3 die, 4 socket)'),
        reserved(16, 31),
    )),
    cpuid(0x80000026, 'edx', subleaf=(0, 7), vendors=(AMD,), fields=(
        _vmm(0, 31, 'ext_topo_x2apic_id', 'extended APIC id of this logical processor'),
    )),
)

# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Basic CPUID leaves 0x0..0x24: Intel SDM vol. 2A / ISE, and AMD APM vol. 3 appendix E for 0x0..0xD.

Registers whose layout agrees on both vendors are written once (AMD reports 0 in bits only Intel
defines); leaves AMD reserves (2, 3, 4, 9, 0xA and everything above 0xD) are Intel only.
The XSAVE state components of leaf 0xD are named ``xsave_*_state`` so that features can depend on
them; they are ``derived`` (recomputed from the enabled features).
"""

from ansible_collections.vmcpu.profiles.plugins.module_utils.fields.model import (
    AMD, INTEL, Kind, Policy, bits, cpuid, flag, off, reserved,
)

_VMM = dict(policy=Policy.PASSTHROUGH)
_STATIC = dict(policy=Policy.STATIC)

REGISTERS = (
    # Leaf 0x0: highest basic leaf and vendor identification string.
    cpuid(0x0, 'eax', fields=(
        bits(0, 31, 'max_std_leaf', Kind.MIN, 'highest basic CPUID leaf'),
    )),
    cpuid(0x0, 'ebx', fields=(
        bits(0, 31, 'vendor_id_ebx', Kind.EQUAL, 'vendor string, characters 1-4 ("Genu" / "Auth")'),
    )),
    cpuid(0x0, 'ecx', fields=(
        bits(0, 31, 'vendor_id_ecx', Kind.EQUAL, 'vendor string, characters 9-12 ("ntel" / "cAMD")'),
    )),
    cpuid(0x0, 'edx', fields=(
        bits(0, 31, 'vendor_id_edx', Kind.EQUAL, 'vendor string, characters 5-8 ("ineI" / "enti")'),
    )),

    # Leaf 0x1 EAX: processor signature.
    cpuid(0x1, 'eax', fields=(
        bits(0, 3, 'stepping', Kind.IDENTITY, 'stepping ID'),
        bits(4, 7, 'model', Kind.IDENTITY, 'base model number'),
        bits(8, 11, 'family', Kind.IDENTITY, 'base family number'),
        bits(12, 13, 'processor_type', Kind.IDENTITY, 'Intel processor type (0 = original OEM)'),
        reserved(14, 15),
        bits(16, 19, 'extended_model', Kind.IDENTITY, 'extended model number'),
        bits(20, 27, 'extended_family', Kind.IDENTITY, 'extended family number'),
        reserved(28, 31),
    )),
    # Leaf 0x1 EBX: brand index, CLFLUSH size, logical processor count, initial APIC ID.
    cpuid(0x1, 'ebx', fields=(
        bits(0, 7, 'brand_index', Kind.IDENTITY, 'Intel brand index (0 = use the brand string)'),
        bits(8, 15, 'clflush_size', Kind.EQUAL, 'CLFLUSH line size in 8-byte units'),
        bits(16, 23, 'max_logical_cpus', Kind.VMM, 'addressable logical processor IDs per package',
             **_VMM),
        bits(24, 31, 'initial_apic_id', Kind.VMM, 'initial APIC ID of the answering CPU', **_VMM),
    )),
    # Leaf 0x1 ECX: feature flags.
    cpuid(0x1, 'ecx', fields=(
        flag(0, 'pni', 'SSE3 instructions', depends=('sse2',)),
        flag(1, 'pclmulqdq', 'PCLMULQDQ carry-less multiply', libvirt='pclmuldq', depends=('sse2',)),
        off(2, 'dtes64', '64-bit debug store layout (PMU debug store, not migrated)', depends=('dts',)),
        off(3, 'monitor', 'MONITOR/MWAIT: idle behaviour and wake-up are host specific'),
        off(4, 'ds_cpl', 'CPL-qualified debug store (PMU debug store)', qemu='ds-cpl', libvirt='ds_cpl',
            depends=('dts',)),
        flag(5, 'vmx', 'VMX: nested virtualization for the guest'),
        off(6, 'smx', 'Safer Mode Extensions (GETSEC, TXT): host only'),
        off(7, 'est', 'Enhanced SpeedStep: host power management'),
        off(8, 'tm2', 'Thermal Monitor 2: host power management'),
        flag(9, 'ssse3', 'Supplemental SSE3 instructions', depends=('pni',)),
        off(10, 'cid', 'L1 data cache context ID (adaptive/shared mode): KVM never gives it to a guest'),
        off(11, 'sdbg', 'IA32_DEBUG_INTERFACE silicon debug MSR'),
        flag(12, 'fma', 'FMA3 fused multiply-add', depends=('avx',)),
        flag(13, 'cx16', 'CMPXCHG16B instruction'),
        off(14, 'xtpr', 'xTPR update control (IA32_MISC_ENABLE bit 23): KVM never gives it to a guest'),
        off(15, 'pdcm', 'IA32_PERF_CAPABILITIES MSR (PMU)'),
        reserved(16),
        flag(17, 'pcid', 'process-context identifiers (CR4.PCIDE)'),
        off(18, 'dca', 'Direct Cache Access from devices: host platform only'),
        flag(19, 'sse4_1', 'SSE4.1 instructions', qemu='sse4.1', depends=('ssse3',)),
        flag(20, 'sse4_2', 'SSE4.2 instructions', qemu='sse4.2', depends=('sse4_1',)),
        flag(21, 'x2apic', 'x2APIC mode'),
        flag(22, 'movbe', 'MOVBE instruction'),
        flag(23, 'popcnt', 'POPCNT instruction'),
        flag(24, 'tsc_deadline_timer', 'APIC timer TSC-deadline mode', qemu='tsc-deadline'),
        flag(25, 'aes', 'AES-NI instructions', depends=('sse2',)),
        flag(26, 'xsave', 'XSAVE/XRSTOR/XSETBV/XGETBV and XCR0', depends=('fxsr',)),
        flag(27, 'osxsave', 'OS has set CR4.OSXSAVE (state of the running OS)', kind=Kind.VMM, **_VMM),
        flag(28, 'avx', 'AVX instructions', depends=('xsave', 'xsave_avx_state')),
        flag(29, 'f16c', 'half-precision conversion instructions', depends=('avx',)),
        flag(30, 'rdrand', 'RDRAND instruction'),
        flag(31, 'hypervisor', 'running under a hypervisor (set by the VMM)', kind=Kind.VMM, **_VMM),
    )),
    # Leaf 0x1 EDX: feature flags.
    cpuid(0x1, 'edx', fields=(
        flag(0, 'fpu', 'x87 floating-point unit on chip'),
        flag(1, 'vme', 'virtual-8086 mode enhancements'),
        flag(2, 'de', 'debugging extensions (CR4.DE, I/O breakpoints)'),
        flag(3, 'pse', '4-MByte pages'),
        flag(4, 'tsc', 'time-stamp counter and RDTSC'),
        flag(5, 'msr', 'RDMSR/WRMSR'),
        flag(6, 'pae', 'physical address extension'),
        flag(7, 'mce', 'machine-check exception'),
        flag(8, 'cx8', 'CMPXCHG8B instruction'),
        flag(9, 'apic', 'on-chip local APIC'),
        reserved(10),
        flag(11, 'sep', 'SYSENTER/SYSEXIT'),
        flag(12, 'mtrr', 'memory type range registers'),
        flag(13, 'pge', 'global pages (CR4.PGE)'),
        flag(14, 'mca', 'machine-check architecture'),
        flag(15, 'cmov', 'CMOVcc (and FCMOV/FCOMI with an FPU)', depends=('fxsr',)),
        flag(16, 'pat', 'page attribute table'),
        flag(17, 'pse36', '36-bit page size extension'),
        flag(18, 'pn', 'processor serial number (leaf 3)'),
        flag(19, 'clflush', 'CLFLUSH instruction'),
        reserved(20),
        off(21, 'dts', 'debug store (BTS/PEBS buffers, PMU)', qemu='ds'),
        off(22, 'acpi', 'thermal monitor and software clock control MSRs'),
        flag(23, 'mmx', 'MMX instructions', depends=('fxsr',)),
        flag(24, 'fxsr', 'FXSAVE/FXRSTOR and CR4.OSFXSR'),
        flag(25, 'sse', 'SSE instructions', depends=('fxsr',)),
        flag(26, 'sse2', 'SSE2 instructions', depends=('sse',)),
        flag(27, 'ss', 'self snoop'),
        flag(28, 'ht', 'max_logical_cpus is valid (multi-threading topology, set by the VMM)',
             kind=Kind.VMM, **_VMM),
        off(29, 'tm', 'automatic thermal monitor (TM1)'),
        flag(30, 'ia64', 'IA-64 processor emulating x86 (never set on x86-64 parts)'),
        off(31, 'pbe', 'pending break enable (FERR#/PBE# pin)'),
    )),

    # Leaf 0x2: legacy cache and TLB descriptors (Intel; AMD reserves the leaf).
    cpuid(0x2, 'eax', vendors=(INTEL,), fields=(
        bits(0, 31, 'cache_descriptors_eax', Kind.VMM, 'cache/TLB descriptor bytes (AL = 01h)', **_VMM),
    )),
    cpuid(0x2, 'ebx', vendors=(INTEL,), fields=(
        bits(0, 31, 'cache_descriptors_ebx', Kind.VMM, 'cache/TLB descriptor bytes', **_VMM),
    )),
    cpuid(0x2, 'ecx', vendors=(INTEL,), fields=(
        bits(0, 31, 'cache_descriptors_ecx', Kind.VMM, 'cache/TLB descriptor bytes', **_VMM),
    )),
    cpuid(0x2, 'edx', vendors=(INTEL,), fields=(
        bits(0, 31, 'cache_descriptors_edx', Kind.VMM, 'cache/TLB descriptor bytes', **_VMM),
    )),

    # Leaf 0x3: processor serial number, low 64 bits (Pentium III only; Intel).
    cpuid(0x3, 'ecx', vendors=(INTEL,), fields=(
        bits(0, 31, 'psn_low', Kind.IDENTITY, 'processor serial number bits 31:0 (not given to guests)',
             **_STATIC),
    )),
    cpuid(0x3, 'edx', vendors=(INTEL,), fields=(
        bits(0, 31, 'psn_mid', Kind.IDENTITY, 'processor serial number bits 63:32 (not given to guests)',
             **_STATIC),
    )),

    # Leaf 0x4: deterministic cache parameters, one sub-leaf per cache (Intel).
    cpuid(0x4, 'eax', subleaf=(0, 63), vendors=(INTEL,), fields=(
        bits(0, 4, 'cache_type', Kind.VMM, 'cache type (0 = no more caches, 1 data, 2 instruction, 3 unified)',
             **_VMM),
        bits(5, 7, 'cache_level', Kind.VMM, 'cache level, from 1', **_VMM),
        flag(8, 'cache_self_init', 'cache level does not need software initialisation', kind=Kind.VMM, **_VMM),
        flag(9, 'cache_fully_assoc', 'fully associative cache', kind=Kind.VMM, **_VMM),
        reserved(10, 13),
        bits(14, 25, 'cache_sharing_ids', Kind.VMM, 'logical processor IDs sharing this cache, minus 1', **_VMM),
        bits(26, 31, 'cache_core_ids', Kind.VMM, 'processor core IDs in the package, minus 1', **_VMM),
    )),
    cpuid(0x4, 'ebx', subleaf=(0, 63), vendors=(INTEL,), fields=(
        bits(0, 11, 'cache_line_size', Kind.VMM, 'system coherency line size in bytes, minus 1', **_VMM),
        bits(12, 21, 'cache_partitions', Kind.VMM, 'physical line partitions, minus 1', **_VMM),
        bits(22, 31, 'cache_ways', Kind.VMM, 'ways of associativity, minus 1', **_VMM),
    )),
    cpuid(0x4, 'ecx', subleaf=(0, 63), vendors=(INTEL,), fields=(
        bits(0, 31, 'cache_sets', Kind.VMM, 'number of sets, minus 1', **_VMM),
    )),
    cpuid(0x4, 'edx', subleaf=(0, 63), vendors=(INTEL,), fields=(
        flag(0, 'cache_wbinvd_no_lower', 'WBINVD/INVD may not act on lower caches sharing this one',
             kind=Kind.VMM, **_VMM),
        flag(1, 'cache_inclusive', 'cache is inclusive of lower levels', kind=Kind.VMM, **_VMM),
        flag(2, 'cache_complex_index', 'complex function indexes the cache', kind=Kind.VMM, **_VMM),
        reserved(3, 31),
    )),

    # Leaf 0x5: MONITOR/MWAIT parameters (both vendors; static with MONITOR/MWAIT).
    cpuid(0x5, 'eax', fields=(
        bits(0, 15, 'monitor_line_min', Kind.MIN, 'smallest monitor-line size in bytes', **_STATIC),
        reserved(16, 31),
    )),
    cpuid(0x5, 'ebx', fields=(
        bits(0, 15, 'monitor_line_max', Kind.MIN, 'largest monitor-line size in bytes', **_STATIC),
        reserved(16, 31),
    )),
    cpuid(0x5, 'ecx', fields=(
        off(0, 'mwait_ext', 'MWAIT extensions enumerated (EMX)'),
        off(1, 'mwait_irq_break', 'interrupts break MWAIT even when masked (IBE)'),
        reserved(2),
        off(3, 'mwait_monitorless', 'monitorless MWAIT'),
        reserved(4, 31),
    )),
    cpuid(0x5, 'edx', fields=(
        bits(0, 3, 'mwait_c0_substates', Kind.MIN, 'C0 sub-states supported by MWAIT', **_STATIC),
        bits(4, 7, 'mwait_c1_substates', Kind.MIN, 'C1 sub-states supported by MWAIT', **_STATIC),
        bits(8, 11, 'mwait_c2_substates', Kind.MIN, 'C2 sub-states supported by MWAIT', **_STATIC),
        bits(12, 15, 'mwait_c3_substates', Kind.MIN, 'C3 sub-states supported by MWAIT', **_STATIC),
        bits(16, 19, 'mwait_c4_substates', Kind.MIN, 'C4 sub-states supported by MWAIT', **_STATIC),
        bits(20, 23, 'mwait_c5_substates', Kind.MIN, 'C5 sub-states supported by MWAIT', **_STATIC),
        bits(24, 27, 'mwait_c6_substates', Kind.MIN, 'C6 sub-states supported by MWAIT', **_STATIC),
        bits(28, 31, 'mwait_c7_substates', Kind.MIN, 'C7 sub-states supported by MWAIT', **_STATIC),
    )),

    # Leaf 0x6: thermal and power management (both vendors; all static except ARAT).
    cpuid(0x6, 'eax', fields=(
        off(0, 'dtherm', 'digital temperature sensor'),
        off(1, 'ida', 'Turbo Boost / dynamic acceleration'),
        flag(2, 'arat', 'APIC timer keeps running in deep C-states'),
        reserved(3),
        off(4, 'pln', 'power limit notification'),
        off(5, 'ecmd', 'clock modulation duty cycle extension'),
        off(6, 'pts', 'package thermal management'),
        off(7, 'hwp', 'hardware-controlled P-states (HWP) MSRs', depends=('xsave_hwp_state',)),
        off(8, 'hwp_notify', 'HWP interrupt notification'),
        off(9, 'hwp_act_window', 'HWP activity window'),
        off(10, 'hwp_epp', 'HWP energy/performance preference'),
        off(11, 'hwp_pkg_req', 'HWP package-level request'),
        reserved(12),
        off(13, 'hdc', 'hardware duty cycling', depends=('xsave_hdc_state',)),
        off(14, 'turbo_max_3', 'Turbo Boost Max Technology 3.0'),
        off(15, 'hwp_highest_perf_change', 'HWP highest performance change interrupt'),
        off(16, 'hwp_peci_override', 'HWP PECI override'),
        off(17, 'hwp_flexible', 'flexible HWP'),
        off(18, 'hwp_fast_request', 'fast-access mode for IA32_HWP_REQUEST'),
        off(19, 'hfi', 'hardware feedback interface'),
        off(20, 'hwp_ignore_idle', 'HWP ignores requests of idle logical processors'),
        reserved(21),
        off(22, 'hwp_ctl', 'IA32_HWP_CTL MSR'),
        off(23, 'itd', 'Intel Thread Director'),
        off(24, 'therm_irq_bit25', 'IA32_THERM_INTERRUPT bit 25 supported'),
        reserved(25, 31),
    )),
    cpuid(0x6, 'ebx', fields=(
        bits(0, 3, 'dts_thresholds', Kind.MIN, 'digital thermal sensor interrupt thresholds', **_STATIC),
        reserved(4, 31),
    )),
    cpuid(0x6, 'ecx', fields=(
        off(0, 'aperfmperf', 'IA32_APERF/IA32_MPERF effective-frequency counters'),
        reserved(1, 2),
        off(3, 'epb', 'IA32_ENERGY_PERF_BIAS MSR'),
        reserved(4, 7),
        bits(8, 15, 'itd_classes', Kind.MIN, 'Thread Director classes', **_STATIC),
        reserved(16, 31),
    )),
    cpuid(0x6, 'edx', fields=(
        off(0, 'hfi_perf', 'hardware feedback: performance capability reporting'),
        off(1, 'hfi_energy', 'hardware feedback: energy-efficiency capability reporting'),
        reserved(2, 7),
        bits(8, 11, 'hfi_table_pages', Kind.MIN, 'hardware feedback table size in 4 KiB pages, minus 1', **_STATIC),
        reserved(12, 15),
        bits(16, 31, 'hfi_row_index', Kind.VMM, 'this logical processor\'s row in the feedback table', **_VMM),
    )),

    # Leaf 0x7 sub-leaf 0: structured extended features.
    cpuid(0x7, 'eax', subleaf=0, fields=(
        bits(0, 31, 'max_leaf7_subleaf', Kind.MIN, 'highest sub-leaf of leaf 7'),
    )),
    cpuid(0x7, 'ebx', subleaf=0, fields=(
        flag(0, 'fsgsbase', 'RDFSBASE/RDGSBASE/WRFSBASE/WRGSBASE instructions'),
        flag(1, 'tsc_adjust', 'IA32_TSC_ADJUST MSR', qemu='tsc-adjust', libvirt='tsc_adjust'),
        off(2, 'sgx', 'Software Guard Extensions: enclaves cannot migrate'),
        flag(3, 'bmi1', 'bit manipulation instructions, group 1'),
        off(4, 'hle', 'TSX hardware lock elision: disabled by microcode on many CPUs'),
        flag(5, 'avx2', 'AVX2 instructions', depends=('avx',)),
        flag(6, 'fdp_excptn_only', 'x87 FDP updated only on unmasked exceptions (1 = less state kept)',
             kind=Kind.BUG_FLAG, qemu='fdp-excptn-only'),
        flag(7, 'smep', 'supervisor-mode execution prevention'),
        flag(8, 'bmi2', 'bit manipulation instructions, group 2'),
        flag(9, 'erms', 'enhanced REP MOVSB/STOSB'),
        flag(10, 'invpcid', 'INVPCID instruction', depends=('pcid',)),
        off(11, 'rtm', 'TSX restricted transactional memory: disabled by microcode on many CPUs'),
        off(12, 'cqm', 'RDT monitoring (PQM): host resource monitoring', libvirt='cmt'),
        flag(13, 'zero_fcs_fds', 'x87 FCS/FDS deprecated, stored as 0 (1 = less state kept)',
             kind=Kind.BUG_FLAG, qemu='zero-fcs-fds'),
        off(14, 'mpx', 'Memory Protection Extensions (removed from newer CPUs)',
            depends=('xsave_bndregs_state', 'xsave_bndcsr_state')),
        off(15, 'rdt_a', 'RDT allocation (PQE): host resource allocation'),
        flag(16, 'avx512f', 'AVX-512 foundation',
             depends=('avx2', 'xsave_opmask_state', 'xsave_zmm_hi256_state', 'xsave_hi16_zmm_state')),
        flag(17, 'avx512dq', 'AVX-512 doubleword/quadword instructions', depends=('avx512f',)),
        flag(18, 'rdseed', 'RDSEED instruction'),
        flag(19, 'adx', 'ADCX/ADOX instructions'),
        flag(20, 'smap', 'supervisor-mode access prevention'),
        flag(21, 'avx512ifma', 'AVX-512 integer fused multiply-add', depends=('avx512f',)),
        flag(22, 'pcommit', 'PCOMMIT instruction (withdrawn)'),
        flag(23, 'clflushopt', 'CLFLUSHOPT instruction'),
        flag(24, 'clwb', 'CLWB instruction'),
        off(25, 'intel_pt', 'Intel Processor Trace', qemu='intel-pt', depends=('xsave_pt_state',)),
        flag(26, 'avx512pf', 'AVX-512 prefetch (Xeon Phi)', depends=('avx512f',)),
        flag(27, 'avx512er', 'AVX-512 exponential and reciprocal (Xeon Phi)', depends=('avx512f',)),
        flag(28, 'avx512cd', 'AVX-512 conflict detection', depends=('avx512f',)),
        flag(29, 'sha_ni', 'SHA-1/SHA-256 instructions', qemu='sha-ni', depends=('sse2',)),
        flag(30, 'avx512bw', 'AVX-512 byte/word instructions', depends=('avx512f',)),
        flag(31, 'avx512vl', 'AVX-512 128/256-bit vector lengths', depends=('avx512f',)),
    )),
    cpuid(0x7, 'ecx', subleaf=0, fields=(
        flag(0, 'prefetchwt1', 'PREFETCHWT1 instruction (Xeon Phi)'),
        flag(1, 'avx512vbmi', 'AVX-512 vector byte manipulation', depends=('avx512f',)),
        flag(2, 'umip', 'user-mode instruction prevention'),
        flag(3, 'pku', 'protection keys for user pages', depends=('xsave_pkru_state',)),
        flag(4, 'ospke', 'OS has set CR4.PKE (state of the running OS)', kind=Kind.VMM, **_VMM),
        flag(5, 'waitpkg', 'UMONITOR/UMWAIT/TPAUSE instructions'),
        flag(6, 'avx512_vbmi2', 'AVX-512 vector byte manipulation 2', qemu='avx512vbmi2',
             depends=('avx512f',)),
        flag(7, 'shstk', 'CET shadow stacks', depends=('xsave_cet_u_state', 'xsave_cet_s_state')),
        flag(8, 'gfni', 'Galois field instructions', depends=('sse2',)),
        flag(9, 'vaes', 'vector AES instructions', depends=('avx2', 'aes')),
        flag(10, 'vpclmulqdq', 'vector carry-less multiply', depends=('avx2', 'pclmulqdq')),
        flag(11, 'avx512_vnni', 'AVX-512 vector neural network instructions', qemu='avx512vnni',
             depends=('avx512f',)),
        flag(12, 'avx512_bitalg', 'AVX-512 VPOPCNTB/W and VPSHUFBITQMB', qemu='avx512bitalg',
             depends=('avx512f',)),
        off(13, 'tme', 'total memory encryption: host platform feature'),
        flag(14, 'avx512_vpopcntdq', 'AVX-512 VPOPCNTD/Q', qemu='avx512-vpopcntdq', depends=('avx512f',)),
        reserved(15),
        flag(16, 'la57', '5-level paging (57-bit linear addresses)'),
        bits(17, 21, 'mawau', Kind.MIN, 'MPX address-width adjust for BNDLDX/BNDSTX in 64-bit mode', **_STATIC),
        flag(22, 'rdpid', 'RDPID instruction'),
        off(23, 'kl', 'Key Locker: the wrapping key is per-CPU state'),
        flag(24, 'bus_lock_detect', 'OS bus-lock detection (#DB after bus lock)', qemu='bus-lock-detect'),
        flag(25, 'cldemote', 'CLDEMOTE instruction'),
        reserved(26),
        flag(27, 'movdiri', 'MOVDIRI instruction'),
        flag(28, 'movdir64b', 'MOVDIR64B instruction'),
        flag(29, 'enqcmd', 'ENQCMD/ENQCMDS instructions', depends=('xsave_pasid_state',)),
        off(30, 'sgx_lc', 'SGX launch control', qemu='sgxlc', depends=('sgx',)),
        flag(31, 'pks', 'protection keys for supervisor pages'),
    )),
    cpuid(0x7, 'edx', subleaf=0, fields=(
        reserved(0),
        off(1, 'sgx_keys', 'SGX attestation services', depends=('sgx',)),
        flag(2, 'avx512_4vnniw', 'AVX-512 4-iteration neural network (Xeon Phi)', qemu='avx512-4vnniw',
             depends=('avx512f',)),
        flag(3, 'avx512_4fmaps', 'AVX-512 4-iteration FMA single precision (Xeon Phi)',
             qemu='avx512-4fmaps', depends=('avx512f',)),
        flag(4, 'fsrm', 'fast short REP MOVSB'),
        flag(5, 'uintr', 'user interrupts', depends=('xsave_uintr_state',)),
        reserved(6, 7),
        flag(8, 'avx512_vp2intersect', 'AVX-512 VP2INTERSECTD/Q', qemu='avx512-vp2intersect',
             depends=('avx512f',)),
        flag(9, 'srbds_ctrl', 'IA32_MCU_OPT_CTRL MSR (SRBDS mitigation control)'),
        flag(10, 'md_clear', 'VERW clears CPU buffers (MDS mitigation)', qemu='md-clear'),
        off(11, 'rtm_always_abort', 'XBEGIN always aborts (TSX)'),
        reserved(12),
        off(13, 'tsx_force_abort', 'TSX_FORCE_ABORT MSR (TSX)'),
        flag(14, 'serialize', 'SERIALIZE instruction'),
        flag(15, 'hybrid_cpu', 'the part has more than one core type (topology, set by the VMM)',
             kind=Kind.VMM, **_VMM),
        off(16, 'tsxldtrk', 'TSX suspend load address tracking (TSX)', qemu='tsx-ldtrk', depends=('rtm',)),
        reserved(17),
        off(18, 'pconfig', 'PCONFIG instruction (multi-key memory encryption): host only'),
        off(19, 'arch_lbr', 'architectural last branch records', qemu='arch-lbr',
            depends=('xsave_lbr_state',)),
        flag(20, 'ibt', 'CET indirect branch tracking', depends=('xsave_cet_u_state', 'xsave_cet_s_state')),
        reserved(21),
        flag(22, 'amx_bf16', 'AMX bfloat16 tile multiply', qemu='amx-bf16', depends=('amx_tile',)),
        flag(23, 'avx512_fp16', 'AVX-512 half-precision arithmetic', qemu='avx512-fp16',
             depends=('avx512bw',)),
        flag(24, 'amx_tile', 'AMX tile architecture', qemu='amx-tile',
             depends=('xfd', 'xsave_xtilecfg_state', 'xsave_xtiledata_state')),
        flag(25, 'amx_int8', 'AMX int8 tile multiply', qemu='amx-int8', depends=('amx_tile',)),
        flag(26, 'spec_ctrl', 'IBRS and IBPB (IA32_SPEC_CTRL, IA32_PRED_CMD)', qemu='spec-ctrl'),
        flag(27, 'intel_stibp', 'single-thread indirect branch predictors (STIBP)', qemu='stibp',
             depends=('spec_ctrl',)),
        flag(28, 'flush_l1d', 'IA32_FLUSH_CMD MSR (L1D flush)', qemu='flush-l1d'),
        flag(29, 'arch_capabilities', 'IA32_ARCH_CAPABILITIES MSR', qemu='arch-capabilities'),
        flag(30, 'core_capabilities', 'IA32_CORE_CAPABILITIES MSR', qemu='core-capability'),
        flag(31, 'spec_ctrl_ssbd', 'speculative store bypass disable in IA32_SPEC_CTRL', qemu='ssbd',
             depends=('spec_ctrl',)),
    )),

    # Leaf 0x7 sub-leaf 1: structured extended features, second word set.
    cpuid(0x7, 'eax', subleaf=1, fields=(
        flag(0, 'sha512', 'SHA-512 instructions', depends=('avx2',)),
        flag(1, 'sm3', 'SM3 hash instructions', depends=('avx',)),
        flag(2, 'sm4', 'SM4 cipher instructions', depends=('avx2',)),
        flag(3, 'rao_int', 'remote atomic operations on integers (AADD, AAND, AOR, AXOR)'),
        flag(4, 'avx_vnni', 'AVX (VEX) vector neural network instructions', qemu='avx-vnni',
             depends=('avx2',)),
        flag(5, 'avx512_bf16', 'AVX-512 bfloat16 instructions', qemu='avx512-bf16', depends=('avx512vl',)),
        flag(6, 'lass', 'linear address space separation'),
        flag(7, 'cmpccxadd', 'CMPccXADD instructions'),
        off(8, 'arch_perfmon_ext', 'architectural PMU extended leaf 0x23'),
        reserved(9),
        flag(10, 'fzrm', 'fast zero-length REP MOVSB'),
        flag(11, 'fsrs', 'fast short REP STOSB'),
        flag(12, 'fsrc', 'fast short REP CMPSB/SCASB'),
        reserved(13, 16),
        flag(17, 'fred', 'flexible return and event delivery', depends=('lkgs', 'wrmsrns')),
        flag(18, 'lkgs', 'LKGS instruction'),
        flag(19, 'wrmsrns', 'non-serializing WRMSR'),
        flag(20, 'nmi_src', 'NMI-source reporting (with FRED)', depends=('fred',)),
        flag(21, 'amx_fp16', 'AMX half-precision tile multiply', qemu='amx-fp16', depends=('amx_tile',)),
        off(22, 'hreset', 'HRESET instruction (thread director history reset)'),
        flag(23, 'avx_ifma', 'AVX (VEX) integer fused multiply-add', qemu='avx-ifma', depends=('avx2',)),
        reserved(24, 25),
        flag(26, 'lam', 'linear address masking'),
        flag(27, 'msrlist', 'RDMSRLIST/WRMSRLIST instructions'),
        reserved(28, 29),
        off(30, 'invd_disable_post_bios_done', 'INVD disabled after BIOS done: host firmware state'),
        flag(31, 'movrs', 'MOVRS read-shared load instructions'),
    )),
    cpuid(0x7, 'ebx', subleaf=1, fields=(
        off(0, 'intel_ppin', 'IA32_PPIN and IA32_PPIN_CTL MSRs: host inventory number, not virtualised'),
        flag(1, 'pbndkb', 'PBNDKB instruction (platform key binding)'),
        reserved(2, 31),
    )),
    cpuid(0x7, 'ecx', subleaf=1, fields=(
        reserved(0, 1),
        flag(2, 'legacy_reduced_isa', 'legacy-reduced ISA (no 16-bit and some legacy modes)'),
        reserved(3),
        flag(4, 'sipi64', '64-bit SIPI start-up'),
        flag(5, 'msr_imm', 'immediate forms of RDMSR and WRMSRNS'),
        reserved(6, 31),
    )),
    cpuid(0x7, 'edx', subleaf=1, fields=(
        reserved(0, 3),
        flag(4, 'avx_vnni_int8', 'AVX VNNI int8 instructions', qemu='avx-vnni-int8', depends=('avx2',)),
        flag(5, 'avx_ne_convert', 'AVX no-exception FP conversions', qemu='avx-ne-convert', depends=('avx2',)),
        reserved(6, 7),
        flag(8, 'amx_complex', 'AMX complex-number tile multiply', qemu='amx-complex', depends=('amx_tile',)),
        reserved(9),
        flag(10, 'avx_vnni_int16', 'AVX VNNI int16 instructions', qemu='avx-vnni-int16', depends=('avx2',)),
        reserved(11, 12),
        flag(13, 'utmr', 'user timer events', depends=('uintr',)),
        flag(14, 'prefetchiti', 'PREFETCHIT0/1 instruction prefetch'),
        flag(15, 'user_msr', 'URDMSR/UWRMSR user-mode MSR access', qemu='user-msr'),
        reserved(16),
        flag(17, 'uiret_uif_from_rflags', 'UIRET sets UIF from the popped RFLAGS', depends=('uintr',)),
        flag(18, 'cet_sss', 'CET supervisor shadow stacks cannot be corrupted by speculation',
             depends=('shstk',)),
        flag(19, 'avx10', 'AVX10 converged vector ISA (details in leaf 0x24)', depends=('avx2',)),
        reserved(20),
        flag(21, 'apx', 'APX foundation: 32 GPRs and new encodings', depends=('xsave_apx_state',)),
        reserved(22),
        off(23, 'mwait_leaf7', 'MWAIT enumerated apart from CPUID.1:ECX[3] (MONITOR/MWAIT cannot migrate)'),
        reserved(24, 31),
    )),

    # Leaf 0x7 sub-leaf 2 EDX: speculation controls.
    cpuid(0x7, 'edx', subleaf=2, fields=(
        flag(0, 'intel_psfd', 'PSFD bit in IA32_SPEC_CTRL (fast store forwarding predictor off)',
             qemu='intel-psfd'),
        flag(1, 'ipred_ctrl', 'IPRED_DIS controls in IA32_SPEC_CTRL', qemu='ipred-ctrl'),
        flag(2, 'rrsba_ctrl', 'RRSBA_DIS controls in IA32_SPEC_CTRL', qemu='rrsba-ctrl'),
        flag(3, 'ddpd_u', 'DDPD_U bit in IA32_SPEC_CTRL (data-dependent prefetcher off)', qemu='ddpd-u'),
        flag(4, 'bhi_ctrl', 'BHI_DIS_S bit in IA32_SPEC_CTRL', qemu='bhi-ctrl'),
        flag(5, 'mcdt_no', 'no MXCSR configuration dependent timing', qemu='mcdt-no'),
        flag(6, 'uc_lock_disable', 'UC-lock disable in MSR_MEMORY_CTRL'),
        flag(7, 'monitor_mitg_no', 'MONITOR/UMONITOR need no power-side-channel mitigation'),
        reserved(8, 31),
    )),

    # Leaf 0x9: direct cache access parameters (Intel).
    cpuid(0x9, 'eax', vendors=(INTEL,), fields=(
        bits(0, 31, 'dca_cap', Kind.MIN, 'IA32_PLATFORM_DCA_CAP value (DCA is host only)', **_STATIC),
    )),

    # Leaf 0xA: architectural performance monitoring (Intel; static).
    cpuid(0xA, 'eax', vendors=(INTEL,), fields=(
        bits(0, 7, 'pmu_version', Kind.MIN, 'architectural PMU version', **_STATIC),
        bits(8, 15, 'pmu_gp_counters', Kind.MIN, 'general-purpose counters per logical processor', **_STATIC),
        bits(16, 23, 'pmu_gp_counter_width', Kind.MIN, 'general-purpose counter width in bits', **_STATIC),
        bits(24, 31, 'pmu_events_mask_length', Kind.MIN, 'length of the EBX event-availability vector',
             **_STATIC),
    )),
    cpuid(0xA, 'ebx', vendors=(INTEL,), fields=(
        flag(0, 'pmu_no_core_cycles', 'core cycles event not available', kind=Kind.BUG_FLAG, **_STATIC),
        flag(1, 'pmu_no_instructions', 'instructions retired event not available', kind=Kind.BUG_FLAG, **_STATIC),
        flag(2, 'pmu_no_ref_cycles', 'reference cycles event not available', kind=Kind.BUG_FLAG, **_STATIC),
        flag(3, 'pmu_no_llc_references', 'LLC references event not available', kind=Kind.BUG_FLAG, **_STATIC),
        flag(4, 'pmu_no_llc_misses', 'LLC misses event not available', kind=Kind.BUG_FLAG, **_STATIC),
        flag(5, 'pmu_no_branches', 'branch instructions retired event not available', kind=Kind.BUG_FLAG,
             **_STATIC),
        flag(6, 'pmu_no_branch_misses', 'branch mispredicts retired event not available', kind=Kind.BUG_FLAG,
             **_STATIC),
        flag(7, 'pmu_no_topdown_slots', 'top-down slots event not available', kind=Kind.BUG_FLAG, **_STATIC),
        flag(8, 'pmu_no_topdown_backend', 'top-down backend-bound event not available', kind=Kind.BUG_FLAG,
             **_STATIC),
        flag(9, 'pmu_no_topdown_bad_spec', 'top-down bad-speculation event not available', kind=Kind.BUG_FLAG,
             **_STATIC),
        flag(10, 'pmu_no_topdown_frontend', 'top-down frontend-bound event not available', kind=Kind.BUG_FLAG,
             **_STATIC),
        flag(11, 'pmu_no_topdown_retiring', 'top-down retiring event not available', kind=Kind.BUG_FLAG,
             **_STATIC),
        flag(12, 'pmu_no_lbr_inserts', 'LBR inserts event not available', kind=Kind.BUG_FLAG, **_STATIC),
        reserved(13, 31),
    )),
    cpuid(0xA, 'ecx', vendors=(INTEL,), fields=(
        bits(0, 31, 'pmu_fixed_counters_mask', Kind.MIN, 'bitmap of supported fixed counters', **_STATIC),
    )),
    cpuid(0xA, 'edx', vendors=(INTEL,), fields=(
        bits(0, 4, 'pmu_fixed_counters', Kind.MIN, 'contiguous fixed-function counters', **_STATIC),
        bits(5, 12, 'pmu_fixed_counter_width', Kind.MIN, 'fixed-function counter width in bits', **_STATIC),
        reserved(13, 14),
        flag(15, 'pmu_anythread_deprecated', 'AnyThread counting deprecated', kind=Kind.BUG_FLAG, **_STATIC),
        reserved(16, 31),
    )),

    # Leaf 0xB: extended topology, one sub-leaf per level (both vendors; set by the VMM).
    cpuid(0xB, 'eax', subleaf=(0, 63), fields=(
        bits(0, 4, 'topo_shift', Kind.VMM, 'x2APIC ID shift to the next level', **_VMM),
        reserved(5, 31),
    )),
    cpuid(0xB, 'ebx', subleaf=(0, 63), fields=(
        bits(0, 15, 'topo_logical_cpus', Kind.VMM, 'logical processors at this level', **_VMM),
        reserved(16, 31),
    )),
    cpuid(0xB, 'ecx', subleaf=(0, 63), fields=(
        bits(0, 7, 'topo_level_number', Kind.VMM, 'level number (the sub-leaf)', **_VMM),
        bits(8, 15, 'topo_level_type', Kind.VMM, 'level type (1 SMT, 2 core, 0 invalid)', **_VMM),
        reserved(16, 31),
    )),
    cpuid(0xB, 'edx', subleaf=(0, 63), fields=(
        bits(0, 31, 'x2apic_id', Kind.VMM, 'x2APIC ID of the answering CPU', **_VMM),
    )),

    # Leaf 0xD sub-leaf 0: XCR0 state components and XSAVE area sizes (both vendors).
    cpuid(0xD, 'eax', subleaf=0, fields=(
        flag(0, 'xsave_x87_state', 'XCR0 component 0: x87 state', kind=Kind.DERIVED, depends=('xsave',)),
        flag(1, 'xsave_sse_state', 'XCR0 component 1: SSE state (XMM, MXCSR)', kind=Kind.DERIVED,
             depends=('xsave',)),
        flag(2, 'xsave_avx_state', 'XCR0 component 2: AVX state (upper YMM halves)', kind=Kind.DERIVED,
             depends=('xsave',)),
        flag(3, 'xsave_bndregs_state', 'XCR0 component 3: MPX bound registers', kind=Kind.DERIVED,
             depends=('xsave',)),
        flag(4, 'xsave_bndcsr_state', 'XCR0 component 4: MPX BNDCFGU/BNDSTATUS', kind=Kind.DERIVED,
             depends=('xsave',)),
        flag(5, 'xsave_opmask_state', 'XCR0 component 5: AVX-512 opmask registers', kind=Kind.DERIVED,
             depends=('xsave',)),
        flag(6, 'xsave_zmm_hi256_state', 'XCR0 component 6: upper halves of ZMM0-15', kind=Kind.DERIVED,
             depends=('xsave',)),
        flag(7, 'xsave_hi16_zmm_state', 'XCR0 component 7: ZMM16-31', kind=Kind.DERIVED, depends=('xsave',)),
        reserved(8),
        flag(9, 'xsave_pkru_state', 'XCR0 component 9: PKRU register', kind=Kind.DERIVED, depends=('xsave',)),
        reserved(10, 16),
        flag(17, 'xsave_xtilecfg_state', 'XCR0 component 17: AMX TILECFG', kind=Kind.DERIVED,
             depends=('xsave',)),
        flag(18, 'xsave_xtiledata_state', 'XCR0 component 18: AMX TILEDATA', kind=Kind.DERIVED,
             depends=('xsave',)),
        flag(19, 'xsave_apx_state', 'XCR0 component 19: APX extended GPRs R16-R31', kind=Kind.DERIVED,
             depends=('xsave',)),
        reserved(20, 31),
    )),
    cpuid(0xD, 'ebx', subleaf=0, fields=(
        bits(0, 31, 'xsave_size_enabled', Kind.DERIVED, 'XSAVE area size for the components enabled in XCR0'),
    )),
    cpuid(0xD, 'ecx', subleaf=0, fields=(
        bits(0, 31, 'xsave_size_max', Kind.DERIVED, 'XSAVE area size for every supported XCR0 component'),
    )),
    cpuid(0xD, 'edx', subleaf=0, fields=(
        bits(0, 31, 'xcr0_supported_high', Kind.DERIVED, 'XCR0 support mask bits 63:32 (none defined yet)'),
    )),

    # Leaf 0xD sub-leaf 1: XSAVE extensions and IA32_XSS state components (both vendors).
    cpuid(0xD, 'eax', subleaf=1, fields=(
        flag(0, 'xsaveopt', 'XSAVEOPT instruction', depends=('xsave',)),
        flag(1, 'xsavec', 'XSAVEC and the compacted format', depends=('xsave',)),
        flag(2, 'xgetbv1', 'XGETBV with ECX = 1 (XINUSE)', depends=('xsave',)),
        flag(3, 'xsaves', 'XSAVES/XRSTORS and IA32_XSS', depends=('xsave',)),
        flag(4, 'xfd', 'extended feature disable (IA32_XFD)', depends=('xsaves', 'xgetbv1')),
        reserved(5, 31),
    )),
    cpuid(0xD, 'ebx', subleaf=1, fields=(
        bits(0, 31, 'xsave_size_xcr0_xss', Kind.DERIVED, 'XSAVES area size for the components in XCR0 | IA32_XSS'),
    )),
    cpuid(0xD, 'ecx', subleaf=1, fields=(
        reserved(0, 7),
        flag(8, 'xsave_pt_state', 'IA32_XSS component 8: Processor Trace state', kind=Kind.DERIVED,
             depends=('xsaves',)),
        reserved(9),
        flag(10, 'xsave_pasid_state', 'IA32_XSS component 10: PASID state (ENQCMD)', kind=Kind.DERIVED,
             depends=('xsaves',)),
        flag(11, 'xsave_cet_u_state', 'IA32_XSS component 11: CET user state', kind=Kind.DERIVED,
             depends=('xsaves',)),
        flag(12, 'xsave_cet_s_state', 'IA32_XSS component 12: CET supervisor shadow-stack pointers',
             kind=Kind.DERIVED, depends=('xsaves',)),
        flag(13, 'xsave_hdc_state', 'IA32_XSS component 13: hardware duty cycling state', kind=Kind.DERIVED,
             depends=('xsaves',)),
        flag(14, 'xsave_uintr_state', 'IA32_XSS component 14: user interrupt state', kind=Kind.DERIVED,
             depends=('xsaves',)),
        flag(15, 'xsave_lbr_state', 'IA32_XSS component 15: architectural LBR state', kind=Kind.DERIVED,
             depends=('xsaves',)),
        flag(16, 'xsave_hwp_state', 'IA32_XSS component 16: HWP request state', kind=Kind.DERIVED,
             depends=('xsaves',)),
        reserved(17, 31),
    )),
    cpuid(0xD, 'edx', subleaf=1, fields=(
        bits(0, 31, 'xss_supported_high', Kind.DERIVED, 'IA32_XSS support mask bits 63:32 (none defined yet)'),
    )),

    # Leaf 0xD sub-leaves 2..63: size, offset and alignment of each XSAVE state component.
    cpuid(0xD, 'eax', subleaf=(2, 63), fields=(
        bits(0, 31, 'xsave_component_size', Kind.EQUAL, 'size in bytes of this state component'),
    )),
    cpuid(0xD, 'ebx', subleaf=(2, 63), fields=(
        bits(0, 31, 'xsave_component_offset', Kind.EQUAL, 'offset of this user component in the standard format'),
    )),
    cpuid(0xD, 'ecx', subleaf=(2, 63), fields=(
        flag(0, 'xsave_component_supervisor', 'component lives in IA32_XSS (supervisor), not XCR0',
             kind=Kind.EQUAL),
        flag(1, 'xsave_component_aligned', 'component is 64-byte aligned in the compacted format',
             kind=Kind.EQUAL),
        flag(2, 'xsave_component_xfd', 'extended feature disable supported for this component'),
        reserved(3, 31),
    )),
    cpuid(0xD, 'edx', subleaf=(2, 63), fields=(
        reserved(0, 31),
    )),

    # Leaf 0xF sub-leaf 0: RDT monitoring capabilities (Intel RDT, AMD PQM: the same layout, but for
    # the I/O monitoring bits; AMD APM vol. 2 section 19.3; static).
    cpuid(0xF, 'ebx', subleaf=0, fields=(
        bits(0, 31, 'rdt_max_rmid', Kind.MIN, 'highest RMID of any resource type', **_STATIC),
    )),
    cpuid(0xF, 'edx', subleaf=0, fields=(
        reserved(0),
        off(1, 'cqm_llc', 'L3 cache resource monitoring', depends=('cqm',)),
        reserved(2, 31),
    )),
    # Leaf 0xF sub-leaf 1: L3 cache monitoring (Intel; static).
    cpuid(0xF, 'eax', subleaf=1, vendors=(INTEL,), fields=(
        bits(0, 7, 'rdt_counter_width', Kind.MIN, 'monitoring counter width, minus 24', **_STATIC),
        off(8, 'rdt_overflow_bit', 'IA32_QM_CTR overflow bit'),
        off(9, 'rdt_io_cmt', 'cache occupancy monitoring of non-CPU agents'),
        off(10, 'rdt_io_mbm', 'memory bandwidth monitoring of non-CPU agents'),
        reserved(11, 31),
    )),
    cpuid(0xF, 'eax', subleaf=1, vendors=(AMD,), fields=(
        bits(0, 7, 'rdt_counter_width', Kind.MIN, 'monitoring counter width, minus 24 (0: by PQoS version)',
             **_STATIC),
        off(8, 'rdt_overflow_bit', 'QM_CTR overflow bit'),
        reserved(9, 31),
    )),
    cpuid(0xF, 'ebx', subleaf=1, fields=(
        bits(0, 31, 'rdt_upscale_factor', Kind.EQUAL, 'bytes per IA32_QM_CTR unit', **_STATIC),
    )),
    cpuid(0xF, 'ecx', subleaf=1, fields=(
        bits(0, 31, 'rdt_l3_max_rmid', Kind.MIN, 'highest RMID for L3 monitoring', **_STATIC),
    )),
    cpuid(0xF, 'edx', subleaf=1, fields=(
        off(0, 'cqm_occup_llc', 'L3 occupancy monitoring', depends=('cqm_llc',)),
        off(1, 'cqm_mbm_total', 'L3 total memory bandwidth monitoring', libvirt='mbm_total',
            depends=('cqm_llc',)),
        off(2, 'cqm_mbm_local', 'L3 local memory bandwidth monitoring', libvirt='mbm_local',
            depends=('cqm_llc',)),
        reserved(3, 31),
    )),

    # Leaf 0x10 sub-leaf 0: RDT allocation resource types (Intel RDT; AMD PQE has L3 allocation only,
    # in the same bit, which real AMD CPUs report in EBX; static).
    cpuid(0x10, 'ebx', subleaf=0, vendors=(INTEL,), fields=(
        reserved(0),
        off(1, 'cat_l3', 'L3 cache allocation', depends=('rdt_a',)),
        off(2, 'cat_l2', 'L2 cache allocation', depends=('rdt_a',)),
        off(3, 'mba', 'memory bandwidth allocation', depends=('rdt_a',)),
        reserved(4, 31),
    )),
    cpuid(0x10, 'ebx', subleaf=0, vendors=(AMD,), fields=(
        reserved(0),
        off(1, 'cat_l3', 'L3 cache allocation', depends=('rdt_a',)),
        reserved(2, 31),
    )),
    # Leaf 0x10 sub-leaf 1: L3 cache allocation (static; AMD without the I/O and non-contiguous bits,
    # since it always allows non-contiguous masks).
    cpuid(0x10, 'eax', subleaf=1, fields=(
        bits(0, 4, 'cat_l3_cbm_length', Kind.MIN, 'L3 capacity bitmask length, minus 1', **_STATIC),
        reserved(5, 31),
    )),
    cpuid(0x10, 'ebx', subleaf=1, fields=(
        bits(0, 31, 'cat_l3_shared_mask', Kind.VMM, 'L3 allocation units shared with other entities', **_STATIC),
    )),
    cpuid(0x10, 'ecx', subleaf=1, vendors=(INTEL,), fields=(
        reserved(0),
        off(1, 'cat_l3_io', 'L3 allocation for non-CPU agents'),
        off(2, 'cdp_l3', 'L3 code and data prioritization', depends=('cat_l3',)),
        off(3, 'cat_l3_noncontig', 'non-contiguous L3 capacity bitmasks', depends=('cat_l3',)),
        reserved(4, 31),
    )),
    cpuid(0x10, 'ecx', subleaf=1, vendors=(AMD,), fields=(
        reserved(0, 1),
        off(2, 'cdp_l3', 'L3 code and data prioritization', depends=('cat_l3',)),
        reserved(3, 31),
    )),
    cpuid(0x10, 'edx', subleaf=1, fields=(
        bits(0, 15, 'cat_l3_max_cos', Kind.MIN, 'highest L3 class of service', **_STATIC),
        reserved(16, 31),
    )),
    # Leaf 0x10 sub-leaf 2: L2 cache allocation (Intel; static).
    cpuid(0x10, 'eax', subleaf=2, vendors=(INTEL,), fields=(
        bits(0, 4, 'cat_l2_cbm_length', Kind.MIN, 'L2 capacity bitmask length, minus 1', **_STATIC),
        reserved(5, 31),
    )),
    cpuid(0x10, 'ebx', subleaf=2, vendors=(INTEL,), fields=(
        bits(0, 31, 'cat_l2_shared_mask', Kind.VMM, 'L2 allocation units shared with other entities', **_STATIC),
    )),
    cpuid(0x10, 'ecx', subleaf=2, vendors=(INTEL,), fields=(
        reserved(0, 1),
        off(2, 'cdp_l2', 'L2 code and data prioritization', depends=('cat_l2',)),
        off(3, 'cat_l2_noncontig', 'non-contiguous L2 capacity bitmasks', depends=('cat_l2',)),
        reserved(4, 31),
    )),
    cpuid(0x10, 'edx', subleaf=2, vendors=(INTEL,), fields=(
        bits(0, 15, 'cat_l2_max_cos', Kind.MIN, 'highest L2 class of service', **_STATIC),
        reserved(16, 31),
    )),
    # Leaf 0x10 sub-leaf 3: memory bandwidth allocation (Intel; static).
    cpuid(0x10, 'eax', subleaf=3, vendors=(INTEL,), fields=(
        bits(0, 11, 'mba_max_throttle', Kind.MIN, 'highest MBA throttling value, minus 1', **_STATIC),
        reserved(12, 31),
    )),
    cpuid(0x10, 'ecx', subleaf=3, vendors=(INTEL,), fields=(
        off(0, 'per_thread_mba', 'per-thread MBA controls', depends=('mba',)),
        reserved(1),
        off(2, 'mba_linear', 'MBA delay values are linear', depends=('mba',)),
        reserved(3, 31),
    )),
    cpuid(0x10, 'edx', subleaf=3, vendors=(INTEL,), fields=(
        bits(0, 15, 'mba_max_cos', Kind.MIN, 'highest MBA class of service', **_STATIC),
        reserved(16, 31),
    )),

    # Leaf 0x12 sub-leaf 0: SGX capabilities (Intel; static with SGX).
    cpuid(0x12, 'eax', subleaf=0, vendors=(INTEL,), fields=(
        off(0, 'sgx1', 'SGX1 leaf functions', depends=('sgx',)),
        off(1, 'sgx2', 'SGX2 leaf functions (dynamic enclave memory)', depends=('sgx1',)),
        reserved(2, 4),
        off(5, 'sgx_enclv', 'ENCLV leaves for EPC oversubscription', depends=('sgx1',)),
        off(6, 'sgx_encls_oversub', 'ENCLS leaves ETRACKC/ERDINFO/ELDBC/ELDUC', depends=('sgx1',)),
        off(7, 'sgx_everifyreport2', 'ENCLU[EVERIFYREPORT2]', depends=('sgx1',)),
        reserved(8, 9),
        off(10, 'sgx_eupdatesvn', 'ENCLS[EUPDATESVN]', depends=('sgx1',)),
        off(11, 'sgx_edeccssa', 'ENCLU[EDECCSSA]', qemu='sgx-edeccssa', depends=('sgx1',)),
        reserved(12, 31),
    )),
    cpuid(0x12, 'ebx', subleaf=0, vendors=(INTEL,), fields=(
        off(0, 'sgx_exinfo', 'MISCSELECT.EXINFO: #PF/#GP details saved in the SSA', qemu='sgx-exinfo',
            depends=('sgx1',)),
        off(1, 'sgx_cpinfo', 'MISCSELECT.CPINFO: #CP details saved in the SSA', depends=('sgx1',)),
        reserved(2, 31),
    )),
    cpuid(0x12, 'edx', subleaf=0, vendors=(INTEL,), fields=(
        bits(0, 7, 'sgx_max_enclave_size_32', Kind.MIN, 'log2 of the largest enclave outside 64-bit mode',
             **_STATIC),
        bits(8, 15, 'sgx_max_enclave_size_64', Kind.MIN, 'log2 of the largest enclave in 64-bit mode',
             **_STATIC),
        reserved(16, 31),
    )),
    # Leaf 0x12 sub-leaf 1: SGX SECS.ATTRIBUTES that may be set (Intel; static).
    cpuid(0x12, 'eax', subleaf=1, vendors=(INTEL,), fields=(
        off(0, 'sgx_attr_init', 'SECS.ATTRIBUTES.INIT'),
        off(1, 'sgx_debug', 'debug enclaves', qemu='sgx-debug', depends=('sgx1',)),
        off(2, 'sgx_mode64', '64-bit enclaves', qemu='sgx-mode64', depends=('sgx1',)),
        reserved(3),
        off(4, 'sgx_provisionkey', 'provisioning key available', qemu='sgx-provisionkey', depends=('sgx1',)),
        off(5, 'sgx_tokenkey', 'launch token key available', qemu='sgx-tokenkey', depends=('sgx1',)),
        off(6, 'sgx_cet', 'CET inside enclaves', depends=('sgx1',)),
        off(7, 'sgx_kss', 'key separation and sharing', qemu='sgx-kss', depends=('sgx1',)),
        reserved(8, 9),
        off(10, 'sgx_aex_notify', 'AEX notify', qemu='sgx-aex-notify', depends=('sgx1',)),
        reserved(11, 31),
    )),
    cpuid(0x12, 'ebx', subleaf=1, vendors=(INTEL,), fields=(
        reserved(0, 31),
    )),
    cpuid(0x12, 'ecx', subleaf=1, vendors=(INTEL,), fields=(
        bits(0, 31, 'sgx_xfrm_low', Kind.MIN, 'XCR0 bits 31:0 an enclave may enable (SECS.ATTRIBUTES.XFRM)',
             **_STATIC),
    )),
    cpuid(0x12, 'edx', subleaf=1, vendors=(INTEL,), fields=(
        bits(0, 31, 'sgx_xfrm_high', Kind.MIN, 'XCR0 bits 63:32 an enclave may enable', **_STATIC),
    )),
    # Leaf 0x12 sub-leaves 2..63: EPC sections (Intel; static).
    cpuid(0x12, 'eax', subleaf=(2, 63), vendors=(INTEL,), fields=(
        bits(0, 3, 'sgx_epc_type', Kind.VMM, 'sub-leaf type (0 invalid, 1 EPC section)', **_STATIC),
        reserved(4, 11),
        bits(12, 31, 'sgx_epc_base_low', Kind.VMM, 'EPC section physical base, bits 31:12', **_STATIC),
    )),
    cpuid(0x12, 'ebx', subleaf=(2, 63), vendors=(INTEL,), fields=(
        bits(0, 19, 'sgx_epc_base_high', Kind.VMM, 'EPC section physical base, bits 51:32', **_STATIC),
        reserved(20, 31),
    )),
    cpuid(0x12, 'ecx', subleaf=(2, 63), vendors=(INTEL,), fields=(
        bits(0, 3, 'sgx_epc_property', Kind.VMM, 'EPC section protection (1 confidentiality+integrity, '
             '2 confidentiality only)', **_STATIC),
        reserved(4, 11),
        bits(12, 31, 'sgx_epc_size_low', Kind.VMM, 'EPC section size, bits 31:12', **_STATIC),
    )),
    cpuid(0x12, 'edx', subleaf=(2, 63), vendors=(INTEL,), fields=(
        bits(0, 19, 'sgx_epc_size_high', Kind.VMM, 'EPC section size, bits 51:32', **_STATIC),
        reserved(20, 31),
    )),

    # Leaf 0x14 sub-leaf 0: Intel Processor Trace capabilities (Intel; static).
    cpuid(0x14, 'eax', subleaf=0, vendors=(INTEL,), fields=(
        bits(0, 31, 'pt_max_subleaf', Kind.MIN, 'highest sub-leaf of leaf 0x14', **_STATIC),
    )),
    cpuid(0x14, 'ebx', subleaf=0, vendors=(INTEL,), fields=(
        off(0, 'pt_cr3_filter', 'CR3 filtering', depends=('intel_pt',)),
        off(1, 'pt_psb_cyc', 'configurable PSB and cycle-accurate mode', depends=('intel_pt',)),
        off(2, 'pt_ip_filter', 'IP filtering, TraceStop, PT MSRs kept across warm reset', depends=('intel_pt',)),
        off(3, 'pt_mtc', 'MTC timing packets', depends=('intel_pt',)),
        off(4, 'pt_ptwrite', 'PTWRITE instruction', depends=('intel_pt',)),
        off(5, 'pt_power_event', 'power event trace', depends=('intel_pt',)),
        off(6, 'pt_psb_pmi_preserve', 'PSB and PMI preservation', depends=('intel_pt',)),
        off(7, 'pt_event_trace', 'event trace packets', depends=('intel_pt',)),
        off(8, 'pt_tnt_disable', 'TNT packet generation can be disabled', depends=('intel_pt',)),
        reserved(9, 31),
    )),
    cpuid(0x14, 'ecx', subleaf=0, vendors=(INTEL,), fields=(
        off(0, 'pt_topa', 'ToPA output', depends=('intel_pt',)),
        off(1, 'pt_topa_multi', 'ToPA tables with many output entries', depends=('intel_pt',)),
        off(2, 'pt_single_range', 'single-range output', depends=('intel_pt',)),
        off(3, 'pt_trace_transport', 'output to the trace transport subsystem', depends=('intel_pt',)),
        reserved(4, 30),
        off(31, 'pt_lip', 'IP payloads are linear addresses (CS base included)', qemu='intel-pt-lip',
            depends=('intel_pt',)),
    )),
    # Leaf 0x14 sub-leaf 1: Intel Processor Trace encodings (Intel; static).
    cpuid(0x14, 'eax', subleaf=1, vendors=(INTEL,), fields=(
        bits(0, 2, 'pt_addr_ranges', Kind.MIN, 'configurable address ranges for filtering', **_STATIC),
        reserved(3, 15),
        bits(16, 31, 'pt_mtc_periods', Kind.MIN, 'bitmap of supported MTC period encodings', **_STATIC),
    )),
    cpuid(0x14, 'ebx', subleaf=1, vendors=(INTEL,), fields=(
        bits(0, 15, 'pt_cyc_thresholds', Kind.MIN, 'bitmap of supported cycle threshold encodings', **_STATIC),
        bits(16, 31, 'pt_psb_freqs', Kind.MIN, 'bitmap of supported PSB frequency encodings', **_STATIC),
    )),

    # Leaf 0x15: TSC and core crystal clock ratio (Intel; the VMM states the guest TSC rate).
    cpuid(0x15, 'eax', vendors=(INTEL,), fields=(
        bits(0, 31, 'tsc_ratio_denominator', Kind.VMM, 'TSC / crystal clock ratio, denominator', **_VMM),
    )),
    cpuid(0x15, 'ebx', vendors=(INTEL,), fields=(
        bits(0, 31, 'tsc_ratio_numerator', Kind.VMM, 'TSC / crystal clock ratio, numerator', **_VMM),
    )),
    cpuid(0x15, 'ecx', vendors=(INTEL,), fields=(
        bits(0, 31, 'crystal_hz', Kind.VMM, 'core crystal clock frequency in Hz', **_VMM),
    )),

    # Leaf 0x16: processor frequencies for display (Intel).
    cpuid(0x16, 'eax', vendors=(INTEL,), fields=(
        bits(0, 15, 'base_mhz', Kind.IDENTITY, 'base frequency in MHz'),
        reserved(16, 31),
    )),
    cpuid(0x16, 'ebx', vendors=(INTEL,), fields=(
        bits(0, 15, 'max_mhz', Kind.IDENTITY, 'maximum frequency in MHz'),
        reserved(16, 31),
    )),
    cpuid(0x16, 'ecx', vendors=(INTEL,), fields=(
        bits(0, 15, 'bus_mhz', Kind.IDENTITY, 'bus (reference) frequency in MHz'),
        reserved(16, 31),
    )),

    # Leaf 0x17 sub-leaf 0: system-on-chip vendor attributes (Intel).
    cpuid(0x17, 'eax', subleaf=0, vendors=(INTEL,), fields=(
        bits(0, 31, 'soc_max_subleaf', Kind.IDENTITY, 'highest SoC vendor sub-leaf'),
    )),
    cpuid(0x17, 'ebx', subleaf=0, vendors=(INTEL,), fields=(
        bits(0, 15, 'soc_vendor_id', Kind.IDENTITY, 'SoC vendor ID'),
        flag(16, 'soc_vendor_scheme', 'vendor ID follows an industry enumeration scheme', kind=Kind.IDENTITY),
        reserved(17, 31),
    )),
    cpuid(0x17, 'ecx', subleaf=0, vendors=(INTEL,), fields=(
        bits(0, 31, 'soc_project_id', Kind.IDENTITY, 'SoC project ID'),
    )),
    cpuid(0x17, 'edx', subleaf=0, vendors=(INTEL,), fields=(
        bits(0, 31, 'soc_stepping_id', Kind.IDENTITY, 'SoC stepping ID'),
    )),
    # Leaf 0x17 sub-leaves 1..3: SoC vendor brand string (Intel).
    cpuid(0x17, 'eax', subleaf=(1, 3), vendors=(INTEL,), fields=(
        bits(0, 31, 'soc_brand_eax', Kind.IDENTITY, 'SoC vendor brand string, 4 characters'),
    )),
    cpuid(0x17, 'ebx', subleaf=(1, 3), vendors=(INTEL,), fields=(
        bits(0, 31, 'soc_brand_ebx', Kind.IDENTITY, 'SoC vendor brand string, 4 characters'),
    )),
    cpuid(0x17, 'ecx', subleaf=(1, 3), vendors=(INTEL,), fields=(
        bits(0, 31, 'soc_brand_ecx', Kind.IDENTITY, 'SoC vendor brand string, 4 characters'),
    )),
    cpuid(0x17, 'edx', subleaf=(1, 3), vendors=(INTEL,), fields=(
        bits(0, 31, 'soc_brand_edx', Kind.IDENTITY, 'SoC vendor brand string, 4 characters'),
    )),

    # Leaf 0x18: deterministic address translation (TLB) parameters (Intel; set by the VMM).
    cpuid(0x18, 'eax', subleaf=0, vendors=(INTEL,), fields=(
        bits(0, 31, 'tlb_max_subleaf', Kind.VMM, 'highest sub-leaf of leaf 0x18', **_VMM),
    )),
    cpuid(0x18, 'eax', subleaf=(1, 63), vendors=(INTEL,), fields=(
        reserved(0, 31),
    )),
    cpuid(0x18, 'ebx', subleaf=(0, 63), vendors=(INTEL,), fields=(
        flag(0, 'tlb_4k', 'translation cache holds 4 KiB pages', kind=Kind.VMM, **_VMM),
        flag(1, 'tlb_2m', 'translation cache holds 2 MiB pages', kind=Kind.VMM, **_VMM),
        flag(2, 'tlb_4m', 'translation cache holds 4 MiB pages', kind=Kind.VMM, **_VMM),
        flag(3, 'tlb_1g', 'translation cache holds 1 GiB pages', kind=Kind.VMM, **_VMM),
        reserved(4, 7),
        bits(8, 10, 'tlb_partitioning', Kind.VMM, 'partitioning (0 soft between logical processors)', **_VMM),
        reserved(11, 15),
        bits(16, 31, 'tlb_ways', Kind.VMM, 'ways of associativity', **_VMM),
    )),
    cpuid(0x18, 'ecx', subleaf=(0, 63), vendors=(INTEL,), fields=(
        bits(0, 31, 'tlb_sets', Kind.VMM, 'number of sets', **_VMM),
    )),
    cpuid(0x18, 'edx', subleaf=(0, 63), vendors=(INTEL,), fields=(
        bits(0, 4, 'tlb_type', Kind.VMM, 'translation cache type (0 invalid, 1 data, 2 instruction, 3 unified, '
             '4 load, 5 store)', **_VMM),
        bits(5, 7, 'tlb_level', Kind.VMM, 'translation cache level, from 1', **_VMM),
        flag(8, 'tlb_fully_assoc', 'fully associative translation cache', kind=Kind.VMM, **_VMM),
        reserved(9, 13),
        bits(14, 25, 'tlb_sharing_ids', Kind.VMM, 'logical processors sharing this translation cache, minus 1',
             **_VMM),
        reserved(26, 31),
    )),

    # Leaf 0x19: Key Locker (Intel; static with kl).
    cpuid(0x19, 'eax', vendors=(INTEL,), fields=(
        off(0, 'kl_cpl0_only', 'Key Locker CPL0-only restriction', depends=('kl',)),
        off(1, 'kl_no_encrypt', 'Key Locker no-encrypt restriction', depends=('kl',)),
        off(2, 'kl_no_decrypt', 'Key Locker no-decrypt restriction', depends=('kl',)),
        reserved(3, 31),
    )),
    cpuid(0x19, 'ebx', vendors=(INTEL,), fields=(
        off(0, 'aeskle', 'AES Key Locker instructions enabled', depends=('kl',)),
        reserved(1),
        off(2, 'widekl', 'AES wide Key Locker instructions', depends=('aeskle',)),
        reserved(3),
        off(4, 'kl_iwkey_backup', 'IWKey backup MSRs', depends=('kl',)),
        reserved(5, 31),
    )),
    cpuid(0x19, 'ecx', vendors=(INTEL,), fields=(
        off(0, 'kl_nobackup', 'LOADIWKEY NoBackup parameter', depends=('kl',)),
        off(1, 'kl_random_iwkey', 'LOADIWKEY random key source', depends=('kl',)),
        reserved(2, 31),
    )),

    # Leaf 0x1A: hybrid core type of the answering CPU (Intel).
    cpuid(0x1A, 'eax', vendors=(INTEL,), fields=(
        bits(0, 23, 'native_model_id', Kind.IDENTITY, 'native model ID of this core type'),
        bits(24, 31, 'core_type', Kind.IDENTITY, 'core type (0x20 Atom, 0x40 Core)'),
    )),

    # Leaf 0x1B: PCONFIG targets, one sub-leaf per target group (Intel; static with pconfig).
    cpuid(0x1B, 'eax', subleaf=(0, 63), vendors=(INTEL,), fields=(
        bits(0, 11, 'pconfig_subleaf_type', Kind.MIN, 'sub-leaf type (0 invalid, 1 target identifiers)',
             **_STATIC),
        reserved(12, 31),
    )),
    cpuid(0x1B, 'ebx', subleaf=(0, 63), vendors=(INTEL,), fields=(
        bits(0, 31, 'pconfig_target_1', Kind.MIN, 'PCONFIG target identifier (1 = MKTME)', **_STATIC),
    )),
    cpuid(0x1B, 'ecx', subleaf=(0, 63), vendors=(INTEL,), fields=(
        bits(0, 31, 'pconfig_target_2', Kind.MIN, 'PCONFIG target identifier', **_STATIC),
    )),
    cpuid(0x1B, 'edx', subleaf=(0, 63), vendors=(INTEL,), fields=(
        bits(0, 31, 'pconfig_target_3', Kind.MIN, 'PCONFIG target identifier', **_STATIC),
    )),

    # Leaf 0x1C: architectural LBR capabilities (Intel; static with arch_lbr).
    cpuid(0x1C, 'eax', vendors=(INTEL,), fields=(
        bits(0, 7, 'lbr_depths', Kind.MIN, 'bitmap of supported LBR depths (bit n: 8 * (n + 1))', **_STATIC),
        reserved(8, 29),
        off(30, 'lbr_deep_cstate_reset', 'LBRs may be cleared in deep C-states', depends=('arch_lbr',)),
        off(31, 'lbr_lip', 'LBR IP values are linear addresses', depends=('arch_lbr',)),
    )),
    cpuid(0x1C, 'ebx', vendors=(INTEL,), fields=(
        off(0, 'lbr_cpl_filter', 'LBR CPL filtering', depends=('arch_lbr',)),
        off(1, 'lbr_branch_filter', 'LBR branch filtering', depends=('arch_lbr',)),
        off(2, 'lbr_call_stack', 'LBR call-stack mode', depends=('arch_lbr',)),
        reserved(3, 31),
    )),
    cpuid(0x1C, 'ecx', vendors=(INTEL,), fields=(
        off(0, 'lbr_mispredict', 'LBR mispredict bit', depends=('arch_lbr',)),
        off(1, 'lbr_timed', 'timed LBRs (cycle counts)', depends=('arch_lbr',)),
        off(2, 'lbr_branch_type', 'LBR branch type field', depends=('arch_lbr',)),
        reserved(3, 15),
        bits(16, 19, 'lbr_event_logging', Kind.MIN, 'bitmap of counters whose events LBRs can log', **_STATIC),
        reserved(20, 31),
    )),

    # Leaf 0x1D sub-leaf 0: AMX tile palettes (Intel).
    cpuid(0x1D, 'eax', subleaf=0, vendors=(INTEL,), fields=(
        bits(0, 31, 'amx_max_palette', Kind.MIN, 'highest tile palette', depends=('amx_tile',)),
    )),
    # Leaf 0x1D sub-leaves 1..63: geometry of each tile palette (Intel).
    cpuid(0x1D, 'eax', subleaf=(1, 63), vendors=(INTEL,), fields=(
        bits(0, 15, 'amx_total_tile_bytes', Kind.EQUAL, 'bytes of all tile registers', depends=('amx_tile',)),
        bits(16, 31, 'amx_bytes_per_tile', Kind.EQUAL, 'bytes per tile register', depends=('amx_tile',)),
    )),
    cpuid(0x1D, 'ebx', subleaf=(1, 63), vendors=(INTEL,), fields=(
        bits(0, 15, 'amx_bytes_per_row', Kind.EQUAL, 'bytes per tile row', depends=('amx_tile',)),
        bits(16, 31, 'amx_max_names', Kind.EQUAL, 'number of tile registers', depends=('amx_tile',)),
    )),
    cpuid(0x1D, 'ecx', subleaf=(1, 63), vendors=(INTEL,), fields=(
        bits(0, 15, 'amx_max_rows', Kind.EQUAL, 'rows per tile', depends=('amx_tile',)),
        reserved(16, 31),
    )),

    # Leaf 0x1E sub-leaf 0: AMX TMUL limits (Intel).
    cpuid(0x1E, 'eax', subleaf=0, vendors=(INTEL,), fields=(
        bits(0, 31, 'tmul_max_subleaf', Kind.MIN, 'highest sub-leaf of leaf 0x1E'),
    )),
    cpuid(0x1E, 'ebx', subleaf=0, vendors=(INTEL,), fields=(
        bits(0, 7, 'tmul_maxk', Kind.MIN, 'TMUL rows/columns K', depends=('amx_tile',)),
        bits(8, 23, 'tmul_maxn', Kind.MIN, 'TMUL column bytes N', depends=('amx_tile',)),
        reserved(24, 31),
    )),
    # Leaf 0x1E sub-leaf 1: AMX instruction families (Intel; bits 0-3 mirror leaf 7 bits).
    cpuid(0x1E, 'eax', subleaf=1, vendors=(INTEL,), fields=(
        flag(0, 'amx_int8_mirror', 'AMX-INT8 (mirror of CPUID.(7,0).EDX[25])', qemu='amx-int8-mirror',
             depends=('amx_int8',)),
        flag(1, 'amx_bf16_mirror', 'AMX-BF16 (mirror of CPUID.(7,0).EDX[22])', qemu='amx-bf16-mirror',
             depends=('amx_bf16',)),
        flag(2, 'amx_complex_mirror', 'AMX-COMPLEX (mirror of CPUID.(7,1).EDX[8])', qemu='amx-complex-mirror',
             depends=('amx_complex',)),
        flag(3, 'amx_fp16_mirror', 'AMX-FP16 (mirror of CPUID.(7,1).EAX[21])', qemu='amx-fp16-mirror',
             depends=('amx_fp16',)),
        flag(4, 'amx_fp8', 'AMX 8-bit floating-point tile multiply', qemu='amx-fp8', depends=('amx_tile',)),
        reserved(5),
        flag(6, 'amx_tf32', 'AMX TF32 tile multiply', qemu='amx-tf32', depends=('amx_tile',)),
        flag(7, 'amx_avx512', 'AMX tile to AVX-512 moves and conversions', qemu='amx-avx512',
             depends=('amx_tile', 'avx512f')),
        flag(8, 'amx_movrs', 'AMX read-shared tile loads', qemu='amx-movrs', depends=('amx_tile', 'movrs')),
        reserved(9, 31),
    )),

    # Leaf 0x1F: V2 extended topology, one sub-leaf per level (Intel; set by the VMM).
    cpuid(0x1F, 'eax', subleaf=(0, 63), vendors=(INTEL,), fields=(
        bits(0, 4, 'topo2_shift', Kind.VMM, 'x2APIC ID shift to the next level', **_VMM),
        reserved(5, 31),
    )),
    cpuid(0x1F, 'ebx', subleaf=(0, 63), vendors=(INTEL,), fields=(
        bits(0, 15, 'topo2_logical_cpus', Kind.VMM, 'logical processors at this level', **_VMM),
        reserved(16, 31),
    )),
    cpuid(0x1F, 'ecx', subleaf=(0, 63), vendors=(INTEL,), fields=(
        bits(0, 7, 'topo2_level_number', Kind.VMM, 'level number (the sub-leaf)', **_VMM),
        bits(8, 15, 'topo2_level_type', Kind.VMM, 'level type (1 SMT, 2 core, 3 module, 4 tile, 5 die, '
             '6 die group)', **_VMM),
        reserved(16, 31),
    )),
    cpuid(0x1F, 'edx', subleaf=(0, 63), vendors=(INTEL,), fields=(
        bits(0, 31, 'topo2_x2apic_id', Kind.VMM, 'x2APIC ID of the answering CPU', **_VMM),
    )),

    # Leaf 0x20: HRESET history reset capabilities (Intel; static with hreset).
    cpuid(0x20, 'eax', subleaf=0, vendors=(INTEL,), fields=(
        bits(0, 31, 'hreset_max_subleaf', Kind.MIN, 'highest sub-leaf of leaf 0x20', **_STATIC),
    )),
    cpuid(0x20, 'ebx', subleaf=0, vendors=(INTEL,), fields=(
        off(0, 'hreset_itd', 'HRESET resets the Thread Director history', depends=('hreset',)),
        reserved(1, 31),
    )),

    # Leaf 0x21: Intel TDX enumeration ("IntelTDX    " inside a trust domain; set by the VMM).
    cpuid(0x21, 'eax', subleaf=0, vendors=(INTEL,), fields=(
        bits(0, 31, 'tdx_max_subleaf', Kind.VMM, 'highest sub-leaf of leaf 0x21', **_VMM),
    )),
    cpuid(0x21, 'ebx', subleaf=0, vendors=(INTEL,), fields=(
        bits(0, 31, 'tdx_vendor_ebx', Kind.VMM, 'TDX vendor string, characters 1-4', **_VMM),
    )),
    cpuid(0x21, 'ecx', subleaf=0, vendors=(INTEL,), fields=(
        bits(0, 31, 'tdx_vendor_ecx', Kind.VMM, 'TDX vendor string, characters 9-12', **_VMM),
    )),
    cpuid(0x21, 'edx', subleaf=0, vendors=(INTEL,), fields=(
        bits(0, 31, 'tdx_vendor_edx', Kind.VMM, 'TDX vendor string, characters 5-8', **_VMM),
    )),

    # Leaf 0x23 sub-leaf 0: architectural PMU extended enumeration (Intel; static).
    cpuid(0x23, 'eax', subleaf=0, vendors=(INTEL,), fields=(
        bits(0, 31, 'pmu_ext_subleaves', Kind.MIN, 'bitmap of valid sub-leaves of leaf 0x23', **_STATIC),
    )),
    cpuid(0x23, 'ebx', subleaf=0, vendors=(INTEL,), fields=(
        off(0, 'pmu_umask2', 'UnitMask2 field in IA32_PERFEVTSELx', depends=('arch_perfmon_ext',)),
        off(1, 'pmu_eq', 'EQ bit in IA32_PERFEVTSELx', depends=('arch_perfmon_ext',)),
        off(2, 'pmu_rdpmc_user_disable', 'RDPMC user-disable per counter', depends=('arch_perfmon_ext',)),
        reserved(3, 31),
    )),
    cpuid(0x23, 'ecx', subleaf=0, vendors=(INTEL,), fields=(
        bits(0, 7, 'pmu_topdown_slots', Kind.MIN, 'top-down slots per cycle', **_STATIC),
        reserved(8, 31),
    )),
    # Leaf 0x23 sub-leaf 1: counter bitmaps (Intel; static).
    cpuid(0x23, 'eax', subleaf=1, vendors=(INTEL,), fields=(
        bits(0, 31, 'pmu_ext_gp_counters', Kind.MIN, 'bitmap of general-purpose counters', **_STATIC),
    )),
    cpuid(0x23, 'ebx', subleaf=1, vendors=(INTEL,), fields=(
        bits(0, 31, 'pmu_ext_fixed_counters', Kind.MIN, 'bitmap of fixed-function counters', **_STATIC),
    )),
    # Leaf 0x23 sub-leaf 2: auto counter reload (Intel; static).
    cpuid(0x23, 'eax', subleaf=2, vendors=(INTEL,), fields=(
        bits(0, 31, 'pmu_acr_reloadable', Kind.MIN, 'bitmap of counters that can be auto-reloaded', **_STATIC),
    )),
    cpuid(0x23, 'ebx', subleaf=2, vendors=(INTEL,), fields=(
        bits(0, 31, 'pmu_acr_causes', Kind.MIN, 'bitmap of counters that can cause a reload', **_STATIC),
    )),
    # Leaf 0x23 sub-leaf 3: architectural events (Intel; static).
    cpuid(0x23, 'eax', subleaf=3, vendors=(INTEL,), fields=(
        bits(0, 31, 'pmu_ext_arch_events', Kind.MIN, 'bitmap of supported architectural events', **_STATIC),
    )),

    # Leaf 0x24 sub-leaf 0: AVX10 converged vector ISA (Intel).
    cpuid(0x24, 'eax', subleaf=0, vendors=(INTEL,), fields=(
        bits(0, 31, 'avx10_max_subleaf', Kind.MIN, 'highest sub-leaf of leaf 0x24', depends=('avx10',)),
    )),
    cpuid(0x24, 'ebx', subleaf=0, vendors=(INTEL,), fields=(
        bits(0, 7, 'avx10_version', Kind.MIN, 'AVX10 version (1 = AVX10.1, 2 = AVX10.2)', depends=('avx10',)),
        reserved(8, 15),
        flag(16, 'avx10_128', 'AVX10 with 128-bit vectors', qemu='avx10-128', depends=('avx10',)),
        flag(17, 'avx10_256', 'AVX10 with 256-bit vectors', qemu='avx10-256', depends=('avx10_128',)),
        flag(18, 'avx10_512', 'AVX10 with 512-bit vectors', qemu='avx10-512',
             depends=('avx10_256', 'xsave_opmask_state', 'xsave_zmm_hi256_state', 'xsave_hi16_zmm_state')),
        reserved(19, 31),
    )),
    # Leaf 0x24 sub-leaf 1: AVX10 instructions enumerated one by one (Intel AVX10.2 specification).
    cpuid(0x24, 'ecx', subleaf=1, vendors=(INTEL,), fields=(
        reserved(0, 1),
        flag(2, 'avx10_vnni_int', 'AVX10 VNNI INT8/INT16 dot products (VPDP*)', depends=('avx10',)),
        reserved(3, 31),
    )),
)

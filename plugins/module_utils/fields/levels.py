# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The x86-64 micro-architecture levels of the x86-64 psABI (design notes section 8), in field names.

Each level adds features to the one below it; a feature set is at the highest level whose every
feature (its own and those below) it has. Where the psABI names what the CPU does not decide, the
CPU's side of it stands in: OSFXSR (baseline) and OSXSAVE (v3) are set by the guest's kernel, so FXSR
and XSAVE with the state components the kernel must be able to enable count (SSE and AVX for v3, the
three AVX-512 components for v4); SYSCALL is part of long mode, and Intel CPUs report it only to
64-bit code (a 32-bit dumper reads 0), so long mode (``lm``) counts for it, as in libcpuid.
"""

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError

LEVELS = (
    ('x86-64', ('cmov', 'cx8', 'fpu', 'fxsr', 'lm', 'mmx', 'sse', 'sse2')),
    ('x86-64-v2', ('cx16', 'lahf_lm', 'popcnt', 'pni', 'sse4_1', 'sse4_2', 'ssse3')),
    ('x86-64-v3', ('abm', 'avx', 'avx2', 'bmi1', 'bmi2', 'f16c', 'fma', 'movbe', 'xsave', 'xsave_sse_state',
                   'xsave_avx_state')),
    ('x86-64-v4', ('avx512bw', 'avx512cd', 'avx512dq', 'avx512f', 'avx512vl', 'xsave_opmask_state',
                   'xsave_zmm_hi256_state', 'xsave_hi16_zmm_state')),
)
LEVEL_NAMES = tuple(name for name, _added in LEVELS)


def check_level(level, what='min_level'):
    """``level`` if it names a level, else VmcpuError listing them."""
    if level not in LEVEL_NAMES:
        raise VmcpuError('%s %r is not an x86-64 level; the levels are %s.' % (what, level, ', '.join(LEVEL_NAMES)))
    return level


def level_features(level):
    """Every feature ``level`` needs, its own and those of the levels below, in table order."""
    rank = LEVEL_NAMES.index(check_level(level))
    return [feature for _name, added in LEVELS[:rank + 1] for feature in added]


def x86_64_level(has):
    """The highest level whose every feature ``has(name)`` is true for, or None below the baseline."""
    level = None
    for name, added in LEVELS:
        if not all(has(feature) for feature in added):
            break
        level = name
    return level


def level_rank(level):
    """0 below the baseline, 1 for the baseline ... 4 for v4."""
    return 0 if level is None else LEVEL_NAMES.index(level) + 1


def leaves_level(index, leaf_sets):
    """The level of a host whose CPU groups have the CPUID ``leaf_sets`` (``{(leaf, subleaf): (eax,
    ebx, ecx, edx)}`` each; a guest gets a feature only where every group has it), by the field
    table ``index``."""
    registers = ('eax', 'ebx', 'ecx', 'edx')

    def has(name):
        f = index.by_name[name]
        return all(f.extract(leaves.get((f.leaf, f.subleaves[0]), (0, 0, 0, 0))[registers.index(f.register)])
                   for leaves in leaf_sets)
    return x86_64_level(has)

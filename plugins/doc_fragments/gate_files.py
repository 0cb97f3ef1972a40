# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Options and attributes the migration gate's file writers share (migration_gate_files and
profile_export_files): owner, backups, the gate lock, check and diff mode."""


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  owner:
    description: Owner of the written files.
    type: str
    default: root
  backup:
    description:
      - Keep the two generations before the current one (they hold the earlier versions of replaced
        files); without it only the current generation is kept.
    type: bool
    default: true
  lock_timeout:
    description: Seconds to wait for another gate run on the same host to release the lock.
    type: int
    default: 120
attributes:
  check_mode:
    support: full
    description: Reports what would change (with a diff) and writes nothing, not even the lock file.
  diff_mode:
    support: full
    description: One diff per file that changes, from what readers see now to the new generation.
"""

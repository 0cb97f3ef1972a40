# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection version, recorded in facts and profiles.

Modules run on managed nodes where galaxy.yml is not available, so the version lives here too; a unit
test keeps it equal to galaxy.yml.
"""

COLLECTION_VERSION = '0.2.0'

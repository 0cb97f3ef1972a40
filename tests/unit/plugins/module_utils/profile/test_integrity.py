# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A profile is trusted only as this collection made it: schema version, keys, vendor, digest."""

import copy

import pytest

from ansible_collections.vmcpu.profiles.plugins.module_utils.errors import VmcpuError
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.build import build_profile, profile_digest
from ansible_collections.vmcpu.profiles.plugins.module_utils.profile.integrity import verify_profile

GOLD, BROADWELL = 'Xeon-Gold-6152', 'Xeon-E5-2650-v4'


@pytest.fixture(scope='module')
def profile_of(real_dump_facts):
    """``profile_of(name)``: the profile ``check`` of one real dump."""
    def build(name):
        return build_profile([(name, real_dump_facts[name])], 'check', generated_at='2025-01-01T00:00:00Z')
    return build


def test_a_generated_profile_is_trusted(profile_of):
    verify_profile(profile_of(GOLD))


def test_tampered_profile_is_refused(profile_of):
    profile = copy.deepcopy(profile_of(BROADWELL))
    profile['features'].append('avx512f')
    expected = ('profile check was tampered with: its digest %s does not match its content (%s); '
                'regenerate it instead of editing it.' % (profile['digest'], profile_digest(profile)))
    with pytest.raises(VmcpuError) as caught:
        verify_profile(profile)
    assert str(caught.value) == expected


@pytest.mark.parametrize('change, message', [
    (lambda p: p.update(schema_version=2),
     'profile check has schema_version 2, this collection reads version 1; regenerate it with this version of '
     'vmcpu.profiles.'),
    (lambda p: (p.pop('cpuid'), p.pop('digest')),
     "profile check does not match profile.schema.json at (top level): 'cpuid' is a required property "
     "(and 1 more problems)."),
    (lambda p: p.update(vendor='CentaurHauls'),
     "profile check does not match profile.schema.json at vendor: 'CentaurHauls' is not one of "
     "['GenuineIntel', 'AuthenticAMD', 'HygonGenuine']."),
    (lambda p: p.update(provenance={'hosts': 'x'}),
     "profile check does not match profile.schema.json at provenance: 'features' is a required property "
     "(and 4 more problems)."),
    (lambda p: p['cpuid'][0].update(value=7.5),
     "profile check does not match profile.schema.json at cpuid[0].value: 7.5 is not of type 'string'."),
])
def test_structurally_unusable_profile_is_refused(profile_of, change, message):
    profile = copy.deepcopy(profile_of(GOLD))
    change(profile)
    with pytest.raises(VmcpuError) as caught:
        verify_profile(profile)
    assert str(caught.value) == message


def test_profile_that_is_not_a_mapping_is_refused():
    with pytest.raises(VmcpuError) as caught:
        verify_profile(['not', 'a', 'profile'])
    assert str(caught.value) == ('the profile is not a mapping (got a list); pass the JSON document built by the '
                                 'vmcpu.profiles.cluster_profile lookup.')

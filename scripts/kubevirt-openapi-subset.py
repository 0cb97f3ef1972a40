# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make tests/platforms/kubevirt/openapi-subset.json from KubeVirt's published OpenAPI document.

    python3 scripts/kubevirt-openapi-subset.py KUBEVIRT_CHECKOUT/api/openapi-spec/swagger.json COMMIT

Keeps the definitions a ``VirtualMachine`` and a ``KubeVirt`` resource need (the closure of their
``$ref``s, without their ``status``, which the exports never write), as structure only: the
descriptions are dropped. The Kubernetes types they refer to come along, as KubeVirt publishes them.
The Nova and Proxmox tests use the platforms' own code; for KubeVirt, whose API server cannot run
here, this schema is what the exports are validated against (tests/unit/.../test_kubevirt.py).
"""

import json
import sys

ROOTS = ('v1.VirtualMachine', 'v1.KubeVirt')
OUTPUT = 'tests/platforms/kubevirt/openapi-subset.json'


def structure(value):
    """``value`` without its ``description`` texts."""
    if isinstance(value, dict):
        return {key: structure(item) for key, item in value.items() if key != 'description'}
    if isinstance(value, list):
        return [structure(item) for item in value]
    return value


def references(value):
    if isinstance(value, dict):
        for key, item in value.items():
            if key == '$ref':
                yield item.rsplit('/', 1)[1]
            else:
                yield from references(item)
    elif isinstance(value, list):
        for item in value:
            yield from references(item)


def subset(definitions):
    kept = {}
    for root in ROOTS:
        definition = structure(definitions[root])
        definition['properties'].pop('status')
        kept[root] = definition
    pending = [name for root in ROOTS for name in references(kept[root])]
    while pending:
        name = pending.pop()
        if name not in kept:
            kept[name] = structure(definitions[name])
            pending.extend(references(kept[name]))
    return kept


def main(path, commit):
    with open(path) as handle:
        document = json.load(handle)
    result = {
        'source': {'repository': 'https://github.com/kubevirt/kubevirt', 'path': 'api/openapi-spec/swagger.json',
                   'commit': commit, 'licence': 'Apache-2.0 (tests/platforms/kubevirt/LICENSE)',
                   'made_by': 'scripts/kubevirt-openapi-subset.py (definitions of %s, descriptions dropped)'
                              % ', '.join(ROOTS)},
        'definitions': subset(document['definitions']),
    }
    with open(OUTPUT, 'w') as handle:
        json.dump(result, handle, indent=1, sort_keys=True)
        handle.write('\n')
    print('%s: %d definitions' % (OUTPUT, len(result['definitions'])))


if __name__ == '__main__':
    main(*sys.argv[1:])

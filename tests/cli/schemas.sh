#!/usr/bin/env bash
# schemas.sh - docs/schemas/ against the documents of the repository and
# what ecom writes (tests/schemas/documents.py says what is checked).
#
# Run with ECOM=path/to/ecom.  EC_SCHEMA_CASES may name further directories
# of conformance cases (colon-separated, laid out as tests/conformance/).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
: "${ECOM:?set ECOM to the ecom program under test}"
python3 -c 'import jsonschema' 2>/dev/null || {
    echo "FAIL python3-jsonschema is not installed (scripts/deps.sh installs it)"
    exit 1
}
ECOM="$ECOM" python3 "$root/tests/schemas/documents.py"

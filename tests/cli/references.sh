#!/usr/bin/env bash
# references.sh - the repository documents itself: no file may send a reader
# to documents that are not in it (the formats, command line and HTTP
# documents the project was first written against, or a folder beside the
# checkout).  docs/reference/ and docs/schemas/ are where the formats live.
#
# Run with ECOM=path/to/ecom (unused; every tests/cli script gets it).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root" || exit 1

# Written so that this file does not match itself.
pattern='formats\.md|http\.md|cli\.md|\.\./shared|/work/share[d]|the spec'"'"'s|[Ss]pecification document'

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    found=$(git grep -n -I -E "$pattern" -- . 2>/dev/null)
else
    found=$(grep -rn -I -E "$pattern" --exclude-dir=build --exclude-dir=node_modules . 2>/dev/null)
fi
if [ -n "$found" ]; then
    echo "FAIL references to documents outside the repository (describe it in docs/reference/ instead):"
    echo "$found"
    echo "references: 0 passed, 1 failed"
    exit 1
fi
# The pattern must still find what it looks for.
probe=$(printf '%s\n' "see formats.m""d" "see ..""/shared/x" | grep -c -E "$pattern")
if [ "$probe" -ne 2 ]; then
    echo "FAIL the pattern no longer matches a reference"
    echo "references: 0 passed, 1 failed"
    exit 1
fi
echo "references: 2 passed, 0 failed"

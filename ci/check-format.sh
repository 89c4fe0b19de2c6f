#!/usr/bin/env bash
# check-format.sh - every C file follows .clang-format (fails listing the ones that do not).
set -euo pipefail
cd "$(dirname "$0")/.."
bad=()
while IFS= read -r f; do
	clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done < <(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build*')
if [ ${#bad[@]} -gt 0 ]; then
	echo "check-format: not in .clang-format style (run clang-format -i): ${bad[*]}" >&2
	exit 1
fi
echo "check-format: ok"

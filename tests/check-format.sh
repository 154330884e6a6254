#!/usr/bin/env bash
# Checks (or, with --fix, applies) the repo's .clang-format on our C/C++
# sources: every tracked or untracked-but-not-ignored *.c *.h *.cpp under
# processor/ state/ sinks/ tests/. Prints the files that are not formatted.
# Usage: tests/check-format.sh [--fix]    (exit 1 when a file is off)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
fix=0
if [[ "${1:-}" == "--fix" ]]; then
    fix=1
fi

CLANG_FORMAT="${CLANG_FORMAT:-clang-format}"
if ! command -v "$CLANG_FORMAT" >/dev/null 2>&1; then
    echo "check-format: $CLANG_FORMAT not found (run 'make deps')" >&2
    exit 2
fi

dirs=(processor state sinks tests)
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    mapfile -t files < <(git ls-files --cached --others --exclude-standard -- \
        "${dirs[@]/%//*.c}" "${dirs[@]/%//*.h}" "${dirs[@]/%//*.cpp}" | sort -u)
else
    mapfile -t files < <(find "${dirs[@]}" -type f \
        \( -name '*.c' -o -name '*.h' -o -name '*.cpp' \) 2>/dev/null | sort)
fi

# A tracked file deleted in the work tree is still listed by git: skip it.
present=()
for f in "${files[@]}"; do
    [[ -f "$f" ]] && present+=("$f")
done

if [[ $fix -eq 1 ]]; then
    if [[ ${#present[@]} -gt 0 ]]; then
        "$CLANG_FORMAT" -i --style=file "${present[@]}"
    fi
    echo "format: formatted ${#present[@]} files"
    exit 0
fi

bad=()
for f in "${present[@]}"; do
    if ! "$CLANG_FORMAT" --dry-run --Werror --style=file "$f" >/dev/null 2>&1; then
        bad+=("$f")
    fi
done

if [[ ${#bad[@]} -gt 0 ]]; then
    echo "format-check: ${#bad[@]} of ${#present[@]} files are not clang-format clean:"
    printf '  %s\n' "${bad[@]}"
    echo "format-check: run 'make format' (or clang-format -i FILE) to fix"
    exit 1
fi
echo "format-check: ${#present[@]} files clean"

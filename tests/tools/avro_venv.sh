#!/usr/bin/env bash
# tests/tools/avro_venv.sh DIR - makes (once) a Python venv in DIR with
# fastavro, the independent Avro implementation the sink tests compare
# against. Prints the venv's python path on success; exits 1 (with the
# reason on stderr) when Python or the package index is unreachable, so the
# calling test can skip loudly instead of passing silently.
set -eu
dir=${1:?usage: avro_venv.sh DIR}
py="$dir/bin/python"
if [ -x "$py" ] && "$py" -c 'import fastavro' 2>/dev/null; then
    echo "$py"
    exit 0
fi
command -v python3 >/dev/null || { echo "avro_venv: python3 not found" >&2; exit 1; }
python3 -m venv "$dir" >&2 || { echo "avro_venv: python3 -m venv failed" >&2; exit 1; }
"$py" -m pip install --quiet --disable-pip-version-check 'fastavro>=1.7' >&2 ||
    { echo "avro_venv: pip install fastavro failed (index unreachable?)" >&2; exit 1; }
echo "$py"

#!/usr/bin/env bash
# tests/tools/avro_venv.sh DIR [--registry] - makes (once) a Python venv in
# DIR with fastavro, the independent Avro implementation the sink tests
# compare against; with --registry also Confluent's Python client
# (confluent-kafka with its Schema Registry and Avro extras, which bring the
# Apache Avro library the test registry's compatibility checks use).
# Prints the venv's python path on success; exits 1 (with the reason on
# stderr) when Python or the package index is unreachable, so the calling
# test can skip loudly instead of passing silently.
set -eu
dir=${1:?usage: avro_venv.sh DIR [--registry]}
pkgs=('fastavro>=1.7')
check='import fastavro'
if [ "${2:-}" = --registry ]; then
    pkgs+=('confluent-kafka[avro,schemaregistry]>=2.3' 'avro>=1.11')
    check='import fastavro, avro.compatibility, confluent_kafka.schema_registry.avro'
fi
py="$dir/bin/python"
# tests running in parallel share the venv: one builds it, the others wait
mkdir -p "$(dirname "$dir")"
exec 9>"$dir.lock"
flock 9
if [ -x "$py" ] && "$py" -c "$check" 2>/dev/null; then
    echo "$py"
    exit 0
fi
command -v python3 >/dev/null || { echo "avro_venv: python3 not found" >&2; exit 1; }
[ -x "$py" ] || python3 -m venv "$dir" >&2 || { echo "avro_venv: python3 -m venv failed" >&2; exit 1; }
"$py" -m pip install --quiet --disable-pip-version-check "${pkgs[@]}" >&2 ||
    { echo "avro_venv: pip install ${pkgs[*]} failed (index unreachable?)" >&2; exit 1; }
"$py" -c "$check" >&2 || { echo "avro_venv: installed packages do not import" >&2; exit 1; }
echo "$py"

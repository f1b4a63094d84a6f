#!/usr/bin/env bash
# Runs the importer fuzzer for a bounded time over a seed corpus generated now (PEM, DER,
# PKCS#7, PKCS#12, keys). Usage: scripts/fuzz.sh BUILD_DIR SECONDS
set -euo pipefail
build=$(cd "$1" && pwd)
seconds=${2:-60}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
corpus=$work/corpus
mkdir -p "$corpus"
cd "$work"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout k.pem -out c.pem \
  -subj /CN=fuzz -days 2 -addext subjectAltName=DNS:fuzz,IP:127.0.0.1 2>/dev/null
openssl x509 -in c.pem -outform DER -out c.der
openssl crl2pkcs7 -nocrl -certfile c.pem -out p7.pem
openssl crl2pkcs7 -nocrl -certfile c.pem -outform DER -out p7.der
openssl pkcs12 -export -in c.pem -inkey k.pem -passout pass:fuzz -out id.p12
openssl pkcs12 -export -in c.pem -nokeys -passout pass:fuzz -out certs.p12
openssl pkcs8 -topk8 -in k.pem -passout pass:fuzz -out enc.pem
i=0
for f in c.pem c.der p7.pem p7.der id.p12 certs.p12 enc.pem k.pem; do
  # Seed both variants of the leading "offer a password" byte.
  { printf '\001'; cat "$f"; } >"$corpus/seed$i"; i=$((i + 1))
  { printf '\000'; cat "$f"; } >"$corpus/seed$i"; i=$((i + 1))
done
{ printf '\001'; cat c.pem k.pem; } >"$corpus/identity"
"$build/fuzz/importer_fuzzer" -max_total_time="$seconds" -max_len=16384 -timeout=10 \
  -rss_limit_mb=2048 -print_final_stats=1 "$corpus" 2>"$work/fuzz.log" || {
  tail -60 "$work/fuzz.log"
  exit 1
}
grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$work/fuzz.log" || true
echo "fuzz: no crash in ${seconds}s"

#!/usr/bin/env bash
# A short tour of trustctl on a throw-away store: the files a customer typically sends
# (a PEM root, a DER intermediate, a legacy Windows PFX client identity, a server certificate)
# are imported, attached to connectors, listed, verified, and exported for runtimes.
# Usage: scripts/library-tour.sh PATH_TO_TRUSTCTL
# Every step states the exit code it must end with (some show a refusal on purpose); the tour
# stops at the first step that ends otherwise and exits 1, so it doubles as a smoke test.
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 PATH_TO_TRUSTCTL" >&2
  exit 2
fi
# The tour runs in a scratch folder: a relative path must be made absolute before the cd.
if ! trustctl=$(realpath -e -- "$1" 2>/dev/null) || [ ! -f "$trustctl" ] || [ ! -x "$trustctl" ]; then
  echo "$0: '$1' is not an executable trustctl binary; build it first (scripts/run.sh)" >&2
  exit 2
fi
work=$(mktemp -d /tmp/trustctl-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
export TRUSTCTL_STORE=$work/store
cd "$work"

# step EXPECTED_EXIT COMMAND...: show the command, run it, stop the tour if it ends otherwise.
step() {
  local expected=$1 rc=0
  shift
  printf '\n\033[1m$ %s\033[0m\n' "$*"
  "$@" || rc=$?
  if [ "$rc" -ne "$expected" ]; then
    echo "library tour: step failed: '$*' exited $rc, expected $expected" >&2
    exit 1
  fi
}

# A customer PKI: root -> intermediate -> server, plus a client certificate for mTLS.
ext() { printf '%s\n' "$@" >"$work/ext.cnf"; }
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out root.key 2>/dev/null
openssl req -x509 -new -key root.key -subj "/O=Contoso/CN=Contoso Root CA" -days 3650 \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out contoso-root.pem
for n in inter server client; do
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out $n.key 2>/dev/null
done
ext "basicConstraints=critical,CA:TRUE,pathlen:0" "keyUsage=critical,keyCertSign,cRLSign"
openssl req -new -key inter.key -subj "/O=Contoso/CN=Contoso Issuing CA 1" |
  openssl x509 -req -CA contoso-root.pem -CAkey root.key -CAcreateserial -days 1825 \
    -extfile ext.cnf -outform DER -out contoso-issuing.cer 2>/dev/null
openssl x509 -inform DER -in contoso-issuing.cer -out inter.pem
ext "basicConstraints=CA:FALSE" "extendedKeyUsage=serverAuth" \
  "subjectAltName=DNS:erp.contoso.example,IP:127.0.0.1"
openssl req -new -key server.key -subj "/CN=erp.contoso.example" |
  openssl x509 -req -CA inter.pem -CAkey inter.key -CAcreateserial -days 20 \
    -extfile ext.cnf -out server.pem 2>/dev/null
cat server.pem inter.pem >server-chain.pem
ext "basicConstraints=CA:FALSE" "extendedKeyUsage=clientAuth"
openssl req -new -key client.key -subj "/CN=integration-client" |
  openssl x509 -req -CA inter.pem -CAkey inter.key -CAcreateserial -days 365 \
    -extfile ext.cnf -out client.pem 2>/dev/null
printf 'Export-2026\n' >pfx-password.txt
chmod 600 pfx-password.txt
# As Windows exports it: RC2/3DES-encrypted PKCS#12 (needs OpenSSL's legacy provider).
openssl pkcs12 -export -legacy -in client.pem -inkey client.key -certfile inter.pem \
  -passout file:pfx-password.txt -out client.pfx 2>/dev/null ||
  openssl pkcs12 -export -in client.pem -inkey client.key -certfile inter.pem \
    -passout file:pfx-password.txt -out client.pfx

echo "trustctl demo: store in $TRUSTCTL_STORE"
step 0 "$trustctl" --version
step 0 "$trustctl" import contoso-root.pem --env prod --note "from the customer's IT team"
step 0 "$trustctl" import contoso-issuing.cer --name contoso-issuing
step 0 "$trustctl" import server.pem --name erp-server-pin
step 0 "$trustctl" import client.pfx --name erp-client --identity --password-file pfx-password.txt
step 2 "$trustctl" import contoso-root.pem --name contoso-root-again
step 0 "$trustctl" connector create erp-api --env prod
step 0 "$trustctl" connector trust erp-api contoso-root
step 0 "$trustctl" connector identity erp-api erp-client
step 0 "$trustctl" connector create ad-sync --env prod
step 0 "$trustctl" connector trust ad-sync contoso-issuing
step 0 "$trustctl" list
step 0 "$trustctl" verify server-chain.pem --connector erp-api --host erp.contoso.example
step 0 "$trustctl" verify server.pem --connector ad-sync --host erp.contoso.example
step 1 "$trustctl" verify server-chain.pem --connector erp-api --host wrong.contoso.example
step 2 "$trustctl" remove contoso-root
step 0 "$trustctl" where-used contoso-root
step 0 "$trustctl" connector show erp-api
step 0 "$trustctl" log -n 8
echo
echo "Probing live targets: scripts/demo.sh"

#!/usr/bin/env bash
# What trustctl is for, on a machine with no internet: three local servers with the faults
# users meet most (an HTTPS API whose root is not trusted, one that forgets its intermediate,
# an LDAPS/StartTLS directory on a private CA) are probed through their connectors; each
# diagnosis names the certificate to install, --install installs it, and a last probe shows
# every target green. Servers bind 127.0.0.1 only and are stopped on exit.
# Usage: scripts/demo.sh PATH_TO_TRUSTCTL
set -euo pipefail
source "$(dirname "$0")/lib.sh"
trustctl=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(mktemp -d /tmp/trustctl-demo.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
export TRUSTCTL_STORE=$work/store
cd "$work"

step() { printf '\n\033[1m$ %s\033[0m\n' "${*/#$trustctl/trustctl}"; "$@" || true; }
free_port() {
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 20000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
  return 1
}
wait_port() {
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "server on port $1 did not start" >&2
  return 1
}
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
# ca NAME CN: a self-signed root.  issue KEY CN ISSUER EXTFILE OUT: a certificate signed by ISSUER.
ca() {
  key "$1.key"
  openssl req -x509 -new -key "$1.key" -subj "/CN=$2" -days 3650 -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" -addext "subjectKeyIdentifier=hash" -out "$1.pem"
}
issue() {
  key "$1.key"
  openssl req -new -key "$1.key" -subj "/CN=$2" |
    openssl x509 -req -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -days 90 -extfile "$4" -out "$1.pem" 2>/dev/null
}
aia_port=$(free_port)
printf '%s\n' "basicConstraints=critical,CA:TRUE,pathlen:0" "keyUsage=critical,keyCertSign,cRLSign" \
  "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" >ca.ext
printf '%s\n' "basicConstraints=CA:FALSE" "extendedKeyUsage=serverAuth" "authorityKeyIdentifier=keyid" \
  "subjectAltName=DNS:localhost,IP:127.0.0.1" >leaf.ext
cp leaf.ext leaf-aia.ext
echo "authorityInfoAccess=caIssuers;URI:http://127.0.0.1:$aia_port/aia/issuing.cer" >>leaf-aia.ext

# Three customers' PKIs.
ca contoso-root "Contoso Root CA"; issue contoso-issuing "Contoso Issuing CA" contoso-root ca.ext
issue erp "erp.contoso.example" contoso-issuing leaf.ext
ca fabrikam-root "Fabrikam Root CA"; issue fabrikam-issuing "Fabrikam Issuing CA" fabrikam-root ca.ext
issue billing "billing.fabrikam.example" fabrikam-issuing leaf-aia.ext
ca corp-root "Corp AD Root CA"; issue corp-issuing "Corp AD Issuing CA" corp-root ca.ext
issue dc1 "dc1.corp.example" corp-issuing leaf.ext
mkdir -p aia from-customer
openssl x509 -in fabrikam-issuing.pem -outform DER -out aia/issuing.cer
cp corp-root.pem from-customer/corp-ad-root.cer   # what the AD team sent by mail

# The servers: erp sends its full chain; billing forgets its intermediate (findable through
# its AIA URL); slapd serves the directory over LDAPS and StartTLS.
erp_port=$(free_port)
openssl s_server -quiet -accept "127.0.0.1:$erp_port" -cert erp.pem -cert_chain contoso-issuing.pem \
  -key erp.key -www >/dev/null 2>&1 &
pids+=($!)
billing_port=$(free_port)
openssl s_server -quiet -accept "127.0.0.1:$billing_port" -cert billing.pem -key billing.key -www >/dev/null 2>&1 &
pids+=($!)
# A tiny HTTP server for the AIA URL: openssl s_server's plain-text sibling is not in Debian,
# so nginx (installed by run.sh) serves the folder.
mkdir -p nginx/logs
cat >nginx/nginx.conf <<EOC
daemon off; worker_processes 1; pid $work/nginx/nginx.pid; error_log $work/nginx/logs/error.log;
$( [ "$(id -u)" = 0 ] && echo "user root;" )
events { worker_connections 64; }
http { access_log off; client_body_temp_path $work/nginx; proxy_temp_path $work/nginx;
  fastcgi_temp_path $work/nginx; uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
  server { listen 127.0.0.1:$aia_port; root $work; } }
EOC
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" -e "$work/nginx/logs/error.log" >/dev/null 2>&1 &
pids+=($!)
ldap_port=$(free_port); ldaps_port=$(free_port)
mkdir -p slapd.d db
cat dc1.pem corp-issuing.pem >dc1-chain.pem
trustctl_slapd_ldif "$work/slapd.pid" "$work/dc1-chain.pem" "$work/dc1.key" "$work/corp-root.pem" \
  "$work/db" "dc=corp,dc=example" >slapd.ldif
slapadd -n 0 -F slapd.d -l slapd.ldif >/dev/null 2>&1
slapd -d 0 -F slapd.d -h "ldap://127.0.0.1:$ldap_port/ ldaps://127.0.0.1:$ldaps_port/" >slapd.log 2>&1 &
pids+=($!)
for p in "$erp_port" "$billing_port" "$aia_port" "$ldaps_port"; do wait_port "$p"; done

echo "trustctl demo: store in $TRUSTCTL_STORE; servers on 127.0.0.1"
# The library holds Contoso's root (the customer sent it earlier); no connector trusts it yet.
"$trustctl" import contoso-root.pem --note "sent by Contoso IT" >/dev/null
"$trustctl" connector create erp-api --env prod >/dev/null
"$trustctl" connector target erp-api --add "https://127.0.0.1:$erp_port/" >/dev/null
"$trustctl" connector create billing-api --env prod >/dev/null
"$trustctl" connector target billing-api --add "https://127.0.0.1:$billing_port/" >/dev/null
# The same billing API for a Python connector: its ssl module anchors only at a self-signed
# root, so it needs more than trustctl's own verdict would install.
"$trustctl" connector create billing-py --env prod --runtime python >/dev/null
"$trustctl" connector create ad-sync --env prod >/dev/null
"$trustctl" connector target ad-sync --add "ldaps://127.0.0.1:$ldaps_port/" \
  --add "ldap://127.0.0.1:$ldap_port/" >/dev/null

step "$trustctl" probe --all
step "$trustctl" probe "https://127.0.0.1:$erp_port/" --connector erp-api
step "$trustctl" probe "https://127.0.0.1:$erp_port/" --connector erp-api --install --yes
step "$trustctl" probe "https://127.0.0.1:$billing_port/" --connector billing-api --install --yes
# For Python the intermediate alone would not do, and Fabrikam's root is not known yet: the
# probe asks for it. Once Fabrikam sends it, --install trusts the intermediate and the root.
step "$trustctl" probe "https://127.0.0.1:$billing_port/" --connector billing-py
cp fabrikam-root.pem from-customer/fabrikam-root.cer   # what Fabrikam sent when asked
step "$trustctl" probe "https://127.0.0.1:$billing_port/" --connector billing-py \
  --catalog from-customer/fabrikam-root.cer --install --yes
step /usr/bin/python3 -c 'import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[1])
with ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=5),
                     server_hostname="127.0.0.1") as s:
    print("python3 ssl: connected,", s.version(), "with only the connector'"'"'s ca-bundle.pem")' \
  "$("$trustctl" connector path billing-py)" "$billing_port"
step "$trustctl" probe "ldaps://127.0.0.1:$ldaps_port/" --connector ad-sync --catalog from-customer --install --yes
step "$trustctl" probe --all
step "$trustctl" probe "ldap://127.0.0.1:$ldap_port/" --connector ad-sync --json
step "$trustctl" connector show ad-sync
echo
echo "Against a real host: trustctl probe https://api.example.com --connector NAME (see README)."
echo "The library tour (import formats, identities, verify): scripts/library-tour.sh $1"

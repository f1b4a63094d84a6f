# Shared by scripts/run.sh and scripts/test.sh: install missing Debian packages, configure and
# build. Sourced, not run.

TRUSTCTL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Build and run dependencies (Debian 12 package names).
TRUSTCTL_BUILD_PACKAGES=(build-essential cmake ninja-build pkg-config git ca-certificates openssl
  libssl-dev libcurl4-openssl-dev libldap-dev libgnutls28-dev libtomlplusplus-dev libspdlog-dev
  libcli11-dev nlohmann-json3-dev libexpected-dev catch2 help2man)
# What the demo runs as local servers (started as plain processes, never as services).
TRUSTCTL_DEMO_PACKAGES=(slapd nginx-light python3)
# What the tests and benchmarks also need: real servers, clang for sanitizers and libFuzzer,
# a JDK for keytool, Google Benchmark; systemd-analyze, lintian and man for the packaging tests;
# prometheus (promtool and the server) for the alert rules and the agent's metrics tests;
# tinyproxy and mitmproxy for the probe's proxy tests.
TRUSTCTL_TEST_PACKAGES=(clang libclang-rt-14-dev slapd ldap-utils nginx-light libbenchmark-dev
  procps psmisc curl time systemd lintian man-db prometheus tinyproxy mitmproxy
  # the runtime matrix ([runtime-matrix]) runs the real client of each runtime (Java: keytool's JDK)
  python3 nodejs golang-go
  # token signing ([signing]): an independent JOSE implementation verifies trustctl's JWS
  python3-jwcrypto)

trustctl_install_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  # keytool comes with any JDK; install Debian's headless one only when none is on PATH.
  if [ "${TRUSTCTL_NEED_KEYTOOL:-0}" = 1 ] && ! command -v keytool >/dev/null 2>&1; then
    missing+=(default-jdk-headless)
  fi
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "== installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  # policy-rc.d keeps package installs from starting slapd/nginx as system services.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod +x /usr/sbin/policy-rc.d
    TRUSTCTL_REMOVE_POLICY=1
  fi
  local log
  log=$(mktemp)
  if ! { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    tail -30 "$log"
    echo "package installation failed: ${missing[*]}" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
  if [ "${TRUSTCTL_REMOVE_POLICY:-0}" = 1 ]; then
    $sudo rm -f /usr/sbin/policy-rc.d
  fi
}

# trustctl_build DIR [cmake args...]
trustctl_build() {
  local dir=$1
  shift
  cmake -S "$TRUSTCTL_ROOT" -B "$dir" -G Ninja "$@" >"$dir.configure.log" 2>&1 ||
    { cat "$dir.configure.log"; return 1; }
  cmake --build "$dir" -j 2
}

# trustctl_bench_pki: in the current folder, an EC root (root.pem) -> intermediate -> leaf for
# 127.0.0.1/localhost (leaf.key), and chain.pem = leaf + intermediate. For the benchmarks.
trustctl_bench_pki() {
  local n
  for n in root inter leaf; do
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out $n.key 2>/dev/null
  done
  openssl req -x509 -new -key root.key -subj "/CN=Bench Root CA" -days 30 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" -out root.pem
  printf '%s\n' "basicConstraints=critical,CA:TRUE" "keyUsage=critical,keyCertSign" >ca.ext
  printf '%s\n' "basicConstraints=CA:FALSE" "extendedKeyUsage=serverAuth" \
    "subjectAltName=DNS:localhost,IP:127.0.0.1" >leaf.ext
  openssl req -new -key inter.key -subj "/CN=Bench Intermediate CA" |
    openssl x509 -req -CA root.pem -CAkey root.key -CAcreateserial -days 30 -extfile ca.ext -out inter.pem 2>/dev/null
  openssl req -new -key leaf.key -subj "/CN=localhost" |
    openssl x509 -req -CA inter.pem -CAkey inter.key -CAcreateserial -days 30 -extfile leaf.ext -out leaf.pem 2>/dev/null
  cat leaf.pem inter.pem >chain.pem
}

# trustctl_bench_nginx PORT [SERVER_BLOCKS]: nginx with 2 workers serving chain.pem from the
# current folder on 127.0.0.1:PORT, keep-alive and session reuse off (every request a full
# handshake), plus any further `server { }` blocks given, in the background; waits (bounded)
# until PORT accepts. Sets TRUSTCTL_NGINX_PID.
trustctl_bench_nginx() {
  local port=$1 extra=${2:-} dir
  dir=$(pwd)
  mkdir -p nginx
  cat >nginx/nginx.conf <<EOC
daemon off; worker_processes 2; pid $dir/nginx/nginx.pid; error_log $dir/nginx/error.log;
$( [ "$(id -u)" = 0 ] && echo "user root;" )
events { worker_connections 4096; }
http { access_log off; keepalive_timeout 0; ssl_session_cache off; ssl_session_tickets off;
  client_body_temp_path $dir/nginx; proxy_temp_path $dir/nginx; fastcgi_temp_path $dir/nginx;
  uwsgi_temp_path $dir/nginx; scgi_temp_path $dir/nginx;
  server { listen 127.0.0.1:$port ssl backlog=4096; ssl_certificate $dir/chain.pem;
    ssl_certificate_key $dir/leaf.key; location / { return 200 "ok\n"; } }
  $extra }
EOC
  nginx -c "$dir/nginx/nginx.conf" -p "$dir/nginx" -e "$dir/nginx/error.log" &
  TRUSTCTL_NGINX_PID=$!
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0; sleep 0.1; done
  echo "nginx did not start on port $port" >&2
  return 1
}

# trustctl_slapd_ldif PIDFILE CERT_CHAIN KEY CA DB_DIR SUFFIX [EXTRA_DB_LINES]: prints the
# cn=config LDIF of a TLS slapd on an mdb database, as in shared/notes/slapd-tls.md; feed it to
# `slapadd -n 0 -F DIR -l FILE`. EXTRA_DB_LINES go into the database entry (olcRootDN, ...).
trustctl_slapd_ldif() {
  cat <<EOL
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: $1
olcLogLevel: none
olcTLSCertificateFile: $2
olcTLSCertificateKeyFile: $3
olcTLSCACertificateFile: $4
olcTLSVerifyClient: never

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif

dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcSuffix: $6
${7:+$7
}olcDbDirectory: $5
olcDbMaxSize: 16777216
EOL
}

#!/usr/bin/env bash
# Two `attune serve` processes on one PostgreSQL database behind nginx, as
# in the README's deployment guide: sign in through the proxy, check that
# the session, a parent's link and a reflection work whichever process
# answers, then stop one process and check the other carries on.
#
#   benches/two_servers.sh            # needs PostgreSQL on 127.0.0.1:5432
#
# Installs nginx from Debian if missing. Uses ATTUNE_BIN or the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
BIN="${ATTUNE_BIN:-$CARGO_TARGET_DIR/release/attune}"
[ -x "$BIN" ] || cargo build --release --locked --bin attune
command -v nginx >/dev/null 2>&1 || {
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null
}

WORK="$(mktemp -d)"
DB="attune_two_$$"
PGURL="postgres://postgres@127.0.0.1:5432/$DB"
PROXY=18200
A=18201
B=18202
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  psql -h 127.0.0.1 -U postgres -d test -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
psql -h 127.0.0.1 -U postgres -d test -qc "CREATE DATABASE $DB"

export DATABASE_URL="$PGURL" BASE_URL="http://localhost:$PROXY" TRUSTED_PROXIES=127.0.0.1 LOG=warn
demo="$("$BIN" demo)"
password="$(sed -n 's/.*Password: *\([^ ]*\).*/\1/p' <<<"$demo" | head -n 1)"
link="$(grep -o '/p/[0-9a-f]\{64\}' <<<"$demo" | sed -n 1p)"

start() { # port, mail folder
  MAIL_DIR="$WORK/mail-$1" BIND="127.0.0.1:$1" "$BIN" serve >"$WORK/serve-$1.log" 2>&1 &
  pids+=($!)
}
start $A
start $B

cat >"$WORK/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/tmp;
  proxy_temp_path $WORK/tmp;
  upstream attune {
    server 127.0.0.1:$A max_fails=1 fail_timeout=10s;
    server 127.0.0.1:$B max_fails=1 fail_timeout=10s;
    keepalive 32;
  }
  server {
    listen 127.0.0.1:$PROXY;
    client_max_body_size 2m;
    location / {
      proxy_pass http://attune;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host:\$server_port;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_next_upstream error timeout http_503;
      add_header X-Upstream \$upstream_addr always;
    }
  }
}
CONF
mkdir -p "$WORK/tmp"
nginx -c "$WORK/nginx.conf"

for port in $A $B $PROXY; do
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break
    sleep 0.1
  done
done
echo "two servers on $DB: $A and $B, nginx on $PROXY"

P="http://127.0.0.1:$PROXY"
jar="$WORK/facilitator.txt"
token="$(curl -s -c "$jar" "$P/login" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n 1)"
code="$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" -c "$jar" \
  --data-urlencode "csrf_token=$token" --data-urlencode "email=demo@attune.local" \
  --data-urlencode "password=$password" --data-urlencode "next=" "$P/login")"
echo "sign in through the proxy: $code"

declare -A seen=()
for i in $(seq 1 6); do
  out="$(curl -s -o /dev/null -D - -b "$jar" -w '%{http_code}' "$P/dashboard")"
  up="$(sed -n 's/^[Xx]-[Uu]pstream: *\([^[:space:]]*\).*/\1/p' <<<"$out")"
  seen[$up]=1
  echo "dashboard $i: ${out: -3} from $up"
done
echo "the one session was served by ${#seen[@]} processes"

pjar="$WORK/parent.txt"
curl -s -o /dev/null -c "$pjar" "$P$link"
me="$(curl -s -b "$pjar" -c "$pjar" "$P/me")"
if grep -q 'action="/me/consent"' <<<"$me"; then
  t="$(sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' <<<"$me" | head -n 1)"
  curl -s -o /dev/null -b "$pjar" -c "$pjar" --data-urlencode "csrf_token=$t" "$P/me/consent"
fi
echo "parent's page: $(curl -s -o /dev/null -w '%{http_code}' -b "$pjar" "$P/me")"

echo "stopping the server on $A"
kill "${pids[0]}"
wait "${pids[0]}" 2>/dev/null || true
codes=""
for i in $(seq 1 6); do
  codes+="$(curl -s -o /dev/null -b "$jar" -w '%{http_code} ' "$P/dashboard")"
done
echo "dashboard x6 with one server left: $codes"
echo "parent's page with one server left: $(curl -s -o /dev/null -w '%{http_code}' -b "$pjar" "$P/me")"
echo "audit log addresses (client as nginx saw it):"
psql -h 127.0.0.1 -U postgres -d "$DB" -Atc "SELECT action, ip FROM audit_log WHERE ip IS NOT NULL ORDER BY id DESC LIMIT 3"

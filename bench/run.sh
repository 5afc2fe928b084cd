#!/usr/bin/env bash
# Load test of the action item list and API at `pitf demo --scale 10` size (50,000 items, 500,000 status
# updates) on SQLite, behind gunicorn with 2 workers (config/gunicorn.conf.py), with wrk. Loopback only.
# See bench/README.md. Settings (environment): BENCH_INSTANCE, BENCH_SCALE, BENCH_PORT, BENCH_DURATION,
# BENCH_THREADS, BENCH_CONNECTIONS.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
INSTANCE=${BENCH_INSTANCE:-/tmp/pitf-bench}
SCALE=${BENCH_SCALE:-10}
PORT=${BENCH_PORT:-5077}
DURATION=${BENCH_DURATION:-20s}
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-4}
BASE="http://127.0.0.1:${PORT}"
EMAIL="bench@pitf.example.gov"

export PITF_INSTANCE_PATH="$INSTANCE" PITF_ENV=development PITF_WORKERS=2 PITF_BASE_URL="$BASE"
unset PITF_DATABASE_URL  # the scratch SQLite database of the instance folder, never a shared one
PITF="$ROOT/.venv/bin/pitf"
GUNICORN="$ROOT/.venv/bin/gunicorn"

if ! command -v wrk >/dev/null; then
  echo "wrk is missing: apt-get install -y wrk" >&2
  exit 1
fi
mkdir -p "$INSTANCE"
chmod 700 "$INSTANCE"

echo "== Instance $INSTANCE (scale $SCALE; reused when already loaded)"
"$PITF" db upgrade >/dev/null
start=$(date +%s)
"$PITF" demo --scale "$SCALE" | grep -v '^  ' || true
echo "   data ready in $(( $(date +%s) - start )) s"

# A viewer of our own, its password kept (0600) in the instance folder so a rerun can sign in again.
PASSFILE="$INSTANCE/bench-password"
if [ ! -s "$PASSFILE" ]; then
  (umask 077; "$ROOT/.venv/bin/python" -c 'import secrets; print(secrets.token_urlsafe(18))' > "$PASSFILE")
  "$PITF" users create "$EMAIL" --role viewer --name "Benchmark Viewer" --password-stdin < "$PASSFILE" >/dev/null
fi
TOKEN=$("$PITF" tokens create "$EMAIL" --name "bench $(date -u +%FT%TZ)" 2>/dev/null | tail -n 1)

if curl -s -o /dev/null "$BASE/login"; then
  echo "Something already listens on $BASE; stop it or set BENCH_PORT." >&2
  exit 1
fi
echo "== gunicorn on $BASE (2 workers)"
cd "$ROOT"
"$GUNICORN" -c config/gunicorn.conf.py -b "127.0.0.1:${PORT}" wsgi:app > "$INSTANCE/gunicorn.log" 2>&1 &
GPID=$!
COOKIES=$(mktemp)
cleanup() {
  kill -TERM "$GPID" 2>/dev/null || true
  wait "$GPID" 2>/dev/null || true
  rm -f "$COOKIES"
}
trap cleanup EXIT
for _ in $(seq 1 100); do
  curl -s -o /dev/null "$BASE/login" && break
  sleep 0.2
done

# Sign in as a browser does: the form's CSRF token, then the session cookie.
CSRF=$(curl -s -c "$COOKIES" -b "$COOKIES" "$BASE/login" | sed -n 's/.*name="csrf_token" type="hidden" value="\([^"]*\)".*/\1/p' | head -n 1)
code=$(curl -s -o /dev/null -w '%{http_code}' -c "$COOKIES" -b "$COOKIES" --data-urlencode "csrf_token=$CSRF" \
  --data-urlencode "email=$EMAIL" --data-urlencode "password=$(cat "$PASSFILE")" "$BASE/login")
[ "$code" = 302 ] || { echo "Sign-in failed (HTTP $code)" >&2; exit 1; }
SESSION=$(awk '$6 == "pitf_session" {print $7}' "$COOKIES")

ITEM_ID=$(curl -s -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/action-items?per_page=1&sort=-due_date" |
  "$ROOT/.venv/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["items"][0]["id"])' 2>/dev/null ||
  sqlite3 "$INSTANCE/pitf.db" "select id from actionitem where external_ref = 'scale-1'")

run() {  # label, url, header
  local label=$1 url=$2 header=$3 status
  status=$(curl -s -o /dev/null -w '%{http_code} %{size_download} bytes %{time_total}s' -H "$header" "$url")
  echo
  echo "== $label"
  echo "   $url -> $status (one request, cold)"
  wrk -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" --latency -H "$header" "$url" |
    grep -E 'Requests/sec|Transfer/sec|^ +Latency |^ +(50|75|90|99)%|requests in|Non-2xx|Socket errors'
}

run "API list, 50 per page" "$BASE/api/v1/action-items?per_page=50" "Authorization: Bearer $TOKEN"
run "API list, DOJ overdue" "$BASE/api/v1/action-items?agency=DOJ&overdue=true" "Authorization: Bearer $TOKEN"
run "API item $ITEM_ID" "$BASE/api/v1/action-items/$ITEM_ID" "Authorization: Bearer $TOKEN"
run "HTML list, DOJ (signed in)" "$BASE/action-items/?agency=DOJ" "Cookie: pitf_session=$SESSION"
echo
echo "== done; gunicorn log: $INSTANCE/gunicorn.log"

#!/bin/sh
# service.sh BIGSCREEN BIGSCREEN-FEED SRCDIR — running as a service: the
# command line as GNU tools take it, loud failures (port in use, --report
# without --headless), time zones by name, no false "connection lost".
set -u
bs=$1; feed=$2; src=$3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0; passes=0
ok()   { passes=$((passes+1)); echo "ok   $1"; }
bad()  { fails=$((fails+1)); echo "FAIL $1"; }
expect_code() { # name want cmd...
  name=$1; want=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"; got=$?
  if [ "$got" = "$want" ]; then ok "$name"; else bad "$name (exit $got, want $want)"; cat "$tmp/err"; fi
}
expect_err() { # name pattern
  if grep -q -- "$2" "$tmp/err" "$tmp/out"; then ok "$1"; else bad "$1: no \"$2\" in output"; cat "$tmp/err"; fi
}
hall="$src/layouts/union-hall.json"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# --name=value, as GNU tools and mpv take it
expect_code "--opt=value" 0 "$bs" --snapshot="$tmp/eq.png" --size=640x360 --at=2 "$hall"
expect_code "--opt value" 0 "$bs" --snapshot "$tmp/sp.png" --size 640x360 --at 2 "$hall"
if cmp -s "$tmp/eq.png" "$tmp/sp.png"; then ok "both spellings give the same picture"; else bad "both spellings give the same picture"; fi
expect_code "feed --port=N --help" 0 "$feed" --port=9 --help
# help as a word, and for a subcommand
expect_code "bigscreen help" 0 "$bs" help
expect_err "bigscreen help prints usage" "usage: bigscreen"
expect_code "check --help" 0 "$bs" check --help
expect_err "check --help prints usage" "usage: bigscreen check"
expect_code "bigscreen-feed --version" 0 "$feed" --version
expect_err "bigscreen-feed --version prints it" "bigscreen-feed [0-9]"
# --report only means something headless
expect_code "--report without --headless" 2 "$bs" --report "$tmp/r.json" --run-for 1 "$hall"
expect_err "--report without --headless says so" "needs --headless"
# a metrics port already taken is a failure, not a silent screen
port=$(free_port)
python3 -c 'import socket,sys,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(); time.sleep(8)' "$port" &
holder=$!
for i in $(seq 50); do  # until the holder listens
  python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),timeout=1)' "$port" 2>/dev/null && break
  sleep 0.1
done
# (libwebsockets keeps 72 bytes of a context it failed to create: not ours, so no leak check here)
expect_code "metrics port in use" 1 env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" "$bs" --headless --run-for 2 --no-state --metrics "$port" "$hall"
expect_err "metrics port in use says so" "cannot listen on 127.0.0.1:$port"
kill $holder 2>/dev/null; wait $holder 2>/dev/null
# no display: a clear failure, not a screen that runs on showing nothing
expect_code "no display" 1 env -u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER "$bs" --run-for 2 --no-state "$hall"
expect_err "no display says so" "no display"
# time zones by IANA name from the system's zoneinfo, as well as offsets
sed 's/"timezone": *"+08:00"/"timezone": "Asia\/Shanghai"/' "$hall" > "$tmp/sh.json"
cp "$src/layouts/linping-stylised.geojson" "$src/layouts/hangzhou-stylised.geojson" "$tmp/"
grep -q Asia/Shanghai "$tmp/sh.json" || bad "union-hall has a timezone key to replace"
expect_code "timezone Asia/Shanghai" 0 "$bs" check "$tmp/sh.json"
expect_code "snapshot in Asia/Shanghai" 0 "$bs" --snapshot "$tmp/sh.png" --size 640x360 --at 2 "$tmp/sh.json"
if cmp -s "$tmp/sh.png" "$tmp/sp.png"; then ok "Asia/Shanghai draws as +08:00"; else bad "Asia/Shanghai draws as +08:00"; fi
sed 's/"timezone": *"+08:00"/"timezone": "Mars\/Olympus"/' "$hall" > "$tmp/mars.json"
expect_code "unknown zone" 1 "$bs" check "$tmp/mars.json"
expect_err "unknown zone says so" "unknown time zone"
# a NATS feed's clean exit is no "connection lost"
if command -v nats-server >/dev/null; then
  port=$(free_port)
  nats-server -a 127.0.0.1 -p "$port" >"$tmp/nats.log" 2>&1 &
  srv=$!
  for i in $(seq 50); do
    python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),timeout=1)' "$port" 2>/dev/null && break
    sleep 0.1
  done
  expect_code "nats run" 0 "$bs" --headless --run-for 1.5 --no-state --feed "main=nats://127.0.0.1:$port" "$hall"
  expect_err "nats connected" "connected to nats://"
  if grep -q "connection lost" "$tmp/err"; then bad "no false connection lost at exit"; cat "$tmp/err"; else ok "no false connection lost at exit"; fi
  kill $srv; wait $srv 2>/dev/null
else
  echo "skip nats (no nats-server)"
fi

echo "$passes passed, $fails failed"
[ "$fails" = 0 ]

#!/bin/sh
# tests/xvfb.sh [-s "SERVER ARGS"] COMMAND... — runs COMMAND with DISPLAY set
# to a private Xvfb, like `xvfb-run -a`, but the server picks its own display
# number (-displayfd): xvfb-run -a only looks for /tmp/.X<N>-lock files, so
# two test runs that do not share /tmp (two CI roots on one machine, which
# share the abstract socket namespace) both take :99 and the second one's
# clients reach the first one's server. Xvfb skips a number whose abstract or
# file socket is taken. The server's own output goes to stderr only when it
# fails to start. Exit status: COMMAND's, or 1 when no server started.
set -u
sargs="-screen 0 1280x1024x24"
if [ "${1:-}" = "-s" ]; then sargs=$2; shift 2; fi
[ $# -gt 0 ] || { echo "usage: xvfb.sh [-s ARGS] COMMAND..." >&2; exit 2; }
command -v Xvfb >/dev/null || { echo "xvfb.sh: Xvfb is not installed (apt-get install xvfb)" >&2; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/bs-xvfb.XXXXXX")
xpid=""
trap '[ -z "$xpid" ] || kill "$xpid" 2>/dev/null; [ -z "$xpid" ] || wait "$xpid" 2>/dev/null; rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM HUP
mkfifo "$dir/fd"
# shellcheck disable=SC2086 # the server arguments are words
Xvfb -displayfd 3 -nolisten tcp -noreset $sargs 3>"$dir/fd" >"$dir/log" 2>&1 &
xpid=$!
# The server writes its display number and a newline once it listens.
n=$(timeout 20 head -n 1 "$dir/fd")
case $n in
  ''|*[!0-9]*) echo "xvfb.sh: Xvfb did not start" >&2; cat "$dir/log" >&2; exit 1 ;;
esac
DISPLAY=":$n" "$@"

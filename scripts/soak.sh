#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-3.0-or-later
# Soak test of qtws-relay (not part of the default test run): mixed traffic for a fixed time through one
# qtws-relay process, logging the message rate and the relay's resident memory every interval.
#
#   scripts/soak.sh [--duration SECONDS] [--sessions N] [--interval SECONDS] [--log FILE]
#
# Defaults: 600 s, 200 concurrent sessions (half node `ws` clients, half engine.io-client pollers, one in ten
# a slow consumer; each session closes after 200 messages and a new one takes its place), a line every 10 s.
# The relay (QTWS_BUILD_DIR, default ./build) relays to a node `ws` echo backend; tests/peers needs `npm ci`.
# Every message is checked (exactly once, in order, same type); a failure stops the run with exit 1.
# Each line: elapsed seconds, messages delivered in the interval per second, relay RSS (KiB), relay open
# descriptors, relay sessions; the summary gives min/max of rate and RSS (the first interval, warm-up, is
# left out of the rate figures).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${QTWS_BUILD_DIR:-$here/build}"
duration=600 sessions=200 interval=10 log=""
while [ $# -gt 0 ]; do
    case "$1" in
        --duration) duration="$2"; shift 2 ;;
        --sessions) sessions="$2"; shift 2 ;;
        --interval) interval="$2"; shift 2 ;;
        --log) log="$2"; shift 2 ;;
        *) echo "soak.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
relay_bin="$build/qtws/tools/qtws-relay/qtws-relay"
[ -x "$relay_bin" ] || { echo "soak.sh: $relay_bin not built" >&2; exit 2; }
[ -d "$here/tests/peers/node_modules/engine.io-client" ] || { echo "soak.sh: run npm ci in tests/peers" >&2; exit 2; }
export NODE_PATH="$here/tests/peers/node_modules"
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

say() { if [ -n "$log" ]; then echo "$*" | tee -a "$log"; else echo "$*"; fi; }

node "$here/tests/integration/relay_load/echo-backend.js" >"$work/backend.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q '^PORT ' "$work/backend.out" 2>/dev/null && break; sleep 0.1; done
backend_port="$(sed -n 's/^PORT //p' "$work/backend.out")"
[ -n "$backend_port" ] || { echo "soak.sh: the echo backend did not start" >&2; exit 1; }

"$relay_bin" --listen 127.0.0.1:0 --backend "ws://127.0.0.1:$backend_port/" --path /soak --quiet \
    --max-sessions $((sessions * 2)) >"$work/relay.out" 2>&1 &
relay_pid=$!
pids+=($relay_pid)
for _ in $(seq 100); do grep -q 'listening on' "$work/relay.out" 2>/dev/null && break; sleep 0.1; done
relay_port="$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/relay.out")"
[ -n "$relay_port" ] || { echo "soak.sh: qtws-relay did not start" >&2; cat "$work/relay.out" >&2; exit 1; }

node "$here/tests/integration/relay_load/load-client.js" --port "$relay_port" --path /soak \
    --sessions "$sessions" --polling 0.5 --slow 0.1 --messages 200 --duration "$duration" \
    --report "$interval" >"$work/load.out" 2>&1 &
load_pid=$!
pids+=($load_pid)

rss() { awk '/^VmRSS:/ {print $2}' "/proc/$relay_pid/status"; }
fds() { ls "/proc/$relay_pid/fd" | wc -l; }
relay_sessions() {
    curl -s --max-time 5 "http://127.0.0.1:$relay_port/soak" | sed -n 's/^sessions: //p'
}

say "soak: qtws-relay pid $relay_pid on port $relay_port, $sessions sessions, ${duration}s, every ${interval}s"
say "soak: idle relay RSS $(rss) KiB, $(fds) descriptors"
say "t_s rate_msg_s rss_kib fds sessions"
seen=0
while kill -0 "$load_pid" 2>/dev/null; do
    sleep 1
    lines="$(grep -c '^RATE ' "$work/load.out" || true)"
    if [ "$lines" -gt "$seen" ]; then
        seen="$lines"
        line="$(grep '^RATE ' "$work/load.out" | tail -1)"
        t="$(echo "$line" | sed -n 's/.* t=\([0-9]*\).*/\1/p')"
        rate="$(echo "$line" | sed -n 's/.* rate=\([0-9]*\).*/\1/p')"
        row="$t $rate $(rss) $(fds) $(relay_sessions)"
        echo "$row" >>"$work/series"
        say "$row"
    fi
done
status=0
wait "$load_pid" || status=$?
say "soak: $(grep -E '^(OK|FAIL)' "$work/load.out" || echo 'no result line')"
sleep 2
say "soak: after the clients left: relay RSS $(rss) KiB, $(fds) descriptors, $(relay_sessions) sessions"
awk '{ n++; if (n > 1) { r++; if (rmin == "" || $2 < rmin) rmin = $2; if ($2 > rmax) rmax = $2; rsum += $2 }
       if (mmin == "" || $3 < mmin) mmin = $3; if ($3 > mmax) mmax = $3 }
     END { if (r) printf "soak: rate min %d max %d mean %d msg/s; RSS min %d max %d KiB\n", rmin, rmax, rsum / r, mmin, mmax }' \
    "$work/series" 2>/dev/null | while read -r summary; do say "$summary"; done
exit "$status"

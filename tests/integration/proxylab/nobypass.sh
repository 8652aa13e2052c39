#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-3.0-or-later
# No-bypass proof (issue 9): runs a client command in a fresh network namespace that has only
# loopback, so the only way out is the proxy. The proxy runs outside, in the root namespace; inside,
# a socat listens on the proxy's own HOST:PORT and forwards over a UNIX socket to a second socat
# outside that connects to the real proxy (a path-named UNIX socket is shared between namespaces,
# TCP is not). A listener inside sits on the origin's HOST:PORT and counts connection attempts:
# every one of them went around the proxy.
#
#   nobypass.sh --proxy HOST:PORT --origin HOST:PORT [--timeout SECONDS] [--expect N] -- COMMAND...
#   nobypass.sh --self-check
#   nobypass.sh --check
#
# HOST is an IPv4 loopback address (127.x.y.z) or [::1]. Prints "client-exit: N" (the command's
# exit status, 124 after the timeout) and "direct-attempts: N" on stdout.
# --self-check proves the harness with curl and a tinyproxy it starts itself: through the bridged
# proxy the origin listener counts 0 and the request reaches the real origin via the proxy; with
# --noproxy '*' it counts 1.
# Exit status: 0 done (and the count matched --expect), 1 the count differs from --expect (or the
# self-check failed), 2 usage, 3 setup failed (the reason on stderr), 77 cannot run here (not root,
# or ip netns not permitted): a skip for ctest.
# shellcheck disable=SC2154 # split_endpoint assigns proxy_* and origin_* with printf -v
set -uo pipefail

readonly SETUP_DEADLINE_S=10
timeout_s=60
expect=""
proxy=""
origin=""
self_check=0
check_only=0

die() { echo "nobypass: $2" >&2; exit "$1"; }

usage() { die 2 "usage: $0 --proxy HOST:PORT --origin HOST:PORT [--timeout S] [--expect N] -- COMMAND... | --self-check | --check"; }

while [ $# -gt 0 ]; do
    case "$1" in
        --proxy) proxy="${2:-}"; shift 2 ;;
        --origin) origin="${2:-}"; shift 2 ;;
        --timeout) timeout_s="${2:-}"; shift 2 ;;
        --expect) expect="${2:-}"; shift 2 ;;
        --self-check) self_check=1; shift ;;
        --check) check_only=1; shift ;;
        --) shift; break ;;
        *) usage ;;
    esac
done

# "127.0.0.1:3128" -> host=127.0.0.1 port=3128 family=4; "[::1]:3128" -> host=::1 family=6.
split_endpoint() {
    local endpoint="$1" prefix="$2" host port family=4
    if [[ "$endpoint" =~ ^\[(.+)\]:([0-9]+)$ ]]; then
        host="${BASH_REMATCH[1]}"; port="${BASH_REMATCH[2]}"; family=6
    elif [[ "$endpoint" =~ ^([0-9.]+):([0-9]+)$ ]]; then
        host="${BASH_REMATCH[1]}"; port="${BASH_REMATCH[2]}"
    else
        die 2 "not HOST:PORT: '$endpoint'"
    fi
    case "$host" in 127.*|::1) ;; *) die 2 "$endpoint is not a loopback address: tests stay on loopback" ;; esac
    printf -v "${prefix}_host" '%s' "$host"
    printf -v "${prefix}_port" '%s' "$port"
    printf -v "${prefix}_family" '%s' "$family"
}

check_environment() {
    [ "$(id -u)" -eq 0 ] || die 77 "SKIP: needs root (ip netns); CI runs as root"
    command -v ip >/dev/null || die 77 "SKIP: ip (iproute2) is not installed"
    command -v socat >/dev/null || die 77 "SKIP: socat is not installed (scripts/install-deps.sh installs it)"
    local probe="qtws-nb-probe-$$-$RANDOM"
    if ! ip netns add "$probe" 2>/dev/null; then
        die 77 "SKIP: 'ip netns add' is not permitted here (a container without CAP_SYS_ADMIN?)"
    fi
    ip netns del "$probe"
}

# Waits until $1 (a command) succeeds, at most SETUP_DEADLINE_S seconds.
wait_for() {
    local deadline=$((SECONDS + SETUP_DEADLINE_S))
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.05
    done
}

listening_in_ns() { # namespace port
    [ -n "$(ip netns exec "$1" ss -Hltn "sport = :$2")" ]
}

# The accept queue of the counting listener is empty (every attempt has been accepted and logged).
queue_drained() { # namespace port
    local queue
    queue="$(ip netns exec "$1" ss -Hltn "sport = :$2" | awk '{ print $2 }')"
    [ "${queue:-0}" = 0 ]
}

tcp_listen() { # family port host
    if [ "$1" = 6 ]; then echo "TCP6-LISTEN:$2,bind=[$3],reuseaddr,fork"; else echo "TCP4-LISTEN:$2,bind=$3,reuseaddr,fork"; fi
}

tcp_connect() { # family host port
    if [ "$1" = 6 ]; then echo "TCP6:[$2]:$3"; else echo "TCP4:$2:$3"; fi
}

run_isolated() {
    if [ -z "$proxy" ] || [ -z "$origin" ] || [ $# -eq 0 ]; then usage; fi
    split_endpoint "$proxy" proxy
    split_endpoint "$origin" origin
    check_environment

    ns="qtws-nb-$$-$RANDOM"
    workdir="$(mktemp -d /tmp/qtws-nobypass.XXXXXX)" || die 3 "mktemp failed"
    pids=()
    cleanup() {
        local pid
        for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
        wait 2>/dev/null
        ip netns del "$ns" 2>/dev/null
        rm -rf "$workdir"
    }
    trap cleanup EXIT
    trap 'exit 3' INT TERM HUP

    ip netns add "$ns" || die 3 "ip netns add $ns failed"
    ip -n "$ns" link set lo up || die 3 "could not bring up loopback in $ns"

    # Outside: UNIX socket -> the real proxy.
    socat "UNIX-LISTEN:$workdir/proxy.sock,fork" "$(tcp_connect "$proxy_family" "$proxy_host" "$proxy_port")" \
        2>"$workdir/bridge-out.log" &
    pids+=($!)
    # Inside: the proxy's HOST:PORT -> the UNIX socket.
    ip netns exec "$ns" socat "$(tcp_listen "$proxy_family" "$proxy_port" "$proxy_host")" \
        "UNIX-CONNECT:$workdir/proxy.sock" 2>"$workdir/bridge-in.log" &
    pids+=($!)
    # Inside: the origin's HOST:PORT, logging every accepted connection, answering nothing.
    ip netns exec "$ns" socat -d -d "$(tcp_listen "$origin_family" "$origin_port" "$origin_host")" \
        EXEC:/bin/true 2>"$workdir/origin-listener.log" &
    pids+=($!)

    wait_for test -S "$workdir/proxy.sock" || die 3 "the outside bridge did not start: $(cat "$workdir/bridge-out.log")"
    wait_for listening_in_ns "$ns" "$proxy_port" || die 3 "the inside bridge did not listen: $(cat "$workdir/bridge-in.log")"
    wait_for listening_in_ns "$ns" "$origin_port" || die 3 "the origin listener did not listen: $(cat "$workdir/origin-listener.log")"

    timeout --kill-after=5 "$timeout_s" ip netns exec "$ns" "$@"
    client_exit=$?
    wait_for queue_drained "$ns" "$origin_port" || echo "nobypass: the origin listener's queue did not drain" >&2
    attempts="$(grep -c 'accepting connection from' "$workdir/origin-listener.log")"
    echo "client-exit: $client_exit"
    echo "direct-attempts: $attempts"
    if [ -n "$expect" ] && [ "$attempts" != "$expect" ]; then
        echo "nobypass: expected $expect direct attempts, saw $attempts" >&2
        exit 1
    fi
    exit 0
}

free_port() {
    local port
    for _ in $(seq 1 100); do
        port=$((20000 + RANDOM % 40000))
        [ -z "$(ss -Hltn "sport = :$port")" ] && { echo "$port"; return 0; }
    done
    return 1
}

run_self_check() {
    check_environment
    command -v curl >/dev/null || die 77 "SKIP: curl is not installed (scripts/install-deps.sh installs it)"
    command -v tinyproxy >/dev/null || die 77 "SKIP: tinyproxy is not installed (scripts/install-deps.sh installs it)"
    dir="$(mktemp -d /tmp/qtws-nobypass-check.XXXXXX)" || die 3 "mktemp failed"
    chmod 755 "$dir"
    spids=()
    trap 'for p in "${spids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$dir"' EXIT
    local pport oport
    pport="$(free_port)" && oport="$(free_port)" || die 3 "no free port"

    # The real origin (root namespace): logs each request head, answers 200 "ok".
    cat >"$dir/origin.sh" <<EOS
while IFS= read -r line; do
    line="\${line%\$'\\r'}"
    [ -z "\$line" ] && break
    echo "\$line" >> "$dir/origin.log"
done
printf 'HTTP/1.1 200 OK\\r\\nContent-Length: 3\\r\\nConnection: close\\r\\n\\r\\nok\\n'
EOS
    socat "TCP4-LISTEN:$oport,bind=127.0.0.1,reuseaddr,fork" EXEC:"bash $dir/origin.sh" 2>"$dir/origin.err" &
    spids+=($!)
    # The real proxy: Debian's tinyproxy with its default rules, on loopback.
    touch "$dir/tinyproxy.log"
    [ "$(id -u)" -eq 0 ] && chown tinyproxy "$dir/tinyproxy.log"
    printf 'User tinyproxy\nGroup tinyproxy\nPort %s\nListen 127.0.0.1\nLogFile "%s/tinyproxy.log"\nLogLevel Info\nAllow 127.0.0.1\nViaProxyName "tinyproxy"\n' \
        "$pport" "$dir" >"$dir/tinyproxy.conf"
    tinyproxy -d -c "$dir/tinyproxy.conf" >"$dir/tinyproxy.out" 2>&1 &
    spids+=($!)
    wait_for grep -q "Accepting connections" "$dir/tinyproxy.log" || die 3 "tinyproxy did not start: $(cat "$dir/tinyproxy.out" "$dir/tinyproxy.log")"
    wait_for test -n "$(ss -Hltn "sport = :$oport")" || die 3 "the origin did not listen: $(cat "$dir/origin.err")"

    local proxied direct failed=0
    proxied="$("$0" --proxy "127.0.0.1:$pport" --origin "127.0.0.1:$oport" --timeout 30 -- \
        curl -sS -m 20 -o /dev/null -x "http://127.0.0.1:$pport" "http://127.0.0.1:$oport/nobypass-proxied")" \
        || die 3 "the proxied run failed: $proxied"
    direct="$("$0" --proxy "127.0.0.1:$pport" --origin "127.0.0.1:$oport" --timeout 30 -- \
        curl -sS -m 20 -o /dev/null --noproxy '*' -x "http://127.0.0.1:$pport" "http://127.0.0.1:$oport/nobypass-direct")" \
        || die 3 "the control run failed: $direct"
    echo "proxied run: $(echo "$proxied" | tr '\n' ' ')"
    echo "control run (--noproxy '*'): $(echo "$direct" | tr '\n' ' ')"
    grep -qx "direct-attempts: 0" <<<"$proxied" || { echo "FAIL: the proxied run went around the proxy"; failed=1; }
    grep -qx "client-exit: 0" <<<"$proxied" || { echo "FAIL: curl did not get through the bridged proxy"; failed=1; }
    grep -q "^GET /nobypass-proxied" "$dir/origin.log" 2>/dev/null || { echo "FAIL: the request did not reach the origin"; failed=1; }
    grep -qi "^Via: 1.1 tinyproxy" "$dir/origin.log" 2>/dev/null || { echo "FAIL: the request did not come through tinyproxy"; failed=1; }
    grep -qx "direct-attempts: 1" <<<"$direct" || { echo "FAIL: the control run did not show its direct attempt"; failed=1; }
    if grep -q "nobypass-direct" "$dir/origin.log" 2>/dev/null; then
        echo "FAIL: the control run reached the real origin from inside the namespace"; failed=1
    fi
    [ $failed -eq 0 ] && echo "1 passed, 0 failed" || echo "0 passed, 1 failed"
    return $failed
}

if [ $check_only -eq 1 ]; then
    check_environment
    exit 0
fi
if [ $self_check -eq 1 ]; then
    run_self_check
    exit $?
fi
run_isolated "$@"

#!/usr/bin/env bash
# Memory per idle keep-alive client connection of skiff: builds ./cmd/skiff,
# starts it with one route that answers itself (inlineContent, <shunt>) and
# no idle timeout, opens CONNS connections with one request each through
# bench/idleconns and prints skiff's RSS before and after, per connection,
# with the Go heap and stack figures from its /debug/pprof.
#
#   bench/idleconns.sh                       # 10,000 connections, ~20 s
#   CONNS=2000 bench/idleconns.sh
#   HOLD=1 bench/idleconns.sh                # keep them open for profiling:
#     go tool pprof -sample_index=inuse_space http://127.0.0.1:19291/debug/pprof/heap
#     curl -s 'http://127.0.0.1:19291/debug/pprof/goroutine?debug=1'
#
# Knobs: CONNS (10000) PORT (19290; the support listener is PORT+1)
# SKIFF (a built binary; default: build ./cmd/skiff) SKIFF_ARGS (more flags)
# HOLD (1: keep the connections until interrupted).
set -euo pipefail

CONNS=${CONNS:-10000}
PORT=${PORT:-19290}
SUPPORT_PORT=$((PORT + 1))
HOLD=${HOLD:-0}

cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
pid=
cleanup() {
	if [[ -n $pid ]]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

# Both ends hold one descriptor per connection, skiff a few more.
need=$((CONNS + 256))
if (($(ulimit -n) < need)); then
	ulimit -n "$need" || {
		echo "idleconns.sh: cannot raise the open file limit to $need (hard limit $(ulimit -Hn))" >&2
		exit 1
	}
fi

if [[ -z ${SKIFF:-} ]]; then
	go build -o "$tmp/skiff" ./cmd/skiff
	SKIFF=$tmp/skiff
fi
go build -o "$tmp/idleconns" ./bench/idleconns

echo 'r: * -> inlineContent("ok") -> <shunt>;' >"$tmp/routes.eskip"

# -idle-timeout-server 0: the connections must stay open while measured;
# -wait-for-healthcheck-interval 0: no 45 s of draining at the end.
# shellcheck disable=SC2086
"$SKIFF" -address "127.0.0.1:$PORT" -support-listener "127.0.0.1:$SUPPORT_PORT" \
	-enable-profile -routes-file "$tmp/routes.eskip" -idle-timeout-server 0 \
	-access-log-disabled -application-log-level WARN -wait-for-healthcheck-interval 0 ${SKIFF_ARGS:-} >"$tmp/skiff.log" 2>&1 &
pid=$!

for _ in $(seq 100); do
	if curl -fsS -o /dev/null "http://127.0.0.1:$PORT/" 2>/dev/null; then
		break
	fi
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "idleconns.sh: skiff ended:" >&2
		cat "$tmp/skiff.log" >&2
		exit 1
	fi
	sleep 0.1
done

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$($SKIFF -version 2>/dev/null || true)"
args=(-addr "127.0.0.1:$PORT" -pid "$pid" -support "127.0.0.1:$SUPPORT_PORT" -conns "$CONNS")
if [[ $HOLD == 1 ]]; then
	args+=(-hold)
fi
status=0
"$tmp/idleconns" "${args[@]}" || status=$?
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ -s $tmp/skiff.log ]]; then
	echo "skiff log:"
	tail -20 "$tmp/skiff.log"
fi
exit $status

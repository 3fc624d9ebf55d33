#!/usr/bin/env bash
# Throughput of skiff binaries side by side with nginx as a proxy, in
# alternating rounds, so that a change can be judged against the same
# machine at the same time:
#
#   bench/compare.sh /tmp/skiff-old /tmp/skiff-new        # 5 rounds of 5 s each
#   ROUNDS=7 DURATION=8s bench/compare.sh A B C
#
# The proxy under test is pinned to CPU 0; wrk and the backend (an nginx
# answering a fixed 200, far faster than any proxy in front of it) share
# CPU 1. Each round runs every proxy once, in turn; the table gives the
# median requests/s and p99 latency of the rounds and each one's ratio to
# nginx-as-proxy. Needs wrk and nginx (apt-get install wrk nginx-light).
set -euo pipefail

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-5s}
CONNS=${CONNS:-64}
BASE=${BASE_PORT:-19300}
[ $# -ge 1 ] || { echo "usage: $0 SKIFF_BINARY..." >&2; exit 2; }
for cmd in wrk nginx taskset; do
	command -v $cmd >/dev/null || { echo "needs $cmd" >&2; exit 1; }
done

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	[ -f "$work/be.pid" ] && kill "$(cat "$work/be.pid")" 2>/dev/null || true
	[ -f "$work/px.pid" ] && kill "$(cat "$work/px.pid")" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

backend=127.0.0.1:$((BASE + 1))
nginxproxy=127.0.0.1:$((BASE + 2))

# shellcheck source=bench/nginxpair.sh
. "$(dirname "$0")/nginxpair.sh"
nginx_pair "$backend" "$nginxproxy" 'hello\n'
echo "r: * -> \"http://$backend\";" >"$work/routes.eskip"


names=(nginx)
addrs=("$nginxproxy")
i=0
for bin in "$@"; do
	i=$((i + 1))
	addr=127.0.0.1:$((BASE + 10 + i))
	taskset -c 0 "$bin" -address "$addr" -support-listener 127.0.0.1:$((BASE + 30 + i)) \
		-routes-file "$work/routes.eskip" -access-log-disabled -application-log-level ERROR \
		-wait-for-healthcheck-interval 0 &
	pids+=($!)
	names+=("$(basename "$bin")")
	addrs+=("$addr")
done
for a in "$backend" "${addrs[@]}"; do wait_port "$a"; done

# one ADDR -> "rps p99ms"
one() {
	taskset -c 1 wrk -t1 -c"$CONNS" -d"$DURATION" --latency "http://$1/" >"$work/wrk.out" 2>&1
	if grep -q 'Non-2xx\|Socket errors' "$work/wrk.out"; then
		echo "errors from $1:" >&2
		cat "$work/wrk.out" >&2
	fi
	awk '/Requests\/sec/ {rps=$2}
	     / 99%/ {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; p99=v}
	     END {printf "%.0f %.2f\n", rps, p99}' "$work/wrk.out"
}

for a in "${addrs[@]}"; do one "$a" >/dev/null; done # warm-up
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$ROUNDS"); do
	for k in "${!addrs[@]}"; do
		read -r rps p99 < <(one "${addrs[$k]}")
		echo "$r ${names[$k]} $rps $p99" | tee -a "$work/results" >/dev/null
		printf 'round %d  %-16s %8s req/s  p99 %6s ms\n' "$r" "${names[$k]}" "$rps" "$p99"
	done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '%-16s %12s %10s %14s\n' proxy "median req/s" "p99 ms" "vs nginx req/s"
nginx_rps=$(awk '$2=="nginx" {print $3}' "$work/results" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
for n in "${names[@]}"; do
	rps=$(awk -v n="$n" '$2==n {print $3}' "$work/results" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
	p99=$(awk -v n="$n" '$2==n {print $4}' "$work/results" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
	printf '%-16s %12s %10s %14.2f\n' "$n" "$rps" "$p99" "$(echo "$rps / $nginx_rps" | bc -l)"
done

#!/usr/bin/env bash
# Where skiff's time per request goes, next to nginx and to the least Go
# itself costs: requests/s and CPU time per request (user and system, from
# /proc) of each server under the same wrk load, in alternating rounds.
#
#   bench/ceiling.sh                    # 3 rounds of 5 s: ~2 min
#   ROUNDS=5 SKIFF=/tmp/skiff bench/ceiling.sh
#
# Servers, each pinned to CPU 0 (wrk and an nginx backend share CPU 1):
#   nginx      nginx as a proxy (upstream keep-alive), the yardstick
#   skiff      skiff with one route to the backend, no access log, no metrics
#   rawproxy   bench/ceiling -mode rawproxy: a Go read loop relaying each
#              request over a backend connection of its own (no HTTP
#              library): about the least a Go proxy can cost here
#   nethttp    bench/ceiling -mode nethttp: net/http's server answering by
#              itself, no backend: what net/http's server alone costs
#   raw        bench/ceiling -mode raw: a Go read loop answering by itself
# The CPU columns divide the server's CPU time during the round by its
# requests; "vs nginx" is requests/s over nginx's in the same round's
# median. Knobs: ROUNDS (3) DURATION (5s) CONNS (64) SKIFF (a built
# binary; default: build ./cmd/skiff) BASE_PORT (19400).
set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
CONNS=${CONNS:-64}
BASE=${BASE_PORT:-19400}
for cmd in wrk nginx taskset; do
	command -v $cmd >/dev/null || { echo "needs $cmd (apt-get install wrk nginx-light)" >&2; exit 1; }
done
[ "$(nproc)" -ge 2 ] || { echo "needs 2 cores" >&2; exit 1; }

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
	for p in ${pids[@]+"${pids[@]}"}; do kill "$p" 2>/dev/null || true; done
	for f in "$work"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

if [ -n "${SKIFF:-}" ]; then cp "$SKIFF" "$work/skiff"; else (cd "$root" && go build -o "$work/skiff" ./cmd/skiff); fi
(cd "$root" && go build -o "$work/ceiling" ./bench/ceiling)

backend=127.0.0.1:$((BASE + 1))
# shellcheck source=bench/nginxpair.sh
. "$root/bench/nginxpair.sh"
nginx_pair "$backend" 127.0.0.1:$((BASE + 2)) 'Hello from the backend, a short answer of about sixty bytes.\n'
echo "r: * -> \"http://$backend\";" >"$work/routes.eskip"

names=(nginx skiff rawproxy nethttp raw)
declare -A addr pid
addr[nginx]=127.0.0.1:$((BASE + 2))
addr[skiff]=127.0.0.1:$((BASE + 3))
addr[rawproxy]=127.0.0.1:$((BASE + 4))
addr[nethttp]=127.0.0.1:$((BASE + 5))
addr[raw]=127.0.0.1:$((BASE + 6))
taskset -c 0 "$work/skiff" -address "${addr[skiff]}" -support-listener 127.0.0.1:$((BASE + 7)) \
	-routes-file "$work/routes.eskip" -access-log-disabled -disable-metrics -application-log-level ERROR \
	-wait-for-healthcheck-interval 0 &
pids+=($!)
pid[skiff]=$!
for m in rawproxy nethttp raw; do
	taskset -c 0 "$work/ceiling" -mode $m -addr "${addr[$m]}" -backend "$backend" &
	pids+=($!)
	pid[$m]=$!
done

for n in "${names[@]}"; do wait_port "${addr[$n]}"; done
pid[nginx]=$(pgrep -P "$(cat "$work/px.pid")" | head -1) # the worker

# cpu PID -> "user_ticks system_ticks" of all its threads
cpu() { awk '{print $14, $15}' "/proc/$1/stat"; }

# one NAME -> "rps p99ms user_us sys_us"
one() {
	local n=$1 u0 s0 u1 s1 tck
	tck=$(getconf CLK_TCK)
	read -r u0 s0 < <(cpu "${pid[$n]}")
	taskset -c 1 wrk -t1 -c"$CONNS" -d"$DURATION" --latency "http://${addr[$n]}/" >"$work/wrk.out" 2>&1
	read -r u1 s1 < <(cpu "${pid[$n]}")
	if grep -q 'Non-2xx\|Socket errors' "$work/wrk.out"; then
		echo "errors from $n:" >&2
		cat "$work/wrk.out" >&2
	fi
	awk -v du=$((u1 - u0)) -v ds=$((s1 - s0)) -v tck="$tck" '
	     /requests in/ {req=$1}
	     /Requests\/sec/ {rps=$2}
	     / 99%/ {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; p99=v}
	     END {printf "%.0f %.2f %.1f %.1f\n", rps, p99, du/tck*1e6/req, ds/tck*1e6/req}' "$work/wrk.out"
}

for n in "${names[@]}"; do one "$n" >/dev/null; done # warm-up
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$ROUNDS"); do
	for n in "${names[@]}"; do
		read -r rps p99 us sy < <(one "$n")
		echo "$n $rps $p99 $us $sy" >>"$work/results"
		printf 'round %d  %-9s %8s req/s  p99 %7s ms  user %6s µs  sys %6s µs per request\n' "$r" "$n" "$rps" "$p99" "$us" "$sy"
	done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
med() { awk -v n="$1" -v f="$2" '$1==n {print $f}' "$work/results" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
nginx_rps=$(med nginx 2)
echo "| server | req/s | vs nginx | p99 ms | user µs/req | sys µs/req | CPU µs/req |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for n in "${names[@]}"; do
	rps=$(med "$n" 2) us=$(med "$n" 4) sy=$(med "$n" 5)
	awk -v n="$n" -v r="$rps" -v b="$nginx_rps" -v p="$(med "$n" 3)" -v u="$us" -v s="$sy" \
		'BEGIN {printf "| %s | %d | %.2f | %.2f | %.1f | %.1f | %.1f |\n", n, r, r/b, p, u, s, u+s}'
done
echo "(medians of $ROUNDS rounds; nethttp and raw answer by themselves, without a backend)"

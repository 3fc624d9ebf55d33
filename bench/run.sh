#!/usr/bin/env bash
# Throughput of skiff against a direct backend (and nginx when installed),
# with wrk on loopback. The proxy is pinned to one core, wrk and the backend
# share the other(s). Prints requests/s and p99 latency side by side.
#
#   bench/run.sh                 # 10 s per case
#   DURATION=5s CONNS=64 bench/run.sh
#
# Cases: a 1-route file, a 10,000-route Host+Path file (the request hits
# the last route), a 5-filter chain, a 4-endpoint round robin.
set -euo pipefail

DURATION=${DURATION:-10s}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
PROXY_CPU=${PROXY_CPU:-0}
LOAD_CPUS=${LOAD_CPUS:-1-$(($(nproc) - 1))}
BASE=${BASE_PORT:-19100}

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

if [ "$(nproc)" -lt 2 ]; then
	echo "need at least 2 cores (proxy on one, load on the others)" >&2
	exit 1
fi
if ! command -v wrk >/dev/null; then
	echo "installing wrk" >&2
	apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
fi

go build -o "$work/skiff" "$root/cmd/skiff"
go build -o "$work/backend" "$root/bench/backend"

b1=127.0.0.1:$((BASE + 1))
b2=127.0.0.1:$((BASE + 2))
b3=127.0.0.1:$((BASE + 3))
b4=127.0.0.1:$((BASE + 4))
proxy=127.0.0.1:$((BASE + 10))
support=127.0.0.1:$((BASE + 11))
nginxport=$((BASE + 20))

taskset -c "$LOAD_CPUS" "$work/backend" -addrs "$b1,$b2,$b3,$b4" &
pids+=($!)

# Route files.
echo "r1: * -> \"http://$b1\";" >"$work/one.eskip"
awk -v b="$b1" 'BEGIN {
	for (i = 0; i < 10000; i++)
		printf "r%d: Host(\"^h%d[.]example[.]org$\") && Path(\"/p%d\") -> \"http://%s\";\n", i, i, i, b
}' >"$work/many.eskip"
cat >"$work/filters.eskip" <<EOT
f: * -> setRequestHeader("X-A", "1") -> appendRequestHeader("X-B", "2") -> dropRequestHeader("X-C")
      -> setResponseHeader("X-D", "4") -> appendResponseHeader("X-E", "5") -> "http://$b1";
EOT
echo "rr: * -> <roundRobin, \"http://$b1\", \"http://$b2\", \"http://$b3\", \"http://$b4\">;" >"$work/rr.eskip"

wait_port() {
	for _ in $(seq 100); do
		if (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	echo "nothing listens on $1" >&2
	return 1
}

# bench URL [HOST] -> "rps p99"
bench() {
	local args=(-t"$THREADS" -c"$CONNS" -d"$DURATION" --latency)
	[ -n "${2:-}" ] && args+=(-H "Host: $2")
	taskset -c "$LOAD_CPUS" wrk "${args[@]}" "$1" >"$work/wrk.out" 2>&1
	if grep -q 'Non-2xx' "$work/wrk.out"; then
		echo "non-2xx answers from $1:" >&2
		cat "$work/wrk.out" >&2
	fi
	awk '/Requests\/sec/ {rps=$2} $1=="99%" {p99=$2} END {printf "%.0f %s", rps, p99}' "$work/wrk.out"
}

start_skiff() {
	taskset -c "$PROXY_CPU" "$work/skiff" -address "$proxy" -support-listener "$support" \
		-routes-file "$1" -access-log-disabled -application-log-level WARN \
		-wait-for-healthcheck-interval 0 -wait-first-route-load &
	skiff_pid=$!
	pids+=($skiff_pid)
	wait_port "$proxy"
}

stop_skiff() {
	kill -TERM "$skiff_pid"
	wait "$skiff_pid" || true
}

start_nginx() { # upstream servers...
	local ups=""
	for s in "$@"; do ups+="server $s; "; done
	cat >"$work/nginx.conf" <<EOT
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx.err warn;
events { worker_connections 4096; }
http {
	access_log off;
	upstream b { $ups keepalive 128; }
	server {
		listen 127.0.0.1:$nginxport;
		location / {
			proxy_pass http://b;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_set_header X-A 1;
			add_header X-D 4;
		}
	}
}
EOT
	taskset -c "$PROXY_CPU" nginx -c "$work/nginx.conf" -p "$work" -g 'daemon off;' &
	nginx_pid=$!
	pids+=($nginx_pid)
	wait_port "127.0.0.1:$nginxport"
}

stop_nginx() {
	kill -QUIT "$nginx_pid"
	wait "$nginx_pid" || true
}

have_nginx=false
command -v nginx >/dev/null && have_nginx=true

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
wait_port "$b1"
read -r direct_rps direct_p99 <<<"$(bench "http://$b1/")"

declare -A rps p99 nrps np99
for c in one many filters rr; do
	start_skiff "$work/$c.eskip"
	host=""
	path=/
	if [ "$c" = many ]; then host=h9999.example.org; path=/p9999; fi
	read -r rps[$c] p99[$c] <<<"$(bench "http://$proxy$path" "$host")"
	stop_skiff
	if $have_nginx && { [ "$c" = one ] || [ "$c" = rr ]; }; then
		if [ "$c" = rr ]; then start_nginx "$b1" "$b2" "$b3" "$b4"; else start_nginx "$b1"; fi
		read -r nrps[$c] np99[$c] <<<"$(bench "http://127.0.0.1:$nginxport/")"
		stop_nginx
	fi
done

echo
echo "wrk -t$THREADS -c$CONNS -d$DURATION, proxy on CPU $PROXY_CPU, load on CPUs $LOAD_CPUS"
echo "load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews the figures)"
printf '%-22s %14s %10s %14s %10s %14s %10s\n' case direct-rps p99 skiff-rps p99 nginx-rps p99
for c in one many filters rr; do
	case $c in
	one) name="1 route" ;;
	many) name="10,000 routes" ;;
	filters) name="5-filter chain" ;;
	rr) name="4-endpoint roundRobin" ;;
	esac
	printf '%-22s %14s %10s %14s %10s %14s %10s\n' "$name" "$direct_rps" "$direct_p99" \
		"${rps[$c]}" "${p99[$c]}" "${nrps[$c]:--}" "${np99[$c]:--}"
done

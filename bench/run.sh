#!/usr/bin/env bash
# Throughput and tail latency of skiff next to nginx as a proxy (and haproxy
# when installed), with wrk on loopback, in alternating rounds so that every
# column sees the same machine at the same time.
#
#   bench/run.sh                                 # 3 rounds of 5 s per proxy and case: ~3.5 min, ~5 with haproxy
#   DURATION=2s ROUNDS=2 bench/run.sh            # a quick look
#   CASES="one big" SKIFF=/tmp/skiff-new bench/run.sh
#
# Layout: each proxy is pinned to PROXY_CPU (one core, one nginx worker, one
# haproxy thread, skiff as it is); wrk and the backend share the other cores
# (LOAD_CPUS). The backend is an nginx of its own (worker_processes = the
# load cores, keep-alive, a fixed 61-byte answer and a 1 MiB file): it
# answers far faster than any proxy in front of it. Each round also gives
# how busy the proxy's core was: below ~100% the load side held the proxy
# back (marked * in the table). Every nginx and haproxy runs from its own config in a temporary
# directory, as nobody when the script runs as root, and is ended with it.
# Without nginx the backend is bench/backend (a Go server sharing the load
# cores with wrk, which caps every column), and there is no nginx column.
#
# Cases: "one" a 1-route file; "many" 10,000 Host+Path routes (the request
# hits the last one; nginx: 10,000 server blocks, haproxy: a map); "filters"
# 5 header filters; "rr" round robin over 4 backends; "big" 1 MiB response
# bodies through the 1-route setup. Per case the proxies are started
# together, each is checked with one request (status, size, headers) and
# warmed up for WARMUP, then wrk runs skiff, nginx[, haproxy], skiff,
# nginx, ... ROUNDS times. The table gives the median req/s (± half the
# spread of the rounds, in % of the median), the median p99 and skiff's
# ratios to nginx; the load average is printed before and after. Exits 1
# when a check failed or wrk saw errors or non-2xx answers.
#
# Knobs: DURATION (5s) ROUNDS (3) CONNS (64) WARMUP (2s) THREADS (one per
# load core) PROXY_CPU (0) LOAD_CPUS (the others) BASE_PORT (19100)
# CASES ("one many filters rr big") SKIFF (a built binary; default: build
# ./cmd/skiff) NGINX / HAPROXY (binaries; "none" leaves that column out)
# NGINX_PROXY_OPTS (directives added to nginx-as-proxy's location, e.g.
# "proxy_buffers 64 16k; proxy_busy_buffers_size 512k;": with its default
# 8 x 4k buffers nginx moves 1 MiB bodies at a third of the rate).
set -euo pipefail

DURATION=${DURATION:-5s}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-64}
WARMUP=${WARMUP:-2s}
PROXY_CPU=${PROXY_CPU:-0}
LOAD_CPUS=${LOAD_CPUS:-$(seq 0 $(($(nproc) - 1)) | grep -vx "$PROXY_CPU" | paste -sd,)}
BASE=${BASE_PORT:-19100}
CASES=${CASES:-one many filters rr big}

cpu_count() { # "1-3,5" -> 4
	local n=0 part parts
	IFS=, read -ra parts <<<"$1"
	for part in "${parts[@]}"; do
		if [[ $part == *-* ]]; then n=$((n + ${part#*-} - ${part%-*} + 1)); else n=$((n + 1)); fi
	done
	echo "$n"
}
load_n=$(cpu_count "$LOAD_CPUS")
THREADS=${THREADS:-$load_n}

find_bin() { # name -> path or nothing
	command -v "$1" 2>/dev/null || { [ -x "/usr/sbin/$1" ] && echo "/usr/sbin/$1"; } || true
}
NGINX=${NGINX:-$(find_bin nginx)}
HAPROXY=${HAPROXY:-$(find_bin haproxy)}
[ "$NGINX" = none ] && NGINX=
[ "$HAPROXY" = none ] && HAPROXY=

root=$(cd "$(dirname "$0")/.." && pwd)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
work=$(mktemp -d "${TMPDIR:-/tmp}/skiff-bench.XXXXXX")
pids=()

# alive PID: running, not a zombie waiting to be reaped.
alive() {
	local st
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# stop PID: TERM to its process group (every child is started in a session
# of its own by start), KILL after 5 s, then reap it.
stop() {
	local pid=$1
	kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 50); do
		alive "$pid" || break
		sleep 0.1
	done
	kill -KILL -- "-$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	trap - EXIT INT TERM
	local p
	for p in ${pids[@]+"${pids[@]}"}; do stop "$p"; done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'echo >&2; echo "interrupted" >&2; exit 130' INT
trap 'exit 143' TERM

# start NAME CMD...: CMD in the background, in a session (and process group)
# of its own, output to $work/NAME.log; its pid in $started.
start() {
	local name=$1
	shift
	setsid "$@" >"$work/$name.log" 2>&1 &
	started=$!
	pids+=("$started")
}

if [ "$(nproc)" -lt 2 ]; then
	echo "need at least 2 cores (proxy on one, load on the others)" >&2
	exit 1
fi
if ! command -v wrk >/dev/null; then
	echo "installing wrk" >&2
	apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
fi
for cmd in taskset setsid curl; do
	command -v $cmd >/dev/null || { echo "needs $cmd" >&2; exit 1; }
done

if [ -n "${SKIFF:-}" ]; then
	cp "$SKIFF" "$work/skiff"
else
	(cd "$root" && go build -o "$work/skiff" ./cmd/skiff)
fi

b1=127.0.0.1:$((BASE + 1))
b2=127.0.0.1:$((BASE + 2))
b3=127.0.0.1:$((BASE + 3))
b4=127.0.0.1:$((BASE + 4))
backends=("$b1" "$b2" "$b3" "$b4")
skiff_addr=127.0.0.1:$((BASE + 10))
support=127.0.0.1:$((BASE + 11))
nginx_addr=127.0.0.1:$((BASE + 20))
haproxy_addr=127.0.0.1:$((BASE + 30))
small_body="Hello from the backend, a short answer of about sixty bytes."
small_size=$((${#small_body} + 1))
big_size=1048576

# Files the nginx and haproxy instances read and write (as nobody if root).
mkdir -p "$work/srv/www"
head -c "$big_size" /dev/zero >"$work/srv/www/1m"
if [ "$(id -u)" = 0 ]; then
	chmod 711 "$work"
	chown -R nobody "$work/srv"
fi

wait_port() { # ADDR [PID]: until ADDR accepts connections (30 s), or PID has ended
	for _ in $(seq 300); do
		if (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null; then return 0; fi
		if [ -n "${2:-}" ] && ! alive "$2"; then
			echo "the server for $1 has ended" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "nothing listens on $1" >&2
	return 1
}

# nginx_conf NAME WORKERS HTTP-BLOCK-BODY: a config of its own under $work/srv.
nginx_conf() {
	local d=$work/srv/$1
	mkdir -p "$d"
	cat >"$d/nginx.conf" <<EOT
worker_processes $2;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	default_type text/plain;
	keepalive_requests 10000000;
	keepalive_timeout 300s;
	client_body_temp_path $d/client_body;
	proxy_temp_path $d/proxy;
	fastcgi_temp_path $d/fastcgi;
	uwsgi_temp_path $d/uwsgi;
	scgi_temp_path $d/scgi;
	server_names_hash_max_size 65536;
	server_names_hash_bucket_size 128;
$3
}
EOT
	[ "$(id -u)" = 0 ] && chown -R nobody "$d"
	echo "$d"
}

# $work/unpriv CMD...: CMD as nobody when we are root (nginx and haproxy need
# no privilege on these ports), as ourselves otherwise. A script, not a
# function, so that taskset and setsid can run it.
if [ "$(id -u)" = 0 ]; then
	printf '#!/bin/sh\nexec setpriv --reuid=%s --regid=%s --clear-groups "$@"\n' "$(id -u nobody)" "$(id -g nobody)" >"$work/unpriv"
else
	printf '#!/bin/sh\nexec "$@"\n' >"$work/unpriv"
fi
chmod 755 "$work/unpriv"

# start_nginx NAME CPUS WORKERS HTTP-BLOCK-BODY
start_nginx() {
	local d
	d=$(nginx_conf "$1" "$3" "$4")
	start "nginx-$1" taskset -c "$2" "$work/unpriv" "$NGINX" -p "$d" -c "$d/nginx.conf" -e "$d/error.log" -g 'daemon off;'
}

# The backend.
if [ -n "$NGINX" ]; then
	listen=""
	for b in "${backends[@]}"; do listen+="listen $b; "; done
	start_nginx backend "$LOAD_CPUS" "$load_n" "
	sendfile on;
	server {
		$listen
		location = /1m { root $work/srv/www; }
		location / { return 200 \"$small_body\n\"; }
	}"
	backend_kind="nginx, $load_n worker(s) on CPUs $LOAD_CPUS"
else
	(cd "$root" && go build -o "$work/backend" ./bench/backend)
	start backend taskset -c "$LOAD_CPUS" "$work/backend" -addrs "$b1,$b2,$b3,$b4"
	backend_kind="bench/backend (Go) on CPUs $LOAD_CPUS: nginx is not installed, the backend may cap every column"
	CASES=$(echo " $CASES " | sed 's/ big / /')
	echo "no nginx: the 1 MiB case is left out (bench/backend answers small bodies only)" >&2
fi
for b in "${backends[@]}"; do wait_port "$b" "$started"; done

# Per case: the URL path, the Host header, the expected body size, and the
# config of each proxy.
case_path() { case $1 in many) echo /p9999 ;; big) echo /1m ;; *) echo / ;; esac; }
case_host() { case $1 in many) echo h9999.example.org ;; *) echo ;; esac; }
case_size() { case $1 in big) echo $big_size ;; *) echo $small_size ;; esac; }
case_name() {
	case $1 in
	one) echo "1 route" ;;
	many) echo "10,000 host+path routes" ;;
	filters) echo "5 header filters" ;;
	rr) echo "round robin over 4" ;;
	big) echo "1 MiB bodies" ;;
	*) echo "$1" ;;
	esac
}

skiff_routes() { # case -> routes file
	local f=$work/$1.eskip
	case $1 in
	one | big) echo "r1: * -> \"http://$b1\";" >"$f" ;;
	many)
		awk -v b="$b1" 'BEGIN {
			for (i = 0; i < 10000; i++)
				printf "r%d: Host(\"^h%d[.]example[.]org$\") && Path(\"/p%d\") -> \"http://%s\";\n", i, i, i, b
		}' >"$f"
		;;
	filters)
		cat >"$f" <<EOT
f: * -> setRequestHeader("X-A", "1") -> appendRequestHeader("X-B", "2") -> dropRequestHeader("X-C")
      -> setResponseHeader("X-D", "4") -> appendResponseHeader("X-E", "5") -> "http://$b1";
EOT
		;;
	rr) echo "rr: * -> <roundRobin, \"http://$b1\", \"http://$b2\", \"http://$b3\", \"http://$b4\">;" >"$f" ;;
	esac
	echo "$f"
}

nginx_proxy_http() { # case -> the http block of nginx as a proxy
	local ups="server $b1;" pass="proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection \"\"; ${NGINX_PROXY_OPTS:-}"
	[ "$1" = rr ] && ups="server $b1; server $b2; server $b3; server $b4;"
	echo "	upstream up { $ups keepalive 128; keepalive_requests 10000000; keepalive_timeout 300s; }"
	case $1 in
	many)
		echo "	server { listen $nginx_addr default_server; return 404; }"
		awk -v a="$nginx_addr" -v p="$pass" 'BEGIN {
			for (i = 0; i < 10000; i++)
				printf "\tserver { listen %s; server_name h%d.example.org; location = /p%d { %s } location / { return 404; } }\n", a, i, i, p
		}'
		;;
	filters)
		echo "	server { listen $nginx_addr; location / { $pass
			proxy_set_header X-A 1; proxy_set_header X-B 2; proxy_set_header X-C \"\";
			add_header X-D 4; add_header X-E 5; } }"
		;;
	*) echo "	server { listen $nginx_addr; location / { $pass } }" ;;
	esac
}

haproxy_conf() { # case -> config file
	local f=$work/srv/haproxy-$1.cfg i=0 b
	{
		cat <<EOT
global
	nbthread 1
	maxconn 4000
defaults
	mode http
	timeout connect 5s
	timeout client 60s
	timeout server 60s
	timeout http-keep-alive 300s
	http-reuse always
frontend f
	bind $haproxy_addr
EOT
		case $1 in
		many)
			awk 'BEGIN { for (i = 0; i < 10000; i++) printf "h%d.example.org/p%d up\n", i, i }' >"$work/srv/many.map"
			echo "	use_backend %[base,map($work/srv/many.map,nomatch)]"
			;;
		filters)
			cat <<EOT
	http-request set-header X-A 1
	http-request add-header X-B 2
	http-request del-header X-C
	http-response set-header X-D 4
	http-response add-header X-E 5
EOT
			;;
		esac
		echo "	default_backend up"
		echo "backend nomatch"
		echo "backend up"
		echo "	balance roundrobin"
		if [ "$1" = rr ]; then
			for b in "${backends[@]}"; do i=$((i + 1)); echo "	server s$i $b"; done
		else
			echo "	server s1 $b1"
		fi
	} >"$f"
	[ "$(id -u)" = 0 ] && chown nobody "$f" "$work/srv/many.map" 2>/dev/null
	echo "$f"
}

# check NAME ADDR CASE: one request through the proxy answers 200 with the
# expected body size (and the response headers of the filters case).
check() {
	local host path out
	host=$(case_host "$3")
	path=$(case_path "$3")
	out=$(curl -sS -o /dev/null -D "$work/check.h" -w '%{http_code} %{size_download}' \
		${host:+-H "Host: $host"} "http://$2$path" 2>&1) || true
	if [ "$out" != "200 $(case_size "$3")" ]; then
		echo "$1 ($3): want \"200 $(case_size "$3")\" (status, body size), got \"$out\"" >&2
		return 1
	fi
	if [ "$3" = filters ] && ! { grep -qi '^X-D: 4' "$work/check.h" && grep -qi '^X-E: 5' "$work/check.h"; }; then
		echo "$1 (filters): the response lacks X-D: 4 or X-E: 5" >&2
		return 1
	fi
}

# cpu_ticks CPU -> "busy steal total" jiffies of that core so far
cpu_ticks() {
	awk -v c="cpu$1" '$1 == c {t = 0; for (i = 2; i <= 9; i++) t += $i; print t - $5 - $6 - $9, $9, t}' /proc/stat
}

# wrk_run ADDR CASE DURATION -> "rps p99ms errors busy% steal%" on stdout,
# the last two of the proxy's core while wrk ran: a proxy whose core is not
# busy throughout was held back by the load side, not by itself.
wrk_run() {
	local host path args t0 t1
	host=$(case_host "$2")
	path=$(case_path "$2")
	args=(-t"$THREADS" -c"$CONNS" -d"$3" --latency)
	[ -n "$host" ] && args+=(-H "Host: $host")
	t0=$(cpu_ticks "$PROXY_CPU")
	taskset -c "${wrk_cpus:-$LOAD_CPUS}" wrk "${args[@]}" "http://$1$path" >"$work/wrk.out" 2>&1 || true
	t1=$(cpu_ticks "$PROXY_CPU")
	awk -v t0="$t0" -v t1="$t1" '/Requests\/sec/ {rps=$2}
	     $1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; p99=v}
	     /Non-2xx/ {e+=$NF}
	     /Socket errors/ {gsub(/,/,""); e+=$4+$6+$8+$10}
	     END {
		split(t0, a); split(t1, b); t = b[3] - a[3]; if (t <= 0) t = 1
		printf "%.0f %.3f %d %.0f %.0f\n", rps, p99, e, (b[1] - a[1]) / t * 100, (b[2] - a[2]) / t * 100
	     }' "$work/wrk.out"
}

seconds() { # 5s, 1m, 500ms, 5 -> seconds (rounded up)
	case $1 in
	*ms) echo 1 ;;
	*m) echo $((${1%m} * 60)) ;;
	*s) echo "${1%s}" ;;
	*) echo "$1" ;;
	esac
}

proxies=(skiff)
[ -n "$NGINX" ] && proxies+=(nginx)
[ -n "$HAPROXY" ] && proxies+=(haproxy)
ncases=$(wc -w <<<"$CASES")
est=$((ncases * ${#proxies[@]} * (ROUNDS * $(seconds "$DURATION") + $(seconds "$WARMUP") + 1) + 2 * $(seconds "$DURATION")))

echo "skiff $(git -C "$root" describe --always --dirty 2>/dev/null || echo '?') against: ${proxies[*]:1}"
[ -z "$HAPROXY" ] && echo "haproxy: not installed, no haproxy column"
[ -n "$HAPROXY" ] && echo "haproxy: $("$HAPROXY" -v 2>&1 | head -1)"
[ -n "$NGINX" ] && echo "nginx: $("$NGINX" -v 2>&1 | head -1)"
echo "backend: $backend_kind"
echo "proxies on CPU $PROXY_CPU; wrk -t$THREADS -c$CONNS -d$DURATION on CPUs $LOAD_CPUS; $ROUNDS rounds; about $((est / 60))m$((est % 60))s"

# The backend alone: what it answers with a core of its own (wrk on the
# proxy's core), and beside wrk as in the runs through a proxy.
read -r cap_rps cap_p99 _ < <(wrk_cpus=$PROXY_CPU wrk_run "$b1" one "$DURATION")
read -r direct_rps direct_p99 _ < <(wrk_run "$b1" one "$DURATION")
backend_alone="wrk on CPU $PROXY_CPU: $cap_rps req/s (p99 $cap_p99 ms); wrk beside it: $direct_rps req/s (p99 $direct_p99 ms)"
echo "backend alone, $backend_alone"

echo "load average before: $load_before"
results=$work/results
: >"$results"
failed=()

for c in $CASES; do
	routes=$(skiff_routes "$c")
	addrs=()
	start skiff taskset -c "$PROXY_CPU" "$work/skiff" -address "$skiff_addr" -support-listener "$support" \
		-routes-file "$routes" -access-log-disabled -application-log-level WARN \
		-wait-for-healthcheck-interval 0 -wait-first-route-load
	case_pids=("$started")
	addrs+=("$skiff_addr")
	logs=("$work/skiff.log")
	if [ -n "$NGINX" ]; then
		start_nginx "proxy-$c" "$PROXY_CPU" 1 "$(nginx_proxy_http "$c")"
		case_pids+=("$started")
		addrs+=("$nginx_addr")
		logs+=("$work/nginx-proxy-$c.log")
	fi
	if [ -n "$HAPROXY" ]; then
		cfg=$(haproxy_conf "$c")
		start "haproxy-$c" taskset -c "$PROXY_CPU" "$work/unpriv" "$HAPROXY" -db -f "$cfg"
		case_pids+=("$started")
		addrs+=("$haproxy_addr")
		logs+=("$work/haproxy-$c.log")
	fi
	ok=()
	for k in "${!proxies[@]}"; do
		if wait_port "${addrs[$k]}" "${case_pids[$k]}" && check "${proxies[$k]}" "${addrs[$k]}" "$c"; then
			ok+=("$k")
			wrk_run "${addrs[$k]}" "$c" "$WARMUP" >/dev/null
		else
			failed+=("${proxies[$k]}/$c")
			for f in "${logs[$k]}" "$work/srv/proxy-$c/error.log"; do
				[ "${proxies[$k]}" = nginx ] || [ "$f" = "${logs[$k]}" ] || continue
				tail -5 "$f" 2>/dev/null | sed "s|^|    ${f#"$work"/}: |" >&2 || true
			done
		fi
	done
	for r in $(seq "$ROUNDS"); do
		for k in ${ok[@]+"${ok[@]}"}; do
			read -r rps p99 err busy steal < <(wrk_run "${addrs[$k]}" "$c" "$DURATION")
			echo "$c ${proxies[$k]} $r $rps $p99 $err $busy $steal" >>"$results"
			printf '%-8s round %d  %-8s %8s req/s  p99 %8s ms  CPU %s busy %3s%%%s%s\n' "$c" "$r" "${proxies[$k]}" "$rps" "$p99" \
				"$PROXY_CPU" "$busy" "$([ "$steal" -gt 0 ] && echo ", stolen $steal%")" \
				"$([ "$err" -gt 0 ] && echo "  $err errors")"
		done
	done
	for p in "${case_pids[@]}"; do stop "$p"; done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# median: of the numbers on stdin (the mean of the middle two for an even count)
median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) exit; if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
col() { awk -v c="$1" -v p="$2" -v f="$3" '$1 == c && $2 == p {print $f}' "$results"; }

echo
echo "wrk -t$THREADS -c$CONNS -d$DURATION, $ROUNDS rounds (median; ± half the spread of the rounds), proxies on CPU $PROXY_CPU, wrk and backend on CPUs $LOAD_CPUS"
echo "backend: $backend_kind"
echo "backend alone, $backend_alone"
[ -n "$NGINX" ] && echo "nginx as proxy: 1 worker, upstream keepalive 128, ${NGINX_PROXY_OPTS:-default proxy buffers (8 x 4k: they hold back 1 MiB bodies; see NGINX_PROXY_OPTS)}"
echo "load average (1, 5, 15 min) before: $load_before, after: $load_after"
echo
head="| case |"
rule="|---|"
for p in "${proxies[@]}"; do
	head+=" $p req/s | $p p99 |"
	rule+="---:|---:|"
done
[ -n "$NGINX" ] && { head+=" skiff/nginx req/s | skiff/nginx p99 |"; rule+="---:|---:|"; }
echo "$head"
echo "$rule"
errors=0
idle_note=
for c in $CASES; do
	line="| $(case_name "$c") |"
	declare -A med=() medp=()
	for p in "${proxies[@]}"; do
		m=$(col "$c" "$p" 4 | median)
		if [ -z "$m" ]; then
			line+=" failed | |"
			continue
		fi
		lo=$(col "$c" "$p" 4 | sort -g | head -1)
		hi=$(col "$c" "$p" 4 | sort -g | tail -1)
		e=$(col "$c" "$p" 6 | awk '{s+=$1} END {print s+0}')
		mark=""
		[ "$e" -gt 0 ] && { mark=" ($e errors)"; errors=1; }
		busy=$(col "$c" "$p" 7 | median)
		if awk -v b="$busy" 'BEGIN {exit !(b < 90)}'; then
			mark+=" *"
			idle_note=1
		fi
		med[$p]=$m
		medp[$p]=$(col "$c" "$p" 5 | median)
		line+=$(awk -v m="$m" -v lo="$lo" -v hi="$hi" -v p="${medp[$p]}" -v mk="$mark" \
			'BEGIN {printf " %.0f ±%.0f%%%s | %.2f ms |", m, (hi - lo) / 2 / m * 100, mk, p}')
	done
	if [ -n "$NGINX" ]; then
		if [ -n "${med[skiff]:-}" ] && [ -n "${med[nginx]:-}" ]; then
			line+=$(awk -v a="${med[skiff]}" -v b="${med[nginx]}" -v pa="${medp[skiff]}" -v pb="${medp[nginx]}" \
				'BEGIN {printf " %.2f | %.2f |", a / b, (pb > 0 ? pa / pb : 0)}')
		else
			line+=" | |"
		fi
	fi
	echo "$line"
	unset med medp
done
echo
if [ -n "${idle_note:-}" ]; then
	echo "* the proxy's core was busy less than 90% of the time (median of the rounds): the load side (wrk and"
	echo "  the backend on CPUs $LOAD_CPUS) held it back, so that figure is a floor, not the proxy's ceiling"
fi
steal=$(awk '{print $8}' "$results" | median)
if awk -v s="${steal:-0}" 'BEGIN {exit !(s >= 5)}'; then
	echo "note: the hypervisor took ${steal}% of the proxy's core (median): the figures are low and noisy"
fi
[ -z "$HAPROXY" ] && echo "(haproxy is not installed: no haproxy column)"
if awk -v l="${load_before%% *}" 'BEGIN {exit !(l > 0.5)}' || awk -v l="${load_after%% *}" -v n="$load_n" 'BEGIN {exit !(l > n + 1.5)}'; then
	echo "note: the machine had other work (see the load average); the figures may be skewed"
fi
if [ ${#failed[@]} -gt 0 ] || [ "$errors" = 1 ]; then
	[ ${#failed[@]} -gt 0 ] && echo "failed checks: ${failed[*]}" >&2
	[ "$errors" = 1 ] && echo "some runs had non-2xx answers or socket errors (see the table)" >&2
	exit 1
fi

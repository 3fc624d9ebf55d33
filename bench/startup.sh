#!/usr/bin/env bash
# bench/startup.sh measures how long skiff takes from exec to serving the
# last route of a large routes file, and how much memory it holds then.
#
# It writes ROUTES routes of the shape
#   rN: Host("^hN[.]example[.]org$") && Path("/pN") -> inlineContent("ok") -> <shunt>;
# or, with BACKEND=network, routes to backends of their own (one address
# per route, none listening: the last route counts as served when it
# answers 502, skiff's answer for a backend it cannot reach)
#   rN: Host("^hN[.]example[.]org$") && Path("/pN") -> "http://127.A.B.C:9";
# starts the binary ROUNDS times, polls the last route (h{ROUTES-1}) with curl
# until it answers 200, and prints per round the time to serve and the
# process' VmRSS (resident now) and VmHWM (resident peak) from
# /proc/PID/status, then the medians.
#
# Knobs (environment):
#   ROUTES=100000   routes in the generated file
#   ROUNDS=3        process starts
#   BACKEND=shunt   the routes' backend: shunt (inlineContent) or network
#   SKIFF=path      binary to run; default: go build ./cmd/skiff into a temp dir
#   PORT=19090      proxy port on 127.0.0.1 (the support listener is disabled)
#   TIMEOUT=30      seconds to wait for the route before a round fails
#   EXTRA=""        more flags for skiff, e.g. EXTRA="-support-listener 127.0.0.1:19911"
#   GODEBUG, GOGC, GOMEMLIMIT pass through to the binary as usual.
set -euo pipefail

ROUTES=${ROUTES:-100000}
ROUNDS=${ROUNDS:-3}
PORT=${PORT:-19090}
TIMEOUT=${TIMEOUT:-30}
EXTRA=${EXTRA:-}
BACKEND=${BACKEND:-shunt}
case $BACKEND in
shunt) want=200 ;;
network) want=502 ;;
*)
	echo "BACKEND must be shunt or network" >&2
	exit 2
	;;
esac

cd "$(dirname "$0")/.."
work=$(mktemp -d)
pid=""
cleanup() {
	if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

if [[ -z ${SKIFF:-} ]]; then
	SKIFF=$work/skiff
	go build -o "$SKIFF" ./cmd/skiff
fi

routes=$work/routes.eskip
awk -v n="$ROUTES" -v backend="$BACKEND" 'BEGIN {
	for (i = 0; i < n; i++)
		if (backend == "network")
			printf "r%d: Host(\"^h%d[.]example[.]org$\") && Path(\"/p%d\") -> \"http://127.%d.%d.%d:9\";\n", i, i, i, int(i / 65536) % 256, int(i / 256) % 256, i % 256
		else
			printf "r%d: Host(\"^h%d[.]example[.]org$\") && Path(\"/p%d\") -> inlineContent(\"ok\") -> <shunt>;\n", i, i, i
}' >"$routes"
last=$((ROUTES - 1))
echo "routes=$ROUTES backend=$BACKEND file=$(stat -c %s "$routes") bytes binary=$SKIFF rounds=$ROUNDS load: $(cut -d' ' -f1-3 /proc/loadavg)"

# now_ns prints a monotonic-enough wall clock in nanoseconds.
now_ns() { date +%s%N; }

# status_kb prints the value in kB of a /proc/PID/status field.
status_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

times=() rss=() hwm=()
for round in $(seq 1 "$ROUNDS"); do
	start=$(now_ns)
	# shellcheck disable=SC2086 # EXTRA is a list of flags
	"$SKIFF" -address "127.0.0.1:$PORT" -routes-file "$routes" -support-listener "" \
		-access-log-disabled -application-log-level WARN $EXTRA 2>"$work/stderr.$round" &
	pid=$!
	deadline=$((start + TIMEOUT * 1000000000))
	while :; do
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 \
			-H "Host: h$last.example.org" "http://127.0.0.1:$PORT/p$last" || true)
		[[ $code == "$want" ]] && break
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "round $round: skiff exited; stderr:" >&2
			cat "$work/stderr.$round" >&2
			exit 1
		fi
		if (($(now_ns) > deadline)); then
			echo "round $round: no $want within ${TIMEOUT}s (last status $code)" >&2
			exit 1
		fi
		sleep 0.01
	done
	ms=$((($(now_ns) - start) / 1000000))
	r=$(status_kb "$pid" VmRSS)
	h=$(status_kb "$pid" VmHWM)
	printf 'round %d: serving after %d ms, VmRSS %d MB, VmHWM %d MB\n' "$round" "$ms" $((r / 1024)) $((h / 1024))
	times+=("$ms") rss+=("$r") hwm+=("$h")
	# SIGKILL: SIGTERM would drain for -wait-for-healthcheck-interval first.
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	pid=""
done

printf 'median: serving after %s ms, VmRSS %s MB, VmHWM %s MB\n' \
	"$(printf '%s\n' "${times[@]}" | median)" \
	"$(printf '%s\n' "${rss[@]}" | median | awk '{ printf "%d", $1 / 1024 }')" \
	"$(printf '%s\n' "${hwm[@]}" | median | awk '{ printf "%d", $1 / 1024 }')"

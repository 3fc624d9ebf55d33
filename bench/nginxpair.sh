# shellcheck shell=bash
# shellcheck disable=SC2154 # $work is the sourcing script's
# bench/nginxpair.sh is sourced by compare.sh and ceiling.sh: the nginx
# pair they measure against, and waiting for a port.

# nginx_pair BACKEND PROXY BODY: starts nginx answering 200 BODY on
# BACKEND, pinned to CPU 1 (where wrk runs too), and nginx as a proxy to
# it with upstream keep-alive on PROXY, pinned to CPU 0 (where every
# proxy under test runs). Configs, logs and pid files (be.pid, px.pid)
# go to $work.
nginx_pair() {
	nginx_conf be "$1" "location / { return 200 \"$3\"; }"
	nginx_conf px "$2" 'location / { proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection ""; }' \
		"upstream be { server $1; keepalive 128; }"
	taskset -c 1 nginx -c "$work/be.conf" -e "$work/be.err"
	taskset -c 0 nginx -c "$work/px.conf" -e "$work/px.err"
}

# nginx_conf NAME LISTEN SERVER-BODY [HTTP-EXTRA]: $work/NAME.conf, one
# worker, keep-alive without limits, no access log.
nginx_conf() {
	cat >"$work/$1.conf" <<EOT
worker_processes 1;
pid $work/$1.pid;
error_log $work/$1.err;
events { worker_connections 4096; }
http {
	access_log off;
	keepalive_requests 10000000;
	keepalive_timeout 300s;
	client_body_temp_path $work/$1.cb; proxy_temp_path $work/$1.p; fastcgi_temp_path $work/$1.f; uwsgi_temp_path $work/$1.u; scgi_temp_path $work/$1.s;
	${4:-}
	server { listen $2; $3 }
}
EOT
}

# wait_port ADDR: until ADDR accepts connections (10 s).
wait_port() {
	for _ in $(seq 100); do
		if (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	echo "nothing listens on $1" >&2
	return 1
}

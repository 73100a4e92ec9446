# bench/lib.sh: what several bench scripts share (sourced, not run).

# cpu_ticks PID...: utime+stime+cutime+cstime of each PID and its descendants,
# in clock ticks (getconf CLK_TCK), reaped children included.
cpu_ticks() {
	local files
	files=$(ps -e -o pid=,ppid= | awk -v root="$*" '{ kids[$2] = kids[$2] " " $1 }
		END { n = split(root, q, " "); for (i = 1; i <= n; i++) { print "/proc/" q[i] "/stat"
			m = split(kids[q[i]], k, " "); for (j = 1; j <= m; j++) q[++n] = k[j] } }')
	# shellcheck disable=SC2086
	cat $files 2>/dev/null | sed 's/^.*) //' | awk '{ s += $12 + $13 + $14 + $15 } END { print s + 0 }'
}

# wrk_script DIR KEY MODEL: a wrk Lua script (made in DIR) POSTing a chat
# request for MODEL with KEY that prints
# "RESULT requests non2xx socket_errors p50_ms p99_ms seconds" when done
wrk_script() {
	local f=$1/${3//\//_}.lua
	cat >"$f" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $2"
wrk.body = '{"model":"$3","stream":false,"messages":[{"role":"user","content":"hi"}]}'
function done(s, lat, req)
	local e = s.errors
	io.write(string.format("RESULT %d %d %d %.3f %.3f %.3f\n", s.requests, e.status,
		e.connect + e.read + e.write + e.timeout, lat:percentile(50) / 1000,
		lat:percentile(99) / 1000, s.duration / 1e6))
end
EOF
	echo "$f"
}

# wrk_run DIR KEY CONNS PORT MODEL SECS: wrk's RESULT fields
wrk_run() {
	wrk -t1 -c"$3" -d"$6"s --timeout 30s -s "$(wrk_script "$1" "$2" "$5")" \
		"http://127.0.0.1:$4/v1/chat/completions" >"$1/wrk.out"
	sed -n 's/^RESULT //p' "$1/wrk.out" | grep . || { echo "wrk gave no result:" >&2; cat "$1/wrk.out" >&2; exit 1; }
}

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

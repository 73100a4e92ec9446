# deps-commands.awk: the programs a shell script (or BATS file) may run, for
# tests/deps-check. Reads one file and prints, one a line:
#   C<TAB>NAME<TAB>LINE   a word in command position (or named by `command -v`)
#   F<TAB>NAME<TAB>LINE   a function the file defines
# With several files, each is parsed alone and the lines end with <TAB>FILE.
# It knows enough shell to tell commands from arguments: quotes, $(…) and
# backticks (parsed as commands too), `sh -c '…'`, redirections, here-docs
# (their bodies are data, skipped), case patterns, [[ … ]], (( … )), and the
# wrappers that run another command (run, exec, env, timeout, nice, setsid,
# xargs, flock, stdbuf, time). Words with expansions ($x/prog) are not named.

FNR == 1 && NR > 1 { parse(src, 1, 0); src = "" }
{ src = src $0 "\n"; file = FILENAME }
END { parse(src, 1, 0) }

function parse(s, line, d,    i, n, c, nx, j, e, k, ch, delim, strip, rest) {
	n = length(s)
	word[d] = ""; started[d] = 0; lit[d] = 1; wline[d] = line
	cmd[d] = 1; redir[d] = 0; pat[d] = 0; incase[d] = 0; dbl[d] = 0
	wrap[d] = ""; warg[d] = 0; shc[d] = 0; runopt[d] = 0; nhd[d] = 0
	i = 1
	while (i <= n) {
		c = substr(s, i, 1); nx = substr(s, i + 1, 1)
		if (c == "\\") {
			if (nx == "\n") { line++; i += 2; continue }
			addc(d, nx, line); i += 2; continue
		}
		if (c == "'") {
			j = index(substr(s, i + 1), "'"); if (j == 0) j = n - i + 1
			rest = substr(s, i + 1, j - 1)
			addc(d, rest, line); line += nl(rest); i += j + 1; continue
		}
		if (c == "\"") {
			addc(d, "", line)
			k = i + 1
			while (k <= n) {
				ch = substr(s, k, 1)
				if (ch == "\\") { word[d] = word[d] substr(s, k + 1, 1); if (substr(s, k + 1, 1) == "\n") line++; k += 2; continue }
				if (ch == "\"") break
				if (ch == "$" && substr(s, k + 1, 1) == "(") {
					e = closing(s, k + 1)
					if (substr(s, k + 2, 1) != "(") parse(substr(s, k + 2, e - k - 2), line, d + 1)
					rest = substr(s, k, e - k + 1); line += nl(rest)
					word[d] = word[d] rest; lit[d] = 0; k = e + 1; continue
				}
				if (ch == "`") {
					j = index(substr(s, k + 1), "`"); if (j == 0) j = n - k + 1
					parse(substr(s, k + 1, j - 1), line, d + 1)
					line += nl(substr(s, k + 1, j - 1)); lit[d] = 0; k += j + 1; continue
				}
				if (ch == "$") lit[d] = 0
				if (ch == "\n") line++
				word[d] = word[d] ch; k++
			}
			i = k + 1; continue
		}
		if (c == "$") {
			if (nx == "(") {
				e = closing(s, i + 1)
				if (substr(s, i + 2, 1) != "(") parse(substr(s, i + 2, e - i - 2), line, d + 1)
				rest = substr(s, i, e - i + 1); line += nl(rest)
				addc(d, rest, line); lit[d] = 0; i = e + 1; continue
			}
			if (nx == "{") {
				e = closing(s, i + 1)
				rest = substr(s, i, e - i + 1); line += nl(rest)
				addc(d, rest, line); lit[d] = 0; i = e + 1; continue
			}
			addc(d, c, line); lit[d] = 0; i++; continue
		}
		if (c == "`") {
			j = index(substr(s, i + 1), "`"); if (j == 0) j = n - i + 1
			parse(substr(s, i + 1, j - 1), line, d + 1)
			line += nl(substr(s, i + 1, j - 1)); addc(d, "`", line); lit[d] = 0; i += j + 1; continue
		}
		if (c == " " || c == "\t") { endword(d); i++; continue }
		if (c == "\n") {
			endword(d); sep(d); line++; i++
			# here-document bodies follow the line that opened them
			for (k = 1; k <= nhd[d]; k++) {
				while (i <= n) {
					j = index(substr(s, i), "\n"); if (j == 0) j = n - i + 2
					rest = substr(s, i, j - 1); i += j; line++
					if (hds[d, k]) sub(/^\t+/, "", rest)
					if (rest == hdw[d, k]) break
				}
			}
			nhd[d] = 0
			continue
		}
		if (c == "#" && !started[d]) {
			j = index(substr(s, i), "\n"); if (j == 0) j = n - i + 2
			i += j - 1; continue
		}
		if (c == ";") {
			endword(d)
			if (nx == ";" || nx == "&") { i += 2; if (substr(s, i, 1) == "&") i++; sep(d); pat[d] = 1; continue }
			i++; sep(d); continue
		}
		if (c == "&" && nx == ">") { endword(d); i += 2; if (substr(s, i, 1) == ">") i++; redir[d] = 1; continue }
		if (c == "|" || c == "&") {
			endword(d)
			if (nx == c) { i += 2; if (!dbl[d]) sep(d); continue }
			i++; if (c == "|" && nx == "&") i++
			if (!pat[d]) sep(d)
			continue
		}
		if (c == "<" || c == ">") {
			# a file descriptor (2>, {fd}<>) is part of the redirection
			if (started[d] && word[d] ~ /^([0-9]+|\{[A-Za-z_][A-Za-z_0-9]*\})$/) { word[d] = ""; started[d] = 0 } else endword(d)
			if (substr(s, i, 3) == "<<<") { i += 3; redir[d] = 1; continue }
			if (substr(s, i, 2) == "<<") {
				i += 2; strip = 0
				if (substr(s, i, 1) == "-") { strip = 1; i++ }
				while (substr(s, i, 1) == " " || substr(s, i, 1) == "\t") i++
				delim = ""
				while (i <= n && substr(s, i, 1) !~ /[ \t\n;|&<>)]/) {
					ch = substr(s, i, 1); if (ch != "'" && ch != "\"" && ch != "\\") delim = delim ch; i++
				}
				nhd[d]++; hdw[d, nhd[d]] = delim; hds[d, nhd[d]] = strip
				continue
			}
			if (nx == "(") {	# process substitution
				e = closing(s, i + 1)
				parse(substr(s, i + 2, e - i - 2), line, d + 1)
				line += nl(substr(s, i, e - i + 1)); i = e + 1; continue
			}
			i++
			while (substr(s, i, 1) ~ /[<>|]/) i++
			if (substr(s, i, 1) == "&") {
				i++; while (substr(s, i, 1) ~ /[0-9-]/) i++
				continue
			}
			if (!dbl[d]) redir[d] = 1
			continue
		}
		if (c == "(") {
			if (started[d] && word[d] ~ /=$/) {	# NAME=( array words )
				e = closing(s, i); line += nl(substr(s, i, e - i + 1)); i = e + 1
				endword(d); continue
			}
			if (started[d] && nx == ")") {	# NAME() { … }
				print "F\t" word[d] "\t" wline[d] "\t" file
				word[d] = ""; started[d] = 0; lit[d] = 1; i += 2; sep(d); continue
			}
			if (!started[d] && nx == "(") {	# (( arithmetic ))
				e = closing(s, i); line += nl(substr(s, i, e - i + 1)); i = e + 1; continue
			}
			endword(d); i++
			if (!pat[d]) sep(d)
			continue
		}
		if (c == ")") {
			endword(d); i++
			if (pat[d]) { pat[d] = 0; sep(d) } else cmd[d] = 0
			continue
		}
		if ((c == "{" || c == "}") && !started[d] && (nx == "" || nx ~ /[ \t\n;]/)) {
			endword(d); i++
			if (c == "{") sep(d); else cmd[d] = 0
			continue
		}
		addc(d, c, line); i++
	}
	endword(d)
}

# appends text to the current word
function addc(d, t, line) {
	if (!started[d]) { started[d] = 1; wline[d] = line }
	word[d] = word[d] t
}

function nl(t,    m) { m = gsub(/\n/, "\n", t); return m }

# the index of the parenthesis or brace that closes the one at s[i]
function closing(s, i,    n, open, shut, depth, ch, q) {
	n = length(s); open = substr(s, i, 1); shut = open == "(" ? ")" : "}"
	depth = 0; q = ""
	for (; i <= n; i++) {
		ch = substr(s, i, 1)
		if (q != "") { if (ch == "\\" && q == "\"") i++; else if (ch == q) q = ""; continue }
		if (ch == "\\") { i++; continue }
		if (ch == "'" || ch == "\"") { q = ch; continue }
		if (ch == open) depth++
		else if (ch == shut && --depth == 0) return i
	}
	return n
}

# a command separator: the next word is a command again
function sep(d) {
	cmd[d] = 1; redir[d] = 0; wrap[d] = ""; warg[d] = 0; shc[d] = 0; runopt[d] = 0
}

function endword(d,    w, lt, ln) {
	if (!started[d]) return
	w = word[d]; lt = lit[d]; ln = wline[d]
	word[d] = ""; started[d] = 0; lit[d] = 1
	handle(d, w, lt, ln)
}

function handle(d, w, lt, ln) {
	if (redir[d]) { redir[d] = 0; return }
	if (pat[d]) { if (w == "esac") { pat[d] = 0; cmd[d] = 0 } return }
	if (incase[d]) { if (w == "in") { incase[d] = 0; pat[d] = 1 } return }
	if (dbl[d]) { if (w == "]]") dbl[d] = 0; return }
	if (shc[d] == 2) { parse(w, ln, d + 1); shc[d] = 0; cmd[d] = 0; return }
	if (shc[d] == 1) {
		if (w ~ /^-[a-z]*c[a-z]*$/) { shc[d] = 2; return }
		if (w ~ /^-/) return
		shc[d] = 0; cmd[d] = 0; return	# a script file
	}
	if (wrap[d] != "") { if (wrapper_arg(d, w, ln)) return }
	if (!cmd[d]) return
	if (runopt[d] && (w ~ /^-/ || w == "!")) return
	runopt[d] = 0
	if (w ~ /^[A-Za-z_][A-Za-z_0-9]*(\[[^]]*\])?\+?=/) return	# an assignment
	if (w ~ /^(if|then|else|elif|do|while|until|!|\{|time)$/) return
	if (w ~ /^(fi|done|esac|\})$/) { cmd[d] = 0; return }
	if (w == "for" || w == "select") { cmd[d] = 0; return }
	if (w == "case") { cmd[d] = 0; incase[d] = 1; return }
	if (w == "[[") { cmd[d] = 0; dbl[d] = 1; return }
	if (w == "function") { cmd[d] = 0; wrap[d] = "function"; return }
	if (w == "run") { runopt[d] = 1; return }
	if (!lt) { cmd[d] = 0; return }
	print "C\t" w "\t" ln "\t" file
	cmd[d] = 0
	w = w; sub(/.*\//, "", w)
	if (w ~ /^(exec|nice|nohup|setsid|timeout|env|xargs|flock|stdbuf|command|time|sudo)$/) {
		wrap[d] = w; warg[d] = 0
	} else if (w ~ /^(sh|bash|dash)$/) shc[d] = 1
}

# Options and operands of a wrapper; 1 when W was one of them, else the
# wrapped command follows (in command position).
function wrapper_arg(d, w, ln,    x) {
	x = wrap[d]
	if (x == "function") { print "F\t" w "\t" ln "\t" file; wrap[d] = ""; return 1 }
	if (warg[d] == 1) { warg[d] = 0; return 1 }	# an option's argument
	if (x == "command" && w ~ /^-[vV]$/) { wrap[d] = "command-v"; return 1 }
	if (x == "command-v") { print "C\t" w "\t" ln "\t" file; wrap[d] = ""; return 1 }
	if (w ~ /^-/) {
		if (x == "nice" && w == "-n") warg[d] = 1
		if (x == "timeout" && w ~ /^(-s|-k|--signal|--kill-after)$/) warg[d] = 1
		if (x == "xargs" && w ~ /^-[nPIdLaEs]$/) warg[d] = 1
		if (x == "flock" && w ~ /^-[wE]$/) warg[d] = 1
		if (x == "env" && w ~ /^-[uCS]$/) warg[d] = 1
		if (x == "time" && w ~ /^-[fo]$/) warg[d] = 1
		if (x == "flock" && w ~ /^-c$/) { wrap[d] = ""; shc[d] = 2 }
		return 1
	}
	if (x == "env" && w ~ /^[A-Za-z_][A-Za-z_0-9]*=/) return 1
	if ((x == "timeout" || x == "flock") && warg[d] != 2) { warg[d] = 2; return 1 }	# duration, lock
	wrap[d] = ""; warg[d] = 0; cmd[d] = 1
	return 0
}

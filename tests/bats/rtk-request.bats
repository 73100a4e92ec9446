#!/usr/bin/env bats
# rtk-filter --request: the tool results inside a whole API request are
# compressed (or become references to identical earlier ones); every other
# byte of the request is left as it came; bad input is refused with exit 65.

load helper
bats_require_minimum_version 1.5.0

CAVEMAN='Answer tersely: technical substance only'

setup() {
	T=$BATS_TEST_TMPDIR
}

# req FORMAT [ARGS...]: compress stdin as a request of FORMAT.
req() {
	local f=$1
	shift
	rtk-filter --request --format "$f" "$@"
}

# A 20000-line repetitive log, the kind any real filter shrinks.
big_log() {
	yes 'INFO worker 7 handled request in 12 ms' | head -n 20000
}

# Skips the test while the text filters are still placeholders.
need_real_filters() {
	big_log >"$T/log"
	[ "$(rtk-filter <"$T/log" | wc -c)" -lt "$(wc -c <"$T/log")" ] ||
		skip "needs a text filter that shrinks a repetitive log (dedup-log)"
}

# 60 distinct lines of text; line 30 replaced by $1 when given.
listing() {
	local w=(alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike
		november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu)
	for i in $(seq 1 60); do
		if [ "$i" = 30 ] && [ -n "${1:-}" ]; then echo "$1"; else
			echo "${w[i % 26]} ${w[(i * 7) % 26]} ${w[(i * 11 + 3) % 26]} and ${w[(i * 3 + 2) % 26]}"
		fi
	done
}

# --- anthropic -----------------------------------------------------------

@test "anthropic: a big repetitive tool result is compressed" {
	need_real_filters
	jq -n --rawfile log "$T/log" '{model:"m",max_tokens:10,messages:[
		{role:"user",content:"run it"},
		{role:"assistant",content:[{type:"tool_use",id:"t1",name:"bash",input:{}}]},
		{role:"user",content:[{type:"tool_result",tool_use_id:"t1",content:$log}]}]}' >"$T/in"
	req anthropic <"$T/in" >"$T/out"
	before=$(jq -r '.messages[2].content[0].content' "$T/in" | wc -c)
	after=$(jq -r '.messages[2].content[0].content' "$T/out" | wc -c)
	[ "$after" -lt "$before" ] || fail "tool result $before -> $after bytes"
	run jq -c '.messages[0:2]' "$T/out"
	assert_output "$(jq -c '.messages[0:2]' "$T/in")"
}

@test "anthropic: a tool result identical to an earlier one becomes a reference to it" {
	listing >"$T/l"
	jq -n --rawfile l "$T/l" '{model:"m",max_tokens:10,messages:[
		{role:"user",content:[{type:"tool_result",tool_use_id:"toolu_A",content:$l}]},
		{role:"assistant",content:"again"},
		{role:"user",content:[{type:"tool_result",tool_use_id:"toolu_B",
			content:[{type:"text",text:$l}]}]}]}' >"$T/in"
	req anthropic <"$T/in" >"$T/out"
	run jq -r '.messages[2].content[0].content[0].text' "$T/out"
	assert_output '[same output as the tool result of call toolu_A above]'
	# the first one is what the text mode makes of it
	jq -j '.messages[0].content[0].content' "$T/out" | cmp - <(rtk-filter <"$T/l")
}

@test "anthropic: a request without tool results comes out byte for byte" {
	printf '%s' '{"model":"claude","max_tokens":1.0,"big":12345678901234567890,"e":1E400,
  "system":[{"type":"text","text":"caf\u00e9 \ud83d\ude00","cache_control":{"type":"ephemeral"}}],
  "messages":[ {"role":"user","content":"hi \"there\""} ,
   {"role":"assistant","content":[{"type":"thinking","thinking":"x","signature":"EqQB/+=="}]}],
  "zz_unknown":{"b":2,"a":1}}' >"$T/in"
	req anthropic <"$T/in" >"$T/out"
	cmp "$T/in" "$T/out"
}

@test "anthropic: error results and images are left alone" {
	listing >"$T/l"
	jq -n --rawfile l "$T/l" '{model:"m",max_tokens:10,messages:[
		{role:"user",content:[{type:"tool_result",tool_use_id:"a",content:$l}]},
		{role:"user",content:[{type:"tool_result",tool_use_id:"b",is_error:true,content:$l},
			{type:"tool_result",tool_use_id:"c",content:[
				{type:"image",source:{type:"base64",media_type:"image/png",data:"iVBOR"}},
				{type:"text",text:$l}]}]}]}' >"$T/in"
	req anthropic <"$T/in" >"$T/out"
	run jq -c '.messages[1].content[0]' "$T/out"
	assert_output "$(jq -c '.messages[1].content[0]' "$T/in")"
	run jq -c '.messages[1].content[1].content[0]' "$T/out"
	assert_output "$(jq -c '.messages[1].content[1].content[0]' "$T/in")"
	run jq -r '.messages[1].content[1].content[1].text' "$T/out"
	assert_output '[same output as the tool result of call a above]'
}

@test "anthropic: --caveman appends to a string system prompt" {
	echo '{"system":"Be careful.","messages":[]}' | req anthropic --caveman >"$T/out"
	run jq -r '.system' "$T/out"
	assert_line --index 0 'Be careful.'
	assert_line --index 1 --partial "$CAVEMAN"
}

@test "anthropic: --caveman adds a block after the existing system blocks" {
	echo '{"system":[{"type":"text","text":"A","cache_control":{"type":"ephemeral"}}],"messages":[]}' |
		req anthropic --caveman >"$T/out"
	run jq -c '.system[0]' "$T/out"
	assert_output '{"type":"text","text":"A","cache_control":{"type":"ephemeral"}}'
	run jq -r '.system[1].type, .system[1].text, (.system | length)' "$T/out"
	assert_line --index 0 text
	assert_line --index 1 --partial "$CAVEMAN"
	assert_line --index 2 2
	# the original bytes up to the end of the last block are kept as they were
	kept='{"system":[{"type":"text","text":"A","cache_control":{"type":"ephemeral"}}'
	head -c "${#kept}" "$T/out" | cmp - <(printf '%s' "$kept")
}

@test "anthropic: --caveman adds a system prompt when there is none, and only once" {
	echo '{"model":"m","messages":[]}' | req anthropic --caveman >"$T/once"
	run jq -r '.system' "$T/once"
	assert_output --partial "$CAVEMAN"
	req anthropic --caveman <"$T/once" | cmp - "$T/once"
}

@test "the terse-answers instruction is off by default" {
	echo '{"system":"S","messages":[]}' | req anthropic >"$T/out"
	run grep -c "$CAVEMAN" "$T/out"
	assert_output 0
}

# --- openai --------------------------------------------------------------

@test "openai: a big repetitive tool message is compressed" {
	need_real_filters
	jq -n --rawfile log "$T/log" '{model:"m",messages:[{role:"user",content:"go"},
		{role:"assistant",content:null,tool_calls:[{id:"c1",type:"function",
			function:{name:"sh",arguments:"{}"}}]},
		{role:"tool",tool_call_id:"c1",content:$log}]}' >"$T/in"
	req openai <"$T/in" >"$T/out"
	[ "$(jq -r '.messages[2].content' "$T/out" | wc -c)" -lt \
	  "$(jq -r '.messages[2].content' "$T/in" | wc -c)" ]
}

@test "openai: a repeated tool message becomes a reference; other messages are untouched" {
	listing >"$T/l"
	jq -n --rawfile l "$T/l" '{model:"m",messages:[
		{role:"user",content:[{type:"text",text:"look"},{type:"image_url",image_url:{url:"data:image/png;base64,iVBOR"}}]},
		{role:"tool",tool_call_id:"call_1",content:$l},
		{role:"assistant",content:"ok"},
		{role:"tool",tool_call_id:"call_2",content:[{type:"text",text:$l}]}]}' >"$T/in"
	req openai <"$T/in" >"$T/out"
	run jq -r '.messages[3].content[0].text' "$T/out"
	assert_output '[same output as the tool result of call call_1 above]'
	run jq -c '.messages[0], .messages[2]' "$T/out"
	assert_output "$(jq -c '.messages[0], .messages[2]' "$T/in")"
	jq -j '.messages[1].content' "$T/out" | cmp - <(rtk-filter <"$T/l")
}

@test "openai: --caveman appends to the first system or developer message" {
	echo '{"messages":[{"role":"user","content":"u"},{"role":"developer","content":"D"},{"role":"system","content":"S"}]}' |
		req openai --caveman >"$T/out"
	run jq -r '.messages[1].content' "$T/out"
	assert_line --index 0 D
	assert_output --partial "$CAVEMAN"
	run jq -r '.messages[2].content' "$T/out"
	assert_output S
}

@test "openai: --caveman inserts a system message at the front when there is none" {
	echo '{"messages":[{"role":"user","content":"u"}]}' | req openai --caveman >"$T/out"
	run jq -r '.messages[0].role, .messages[0].content, .messages[1].content' "$T/out"
	assert_line --index 0 system
	assert_line --index 1 --partial "$CAVEMAN"
	assert_line --index 2 u
}

# --- responses -----------------------------------------------------------

@test "responses: a big repetitive function_call_output is compressed" {
	need_real_filters
	jq -n --rawfile log "$T/log" '{model:"m",input:[
		{type:"function_call",call_id:"c1",name:"sh",arguments:"{}"},
		{type:"function_call_output",call_id:"c1",output:$log}]}' >"$T/in"
	req responses <"$T/in" >"$T/out"
	[ "$(jq -r '.input[1].output' "$T/out" | wc -c)" -lt \
	  "$(jq -r '.input[1].output' "$T/in" | wc -c)" ]
}

@test "responses: a repeated output becomes a reference; images and messages are untouched" {
	listing >"$T/l"
	jq -n --rawfile l "$T/l" '{model:"m",input:[
		{type:"message",role:"user",content:[{type:"input_text",text:$l}]},
		{type:"function_call_output",call_id:"c1",output:$l},
		{type:"function_call_output",call_id:"c2",output:[
			{type:"input_image",image_url:"data:image/png;base64,iVBOR"},
			{type:"input_text",text:$l}]}]}' >"$T/in"
	req responses <"$T/in" >"$T/out"
	run jq -r '.input[2].output[1].text' "$T/out"
	assert_output '[same output as the tool result of call c1 above]'
	run jq -c '.input[0], .input[2].output[0]' "$T/out"
	assert_output "$(jq -c '.input[0], .input[2].output[0]' "$T/in")"
	jq -j '.input[1].output' "$T/out" | cmp - <(rtk-filter <"$T/l")
}

@test "responses: a plain string input is accepted and left as it is" {
	printf '{"model":"m","input":"hello"}' >"$T/in"
	req responses <"$T/in" | cmp - "$T/in"
}

@test "responses: --caveman appends to instructions, or adds them" {
	echo '{"instructions":"I","input":[]}' | req responses --caveman >"$T/out"
	run jq -r '.instructions' "$T/out"
	assert_line --index 0 I
	assert_output --partial "$CAVEMAN"
	echo '{"input":[]}' | req responses --caveman >"$T/out"
	run jq -r '.instructions' "$T/out"
	assert_output --partial "$CAVEMAN"
}

# --- gemini --------------------------------------------------------------

@test "gemini: a big repetitive functionResponse output is compressed" {
	need_real_filters
	jq -n --rawfile log "$T/log" '{contents:[
		{role:"model",parts:[{functionCall:{name:"sh",args:{}}}]},
		{role:"user",parts:[{functionResponse:{name:"sh",response:{output:$log}}}]}]}' >"$T/in"
	req gemini <"$T/in" >"$T/out"
	[ "$(jq -r '.contents[1].parts[0].functionResponse.response.output' "$T/out" | wc -c)" -lt \
	  "$(jq -r '.contents[1].parts[0].functionResponse.response.output' "$T/in" | wc -c)" ]
}

@test "gemini: a repeated response becomes a reference; errors, images and text are untouched" {
	listing >"$T/l"
	jq -n --rawfile l "$T/l" '{contents:[
		{role:"user",parts:[{text:$l},{inlineData:{mimeType:"image/png",data:"iVBOR"}}]},
		{role:"user",parts:[{functionResponse:{name:"sh",id:"g1",response:{output:$l,code:0}}}]},
		{role:"user",parts:[{functionResponse:{name:"sh",response:{error:$l,output:$l}}},
			{functionResponse:{name:"sh",response:{content:$l}}}]}]}' >"$T/in"
	req gemini <"$T/in" >"$T/out"
	run jq -r '.contents[2].parts[1].functionResponse.response.content' "$T/out"
	assert_output '[same output as the tool result of call g1 above]'
	run jq -c '.contents[0], .contents[2].parts[0], .contents[1].parts[0].functionResponse.response.code' "$T/out"
	assert_output "$(jq -c '.contents[0], .contents[2].parts[0], .contents[1].parts[0].functionResponse.response.code' "$T/in")"
	jq -j '.contents[1].parts[0].functionResponse.response.output' "$T/out" | cmp - <(rtk-filter <"$T/l")
}

@test "gemini: a result without an id is referred to by name and position" {
	listing >"$T/l"
	jq -n --rawfile l "$T/l" '{contents:[
		{role:"user",parts:[{functionResponse:{name:"ls",response:{output:$l}}},
			{functionResponse:{name:"ls",response:{output:$l}}}]}]}' >"$T/in"
	req gemini <"$T/in" >"$T/out"
	run jq -r '.contents[0].parts[1].functionResponse.response.output' "$T/out"
	assert_output '[same output as the tool result of call ls #1 above]'
}

@test "gemini: --caveman appends a part to systemInstruction, or adds one" {
	echo '{"systemInstruction":{"parts":[{"text":"S"}]},"contents":[]}' | req gemini --caveman >"$T/out"
	run jq -r '.systemInstruction.parts[0].text, .systemInstruction.parts[1].text' "$T/out"
	assert_line --index 0 S
	assert_line --index 1 --partial "$CAVEMAN"
	echo '{"system_instruction":{"parts":[]},"contents":[]}' | req gemini --caveman >"$T/out"
	run jq -r '.system_instruction.parts[0].text' "$T/out"
	assert_output --partial "$CAVEMAN"
	echo '{"contents":[]}' | req gemini --caveman >"$T/out"
	run jq -r '.systemInstruction.parts[0].text' "$T/out"
	assert_output --partial "$CAVEMAN"
}

# --- across formats ------------------------------------------------------

@test "a tool result that cannot shrink is kept byte for byte" {
	printf '%s' '{"messages":[{"role":"tool","tool_call_id":"c","content":"18\u00b0C \ud83d\ude00 sunny"}]}' >"$T/in"
	req openai <"$T/in" | cmp - "$T/in"
}

@test "an empty tool result is kept as it came" {
	printf '%s' '{"messages":[{"role":"tool","tool_call_id":"a","content":""},{"role":"tool","tool_call_id":"b","content":""}]}' >"$T/in"
	req openai <"$T/in" | cmp - "$T/in"
}

@test "a near-copy of an earlier result becomes a reference plus the changed lines" {
	listing >"$T/a"
	listing 'src/module_30.c:7: error: expected ";" before "}"' >"$T/b"
	jq -n --rawfile a "$T/a" --rawfile b "$T/b" '{messages:[
		{role:"tool",tool_call_id:"c1",content:$a},
		{role:"tool",tool_call_id:"c2",content:$b}]}' >"$T/in"
	req openai <"$T/in" >"$T/out"
	run jq -r '.messages[1].content' "$T/out"
	assert_line --index 0 '[same output as the tool result of call c1 above, except for these lines (unified diff):]'
	assert_line --regexp '^@@ -[0-9]+,[0-9]+ \+[0-9]+,[0-9]+ @@$'
	assert_line '+src/module_30.c:7: error: expected ";" before "}"'
	[ "${#output}" -lt $(($(rtk-filter <"$T/b" | wc -c) / 2)) ]
}

@test "a result unlike the earlier ones is not turned into a reference" {
	listing >"$T/a"
	tac "$T/a" >"$T/b"
	jq -n --rawfile a "$T/a" --rawfile b "$T/b" '{messages:[
		{role:"tool",tool_call_id:"c1",content:$a},
		{role:"tool",tool_call_id:"c2",content:$b}]}' >"$T/in"
	req openai <"$T/in" >"$T/out"
	jq -j '.messages[1].content' "$T/out" | cmp - <(rtk-filter <"$T/b")
}

@test "text in ordinary messages is never replaced by a reference" {
	listing >"$T/l"
	jq -n --rawfile l "$T/l" '{model:"m",max_tokens:9,messages:[
		{role:"user",content:[{type:"tool_result",tool_use_id:"t1",content:$l}]},
		{role:"user",content:$l},
		{role:"user",content:[{type:"text",text:$l}]},
		{role:"assistant",content:[{type:"text",text:$l}]}]}' >"$T/in"
	req anthropic <"$T/in" >"$T/out"
	run jq -c '.messages[1:]' "$T/out"
	assert_output "$(jq -c '.messages[1:]' "$T/in")"
}

@test "custom tool outputs (responses) and legacy function messages (openai) are tool results" {
	listing >"$T/l"
	jq -n --rawfile l "$T/l" '{input:[{type:"custom_tool_call_output",call_id:"p1",output:$l},
		{type:"custom_tool_call_output",call_id:"p2",output:$l}]}' | req responses >"$T/out"
	run jq -r '.input[1].output' "$T/out"
	assert_output '[same output as the tool result of call p1 above]'
	jq -n --rawfile l "$T/l" '{messages:[{role:"function",name:"ls",content:$l},
		{role:"function",name:"ls",content:$l}]}' | req openai >"$T/out"
	run jq -r '.messages[1].content' "$T/out"
	assert_output '[same output as the tool result of call ls above]'
}

@test "a repeat encoded with different escapes is still recognised" {
	printf '%s' '{"messages":[{"role":"tool","tool_call_id":"c1","content":"' >"$T/in"
	for i in $(seq 1 40); do printf 'caf\\u00e9 line %d\\n' "$i"; done >>"$T/in"
	printf '%s' '"},{"role":"tool","tool_call_id":"c2","content":"' >>"$T/in"
	for i in $(seq 1 40); do printf 'café line %d\\n' "$i"; done >>"$T/in"
	printf '"}]}' >>"$T/in"
	req openai <"$T/in" >"$T/out"
	run jq -r '.messages[1].content' "$T/out"
	assert_output '[same output as the tool result of call c1 above]'
}

@test "the same conversation with one more turn compresses to the same prefix bytes" {
	listing >"$T/l"
	listing 'changed line' >"$T/l2"
	jq -n -c --rawfile l "$T/l" --rawfile l2 "$T/l2" '[
		{role:"user",content:"start"},
		{role:"user",content:[{type:"tool_result",tool_use_id:"t1",content:$l}]},
		{role:"user",content:[{type:"tool_result",tool_use_id:"t2",content:$l}]},
		{role:"user",content:[{type:"tool_result",tool_use_id:"t3",content:$l2}]}]' >"$T/msgs"
	jq -n -c --rawfile l "$T/l" '{role:"user",content:[{type:"tool_result",tool_use_id:"t4",content:$l}]}' >"$T/turn"
	printf '{"model":"m","max_tokens":9,"messages":%s}' "$(cat "$T/msgs")" >"$T/in1"
	printf '{"model":"m","max_tokens":9,"messages":%s,%s]}' "$(sed 's/]$//' "$T/msgs")" "$(cat "$T/turn")" >"$T/in2"
	req anthropic --caveman <"$T/in1" >"$T/out1"
	req anthropic --caveman <"$T/in2" >"$T/out2"
	# everything before the closing "]}" of turn one is the start of turn two
	n=$(($(wc -c <"$T/out1") - 2))
	grep -q 'same output as the tool result of call t1' "$T/out1"
	cmp -n "$n" "$T/out1" "$T/out2"
	run jq -r '.messages[4].content[0].content' "$T/out2"
	assert_output '[same output as the tool result of call t1 above]'
}

@test "--stats counts the tool results seen and compressed" {
	# one line no filter can shorten, long enough for a reference to be shorter
	line='Compiled 3 targets in 4.2s; wrote dist/app.js (18 KiB), dist/app.css (2 KiB) and the source maps next to them; no warnings.'
	jq -n --arg l "$line" '{messages:[{role:"tool",tool_call_id:"a",content:$l},
		{role:"tool",tool_call_id:"b",content:$l},{role:"tool",tool_call_id:"c",content:"x"}]}' >"$T/in"
	req openai --stats <"$T/in" >"$T/out" 2>"$T/err"
	run cat "$T/err"
	assert_line 'rtk-filter: tool results=3 compressed=1'
	assert_line --regexp '^rtk-filter: filter=request bytes=[0-9]+->[0-9]+ tokens'
}

@test "invalid JSON is refused with exit 65 and nothing on stdout" {
	for bad in '' '{' '{"messages":[}' '{"messages":[]} x' '{"a":01}' '{"a":"\q"}' \
		"{\"a\":\"$(printf 'tab\there')\"}" 'NaN' '{"a":tru}'; do
		printf '%s' "$bad" >"$T/in"
		run --separate-stderr req openai <"$T/in"
		[ "$status" -eq 65 ] || fail "'$bad' gave exit $status"
		[ -z "$output" ] || fail "'$bad' printed '$output'"
		[[ "$stderr" == *"invalid request: not valid JSON"* ]] || fail "'$bad': stderr '$stderr'"
	done
}

@test "JSON of the wrong shape is refused with exit 65 and nothing on stdout" {
	for fmt_bad in 'openai:[]' 'openai:{"model":"m"}' 'anthropic:{"messages":{}}' \
		'responses:{"input":3}' 'gemini:{"messages":[]}' 'openai:"text"'; do
		printf '%s' "${fmt_bad#*:}" >"$T/in"
		run --separate-stderr req "${fmt_bad%%:*}" <"$T/in"
		[ "$status" -eq 65 ] || fail "$fmt_bad gave exit $status"
		[ -z "$output" ] || fail "$fmt_bad printed '$output'"
		[[ "$stderr" == *"invalid request: "* ]] || fail "$fmt_bad: stderr '$stderr'"
	done
	run --separate-stderr req gemini <<<'{"messages":[]}'
	[[ "$stderr" == *'needs a "contents" array'* ]]
}

@test "a system prompt of an impossible shape with --caveman is refused with exit 65" {
	run --separate-stderr req anthropic --caveman <<<'{"system":42,"messages":[]}'
	[ "$status" -eq 65 ]
	[ -z "$output" ]
	[[ "$stderr" == *'"system" is neither a string nor an array'* ]]
}

@test "nesting deeper than the limit is refused without a crash" {
	head -c 100000 /dev/zero | tr '\0' '[' >"$T/in"
	run --separate-stderr req openai <"$T/in"
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"nested too deeply"* ]]
}

@test "a 20 MB request with repeated large results is handled and shrinks" {
	big_log >"$T/log"
	jq -n -c --rawfile log "$T/log" '{model:"m",messages:[range(0;27) as $i |
		{role:"tool",tool_call_id:"c\($i)",content:$log}]}' >"$T/in"
	[ "$(wc -c <"$T/in")" -gt 20000000 ]
	req openai --stats <"$T/in" >"$T/out" 2>"$T/err"
	run jq -r '.messages | length' "$T/out"
	assert_output 27
	run jq -r '.messages[26].content' "$T/out"
	assert_output '[same output as the tool result of call c0 above]'
	[ "$(wc -c <"$T/out")" -lt 1000000 ]
	grep -q 'tool results=27' "$T/err"
}

@test "a 20 MB request needs memory of a small multiple of its size" {
	[ -x /usr/bin/time ] || skip "needs /usr/bin/time"
	std_only "RSS is not meaningful under ASan"
	big_log >"$T/log"
	# distinct results (each ends differently), so none is a plain repeat
	jq -n -c --rawfile log "$T/log" '{model:"m",messages:[range(0;27) as $i |
		{role:"tool",tool_call_id:"c\($i)",content:($log + "run \($i)\n")}]}' >"$T/in"
	/usr/bin/time -f '%M' -o "$T/rss" rtk-filter --request --format openai <"$T/in" >"$T/out"
	size_kib=$(($(wc -c <"$T/in") / 1024))
	rss=$(cat "$T/rss")
	[ "$rss" -lt $((size_kib * 4)) ] || fail "peak RSS ${rss} KiB for a ${size_kib} KiB request"
	run jq -r '.messages | length' "$T/out"
	assert_output 27
	[ "$(wc -c <"$T/out")" -lt "$(wc -c <"$T/in")" ]
}

@test "--facts: the savings and caveman mode before the request as header lines and a blank line, the request bytes as without it" {
	local log
	log=$(big_log | head -n 300 | jq -Rs .)
	printf '{"model":"m","messages":[{"role":"tool","tool_call_id":"c","content":%s}]}' "$log" >"$T/in"
	req openai <"$T/in" >"$T/plain"
	req openai --facts <"$T/in" >"$T/facts"
	run sed -n '1,4p' "$T/facts"
	assert_line --index 0 --regexp '^Nr-Rtk-Saved-Bytes: [0-9]+$'
	assert_line --index 1 --regexp '^Nr-Rtk-Saved-Tokens: [0-9]+$'
	assert_line --index 2 'Nr-Rtk-Caveman: 0'
	assert_line --index 3 ''
	local bytes tokens
	bytes=$(sed -n 's/^Nr-Rtk-Saved-Bytes: //p' "$T/facts")
	tokens=$(sed -n 's/^Nr-Rtk-Saved-Tokens: //p' "$T/facts")
	[ "$bytes" -gt 5000 ] && [ "$tokens" = $(((bytes + 3) / 4)) ] || fail "bytes $bytes tokens $tokens"
	tail -n +5 "$T/facts" | cmp - "$T/plain"
	# nothing saved is still said: 0
	echo '{"model":"m","messages":[]}' | req openai --facts >"$T/none"
	[ "$(head -3 "$T/none" | tr '\n' ' ')" = 'Nr-Rtk-Saved-Bytes: 0 Nr-Rtk-Saved-Tokens: 0 Nr-Rtk-Caveman: 0 ' ]
	# caveman mode, by flag or by nr-serve's knob, is said as 1; the savings are the tool results' alone
	req openai --facts --caveman <"$T/in" >"$T/cave"
	NR_CAVEMAN=on req openai --facts <"$T/in" | cmp - "$T/cave"
	[ "$(head -4 "$T/cave" | tr '\n' ' ')" = "Nr-Rtk-Saved-Bytes: $bytes Nr-Rtk-Saved-Tokens: $tokens Nr-Rtk-Caveman: 1  " ] ||
		fail "$(head -4 "$T/cave")"
	tail -n +5 "$T/cave" | grep -q "$CAVEMAN" || fail "no caveman instruction"
}

@test "in a pipeline: NR_FORMAT stands for --format, NR_RTK=off keeps the results, NR_CAVEMAN=on is --caveman" {
	printf '{"model":"m","messages":[{"role":"tool","tool_call_id":"c","content":%s}]}' "$(big_log | head -n 300 | jq -Rs .)" >"$T/in"
	NR_FORMAT=openai rtk-filter --request <"$T/in" >"$T/env"
	req openai <"$T/in" | cmp - "$T/env"
	NR_FORMAT=openai NR_RTK=off rtk-filter --request <"$T/in" | cmp - "$T/in"
	NR_FORMAT=openai NR_RTK=off NR_CAVEMAN=on rtk-filter --request <"$T/in" >"$T/cave"
	grep -q "$CAVEMAN" "$T/cave" || fail "no caveman instruction: $(head -c 300 "$T/cave")"
	NR_FORMAT=gemini rtk-filter --request --format openai <"$T/in" | cmp - "$T/env"
	run rtk-filter --request <"$T/in"
	assert_failure 100
	assert_output --partial 'needs --format (or NR_FORMAT)'
	NR_FORMAT=cobol run rtk-filter --request <"$T/in"
	assert_failure 100
	assert_output --partial "unknown format 'cobol' in NR_FORMAT"
	run rtk-filter --facts </dev/null
	assert_failure 100
	assert_output --partial 'go with --request'
}

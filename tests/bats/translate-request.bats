#!/usr/bin/env bats
# nr-translate --request: every mapping of PROTOCOLS.md §5 through the CLI,
# bad input, and round trips A→B→A over the fixture requests.

load helper

FIX=$ROOT/tests/fixtures/requests

# req FROM TO [MODEL] < body: the translated request
req() {
	nr-translate --request --from "$1" --to "$2" ${3:+--model "$3"}
}

@test "the same format on both sides passes the request through untouched" {
	body='{"model":"m","max_tokens":10,"x_unknown":{"a":1},"system":[{"type":"text","text":"s","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":"hi"}]}'
	for f in openai anthropic responses gemini; do
		run req $f $f <<<"$body"
		assert_success
		[ "$(jq -S . <<<"$output")" = "$(jq -S . <<<"$body")" ] || fail "$f changed the body"
	done
}

@test "the same format on both sides is a byte pass-through: 1.0, 1e2, -0, big integers and escapes as written" {
	printf '{"model":"m", "temperature":1.0,"top_p":1e0,"seed":12345678901234567890,"x":[-0,1E+2,0.1000000000000000055511151231257827],\n"messages":[{"role":"user","content":"caf\\u00e9 \\/"}]}\n' >"$BATS_TEST_TMPDIR/in"
	for f in openai anthropic responses gemini; do
		req $f $f <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out" || fail "$f: exit $?"
		cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out" || fail "$f changed the bytes"
	done
}

@test "unknown fields are dropped, not invented, when translating" {
	run req openai anthropic <<<'{"model":"m","x_vendor":1,"logit_bias":{"1":2},"messages":[{"role":"user","content":"hi","x_name":"n"}]}'
	assert_success
	[ "$(jq -c 'keys' <<<"$output")" = '["max_tokens","messages","model"]' ]
	[ "$(jq -c '.messages' <<<"$output")" = '[{"role":"user","content":[{"type":"text","text":"hi"}]}]' ]
}

@test "openai system and developer messages become anthropic system, gemini systemInstruction and responses instructions" {
	body='{"model":"m","messages":[{"role":"system","content":"A"},{"role":"developer","content":[{"type":"text","text":"B"}]},{"role":"user","content":"hi"}]}'
	run req openai anthropic <<<"$body"
	[ "$(jq -c .system <<<"$output")" = '[{"type":"text","text":"A"},{"type":"text","text":"B"}]' ]
	[ "$(jq '.messages | length' <<<"$output")" = 1 ]
	run req openai gemini <<<"$body"
	[ "$(jq -c .systemInstruction <<<"$output")" = '{"parts":[{"text":"A"},{"text":"B"}]}' ]
	run req openai responses <<<"$body"
	[ "$(jq -r .instructions <<<"$output")" = $'A\n\nB' ]
}

@test "anthropic system blocks become one openai system message, never developer" {
	run req anthropic openai <<<'{"model":"m","max_tokens":5,"system":[{"type":"text","text":"A","cache_control":{"type":"ephemeral"}},{"type":"text","text":"B"}],"messages":[{"role":"user","content":"hi"}]}'
	assert_success
	[ "$(jq -c '.messages[0]' <<<"$output")" = '{"role":"system","content":"A\n\nB"}' ]
	refute_output --partial developer
	refute_output --partial cache_control
}

@test "responses instructions and developer items and gemini system_instruction become system prompts" {
	run req responses anthropic <<<'{"model":"m","instructions":"I","input":[{"role":"developer","content":"D"},{"role":"user","content":"hi"}]}'
	[ "$(jq -c .system <<<"$output")" = '[{"type":"text","text":"I"},{"type":"text","text":"D"}]' ]
	run req gemini openai g <<<'{"system_instruction":{"parts":[{"text":"S"}]},"contents":[{"parts":[{"text":"hi"}]}]}'
	[ "$(jq -c '.messages' <<<"$output")" = '[{"role":"system","content":"S"},{"role":"user","content":"hi"}]' ]
}

@test "consecutive same-role turns are merged for anthropic and gemini" {
	body='{"model":"m","messages":[{"role":"user","content":"a"},{"role":"user","content":"b"},{"role":"assistant","content":"c"},{"role":"assistant","content":"d"}]}'
	run req openai anthropic <<<"$body"
	[ "$(jq -c '[.messages[] | [.role, (.content | map(.text))]]' <<<"$output")" = '[["user",["a","b"]],["assistant",["c","d"]]]' ]
	run req openai gemini <<<"$body"
	[ "$(jq -c '[.contents[] | [.role, (.parts | map(.text))]]' <<<"$output")" = '[["user",["a","b"]],["model",["c","d"]]]' ]
}

@test "parallel tool results become one anthropic user turn that starts with the results" {
	run req openai anthropic <$FIX/openai.json
	assert_success
	[ "$(jq -c '.messages[2].content | map(.type)' <<<"$output")" = '["tool_result","tool_result"]' ]
	[ "$(jq -c '[.messages[2].content[].tool_use_id]' <<<"$output")" = '["call_1","call_2"]' ]
	[ "$(jq -c '[.messages[1].content[] | select(.type == "tool_use") | .input.city]' <<<"$output")" = '["Paris","Rome"]' ]
}

@test "anthropic results with text after them become one openai tool message each, then the user text" {
	run req anthropic openai <$FIX/anthropic.json
	assert_success
	[ "$(jq -c '[.messages[3:][] | [.role, .tool_call_id // .content]]' <<<"$output")" = '[["tool","toolu_01"],["tool","toolu_02"],["user","What do they do?"]]' ]
	[ "$(jq -r '.messages[4].content' <<<"$output")" = 'void util(void) {}' ]
	[ "$(jq -r '.messages[2].tool_calls[1].function.arguments' <<<"$output")" = '{"path":"util.c"}' ]
}

@test "a tool message followed by a user message merge into one gemini user content, responses first" {
	run req openai gemini <<<'{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c1","content":"r"},{"role":"user","content":"more"}]}'
	assert_success
	[ "$(jq -c '.contents[2]' <<<"$output")" = '{"role":"user","parts":[{"functionResponse":{"name":"f","response":{"output":"r"}}},{"text":"more"}]}' ]
}

@test "images map between data URLs, base64 source blocks and inlineData without re-encoding" {
	run req openai anthropic <<<'{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,AAAA"}},{"type":"image_url","image_url":{"url":"https://x.test/a.png"}}]}]}'
	[ "$(jq -c '.messages[0].content' <<<"$output")" = '[{"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"AAAA"}},{"type":"image","source":{"type":"url","url":"https://x.test/a.png"}}]' ]
	run req anthropic gemini <<<'{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"BBBB"}}]}]}'
	[ "$(jq -c '.contents[0].parts' <<<"$output")" = '[{"inlineData":{"mimeType":"image/png","data":"BBBB"}}]' ]
	run req gemini responses g <<<'{"contents":[{"role":"user","parts":[{"inline_data":{"mime_type":"image/webp","data":"CCCC"}}]}]}'
	[ "$(jq -c '.input[0].content' <<<"$output")" = '[{"type":"input_image","image_url":"data:image/webp;base64,CCCC"}]' ]
}

@test "tool schemas for gemini drop keys outside its subset and keep the rest" {
	run req openai gemini <<<'{"messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","description":"d","parameters":{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","additionalProperties":false,"properties":{"a":{"type":["string","null"],"format":"uri"},"b":{"const":"x"},"c":{"type":"array","items":{"type":"object","additionalProperties":{"type":"string"},"properties":{"d":{"type":"integer","enum":[1,2]}}}}},"required":["a","zz"]}}},{"type":"function","function":{"name":"g","parameters":{"type":"object","properties":{}}}}]}'
	assert_success
	refute_output --partial additionalProperties
	refute_output --partial '$schema'
	refute_output --partial '"format"'
	d=$(jq -c '.tools[0].functionDeclarations' <<<"$output")
	[ "$(jq -c '.[0].parameters.properties.a' <<<"$d")" = '{"nullable":true,"type":"string"}' ]
	[ "$(jq -c '.[0].parameters.properties.b' <<<"$d")" = '{"enum":["x"]}' ]
	[ "$(jq -c '.[0].parameters.properties.c.items.properties.d' <<<"$d")" = '{"type":"integer"}' ]
	[ "$(jq -c '.[0].parameters.required' <<<"$d")" = '["a"]' ]
	[ "$(jq -c '.[1]' <<<"$d")" = '{"name":"g"}' ]
}

@test "gemini OpenAPI schemas become JSON Schema for the other formats" {
	run req gemini anthropic g <<<'{"contents":[{"parts":[{"text":"x"}]}],"tools":[{"functionDeclarations":[{"name":"f","parameters":{"type":"OBJECT","properties":{"a":{"type":"STRING","nullable":true}}}}]},{"googleSearch":{}}]}'
	assert_success
	[ "$(jq -c '.tools' <<<"$output")" = '[{"name":"f","input_schema":{"type":"object","properties":{"a":{"type":["string","null"]}}}}]' ]
}

@test "tool_choice maps auto, none, required and a named tool in every format" {
	tools='"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"x":{"type":"string"}}}}}]'
	for c in '"auto"' '"none"' '"required"' '{"type":"function","function":{"name":"f"}}'; do
		b="{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],$tools,\"tool_choice\":$c}"
		a=$(req openai anthropic <<<"$b" | jq -c .tool_choice)
		g=$(req openai gemini <<<"$b" | jq -c .toolConfig.functionCallingConfig)
		r=$(req openai responses <<<"$b" | jq -c .tool_choice)
		echo "$c → $a $g $r" >>"$BATS_TEST_TMPDIR/got"
	done
	run cat "$BATS_TEST_TMPDIR/got"
	assert_line '"auto" → {"type":"auto"} {"mode":"AUTO"} "auto"'
	assert_line '"none" → {"type":"none"} {"mode":"NONE"} "none"'
	assert_line '"required" → {"type":"any"} {"mode":"ANY"} "required"'
	assert_line '{"type":"function","function":{"name":"f"}} → {"type":"tool","name":"f"} {"mode":"ANY","allowedFunctionNames":["f"]} {"type":"function","name":"f"}'
}

@test "tool_choice is left out when there are no tools" {
	run req openai anthropic <<<'{"messages":[{"role":"user","content":"x"}],"tool_choice":"required","parallel_tool_calls":false}'
	assert_success
	[ "$(jq 'has("tool_choice")' <<<"$output")" = false ]
}

@test "parallel_tool_calls false and disable_parallel_tool_use map both ways" {
	run req openai anthropic <<<'{"messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}}],"parallel_tool_calls":false}'
	[ "$(jq -c .tool_choice <<<"$output")" = '{"type":"auto","disable_parallel_tool_use":true}' ]
	run req anthropic responses <<<'{"model":"m","max_tokens":9,"messages":[{"role":"user","content":"x"}],"tools":[{"name":"f","input_schema":{"type":"object"}}],"tool_choice":{"type":"any","disable_parallel_tool_use":true}}'
	[ "$(jq -c '[.tool_choice, .parallel_tool_calls]' <<<"$output")" = '["required",false]' ]
}

@test "gemini calls without ids get stable ids and results are matched by name and order" {
	body='{"contents":[{"role":"user","parts":[{"text":"q"}]},{"role":"model","parts":[{"functionCall":{"name":"a","args":{"n":1}}},{"functionCall":{"name":"b","args":{}}},{"functionCall":{"name":"a","args":{"n":2}}}]},{"role":"user","parts":[{"functionResponse":{"name":"b","response":{"output":"B"}}},{"functionResponse":{"name":"a","response":{"output":"A1"}}},{"functionResponse":{"name":"a","response":{"output":"A2"}}}]}]}'
	run req gemini openai g <<<"$body"
	assert_success
	calls=$(jq -c '[.messages[1].tool_calls[] | [.id, .function.name, .function.arguments]]' <<<"$output")
	[ "$calls" = '[["call_1_0","a","{\"n\":1}"],["call_1_1","b","{}"],["call_1_2","a","{\"n\":2}"]]' ]
	results=$(jq -c '[.messages[2:][] | [.tool_call_id, .content]]' <<<"$output")
	[ "$results" = '[["call_1_1","B"],["call_1_0","A1"],["call_1_2","A2"]]' ]
	again=$(req gemini openai g <<<"$body" | jq -c '[.messages[1].tool_calls[].id]')
	[ "$again" = '["call_1_0","call_1_1","call_1_2"]' ]
}

@test "results going to gemini are named after their calls, and ids are left out" {
	run req anthropic gemini <$FIX/anthropic.json
	assert_success
	[ "$(jq -c '[.contents[2].parts[0:2][].functionResponse.name]' <<<"$output")" = '["read_file","read_file"]' ]
	refute_output --partial '"id"'
	run req openai gemini <<<'{"messages":[{"role":"tool","tool_call_id":"nope","content":"r"}]}'
	assert_failure 65
	assert_output --partial "answers no tool call"
}

@test "tool ids anthropic would refuse are encoded reversibly, the same for calls and results" {
	body='{"messages":[{"role":"user","content":"q"},{"role":"assistant","tool_calls":[{"id":"functions.Bash:0","type":"function","function":{"name":"Bash","arguments":""}}]},{"role":"tool","tool_call_id":"functions.Bash:0","content":"ok"}]}'
	run req openai anthropic <<<"$body"
	assert_success
	use=$(jq -r '.messages[1].content[0].id' <<<"$output")
	res=$(jq -r '.messages[2].content[0].tool_use_id' <<<"$output")
	[[ $use =~ ^[a-zA-Z0-9_-]+$ ]] || fail "illegal id $use"
	[ "$use" = "$res" ]
	[ "$(jq -c '.messages[1].content[0].input' <<<"$output")" = '{}' ]
	back=$(req anthropic openai <<<"$output" | jq -r '.messages[1].tool_calls[0].id')
	[ "$back" = "functions.Bash:0" ]
}

@test "error tool results keep their error: gemini response.error, anthropic is_error, openai an Error prefix" {
	body='{"model":"m","max_tokens":9,"messages":[{"role":"user","content":"q"},{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"f","input":{}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","is_error":true,"content":"boom"}]}]}'
	run req anthropic gemini <<<"$body"
	[ "$(jq -c '.contents[2].parts[0].functionResponse.response' <<<"$output")" = '{"error":"boom"}' ]
	run req gemini anthropic m <<<"$output"
	[ "$(jq -c '.messages[2].content[0] | [.is_error, .content]' <<<"$output")" = '[true,"boom"]' ]
	run req anthropic openai <<<"$body"
	[ "$(jq -r '.messages[2].content' <<<"$output")" = 'Error: boom' ]
	run req anthropic responses <<<"$body"
	[ "$(jq -r '.input[2].output' <<<"$output")" = 'Error: boom' ]
}

@test "anthropic tool_result images go to openai as a user message after the tool message" {
	run req anthropic openai <<<'{"model":"m","max_tokens":9,"messages":[{"role":"user","content":"q"},{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"shot","input":{}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"here"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"QQ=="}}]}]}]}'
	assert_success
	[ "$(jq -c '.messages[2]' <<<"$output")" = '{"role":"tool","tool_call_id":"t1","content":"here"}' ]
	[ "$(jq -c '.messages[3]' <<<"$output")" = '{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,QQ=="}}]}' ]
}

@test "signed thinking is dropped cleanly where the target cannot carry it" {
	body='{"model":"m","max_tokens":4000,"messages":[{"role":"user","content":"q"},{"role":"assistant","content":[{"type":"thinking","thinking":"hmm","signature":"EqQB"},{"type":"redacted_thinking","data":"xyz"},{"type":"text","text":"a"}]},{"role":"user","content":"r"}]}'
	for t in openai responses gemini; do
		run req anthropic $t <<<"$body"
		assert_success
		refute_output --partial EqQB
		refute_output --partial hmm
		refute_output --partial xyz
		jq -e . <<<"$output" >/dev/null
	done
	run req anthropic openai <<<"$body"
	[ "$(jq -c '.messages[1]' <<<"$output")" = '{"role":"assistant","content":"a"}' ]
}

@test "gemini thought signatures tunnelled through anthropic go back onto the gemini part" {
	run req anthropic gemini <<<'{"model":"m","max_tokens":9,"messages":[{"role":"user","content":"q"},{"role":"assistant","content":[{"type":"thinking","thinking":"","signature":"nr-sig:gemini:CiQB"},{"type":"tool_use","id":"t1","name":"f","input":{"a":1}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"ok"}]}]}'
	assert_success
	[ "$(jq -c '.contents[1].parts' <<<"$output")" = '[{"functionCall":{"name":"f","args":{"a":1}},"thoughtSignature":"CiQB"}]' ]
}

@test "gemini signatures never reach anthropic, and thinking stays off without a signed last turn" {
	run req gemini anthropic m <<<'{"contents":[{"role":"user","parts":[{"text":"q"}]},{"role":"model","parts":[{"text":"think","thought":true,"thoughtSignature":"S1"},{"functionCall":{"name":"f","args":{}},"thoughtSignature":"S2"}]},{"role":"user","parts":[{"functionResponse":{"name":"f","response":{"output":"ok"}}}]}],"generationConfig":{"thinkingConfig":{"thinkingBudget":2048,"includeThoughts":true}}}'
	assert_success
	refute_output --partial S1
	refute_output --partial S2
	refute_output --partial thinking
	[ "$(jq -c '.messages[1].content | map(.type)' <<<"$output")" = '["tool_use"]' ]
}

@test "responses reasoning items go back to responses only, with their id" {
	body='{"model":"m","input":[{"role":"user","content":"q"},{"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"s"}],"encrypted_content":"gAAA"},{"type":"function_call","call_id":"c1","name":"f","arguments":"{}"},{"type":"function_call_output","call_id":"c1","output":"ok"}]}'
	run req responses anthropic <<<"$body"
	assert_success
	refute_output --partial gAAA
	run req responses openai <<<"$body"
	refute_output --partial gAAA
	[ "$(jq -c '.messages[1].tool_calls[0].id' <<<"$output")" = '"c1"' ]
}

@test "max tokens map between the four names, and anthropic gets 8192 when none is given" {
	run req openai anthropic <<<'{"messages":[{"role":"user","content":"x"}]}'
	[ "$(jq .max_tokens <<<"$output")" = 8192 ]
	run req openai responses <<<'{"max_tokens":77,"messages":[{"role":"user","content":"x"}]}'
	[ "$(jq .max_output_tokens <<<"$output")" = 77 ]
	run req responses gemini <<<'{"max_output_tokens":55,"input":"x"}'
	[ "$(jq .generationConfig.maxOutputTokens <<<"$output")" = 55 ]
	run req gemini openai g <<<'{"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"maxOutputTokens":33}}'
	[ "$(jq -c '[.max_completion_tokens, has("max_tokens")]' <<<"$output")" = '[33,false]' ]
}

@test "temperature, top_p and stop sequences map, temperature is clamped for anthropic and stop dropped for responses" {
	body='{"messages":[{"role":"user","content":"x"}],"temperature":1.5,"top_p":0.8,"stop":"END"}'
	run req openai anthropic <<<"$body"
	[ "$(jq -c '[.temperature, .top_p, .stop_sequences]' <<<"$output")" = '[1,0.8,["END"]]' ]
	run req openai gemini <<<"$body"
	[ "$(jq -c '.generationConfig | [.temperature, .topP, .stopSequences]' <<<"$output")" = '[1.5,0.8,["END"]]' ]
	run req openai responses <<<"$body"
	[ "$(jq -c '[.temperature, .top_p, has("stop")]' <<<"$output")" = '[1.5,0.8,false]' ]
}

@test "reasoning effort becomes a thinking budget below max_tokens, and budgets become efforts" {
	run req openai anthropic <<<'{"max_completion_tokens":4000,"temperature":0.3,"reasoning_effort":"high","messages":[{"role":"user","content":"x"}]}'
	[ "$(jq -c '[.thinking, has("temperature")]' <<<"$output")" = '[{"type":"enabled","budget_tokens":3999},false]' ]
	run req openai gemini <<<'{"reasoning_effort":"medium","messages":[{"role":"user","content":"x"}]}'
	[ "$(jq -c '.generationConfig.thinkingConfig' <<<"$output")" = '{"thinkingBudget":8192}' ]
	run req anthropic openai <<<'{"model":"m","max_tokens":20000,"thinking":{"type":"enabled","budget_tokens":3000},"messages":[{"role":"user","content":"x"}]}'
	[ "$(jq -r .reasoning_effort <<<"$output")" = low ]
	run req anthropic responses <<<'{"model":"m","max_tokens":20000,"thinking":{"type":"enabled","budget_tokens":16000},"messages":[{"role":"user","content":"x"}]}'
	[ "$(jq -c .reasoning <<<"$output")" = '{"effort":"high","summary":"auto"}' ]
	run req anthropic gemini <<<'{"model":"m","max_tokens":20000,"thinking":{"type":"enabled","budget_tokens":3000},"messages":[{"role":"user","content":"x"}]}'
	[ "$(jq -c '.generationConfig.thinkingConfig' <<<"$output")" = '{"thinkingBudget":3000,"includeThoughts":true}' ]
}

@test "thinking stays off for anthropic when the tool choice is forced" {
	run req openai anthropic <<<'{"reasoning_effort":"low","tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"required","messages":[{"role":"user","content":"x"}]}'
	assert_success
	[ "$(jq -c '[has("thinking"), .tool_choice]' <<<"$output")" = '[false,{"type":"any"}]' ]
}

@test "a streamed request to openai asks for usage, a non-streamed one does not" {
	run req anthropic openai <<<'{"model":"m","max_tokens":9,"stream":true,"messages":[{"role":"user","content":"x"}]}'
	[ "$(jq -c '[.stream, .stream_options]' <<<"$output")" = '[true,{"include_usage":true}]' ]
	run req anthropic openai <<<'{"model":"m","max_tokens":9,"stream":false,"messages":[{"role":"user","content":"x"}]}'
	[ "$(jq -c '[has("stream"), has("stream_options")]' <<<"$output")" = '[false,false]' ]
}

@test "gemini bodies carry no model or stream, and a gemini source takes the model from --model" {
	run req openai gemini <<<'{"model":"gemini-2.5-pro","stream":true,"messages":[{"role":"user","content":"x"}]}'
	[ "$(jq -c '[has("model"), has("stream")]' <<<"$output")" = '[false,false]' ]
	run req gemini anthropic models/claude-x <<<'{"contents":[{"parts":[{"text":"x"}]}]}'
	[ "$(jq -r .model <<<"$output")" = claude-x ]
}

@test "user ids map to anthropic metadata and back" {
	run req openai anthropic <<<'{"user":"u1","messages":[{"role":"user","content":"x"}]}'
	[ "$(jq -c .metadata <<<"$output")" = '{"user_id":"u1"}' ]
	run req anthropic responses <<<"$output"
	[ "$(jq -r .user <<<"$output")" = u1 ]
}

@test "responses custom tools and calls become a function with one input string" {
	run req responses anthropic <<<'{"model":"m","tools":[{"type":"custom","name":"apply_patch","description":"p"},{"type":"web_search"}],"input":[{"role":"user","content":"x"},{"type":"custom_tool_call","call_id":"c1","name":"apply_patch","input":"*** Begin"},{"type":"custom_tool_call_output","call_id":"c1","output":"done"}]}'
	assert_success
	[ "$(jq -c '[.tools[] | [.name, .input_schema.properties.input.type]]' <<<"$output")" = '[["apply_patch","string"]]' ]
	[ "$(jq -c '.messages[1].content[0].input' <<<"$output")" = '{"input":"*** Begin"}' ]
}

@test "a request without messages, contents or input is refused with a clear message" {
	run req openai anthropic <<<'{"model":"m"}'
	assert_failure 65
	assert_output --partial "needs messages"
	run req anthropic openai <<<'{"model":"m","max_tokens":1}'
	assert_failure 65
	assert_output --partial "needs messages"
	run req responses openai <<<'{"model":"m"}'
	assert_failure 65
	assert_output --partial "needs input"
	run req gemini openai <<<'{}'
	assert_failure 65
	assert_output --partial "needs contents"
}

@test "wrong types give a clear error, never a crash" {
	for case in 'openai|{"messages":"hi"}|messages must be an array' \
		    'openai|{"messages":[{"role":"user","content":5}]}|content must be a string or an array' \
		    'openai|{"messages":[7]}|must be an object with a role' \
		    'openai|{"messages":[{"role":"assistant","tool_calls":{}}]}|tool_calls must be an array' \
		    'openai|{"messages":[{"role":"user","content":"x"}],"temperature":"hot"}|temperature must be a number' \
		    'openai|{"messages":[{"role":"wizard","content":"x"}]}|unknown role' \
		    'anthropic|{"messages":[{"role":"user","content":[{"type":"tool_use","id":1}]}]}|tool_use needs' \
		    'anthropic|{"messages":[{"role":"user","content":[3]}]}|must be an object with a type' \
		    'anthropic|{"system":4,"messages":[]}|system must be' \
		    'responses|{"input":[1]}|must be an object' \
		    'responses|{"input":7}|input must be a string or an array' \
		    'gemini|{"contents":[{"parts":"x"}]}|parts array' \
		    'gemini|{"contents":[{"parts":[{"functionCall":{"name":"f","args":"x"}}]}]}|object args' \
		    '"[1,2]"|[1,2]|must be a JSON object'; do
		IFS='|' read -r from body msg <<<"$case"
		[ "$from" = '"[1,2]"' ] && from=anthropic
		# (openai to openai is a pass-through: to anthropic instead; that
		# run's outcome was the only one checked)
		if [ "$from" = openai ]; then run req openai anthropic <<<"$body"; else run req "$from" openai <<<"$body"; fi
		[ "$status" -eq 65 ] || fail "$from $body: exit $status ($output)"
		[[ $output == *"$msg"* ]] || fail "$from $body: '$output' lacks '$msg'"
	done
}

@test "tool call arguments that are not a JSON object are refused for anthropic" {
	run req openai anthropic <<<'{"messages":[{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"[1"}}]}]}'
	assert_failure 65
	assert_output --partial "arguments of tool call 'f' are not a JSON object"
}

@test "state other formats cannot carry is refused: previous_response_id, several choices" {
	run req responses openai <<<'{"input":"x","previous_response_id":"resp_1"}'
	assert_failure 65
	assert_output --partial previous_response_id
	run req openai anthropic <<<'{"n":2,"messages":[{"role":"user","content":"x"}]}'
	assert_failure 65
	assert_output --partial "n > 1"
}

@test "invalid JSON is refused with exit 65" {
	run req openai anthropic <<<'{"messages":['
	assert_failure 65
	assert_output --partial "invalid JSON"
}

# round trips: A→B→A means the same as A, where B can carry all of A
round_trip() {
	local a=$1 b=$2 f
	for f in "$FIX/$a"*.json; do
		local model
		model=$(jq -r '.model // "gemini-2.5-flash"' "$f")
		req "$a" "$b" "$model" <"$f" >"$BATS_TEST_TMPDIR/b.json" || fail "$a→$b failed on $f"
		req "$b" "$a" "$model" <"$BATS_TEST_TMPDIR/b.json" >"$BATS_TEST_TMPDIR/a.json" ||
			fail "$b→$a failed on $f"
		jq -S --arg fmt "$a" --arg via "$b" -f "$ROOT/tests/bats/request-meaning.jq" "$f" >"$BATS_TEST_TMPDIR/want"
		jq -S --arg fmt "$a" --arg via "$b" -f "$ROOT/tests/bats/request-meaning.jq" "$BATS_TEST_TMPDIR/a.json" >"$BATS_TEST_TMPDIR/got"
		# the comparison has substance: a tool call, a result and an image
		grep -Eq 'functionResponse|tool_result|"tool"|function_call_output' "$BATS_TEST_TMPDIR/want" ||
			fail "no tool result in $f"
		grep -q 'iVBOR' "$BATS_TEST_TMPDIR/want" || fail "no image in $f"
		diff -u "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got" || fail "$a→$b→$a changed $f"
	done
}

@test "round trip openai→anthropic→openai keeps the meaning" { round_trip openai anthropic; }
@test "round trip openai→responses→openai keeps the meaning" { round_trip openai responses; }
@test "round trip openai→gemini→openai keeps the meaning" { round_trip openai gemini; }
@test "round trip anthropic→openai→anthropic keeps the meaning" { round_trip anthropic openai; }
@test "round trip anthropic→responses→anthropic keeps the meaning" { round_trip anthropic responses; }
@test "round trip anthropic→gemini→anthropic keeps the meaning" { round_trip anthropic gemini; }
@test "round trip responses→openai→responses keeps the meaning" { round_trip responses openai; }
@test "round trip responses→anthropic→responses keeps the meaning" { round_trip responses anthropic; }
@test "round trip responses→gemini→responses keeps the meaning" { round_trip responses gemini; }
@test "round trip gemini→openai→gemini keeps the meaning" { round_trip gemini openai; }
@test "round trip gemini→anthropic→gemini keeps the meaning" { round_trip gemini anthropic; }
@test "round trip gemini→responses→gemini keeps the meaning" { round_trip gemini responses; }

@test "a round trip that loses a tool result is caught by the meaning comparison" {
	jq 'del(.messages[4])' "$FIX/openai.json" >"$BATS_TEST_TMPDIR/cut.json"
	a=$(jq -S --arg fmt openai --arg via anthropic -f "$ROOT/tests/bats/request-meaning.jq" "$FIX/openai.json")
	b=$(jq -S --arg fmt openai --arg via anthropic -f "$ROOT/tests/bats/request-meaning.jq" "$BATS_TEST_TMPDIR/cut.json")
	[ "$a" != "$b" ]
}

@test "a gemini functionResponse without a response (or null) is an empty tool result, not an abort (issue 11)" {
	for resp in '' ',"response":null'; do
		for to in openai anthropic responses; do
			run req gemini $to m <<<'{"contents":[{"role":"model","parts":[{"functionCall":{"name":"f","args":{}}}]},{"role":"user","parts":[{"functionResponse":{"name":"f"'"$resp"'}}]}]}'
			assert_success
		done
		run req gemini openai m <<<'{"contents":[{"role":"user","parts":[{"functionResponse":{"name":"f"'"$resp"'}}]}]}'
		assert_success
		[ "$(jq -c '.messages[0] | [.role, .content]' <<<"$output")" = '["tool",""]' ]
	done
}

@test "gemini: a response to the last of several calls, then one to no call, is translated, not an abort (jq slice bug)" {
	run req gemini openai m <<<'{"contents":[{"role":"model","parts":[{"functionCall":{"name":"x","args":{}}},{"functionCall":{"name":"a","args":{}}}]},{"role":"user","parts":[{"functionResponse":{"name":"a","response":{}}},{"functionResponse":{"name":"a","response":{}}}]}]}'
	assert_success
	[ "$(jq -c '[.messages[1:][].tool_call_id]' <<<"$output")" = '["call_0_1","call_1_1"]' ]
}

@test "gemini: allowedFunctionNames that is not an array is refused (65), not an abort" {
	for names in '"f"' '{"a":1}' '1'; do
		run req gemini openai m <<<'{"contents":[{"role":"user","parts":[{"text":"q"}]}],"toolConfig":{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":'"$names"'}}}'
		assert_failure 65
		assert_output --partial allowedFunctionNames
	done
}

@test "gemini: mode ANY without allowedFunctionNames is tool_choice required, not an abort" {
	run req gemini openai m <<<'{"contents":[{"role":"user","parts":[{"text":"q"}]}],"tools":[{"functionDeclarations":[{"name":"f"}]}],"toolConfig":{"functionCallingConfig":{"mode":"ANY"}}}'
	assert_success
	[ "$(jq -r .tool_choice <<<"$output")" = required ]
}

@test "flags of the wrong kind (an array where true is meant) are read without leaking (asan build)" {
	run req gemini openai m <<<'{"contents":[{"role":"user","parts":[{"text":"q","thought":["x"]}]}],"tools":[{"functionDeclarations":[{"name":"f","parameters":{"type":"OBJECT","properties":{"a":{"type":"STRING"}},"nullable":["a"]}}]}],"generationConfig":{"thinkingConfig":{"includeThoughts":{"a":1}}}}'
	assert_success
	run req anthropic openai <<<'{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","is_error":["x"],"content":"r"}]}],"tool_choice":{"type":"auto","disable_parallel_tool_use":{"a":1}}}'
	assert_success
}

@test "a token count too large for a long (1e400 is inf) is clamped, not undefined behaviour (asan build; found by fuzzing)" {
	run req gemini anthropic m <<<'{"contents":[{"role":"user","parts":[{"text":"q"}]}],"generationConfig":{"maxOutputTokens":1e400,"thinkingConfig":{"thinkingBudget":-1e400}}}'
	assert_success
	[ "$(jq -c ".max_tokens > 1e18" <<<"$output")" = true ]
	for to in openai responses; do
		run req anthropic $to m <<<'{"model":"m","max_tokens":5,"thinking":{"type":"enabled","budget_tokens":1e400},"messages":[{"role":"user","content":"q"}]}'
		assert_success
	done
}

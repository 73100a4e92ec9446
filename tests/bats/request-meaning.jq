# The meaning of a request in format $fmt, for comparing a request with its
# round trip through format $via: what $via cannot carry is erased on both
# sides, and shapes that say the same thing are written one way.

# tool call ids renamed by order of first appearance (gemini mints its own)
def ids:
  (reduce (.. | objects | (.id, .tool_call_id, .tool_use_id, .call_id) | strings) as $x
     ({}; if has($x) then . else .[$x] = length end)) as $m
  | walk(if type == "object" then
      with_entries(if (.key | IN("id", "tool_call_id", "tool_use_id", "call_id"))
                      and (.value | type) == "string"
                   then .value = "id\($m[.value])" else . end)
    else . end);

def schema_for_gemini:
  walk(if type == "object" then del(.additionalProperties, ."$schema") else . end);

def common:
  del(.parallel_tool_calls | select(. == true))
  | if $via == "gemini" then del(.stream) else . end
  | ids;

def openai:
  del(.stream_options)
  | if $via == "responses" then del(.stop) else . end
  | if $via == "gemini" then .tools[]?.function.parameters |= schema_for_gemini else . end
  | .tools[]?.function |= del(.strict);

def anthropic:
  .system |= (if type == "array" then map(.text) | join("\n\n") else . end)
  | walk(if type == "object" then del(.cache_control) else . end)
  | .messages[].content |= (if type == "array" then map(
      if .type == "tool_result" and (.content | type) == "array" and (.content | length) == 1
         and .content[0].type == "text" then .content = .content[0].text else . end) else . end)
  | if $via == "responses" then del(.stop_sequences) else . end
  | if $via == "gemini" then .tools[]?.input_schema |= schema_for_gemini else . end;

def responses:
  ([.instructions // empty]
   + [.input[] | select(.role == "developer" or .role == "system")
      | .content | if type == "string" then . else map(.text) | join("\n\n") end]) as $sys
  | .instructions = ($sys | join("\n\n"))
  | .input |= map(select(.role != "developer" and .role != "system"))
  | .tools[]? |= del(.strict)
  | if $via == "gemini" then .tools[]?.parameters |= schema_for_gemini else . end;

def gemini:
  .tools[]?.functionDeclarations[]?.parameters |=
    walk(if type == "object" and (.type | type) == "string" then .type |= ascii_downcase else . end)
  | if $via == "responses" then del(.generationConfig.stopSequences) else . end;

common | if $fmt == "openai" then openai elif $fmt == "anthropic" then anthropic
         elif $fmt == "responses" then responses else gemini end

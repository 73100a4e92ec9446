#!/usr/bin/env bats
# nr provider / nr combo: the provider and combo files as nr-route reads them.

load route-helper

setup() {
	route_setup
}

teardown() {
	route_teardown
}

@test "nr provider list shows every provider, the user's among the shipped, with key names but never values" {
	provider mo openai "models=m1 m2"
	export MOCK_KEY=sk-secret-value-1234
	run nr provider list
	assert_success
	assert_line --regexp '^mo +openai +http://127\.0\.0\.1:[0-9]+/v1  keys: MOCK_KEY \(set\)$'
	assert_line --regexp '^anthropic +anthropic +https://api\.anthropic\.com/v1  keys: ANTHROPIC_API_KEY \((set|unset)\)$'
	refute_output --partial sk-secret-value
	unset MOCK_KEY
	run nr provider list
	assert_line --partial 'keys: MOCK_KEY (unset)'
}

@test "nr provider show NAME gives its format, models and header names; an unknown one is exit 65" {
	provider ma anthropic "models=claude-a claude-b" "header=x-secret: hunter2"
	run nr provider show ma
	assert_success
	assert_line 'format:   anthropic'
	assert_line 'models:   claude-a claude-b'
	assert_line 'header:   x-secret'
	refute_output --partial hunter2
	run nr provider show no-such-provider
	assert_failure 65
}

@test "nr combo list and show give the targets in order with their overrides" {
	combo c1 mo/m1 "mo/m2 max_tokens=100"
	run nr combo show c1
	assert_success
	assert_output --regexp '^c1 +mo/m1 -> mo/m2 max_tokens=100$'
	run nr combo list
	assert_success
	assert_line --regexp '^c1 +mo/m1 -> mo/m2 max_tokens=100$'
	assert_line --regexp '^premium-to-free '
	run nr combo show mo/m1
	assert_failure 65
	run nr combo show no-such-combo
	assert_failure 65
}

@test "nr provider and nr combo: --help, and bad arguments are usage errors" {
	run nr provider --help
	assert_success
	assert_output --partial 'nr provider list'
	run nr combo frobnicate
	assert_failure 100
	run nr provider show
	assert_failure 100
}

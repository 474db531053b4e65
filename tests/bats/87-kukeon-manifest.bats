# bats file_tags=kuke
# man/kukeon-manifest.5 against the code: every key of the v1beta1 decoders (common/model: the
# field tables and the keyed decode/encode calls) and every Pod field common/model/kube_import.c
# takes or ignores is in the page; it renders without a groff warning; its examples parse.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/hierarchy

setup() {
	hier_setup
	TOP=$BATS_TEST_DIRNAME/../..
	MAN=$TOP/man/kukeon-manifest.5
}

# the page's source, font changes and escaped dashes made plain (rendered text would
# hyphenate long keys)
page() { sed 's/\\f[BIRP]//g; s/\\-/-/g' "$MAN"; }

# in_page KEY...: every KEY is a word of the page; the missing ones are named
in_page() {
	local key text missing=()
	text=$(page)
	for key in "$@"; do
		grep -qw -- "$key" <<<"$text" || missing+=("$key")
	done
	[ "${#missing[@]}" = 0 ] || { echo "not in kukeon-manifest(5): ${missing[*]}" >&2; return 1; }
}

@test "kukeon-manifest(5) names every key the manifest decoders read" {
	local keys key text
	mapfile -t keys < <(
		grep -hE 'KK_FIELD|kk_[a-z_]*(dec|enc)[a-z_]*\(|enc_nested' \
			"$TOP"/common/model/{realm,space,stack,cell,container,profile,config,doc,codec,codec_dec}.c |
			grep -oE '"[a-z][A-Za-z]*"' | tr -d '"' | sort -u)
	# the tables are where the keys come from: a broken extraction must not pass
	[ "${#keys[@]}" -ge 100 ]
	in_page "${keys[@]}"
	text=$(page)
	# and every kind of common/model/kinds.def has its section
	for key in $(grep -oE '^KIND\([A-Z_]+, *"[A-Za-z]+"' "$TOP/common/model/kinds.def" | grep -oE '"[A-Za-z]+"' | tr -d '"'); do
		grep -q "^\.SH $(tr a-z A-Z <<<"$key")\$" <<<"$text" || { echo "no section for $key" >&2; return 1; }
	done
}

@test "kukeon-manifest(5) names every Pod field kube_import.c takes or ignores" {
	local keys
	mapfile -t keys < <(
		sed -n '/const char \*const [a-z_]*\(take\|skip\)[a-z_]*\[\] = {/,/};/p' "$TOP/common/model/kube_import.c" |
			grep -oE '"[A-Za-z]+"' | tr -d '"' | sort -u)
	[ "${#keys[@]}" -ge 40 ]
	in_page "${keys[@]}"
}

@test "kukeon-manifest(5) renders without a groff warning, and kuke(1) points to it" {
	run -0 groff -man -ww -z "$MAN"
	[ -z "$output" ]
	grep -q 'kukeon\\-manifest (5)' "$TOP/man/kuke.1"
}

@test "kukeon-manifest(5): the examples are manifests kuke reads" {
	# the first example (the .nf block after EXAMPLES) through delete -f, which parses and
	# checks the whole stream first: in an empty run path every document is "not found"
	sed -n '/^\.SH EXAMPLES/,/^\.SH SEE/p' "$MAN" | sed -n '/^\.RS/,/^\.RE/{/^\.R[SE]/d;p}' |
		sed 's/\\-/-/g' | awk '/^kuke /{exit} {print}' >"$BATS_TEST_TMPDIR/all.yaml"
	grep -q '^kind: Container$' "$BATS_TEST_TMPDIR/all.yaml"
	# the Container example is its own document after the stream
	awk '/^apiVersion: v1beta1$/ && seen++ >= 4 {print "---"} {print}' "$BATS_TEST_TMPDIR/all.yaml" >"$BATS_TEST_TMPDIR/ex.yaml"
	run -0 k delete -f "$BATS_TEST_TMPDIR/ex.yaml"
	[ "$output" = "$(printf '%s\n' 'Container "sidecar": not found' 'Cell "front": not found' \
		'Stack "shop": not found' 'Space "web": not found' 'Realm "prod": not found')" ]
}

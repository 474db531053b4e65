# bats file_tags=kuke
# kuke help: every command's --help comes from the command table (commands.def) and the
# flag rows (flags.def) the parser uses, and `kuke help VERB [RESOURCE]` prints the same.
bats_require_minimum_version 1.5.0
load helpers/common

setup() {
	require_applet kuke
	export HOME=$BATS_TEST_TMPDIR/home
	export KUKEON_RUN_PATH=$BATS_TEST_TMPDIR/rp
}

# "verb resource" or "verb" of every command `kuke help` lists
commands() {
	kuke help | sed -n '/^Commands:/,/^$/p' | sed '1d;$d' | cut -c3-22 | sed 's/ *$//'
}

# the long names of the flags a command's help documents
documented_flags() {
	sed -n '/^Flags:/,/^$/p' <<<"$1" | grep -oE '^ +(-., )?--[a-z-]+' | sed 's/.*--//'
}

# is flag NAME (a long name, or "o" for -o) in the man page, as roff writes it?
in_man() {
	if [ "${#1}" = 1 ]; then
		grep -qF -- "\\-$1" "$2"
	else
		grep -qF -- "\\-\\-${1//-/\\-}" "$2"
	fi
}

@test "kuke help and kuke --help list every command and the global flags" {
	run -0 kuke help
	local help=$output
	run -0 kuke --help
	[ "$output" = "$help" ]
	[ "${lines[0]}" = "Usage: kuke [global flags] COMMAND [ARGS...]" ]
	[[ "$output" == *"  get cell             List cells, or show one"* ]]
	[[ "$output" == *"  refresh              Re-derive every status"* ]]
	[[ "$output" == *"      --run-path PATH           metadata root (env KUKEON_RUN_PATH, default /opt/kukeon)"* ]]
	[[ "$output" == *"  -v, --verbose                 log what happens, to standard output (env KUKEON_VERBOSE)"* ]]
	[[ "$output" == *"      --log-level LEVEL         debug, info, warn or error (env KUKEON_LOG_LEVEL, default info)"* ]]
	[ "$(commands | wc -l)" -ge 35 ]
}

@test "kuke help VERB RESOURCE prints what --help and -h print, aliases too" {
	run -0 kuke get cell --help
	local want=$output
	run -0 kuke help get cell
	[ "$output" = "$want" ]
	run -0 kuke help g ce
	[ "$output" = "$want" ]
	run -0 kuke g cells -h
	[ "$output" = "$want" ]
	run -0 kuke get cell web --realm r -o json --help
	[ "$output" = "$want" ]
	run -0 kuke help log
	want=$output
	run -0 kuke logs --help
	[ "$output" = "$want" ]
}

@test "kuke get cell --help: usage, summary, aliases, every flag with its meaning and default, an example" {
	run -0 kuke help get cell
	[ "${lines[0]}" = "Usage: kuke get cell [NAME] [--realm R] [--space S] [--stack T] [-o table|wide|yaml|json|kube] [--show-controllers]" ]
	[ "${lines[1]}" = "List cells, or show one (-o kube: as Kubernetes Pods)" ]
	[ "${lines[2]}" = "Aliases: get = g; cell = cells, ce" ]
	[ "${lines[3]}" = "Flags:" ]
	[ "${lines[4]}" = '      --realm R                 list only this realm'"'"'s; unset: every realm (a NAME is looked up in "default")' ]
	[ "${lines[7]}" = "  -o, --output table|wide|yaml|json|kube" ]
	[[ "${lines[8]}" == *"output format, any case (wide: the table plus IP; kube: a Kubernetes Pod); unset: \$KUKE_GET_OUTPUT, else table (one cell: yaml)" ]]
	[ "${lines[9]}" = "      --show-controllers        add a CONTROLLERS column: the cgroup controllers delegated to the subtree" ]
	[ "${lines[10]}" = "Example:" ]
	[ "${lines[11]}" = "  kuke get cells --realm prod -o wide" ]
	[ "${lines[12]}" = 'Global flags: see `kuke help`.' ]
}

@test "kuke help: defaults, required and repeatable flags are shown" {
	run -0 kuke help create container
	[[ "${lines[0]}" == "Usage: kuke create container NAME --cell C [--realm R] [--space S] [--stack T] [--image REF] "* ]]
	[[ "${lines[0]}" == *" [--env K=V]... "* ]]
	[[ "$output" == *'      --cell C                  cell of the container (required)'* ]]
	[[ "$output" == *'      --realm R                 realm of the resource (default "default")'* ]]
	[[ "$output" == *'(default "docker.io/library/debian:latest")'* ]]
	[[ "$output" == *'      --env K=V                 environment variable (repeatable)'* ]]
	run -0 kuke help create realm
	[ "${lines[0]}" = "Usage: kuke create realm NAME [--namespace NS]" ]
	[[ "$output" == *"containerd namespace of the realm; unset: NAME.kukeon.io"* ]]
	run -0 kuke help image load
	[[ "$output" == *'realm whose containerd namespace holds the images (default "default")'* ]]
	run -0 kuke help apply
	[ "${lines[0]}" = "Usage: kuke apply -f FILE|- [-o json|yaml] [--realm R] [--space S] [--stack T]" ]
	run -0 kuke help run
	[[ "${lines[0]}" == "Usage: kuke run [-f FILE|-] [-p PROFILE] [-d] [--name N] [--param K=V]... "* ]]
	run -0 kuke help refresh
	[ "${lines[0]}" = "Usage: kuke refresh" ]
	[ "${lines[2]}" = "Flags:" ]
	[ "${lines[3]}" = "  none" ]
	run -0 kuke help version
	[ "${lines[0]}" = "Usage: kuke version [--containerd]" ]
	[ "${lines[-2]}" = "  kuke version --containerd" ]
}

@test "kuke help VERB is the group help; delete also shows delete -f" {
	run -0 kuke get
	local want=$output
	run -0 kuke help get
	[ "$output" = "$want" ]
	[ "${lines[0]}" = "Usage: kuke get RESOURCE [ARGS...]" ]
	[ "${lines[1]}" = "Resources:" ]
	[ "${lines[2]}" = "  realm        List realms, or show one" ]
	[ "${lines[-1]}" = 'Run `kuke help get RESOURCE` for its flags and an example.' ]
	run -0 kuke help delete
	want=$output
	run -0 kuke delete
	[ "$output" = "$want" ]
	[ "${lines[1]}" = "       kuke delete -f FILE|- [-o json|yaml] [--cascade] [--force]" ]
	run -0 kuke help image
	[[ "$output" == *"  load         Import an OCI or docker image tarball"* ]]
}

@test "kuke help of an unknown command is a usage error" {
	run -2 kuke help frobnicate
	[ "$output" = 'kuke: unknown command `frobnicate`; see `kuke --help`' ]
	run -2 kuke help get realmz
	[ "$output" = 'kuke: unknown command `get realmz`; see `kuke --help`' ]
	run -2 kuke help get cell web
	[ "$output" = 'kuke: unknown command `get cell web`; see `kuke --help`' ]
	run -2 kuke help version now
	[ "$output" = 'kuke: unknown command `version now`; see `kuke --help`' ]
	[ ! -e "$KUKEON_RUN_PATH" ]
}

# The parser and the help come from the same rows: every documented flag is accepted
# (it parses, then --help answers), an undocumented one is not.
@test "every command accepts exactly the flags its help documents" {
	local cmd cmds help flag usage n=0
	mapfile -t cmds < <(commands)
	[ "${#cmds[@]}" -ge 35 ]
	for cmd in "${cmds[@]}"; do
		# shellcheck disable=SC2086
		run -0 kuke help $cmd
		help=$output
		[[ "$help" == *"Example:"* ]]
		for flag in $(documented_flags "$help"); do
			# a boolean takes no =value; try both forms
			# shellcheck disable=SC2086
			if ! kuke $cmd "--$flag=x" --help >/dev/null 2>&1 &&
				! kuke $cmd "--$flag" --help >/dev/null 2>&1; then
				echo "kuke $cmd: --$flag is documented but not accepted" >&2
				return 1
			fi
			usage=$(grep -E '^(Usage: |       kuke )' <<<"$help")
			[[ "$usage" == *"--$flag"* || "$usage" == *"-${flag:0:1} "* ||
				"$usage" == *"-${flag:0:1}]"* ]] || {
				echo "kuke $cmd: --$flag is not in the usage line" >&2
				return 1
			}
			n=$((n + 1))
		done
		# shellcheck disable=SC2086
		run -2 kuke $cmd --no-such-flag
		[[ "$output" == "kuke: $cmd: unknown flag \`--no-such-flag\`" ]]
	done
	[ "$n" -ge 80 ]
}

@test "man/kuke.1 names every flag the help documents" {
	local man=$BATS_TEST_DIRNAME/../../man/kuke.1 cmd cmds names long short
	[ -f "$man" ]
	mapfile -t cmds < <(commands)
	[ "${#cmds[@]}" -ge 35 ]
	for cmd in "${cmds[@]}"; do
		# shellcheck disable=SC2086
		run -0 kuke help $cmd
		while read -r names; do
			long=${names##*--} short=
			[[ "$names" =~ ^-(.), ]] && short=${BASH_REMATCH[1]}
			in_man "$long" "$man" || { [ -n "$short" ] && in_man "$short" "$man"; } || {
				echo "man/kuke.1 does not mention --$long (kuke $cmd)" >&2
				return 1
			}
		done < <(sed -n '/^Flags:/,/^$/p' <<<"$output" | grep -oE '^ +(-., )?--[a-z-]+' | sed 's/^ *//')
	done
	run -0 kuke help
	for long in $(grep -oE '^ +(-., )?--[a-z-]+' <<<"$output" | sed 's/.*--//'); do
		in_man "$long" "$man"
	done
}

@test "kuke image get: -o is parsed as for every get (upstream's message, exit 1)" {
	run -1 kuke image get -o xml
	[ "$output" = "kuke: invalid output format: xml (supported: yaml, json, table)" ]
	run -1 kuke get realm -o xml
	[ "$output" = "kuke: invalid output format: xml (supported: yaml, json, table)" ]
	KUKE_GET_OUTPUT=xml run -1 kuke image get
	[ "$output" = "kuke: invalid output format: xml (supported: yaml, json, table)" ]
	run -1 kuke image get -o wide
	[ "$output" = "kuke: invalid output format: wide (supported: yaml, json, table)" ]
}

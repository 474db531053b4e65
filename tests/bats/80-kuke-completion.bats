# bats file_tags=kuke
# kuke autocomplete|completion bash|zsh|fish, the hidden `kuke __complete` they call, and the
# verb aliases sta/sto/k: each shell loads its script and completes a real cell's name.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/hierarchy
load helpers/cell

setup() {
	cell_setup tcomp
	# the scripts run `kuke` by name and read the run path from the environment
	export PATH=$KUKEON_LINKS:$PATH KUKEON_RUN_PATH=$RP
}

teardown() {
	cell_teardown
}

# a run path with names but no containerd: realm r1 > space s1 > stack t1 > cell c1 (app, root)
fake_store() {
	local d=$RP/data/r1/s1/t1/c1
	mkdir -p "$d" "$RP/data/r2" "$RP/data/r1/.hidden"
	for m in "$RP/data/r1" "$RP/data/r2" "$RP/data/r1/s1" "$RP/data/r1/s1/t1"; do
		echo '{}' >"$m/metadata.json"
	done
	echo '{"spec":{"containers":[{"id":"app"},{"id":"root","root":true}]}}' >"$d/metadata.json"
}

@test "kuke __complete: verbs with their summaries, from the command table" {
	run -0 kuke __complete ''
	[[ "$output" == *$'get\trealm, space, stack, cell, container'* ]]
	[[ "$output" == *$'autocomplete\tbash, zsh, fish'* ]]
	[[ "$output" == *$'log\tPrint a container'* ]]
	[[ "$output" != *__complete* ]]
	run -0 kuke __complete sto
	[ "$output" = $'stop\tcell, container' ]
	run -0 kuke __complete st
	[ "${lines[*]%%$'\t'*}" = "start stop stats status" ]
}

@test "kuke __complete: resources, flags and enumerable flag values" {
	run -0 kuke __complete get c
	[ "$output" = $'cell\tList cells, or show one (-o kube: as Kubernetes Pods)\ncontainer\tList containers, or show one (--cell required)' ]
	run -0 kuke __complete sta ''
	[ "${lines[*]%%$'\t'*}" = "cell container" ]
	run -0 kuke __complete get cell --o
	[ "$output" = $'--output\toutput format, any case (wide: the table plus IP; kube: a Kubernetes Pod); unset: $KUKE_GET_OUTPUT, else table (one cell: yaml)' ]
	run -0 kuke __complete get cell -o ''
	[ "$output" = $'table\nwide\nyaml\njson\nkube' ]
	run -0 kuke __complete doctor cgroups --scope s
	[ "$output" = $'space\nstack' ]
	run -0 kuke __complete --run-
	[ "$output" = $'--run-path\tmetadata root' ]
	run -0 kuke __complete help get r
	[ "$output" = $'realm\tList realms, or show one' ]
}

@test "kuke __complete: names from the run path, scoped by the flags typed so far" {
	fake_store
	run -0 kuke __complete get realm ''
	[ "$output" = $'r1\nr2' ]
	run -0 kuke __complete get space --realm r1 ''
	[ "$output" = s1 ]
	run -0 kuke __complete get cell --realm r1 --space s1 --stack=t1 ''
	[ "$output" = c1 ]
	run -0 kuke __complete log --realm r1 --space s1 --stack t1 c1 --container ''
	[ "$output" = $'app\nroot' ]
	run -0 kuke __complete get container --realm r1 --space s1 --stack t1 --cell c1 a
	[ "$output" = app ]
	# --run-path among the words wins over the environment
	run -0 kuke __complete --run-path "$BATS_TEST_TMPDIR/none" get realm ''
	[ "$output" = "" ]
}

@test "kuke __complete: nothing and no error where there is nothing to offer" {
	run -0 --separate-stderr kuke __complete apply -f ''
	[ "$output" = "" ] && [ "$stderr" = "" ]
	run -0 --separate-stderr kuke __complete nosuchverb ''
	[ "$output" = "" ] && [ "$stderr" = "" ]
	run -0 --separate-stderr kuke __complete --run-path
	[ "$output" = "" ] && [ "$stderr" = "" ]
	run -0 --separate-stderr kuke __complete log c1 -- ''
	[ "$output" = "" ] && [ "$stderr" = "" ]
	KUKE_CONFIGURATION=$BATS_TEST_TMPDIR/bad.yaml
	echo 'kind: [' >"$KUKE_CONFIGURATION"
	KUKE_CONFIGURATION=$KUKE_CONFIGURATION run -0 --separate-stderr kuke __complete ''
	[ "$output" = "" ] && [ "$stderr" = "" ]
}

@test "kuke autocomplete: completion is the same command; an unknown shell is a usage error" {
	run -0 kuke autocomplete bash
	bash_script=$output
	run -0 kuke completion bash
	[ "$output" = "$bash_script" ]
	run -0 kuke autocomplete
	[[ "$output" == *"Usage: kuke autocomplete RESOURCE"* ]]
	run -2 kuke autocomplete powershell
	[ "$output" = 'kuke: unknown command `autocomplete powershell`; see `kuke --help`' ]
	run -0 kuke autocomplete zsh --help
	[[ "$output" == *"Aliases: autocomplete = completion"* ]]
}

@test "kuke sta|sto|k: the aliases of start, stop and kill" {
	fake_store
	for v in sta sto k; do
		run -1 kuke "$v" cell zz --realm r1 --space s1 --stack t1
		[[ "$output" == 'kuke: cell "zz" not found in realm "r1", space "s1", stack "t1"'* ]]
	done
	run -0 kuke help k cell
	[[ "$output" == *"Aliases: kill = k; cell = ce"* ]]
	run -0 kuke help sto container
	[[ "$output" == *"Aliases: stop = sto; container = co"* ]]
}

# test_tags=containerd
@test "bash, zsh and fish load their scripts and complete a real cell's name" {
	require_containerd
	command -v zsh >/dev/null || skip_or_fail "zsh is not installed (scripts/deps.sh)"
	command -v fish >/dev/null || skip_or_fail "fish is not installed (scripts/deps.sh)"
	cell_scaffold
	app_cell webcomp 'sleep infinity'
	local scope="--realm $R --space sp --stack st"

	# bash: the function complete -F registered, driven through COMP_WORDS
	run -0 bash -c "source <(kuke autocomplete bash) && complete -p kuke &&
		COMP_WORDS=(kuke get cell $scope web) COMP_CWORD=9 && _kuke &&
		printf '%s\n' \"\${COMPREPLY[@]}\""
	[ "$output" = $'complete -F _kuke kuke\nwebcomp' ]
	run -0 bash -c "source <(kuke completion bash) &&
		COMP_WORDS=(kuke log $scope webcomp --container '') COMP_CWORD=10 && _kuke &&
		printf '%s\n' \"\${COMPREPLY[@]}\""
	[ "$output" = $'root\napp' ]

	# zsh: a real interactive zsh in a pty (zpty) with compinit, TAB after "web"; the read
	# waits until the completed word shows (timeout bounds it)
	kuke autocomplete zsh >"$BATS_TEST_TMPDIR/kuke.zsh"
	cat >"$BATS_TEST_TMPDIR/drive.zsh" <<-EOF
	zmodload zsh/zpty
	zpty z zsh -f -i
	zpty -w z "PS1=''; autoload -U compinit; compinit -u -D; source $BATS_TEST_TMPDIR/kuke.zsh; echo READY"
	zpty -r z line '*READY*'
	zpty -n -w z \$'kuke get cell $scope web\t'
	zpty -r z out '*webcomp*'
	print -r -- "\$out"
	zpty -d z
	EOF
	run -0 timeout 30 zsh -f "$BATS_TEST_TMPDIR/drive.zsh"
	[[ "$output" == *"kuke get cell $scope webcomp"* ]]

	# fish: complete -C asks the registered completion for a command line
	run -0 fish -c "kuke autocomplete fish | source; complete -C 'kuke get cell $scope w'"
	[ "$output" = webcomp ]
	run -0 fish -c "kuke autocomplete fish | source; complete -C 'kuke ge'"
	[ "$output" = $'get\trealm, space, stack, cell, container' ]
}

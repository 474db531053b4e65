# bats file_tags=dispatch
# Multicall dispatch: argv[0], `kukeon APPLET`, --list, --install, unknown names.
bats_require_minimum_version 1.5.0
load helpers/common

version_re='^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9]+-g[0-9a-f]+)?(-dirty)?$'

@test "kukeon --list prints every applet built in" {
	run -0 kukeon --list
	for a in kuke kukeond kuketty kuke-uninstall; do
		grep -qx "$a" <<<"$output"
	done
}

@test "kukeon --list-full gives each applet's install directory" {
	run -0 kukeon --list-full
	grep -qx 'bin/kuke' <<<"$output"
	grep -qx 'sbin/kukeond' <<<"$output"
	grep -qx 'bin/kuketty' <<<"$output"
	grep -qx 'sbin/kuke-uninstall' <<<"$output"
}

@test "each applet answers --help and --version under its own name" {
	for a in kuke kukeond kuketty kuke-uninstall; do
		run -0 "$KUKEON_LINKS/$a" --help
		[[ "$output" == *Usage:* ]]
		run -0 "$KUKEON_LINKS/$a" --version
		[[ "$output" == "$a v"* ]] || [[ "$a" == kuke && "$output" =~ $version_re ]]
	done
}

@test "kukeon APPLET ARGS runs the applet" {
	run -0 kukeon kuketty --version
	[[ "$output" == "kuketty v"* ]]
	run -0 kukeon kuke version
	[[ "$output" =~ $version_re ]]
}

@test "the version comes from git describe" {
	run -0 kukeon --version
	[[ "$output" =~ ^kukeon\ v[0-9] ]]
	v=${output#kukeon }
	[[ "$v" =~ $version_re ]]
	run -0 kuke version
	[ "$output" = "$v" ]
}

@test "an unknown applet name lists the applets and exits 127" {
	ln -s "$KUKEON_BIN" "$BATS_TEST_TMPDIR/frobnicate"
	run -127 "$BATS_TEST_TMPDIR/frobnicate"
	[ "${lines[0]}" = 'kukeon: unknown applet `frobnicate`; applets built in:' ]
	[[ "$output" == *kuketty* ]]
	run -127 kukeon frobnicate --help
	[ "${lines[0]}" = 'kukeon: unknown applet `frobnicate`; applets built in:' ]
}

@test "kukeon with no arguments prints its usage" {
	run -0 kukeon
	[[ "$output" == *"kukeon --install DIR"* ]]
	[[ "$output" == *"kuke-uninstall"* ]]
}

@test "kukeon --install DIR creates the links, and again changes nothing" {
	dir=$BATS_TEST_TMPDIR/bin
	mkdir "$dir"
	run -0 kukeon --install "$dir"
	for a in kuke kukeond kuketty kuke-uninstall; do
		[ -L "$dir/$a" ]
		[ "$(readlink -f "$dir/$a")" = "$(readlink -f "$KUKEON_BIN")" ]
	done
	run -0 kukeon --install "$dir"
	[ "$(ls "$dir" | wc -l)" -eq 4 ]
	run -0 "$dir/kuketty" --version
	[[ "$output" == "kuketty v"* ]]
}

@test "kukeon --install refuses a missing directory and a real file in the way" {
	run -1 kukeon --install "$BATS_TEST_TMPDIR/nope"
	[ "$output" = "kukeon: install: install directory \`$BATS_TEST_TMPDIR/nope\`: No such file or directory" ]
	dir=$BATS_TEST_TMPDIR/bin2
	mkdir "$dir"
	echo keep >"$dir/kuketty"
	run -1 kukeon --install "$dir"
	[ "$output" = "kukeon: install: \`$dir/kuketty\` exists and is not a symlink" ]
	[ "$(cat "$dir/kuketty")" = keep ]
	run -2 kukeon --install
}

@test "kuke: unknown command is a usage error" {
	run -2 kuke frobnicate
	[ "$output" = 'kuke: unknown command `frobnicate`; see `kuke --help`' ]
}

@test "kuke: a global flag without its value is a usage error" {
	run -2 kuke version --run-path
	[ "$output" = 'kuke: flag `--run-path` needs a value' ]
}

@test "kuke --help lists the commands and global flags" {
	run -0 kuke --help
	[[ "$output" == *"version"* ]]
	[[ "$output" == *"--containerd-socket"* ]]
	run -0 kuke version --help
	[[ "$output" == "Usage: kuke version"* ]]
}

@test "kuke: -h is help where a flag may stand, a value after a flag that takes one" {
	export HOME=$BATS_TEST_TMPDIR/home
	run -0 kuke create cell -h
	[ "${lines[0]}" = "Usage: kuke create cell NAME [--realm R] [--space S] [--stack T]" ]
	run -0 kuke get cell web --realm r --help
	[[ "${lines[0]}" == "Usage: kuke get cell "* ]]
	# the value of -o, and a positional after "--": not help
	run -1 kuke --run-path "$BATS_TEST_TMPDIR/rp" get realm -o -h
	[ "$output" = "kuke: invalid output format: -h (supported: yaml, json, table)" ]
	run -2 kuke get realm x -- -h
	[ "$output" = "kuke: get realm: accepts at most 1 arg(s), received 2" ]
}

@test "make install puts the binary, the applet links and the man pages under PREFIX" {
	[[ "$KUKEON_BIN" == */build/kukeon ]] || skip "installs the release build only"
	top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	dest=$BATS_TEST_TMPDIR/root
	run -0 make -s -C "$top" install DESTDIR="$dest" PREFIX=/usr/local
	[ -x "$dest/usr/local/bin/kukeon" ]
	[ "$(readlink "$dest/usr/local/bin/kuke")" = kukeon ]
	[ "$(readlink "$dest/usr/local/bin/kuketty")" = kukeon ]
	[ "$(readlink "$dest/usr/local/sbin/kukeond")" = ../bin/kukeon ]
	[ "$(readlink "$dest/usr/local/sbin/kuke-uninstall")" = ../bin/kukeon ]
	run -0 "$dest/usr/local/sbin/kukeond" --version
	[[ "$output" == "kukeond v"* ]]
	for page in man1/kuke.1 man8/kukeond.8 man1/kuketty.1 man8/kuke-uninstall.8 man5/kukeon-manifest.5; do
		[ -f "$dest/usr/local/share/man/$page" ]
		# renders without a single groff warning
		run -0 groff -man -ww -z "$dest/usr/local/share/man/$page"
		[ -z "$output" ]
	done
}

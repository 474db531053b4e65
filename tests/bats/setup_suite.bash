# tests/bats/setup_suite.bash - once per bats run: the applet links.
setup_suite() {
	: "${KUKEON_BIN:=$BATS_TEST_DIRNAME/../../build/kukeon}"
	KUKEON_BIN=$(readlink -f "$KUKEON_BIN")
	export KUKEON_BIN
	KUKEON_LINKS=$(mktemp -d "${BATS_SUITE_TMPDIR:-/tmp}/links.XXXXXX")
	export KUKEON_LINKS
	"$KUKEON_BIN" --install "$KUKEON_LINKS"
}

teardown_suite() {
	rm -rf "$KUKEON_LINKS"
}

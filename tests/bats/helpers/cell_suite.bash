# tests/bats/helpers/cell_suite.bash - the head of the suites that run cells in-process and
# under a kukeond of their own (47, 52, 81, 83-86): the helpers they all load, and their
# setup and teardown steps.
load helpers/common
load helpers/hierarchy
load helpers/cell
load helpers/daemon

# cell_suite_setup PREFIX: cell_setup PREFIX, and SCOPE, the flags that name sp/st of $R
cell_suite_setup() {
	cell_setup "$1"
	SCOPE=(--realm "$R" --space sp --stack st)
}

# purge the test's cells and realm, then stop its kukeond if it started one
cell_suite_teardown() {
	cell_teardown
	daemon_teardown
}

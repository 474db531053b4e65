# bats file_tags=kuke
# --host / KUKEON_HOST: the daemon address is checked as upstream's client dials it,
# even while every operation still runs in-process.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/hierarchy

setup() { hier_setup; }

@test "--host: only unix:// is served; ssh:// and others are refused with upstream's messages" {
	run -1 k get realms --host tcp://10.0.0.1:80
	[ "$output" = 'kuke: unsupported kukeon host scheme: "tcp://10.0.0.1:80" (expected unix:// or ssh://)' ]
	run -1 k get realms --host ssh://me@box
	[ "$output" = 'kuke: unsupported kukeon host scheme: ssh transport not yet implemented' ]
	KUKEON_HOST=unix:// run -1 k get realms
	[ "$output" = 'kuke: unsupported kukeon host scheme: unix path is empty' ]
}

@test "--no-daemon does not look at --host" {
	run -0 k --no-daemon get realms --host tcp://10.0.0.1:80
}

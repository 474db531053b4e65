/* bench/oneshot.c - driver for bench/oneshot.sh: one ctr_run_oneshot() of `echo hello`.
 *
 *   oneshot SOCKET NAMESPACE IMAGE ID LOGFILE
 *
 * Exits with the container's exit status, or 1 with a message on failure. */
#include <stdio.h>

#include "common/cleanup.h"
#include "ctr/ctr.h"

int main(int argc, char **argv)
{
	const char *const args[] = { "echo", "hello", NULL };
	cleanup_(ctr_disconnectp) struct ctr_conn *conn = NULL;
	struct kk_err err = { 0 };
	struct ctr_run_opts o = { 0 };
	int status = 0;

	if (argc != 6) {
		fprintf(stderr, "usage: oneshot SOCKET NAMESPACE IMAGE ID LOGFILE\n");
		return 2;
	}
	o.image = argv[3];
	o.id = argv[4];
	o.log_path = argv[5];
	o.args = args;
	o.timeout_ms = 60000;
	if (ctr_connect(argv[1], argv[2], &conn, &err) < 0 ||
	    ctr_run_oneshot(conn, &o, &status, &err) < 0) {
		fprintf(stderr, "oneshot: %s\n", err.msg);
		return 1;
	}
	return status;
}

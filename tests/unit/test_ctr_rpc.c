/* tests/unit/test_ctr_rpc.c - ctr/ connection basics: status mapping, Version against the
 * harness containerd, and clear errors (never a hang) for dead or silent sockets. */
#include "ctr/ctr.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "tests/unit/tap.h"

static void status_codes_map_to_errno(void)
{
	/* the numbers are google.rpc.Code, fixed by the protocol */
	TAP_INT_EQ(ctr_errno_from_grpc_status(0), 0);
	TAP_INT_EQ(ctr_errno_from_grpc_status(5), ENOENT);
	TAP_INT_EQ(ctr_errno_from_grpc_status(6), EEXIST);
	TAP_INT_EQ(ctr_errno_from_grpc_status(9), EBUSY);
	TAP_INT_EQ(ctr_errno_from_grpc_status(14), ECONNREFUSED);
	TAP_INT_EQ(ctr_errno_from_grpc_status(4), ETIMEDOUT);
	TAP_INT_EQ(ctr_errno_from_grpc_status(12), ENOSYS);
	TAP_INT_EQ(ctr_errno_from_grpc_status(999), EIO);
}

static void version_against_harness_containerd(void)
{
	const char *sock = tap_getenv_or_skip("KUKEON_CONTAINERD_SOCKET");
	cleanup_(ctr_disconnectp) struct ctr_conn *conn = NULL;
	struct ctr_version v = { 0 };
	struct kk_err err = { 0 };

	if (!sock)
		return;
	TAP_INT_EQ(ctr_connect(sock, "default", &conn, &err), 0);
	TAP_OK(ctr_version(conn, &v, &err) == 0, "Version answers: %s", err.msg);
	TAP_OK(v.version && v.version[0], "version is not empty (%s)", v.version ? v.version : "");
	ctr_version_clear(&v);
	/* a second call reuses the same channel */
	TAP_OK(ctr_version(conn, &v, &err) == 0, "second Version call");
	ctr_version_clear(&v);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void missing_socket_fails_fast_and_clearly(void)
{
	cleanup_(ctr_disconnectp) struct ctr_conn *conn = NULL;
	struct ctr_version v = { 0 };
	struct kk_err err = { 0 };
	double t0 = now_s();

	TAP_INT_EQ(ctr_connect("/nonexistent/containerd.sock", NULL, &conn, &err), 0);
	TAP_INT_EQ(ctr_version(conn, &v, &err), -1);
	TAP_INT_EQ(err.code, ECONNREFUSED);
	TAP_STR_EQ(err.msg, "version.Version: cannot reach containerd at "
			    "`/nonexistent/containerd.sock`: No such file or directory");
	TAP_OK(now_s() - t0 < 5, "fails without waiting for the deadline");
}

/* A socket path with a bound socket but no listener: connect() is refused. */
static void stale_socket_is_refused(void)
{
	char path[] = "/tmp/kukeon-test-sock.XXXXXX";
	cleanup_(ctr_disconnectp) struct ctr_conn *conn = NULL;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ctr_version v = { 0 };
	struct kk_err err = { 0 };
	cleanup_close int fd = -1;
	int tmp = mkstemp(path);

	close(tmp);
	unlink(path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	TAP_OK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "bind a socket with no listener");
	TAP_INT_EQ(ctr_connect(path, NULL, &conn, &err), 0);
	TAP_INT_EQ(ctr_version(conn, &v, &err), -1);
	TAP_INT_EQ(err.code, ECONNREFUSED);
	TAP_OK(strstr(err.msg, "cannot reach containerd at `/tmp/kukeon-test-sock.") &&
		       strstr(err.msg, "`: Connection refused"),
	       "message: %s", err.msg);
	unlink(path);
}

/* A listener that never speaks: the call must end at its deadline, not hang. */
static void silent_listener_hits_the_deadline(void)
{
	char path[] = "/tmp/kukeon-test-sock.XXXXXX";
	cleanup_(ctr_disconnectp) struct ctr_conn *conn = NULL;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ctr_version v = { 0 };
	struct kk_err err = { 0 };
	cleanup_close int fd = -1;
	int tmp = mkstemp(path);
	double t0;

	close(tmp);
	unlink(path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	TAP_OK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "bind");
	TAP_OK(listen(fd, 16) == 0, "listen without ever accepting");
	TAP_INT_EQ(ctr_connect(path, NULL, &conn, &err), 0);
	ctr_set_timeout(conn, 500);
	t0 = now_s();
	TAP_INT_EQ(ctr_version(conn, &v, &err), -1);
	TAP_OK(err.code == ETIMEDOUT || err.code == ECONNREFUSED, "code %d: %s", err.code, err.msg);
	TAP_OK(now_s() - t0 < 5, "returns within a few seconds of a 500 ms deadline");
	unlink(path);
}

static void empty_or_long_socket_paths_are_rejected(void)
{
	struct ctr_conn *conn = NULL;
	struct kk_err err = { 0 };
	char long_path[200];

	TAP_INT_EQ(ctr_connect("unix://", NULL, &conn, &err), -1);
	TAP_STR_EQ(err.msg, "containerd socket path is empty");
	memset(long_path, 'x', sizeof(long_path) - 1);
	long_path[0] = '/';
	long_path[sizeof(long_path) - 1] = '\0';
	TAP_INT_EQ(ctr_connect(long_path, NULL, &conn, &err), -1);
	TAP_INT_EQ(err.code, ENAMETOOLONG);
	TAP_OK(conn == NULL, "no connection on failure");
}

int main(void)
{
	status_codes_map_to_errno();
	empty_or_long_socket_paths_are_rejected();
	missing_socket_fails_fast_and_clearly();
	stale_socket_is_refused();
	silent_listener_hits_the_deadline();
	version_against_harness_containerd();
	return tap_done();
}

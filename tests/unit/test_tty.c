/* tests/unit/test_tty.c - common/tty: kuketty's TerminalDoc codec, the attach protocol's
 * framing and fd passing, base64, and the detach key. */
#include "common/tty/doc.h"
#include "common/tty/proto.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cjson/cJSON.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/mem.h"
#include "tests/unit/tap.h"

static const char *const argv2[] = { "sh", "-c", "echo hi" };

static void doc_renders_as_upstream(void)
{
	static const char *const scripts[] = { "echo one" };
	struct kk_tty_doc d, back = { 0 };
	struct kk_err err = { 0 };
	cleanup_free char *text = NULL;
	cleanup_(kk_json_freep) cJSON *j = NULL;

	kk_tty_doc_make(&(struct kk_tty_doc_params){ .name = "sp_st_c_app",
						     .realm = "r",
						     .space = "sp",
						     .stack = "",
						     .cell = "c",
						     .container = "app",
						     .argv = argv2,
						     .argc = 3,
						     .prompt = "$ ",
						     .log_file = "/run/kukeon/tty/log",
						     .on_init = scripts,
						     .n_on_init = 1,
						     .kukeon_gid = 990 },
			&d);
	text = kk_tty_doc_encode(&d);
	TAP_OK(strncmp(text, "{\n  \"apiVersion\": \"sbsh/v1beta1\",\n  \"kind\": \"Terminal\",",
		       54) == 0,
	       "2-space indent, apiVersion and kind first");
	TAP_OK(kk_json_parse(text, strlen(text), "doc", &j, &err) == 0, "the rendering is JSON");
	TAP_OK(!cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "metadata"),
							"labels"),
				    "kukeon.io/stack"),
	       "empty labels are dropped");
	TAP_OK(strstr(text, "\"socketMode\": 432") && strstr(text, "\"captureMode\": 416") &&
		       strstr(text, "\"logFileMode\": 416") && strstr(text, "\"socketGid\": 990"),
	       "file modes are decimal, with the kukeon group");
	TAP_OK(strstr(text, "\"setPrompt\": true") != NULL, "setPrompt with a prompt");
	TAP_OK(strstr(text, "\"onInit\": [\n        {\n          \"script\": \"echo one\"") != NULL,
	       "stages.onInit[].script");
	TAP_INT_EQ((int)strlen(d.id), 8);
	TAP_OK(kk_tty_doc_decode(text, strlen(text), "config t", &back, &err) == 0, "decodes back");
	TAP_STR_EQ(back.command, "sh");
	TAP_STR_EQ(back.args[1], "echo hi");
	TAP_OK(back.args[2] == NULL, "two args");
	TAP_INT_EQ((int)back.socket_mode, 0660);
	TAP_INT_EQ((int)back.capture_gid, 990);
	TAP_STR_EQ(back.on_init[0], "echo one");
	TAP_OK(back.inherit_env && back.set_prompt, "booleans");
	kk_tty_doc_clear(&back);
	kk_tty_doc_clear(&d);
}

static void doc_defaults(void)
{
	struct kk_tty_doc d;
	cleanup_free char *text = NULL;

	kk_tty_doc_make(&(struct kk_tty_doc_params){ .name = "x", .kukeon_gid = -1 }, &d);
	TAP_STR_EQ(d.command, "/bin/bash");
	TAP_STR_EQ(d.args[0], "-i");
	text = kk_tty_doc_encode(&d);
	TAP_OK(!strstr(text, "socketMode") && !strstr(text, "Gid") && !strstr(text, "setPrompt"),
	       "no modes, groups or setPrompt when unknown");
	TAP_OK(strstr(text, "\"stages\": {}") != NULL, "stages is always there");
	TAP_OK(!strstr(text, "\"labels\": {"), "no metadata labels when all are empty");
	kk_tty_doc_clear(&d);

	kk_tty_doc_make(&(struct kk_tty_doc_params){ .name = "x",
						     .argv = argv2,
						     .argc = 1,
						     .kukeon_gid = -1 },
			&d);
	free(text);
	text = kk_tty_doc_encode(&d);
	TAP_OK(strstr(text, "\"commandArgs\": null") != NULL, "commandArgs null for one element");
	kk_tty_doc_clear(&d);
}

static void doc_decode_errors(void)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "[]", "c: not a JSON object" },
		{ "{\"apiVersion\":\"v1\",\"kind\":\"Terminal\",\"spec\":{}}",
		  "c: apiVersion must be `sbsh/v1beta1`" },
		{ "{\"apiVersion\":\"sbsh/v1beta1\",\"kind\":\"Cell\",\"spec\":{}}",
		  "c: kind must be `Terminal`" },
		{ "{\"apiVersion\":\"sbsh/v1beta1\",\"kind\":\"Terminal\",\"spec\":{}}",
		  "c: spec.socketIO is required" },
		{ "{\"apiVersion\":\"sbsh/"
		  "v1beta1\",\"kind\":\"Terminal\",\"spec\":{\"socketIO\":\"s\","
		  "\"socketMode\":99999}}",
		  "c: spec.socketMode: not a file mode" },
		{ "{\"apiVersion\":\"sbsh/"
		  "v1beta1\",\"kind\":\"Terminal\",\"spec\":{\"socketIO\":\"s\","
		  "\"commandArgs\":[1]}}",
		  "c: spec.commandArgs: not an array of strings" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct kk_tty_doc d = { 0 };
		struct kk_err err = { 0 };

		TAP_INT_EQ(kk_tty_doc_decode(bad[i].text, strlen(bad[i].text), "c", &d, &err), -1);
		TAP_STR_EQ(err.msg, bad[i].msg);
	}
}

static void detach_key(void)
{
	struct kk_tty_detach k = { 0 };
	char out[64];
	bool done;
	size_t n;

	n = kk_tty_detach_feed(&k,
			       "a\x1d"
			       "b",
			       3, out, &done);
	TAP_OK(n == 3 && !done &&
		       memcmp(out,
			      "a\x1d"
			      "b",
			      3) == 0,
	       "a lone ^] is forwarded");
	n = kk_tty_detach_feed(&k, "x\x1d", 2, out, &done);
	TAP_OK(n == 2 && !done, "^] at the end of a read arms");
	n = kk_tty_detach_feed(&k, "\x1dzz", 3, out, &done);
	TAP_OK(n == 1 && done && out[0] == '\a', "the second ^] (next read) is BEL and detaches");

	k = (struct kk_tty_detach){ 0 };
	n = kk_tty_detach_feed(&k, "\x1b[200~\x1d\x1d\x1b[201~", 14, out, &done);
	TAP_OK(n == 14 && !done, "no detach inside a bracketed paste");
	kk_tty_detach_feed(&k, "\x1d\x1d", 2, out, &done);
	TAP_OK(done, "detach again after the paste ends");

	k = (struct kk_tty_detach){ 0 };
	kk_tty_detach_feed(&k, "\x1b[2", 3, out, &done);
	kk_tty_detach_feed(&k, "00~\x1d", 4, out, &done);
	n = kk_tty_detach_feed(&k, "\x1d", 1, out, &done);
	TAP_OK(!done && n == 1, "paste markers split across reads");
}

static void base64(void)
{
	cleanup_free unsigned char *out = NULL;
	struct kk_err err = { 0 };
	size_t n = 0;

	TAP_INT_EQ(kk_tty_base64_decode("aGVsbG8=", &out, &n, &err), 0);
	TAP_OK(n == 5 && memcmp(out, "hello", 5) == 0, "padded");
	free(out);
	out = NULL;
	TAP_INT_EQ(kk_tty_base64_decode("", &out, &n, &err), 0);
	TAP_INT_EQ((int)n, 0);
	TAP_INT_EQ(kk_tty_base64_decode("a!==", &out, &n, &err), -1);
	TAP_STR_EQ(err.msg, "illegal base64 data at input byte 1");
}

static void request_parse(void)
{
	static const char line[] =
		"{\"method\":\"TerminalController.Attach\",\"params\":[\"ab12\"],\"id\":7}";
	struct kk_tty_request r = { 0 };
	struct kk_err err = { 0 };

	TAP_INT_EQ(kk_tty_request_parse(line, sizeof(line) - 1, &r, &err), 0);
	TAP_STR_EQ(r.method, "Attach");
	TAP_STR_EQ(r.param->valuestring, "ab12");
	TAP_INT_EQ((int)r.id->valuedouble, 7);
	kk_tty_request_clear(&r);
	TAP_INT_EQ(kk_tty_request_parse("{\"method\":\"Other.X\"}", 20, &r, &err), -1);
	TAP_STR_EQ(err.msg, "rpc: can't find service Other.X");
}

/* a one-shot server in a child: answers one request with a reply carrying an fd whose
 * other end says "data" */
static void call_with_fd(void)
{
	char dir[] = "/tmp/kk-tty-XXXXXX";
	cleanup_free char *path = NULL;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	cleanup_(kk_json_freep) cJSON *res = NULL;
	struct kk_err err = { 0 };
	int lfd, fd = -1, st;
	char buf[8] = { 0 };
	pid_t pid;

	TAP_OK(mkdtemp(dir) != NULL, "temp dir");
	path = kk_xasprintf("%s/socket", dir);
	strcpy(sa.sun_path, path);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	TAP_OK(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(lfd, 1) == 0, "listen");
	pid = fork();
	if (pid == 0) {
		int c = accept(lfd, NULL, NULL), sv[2];
		char line[256];
		ssize_t r = recv(c, line, sizeof(line) - 1, 0);
		struct kk_tty_request req = { 0 };
		struct kk_err e = { 0 };

		socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
		if (r <= 0 || kk_tty_request_parse(line, (size_t)r - 1, &req, &e) < 0)
			_exit(1);
		kk_tty_reply(c, req.id, "{\"ok\":true}", NULL, sv[1], &e);
		write(sv[0], "data", 4);
		_exit(0);
	}
	close(lfd);
	TAP_INT_EQ(kk_tty_call(path, "Attach", "\"c1\"", 3000, &res, &fd, &err), 0);
	TAP_OK(cJSON_IsTrue(cJSON_GetObjectItem(res, "ok")), "result {\"ok\":true}");
	TAP_OK(fd >= 0 && read(fd, buf, 4) == 4 && strcmp(buf, "data") == 0,
	       "the passed socket carries the data");
	if (fd >= 0)
		close(fd);
	waitpid(pid, &st, 0);
	TAP_OK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "server child");
	unlink(path);
	rmdir(dir);
	TAP_INT_EQ(kk_tty_call(path, "Ping", "{}", 100, NULL, NULL, &err), -1);
	TAP_INT_EQ(err.code, ENOENT);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	doc_renders_as_upstream();
	doc_defaults();
	doc_decode_errors();
	detach_key();
	base64();
	request_parse();
	call_with_fd();
	return tap_done();
}

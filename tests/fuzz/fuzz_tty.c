/* tests/fuzz/fuzz_tty.c - libFuzzer target for the attach protocol (common/tty): any bytes
 * as what kuketty reads from a client of its socket, and as the metadata.json it reads at
 * start.
 *
 * A request line (kk_tty_request_parse) that parses has a method and, when it has an id,
 * the reply kuketty sends back (kk_tty_reply, through a real socket pair) is one JSON line
 * carrying that id unchanged; a Write's Data goes through the base64 decoder. The same bytes
 * as keyboard input go through the detach-key filter, which never writes more than it read
 * and stops at a detach. The same bytes as kuketty's configuration (kk_tty_doc_decode)
 * decode or fail with a message, and what decodes encodes and decodes again to the same. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "common/json.h"
#include "common/tty/doc.h"
#include "common/tty/proto.h"
#include "tests/fuzz/fuzz.h"

/* the reply to req, sent and read back as the client reads it */
static void reply(const struct kk_tty_request *req)
{
	static char buf[KK_TTY_MSG_MAX + 1];
	cJSON *back = NULL, *sent = NULL;
	struct kk_err err = { 0 };
	char *want, *got;
	int sv[2];
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	if (kk_tty_reply(sv[0], req->id, "{}", NULL, -1, &err) < 0) {
		/* a reply larger than the socket's buffer: the client would not read it whole */
		if (!err.msg[0])
			fuzz_fail("a reply failed without a message", "", "");
		goto out;
	}
	n = recv(sv[1], buf, sizeof(buf) - 1, MSG_DONTWAIT);
	if (n <= 0 || buf[n - 1] != '\n')
		fuzz_fail("the reply is not one line", "", "");
	if (kk_json_parse(buf, (size_t)n, "reply", &back, &err) < 0)
		fuzz_fail("the reply is not JSON", buf, err.msg);
	/* as sent, and read back: invalid UTF-8 in the id has become U+FFFD once */
	want = req->id ? kk_json_print(req->id, 0) : strdup("null");
	if (kk_json_parse(want, strlen(want), "id", &sent, &err) < 0)
		fuzz_fail("the request's id does not print as JSON", want, err.msg);
	free(want);
	want = kk_json_print(sent, 0);
	got = kk_json_print(cJSON_GetObjectItemCaseSensitive(back, "id"), 0);
	if (strcmp(want, got) != 0)
		fuzz_fail("the reply's id is not the request's", want, got);
	free(want);
	free(got);
	cJSON_Delete(sent);
	cJSON_Delete(back);
out:
	close(sv[0]);
	close(sv[1]);
}

static void request(const char *line, size_t len)
{
	struct kk_tty_request req = { 0 };
	struct kk_err err = { 0 };

	if (kk_tty_request_parse(line, len, &req, &err) < 0) {
		if (!err.msg[0])
			fuzz_fail("a request failed without a message", "", "");
		return;
	}
	if (!req.method)
		fuzz_fail("a parsed request without a method", "", "");
	reply(&req);
	if (strcmp(req.method, "Write") == 0) {
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(req.param, "Data");
		unsigned char *out = NULL;
		size_t n = 0;

		if (cJSON_IsString(d)) {
			if (kk_tty_base64_decode(d->valuestring, &out, &n, &err) == 0) {
				if (n > strlen(d->valuestring))
					fuzz_fail("base64 decoded to more bytes than it had", "",
						  "");
				free(out);
			} else if (!err.msg[0]) {
				fuzz_fail("base64 failed without a message", "", "");
			}
		}
	}
	kk_tty_request_clear(&req);
}

static void keyboard(const char *in, size_t n)
{
	struct kk_tty_detach d = { 0 };
	char *out = malloc(n + 1);
	size_t done = 0;

	/* in pieces, as reads from a terminal come */
	while (done < n) {
		size_t piece = (unsigned char)in[done] % 7 + 1, got;
		bool detach = false;

		if (piece > n - done)
			piece = n - done;
		got = kk_tty_detach_feed(&d, in + done, piece, out, &detach);
		if (got > piece)
			fuzz_fail("the detach filter wrote more than it read", "", "");
		if (detach)
			break;
		done += piece;
	}
	free(out);
}

static void config(const char *text, size_t len)
{
	struct kk_tty_doc d = { 0 };
	struct kk_err err = { 0 };
	char *t[3] = { NULL, NULL, NULL };

	if (kk_tty_doc_decode(text, len, "fuzz", &d, &err) < 0) {
		if (!err.msg[0])
			fuzz_fail("a configuration failed without a message", "", "");
		return;
	}
	/* one round to normalise (invalid UTF-8 becomes U+FFFD), then the fixed point */
	for (int i = 0; i < 3; i++) {
		t[i] = kk_tty_doc_encode(&d);
		kk_tty_doc_clear(&d);
		memset(&d, 0, sizeof(d));
		if (kk_tty_doc_decode(t[i], strlen(t[i]), "encoded", &d, &err) < 0)
			fuzz_fail("an encoded configuration does not decode", t[i], err.msg);
	}
	if (strcmp(t[1], t[2]) != 0)
		fuzz_fail("configuration round trip differs", t[1], t[2]);
	for (int i = 0; i < 3; i++)
		free(t[i]);
	kk_tty_doc_clear(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	const char *nl = memchr(s, '\n', size);

	/* kuketty reads one line per connection */
	request(s, nl ? (size_t)(nl - s) : size);
	keyboard(s, size);
	config(s, size);
	return 0;
}

/* common/tty/proto.h - the attach protocol between `kuke attach` and kuketty (runtime
 * reference §8.4): sbsh's TerminalController JSON-RPC 1.0 over the unix socket, one call
 * per connection, the reply to Attach carrying the data socket by SCM_RIGHTS in the same
 * sendmsg; and the client's detach key (^] twice, off inside a bracketed paste). */
#ifndef KK_COMMON_TTY_PROTO_H
#define KK_COMMON_TTY_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

struct cJSON;

#define KK_TTY_SERVICE  "TerminalController"
#define KK_TTY_MSG_MAX  (64 * 1024) /* one recvmsg: the reply line */
#define KK_TTY_CMSG_MAX 256
#define KK_TTY_DETACH   0x1d /* ^] */

/* sbsh's terminal states (Status.State) */
enum kk_tty_state {
	KK_TTY_INITIALIZING = 0,
	KK_TTY_STARTING,
	KK_TTY_SETTING_UP,
	KK_TTY_ON_INIT,
	KK_TTY_READY,
	KK_TTY_POST_ATTACH,
	KK_TTY_EXITED,
};

/* ---- client ---- */

/* Call TerminalController.<method> with params (one JSON value, the element of the
 * one-element params array) on a fresh connection to sock (up to 3 attempts, 0/200/400 ms
 * apart, for the connect), waiting at most timeout_ms for the reply. *result (may be NULL)
 * is the reply's result; *fd (may be NULL) the descriptor passed with it, or -1. A reply
 * with an error fails with that text. */
int kk_tty_call(const char *sock, const char *method, const char *params, int timeout_ms,
		struct cJSON **result, int *fd, struct kk_err *err);

/* ---- server ---- */

/* One request line: {"method":"TerminalController.X","params":[P],"id":I}. */
struct kk_tty_request {
	struct cJSON *doc;         /* owned: the whole request */
	const char *method;        /* after "TerminalController." */
	const struct cJSON *param; /* params[0], or NULL */
	const struct cJSON *id;    /* echoed back as is */
};
int kk_tty_request_parse(const char *line, size_t len, struct kk_tty_request *out,
			 struct kk_err *err);
void kk_tty_request_clear(struct kk_tty_request *r);

/* Send {"id":<id>,"result":<result>,"error":<error or null>}\n in one sendmsg, with
 * pass_fd as SCM_RIGHTS when >= 0. result is JSON text (NULL: null). */
int kk_tty_reply(int fd, const struct cJSON *id, const char *result, const char *error, int pass_fd,
		 struct kk_err *err);

/* Decode standard base64 (Go's []byte in JSON) into a new buffer: *out (n bytes). */
int kk_tty_base64_decode(const char *in, unsigned char **out, size_t *n, struct kk_err *err);

/* ---- the detach key ---- */

struct kk_tty_detach {
	bool armed; /* the last byte forwarded was ^] */
	bool paste; /* inside ESC[200~ ... ESC[201~ */
	int esc;    /* how much of ESC[20?~ was seen */
	char which; /* '0' or '1' once that byte of the marker was seen */
};

/* Filter keyboard input: in[0..n) goes to out (at least n bytes). A second ^] right after
 * a first, outside a bracketed paste, becomes BEL and ends the input: *detach is set and
 * what follows it is dropped. Returns the number of bytes in out. */
size_t kk_tty_detach_feed(struct kk_tty_detach *d, const char *in, size_t n, char *out,
			  bool *detach);

#endif

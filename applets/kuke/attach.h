/* applets/kuke/attach.h - the attach client, shared by `kuke attach` and `kuke run`. */
#ifndef KK_APPLETS_KUKE_ATTACH_H
#define KK_APPLETS_KUKE_ATTACH_H

#include <signal.h>

#include "common/err.h"

struct kk_cell;
struct kk_client;
struct kk_ref;

/* How an attach session ended. */
enum kuke_attach_end {
	KUKE_ATTACH_DETACHED, /* ^]^]: the workload keeps running */
	KUKE_ATTACH_CLOSED,   /* kuketty closed the data socket: the workload exited */
};

/* Talk to the kuketty socket at sock on this process's stdin/stdout (runtime reference
 * §8.4): Ping, State, Attach, raw mode (when stdin is a terminal), Resize now and on every
 * SIGWINCH, the banner, then bytes both ways until ^]^] (Detach) or the end of the data
 * socket. The terminal is restored on every way out; SIGINT, SIGTERM and SIGHUP end the
 * session (detaching) with an error naming the signal. */
int kuke_attach_session(const char *sock, enum kuke_attach_end *end, struct kk_err *err);

/* AttachContainer for ref, then kuke_attach_session on the socket it names. */
int kuke_attach_container(struct kk_client *c, const struct kk_ref *ref, enum kuke_attach_end *end,
			  struct kk_err *err);

/* What a terminal session (attach, exec) does with signals: SIGWINCH, SIGINT, SIGTERM and
 * SIGHUP are blocked and read from a signalfd. */
struct kuke_session_signals {
	int fd; /* -1: not open */
	sigset_t old_mask;
};
int kuke_session_signals_open(struct kuke_session_signals *s, struct kk_err *err);
/* Close it, drop the SIGWINCHes still pending, restore the mask; fine when not open. */
void kuke_session_signals_close(struct kuke_session_signals *s);
/* Read what is pending: on_winch(arg) for each SIGWINCH; any other signal is an EINTR
 * error "interrupted by SIG<NAME>". */
int kuke_session_signals_read(struct kuke_session_signals *s, void (*on_winch)(void *arg),
			      void *arg, struct kk_err *err);

/* The cell's non-root attachable container ids, sorted; NULL when none. */
char **kuke_attachable(const struct kk_cell *cell);

#endif

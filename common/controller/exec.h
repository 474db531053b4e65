/* common/controller/exec.h - kuke exec (kukeon-c): a further process in a running
 * container, through containerd's Tasks.Exec.
 *
 * The caller makes the stdio FIFOs on the host and names them; the runtime shim opens them
 * (so the same request works in this process and through kukeond, as attach's socket
 * does). ExecContainer starts the process and returns its exec id; ExecWait waits for it
 * and deletes it, returning its exit status; ExecResize sets a terminal's size;
 * ExecCloseStdin ends the process's input (the shim holds the FIFO open itself, so the
 * caller closing its end is not enough). */
#ifndef KK_COMMON_CONTROLLER_EXEC_H
#define KK_COMMON_CONTROLLER_EXEC_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"

struct kk_local;

/* One request type for the three operations; strings are borrowed (common/rpc's decoder
 * allocates them). */
struct kk_exec_req {
	const char *realm, *space, *stack, *cell; /* NULL or "": "default" (cell required) */
	const char *container; /* NULL or "": the cell's only non-root container */
	char *const *args;     /* ExecContainer: the command, NULL-terminated */
	/* ExecContainer: FIFOs on the host (NULL or "": none); terminal: one PTY, on stdout */
	const char *stdin_path, *stdout_path, *stderr_path;
	bool terminal;
	const char *exec_id;   /* ExecWait, ExecResize, ExecCloseStdin: ExecContainer's */
	int64_t width, height; /* ExecResize, and ExecContainer's terminal: columns and rows */
};

struct kk_exec_result {
	char *container;   /* owned: the container the process runs in */
	char *exec_id;     /* owned */
	int64_t pid;       /* ExecContainer: its host pid */
	int64_t exit_code; /* ExecWait */
};
void kk_exec_result_clear(struct kk_exec_result *r);

#endif

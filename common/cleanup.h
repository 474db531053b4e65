/* common/cleanup.h - scope-bound release of memory and fds (GCC/Clang cleanup attribute).
 *
 *   cleanup_free char *s = NULL;       freed when s goes out of scope
 *   cleanup_close int fd = -1;         closed when fd goes out of scope (fd < 0 ignored)
 *   return TAKE_PTR(s);                hand ownership out; the cleanup then sees NULL */
#ifndef KK_COMMON_CLEANUP_H
#define KK_COMMON_CLEANUP_H

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#define cleanup_(fn)  __attribute__((cleanup(fn)))
#define cleanup_free  cleanup_(kk_freep)
#define cleanup_close cleanup_(kk_closep)

#define TAKE_PTR(p)                        \
	({                                 \
		__typeof__(p) take_ = (p); \
		(p) = NULL;                \
		take_;                     \
	})
#define TAKE_FD(fd)               \
	({                        \
		int take_ = (fd); \
		(fd) = -1;        \
		take_;            \
	})

/* Define `void name_freep(struct name **p)` from name_free(), for cleanup_(name_freep):
 * frees *p and leaves it NULL. */
#define KK_DEFINE_FREEP(name)              \
	void name##_freep(struct name **p) \
	{                                  \
		name##_free(*p);           \
		*p = NULL;                 \
	}

static inline void kk_freep(void *p)
{
	free(*(void **)p);
}

/* close() without disturbing errno: cleanups run on error paths that still read it. */
static inline void kk_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;

		close(*fd);
		errno = saved;
	}
}

#endif

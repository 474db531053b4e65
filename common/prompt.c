/* common/prompt.c - see prompt.h. */
#include "common/prompt.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "common/cleanup.h"

int kk_prompt_yes_no(FILE *in, FILE *out, const char *question, struct kk_err *err)
{
	cleanup_free char *line = NULL;
	size_t cap = 0;

	for (;;) {
		char *s, *e;

		fputs(question, out);
		fflush(out);
		errno = 0;
		if (getline(&line, &cap, in) < 0)
			return errno ? kk_err_sys(err, "read confirmation")
				     : kk_err_set(err, EIO, "read confirmation: EOF");
		for (s = line; isspace((unsigned char)*s); s++)
			;
		for (e = s + strlen(s); e > s && isspace((unsigned char)e[-1]); e--)
			;
		*e = '\0';
		if (strcasecmp(s, "yes") == 0 || strcasecmp(s, "y") == 0)
			return 1;
		if (strcasecmp(s, "no") == 0 || strcasecmp(s, "n") == 0 || !*s)
			return 0;
	}
}

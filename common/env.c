/* common/env.c - see env.h. */
#include "common/env.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *kk_env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return v && *v ? v : dflt;
}

bool kk_env_true(const char *name)
{
	const char *v = getenv(name);

	return v && (!strcmp(v, "1") || !strcasecmp(v, "t") || !strcasecmp(v, "true"));
}

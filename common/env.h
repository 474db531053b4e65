/* common/env.h - environment variables as kukeon's settings read them. */
#ifndef KK_COMMON_ENV_H
#define KK_COMMON_ENV_H

#include <stdbool.h>

/* The value of name when it is set and not empty, else dflt (may be NULL). */
const char *kk_env_or(const char *name, const char *dflt);
/* name read as a boolean the way Go's strconv.ParseBool reads true ("1", "t", "true", in
 * any case); false when unset. */
bool kk_env_true(const char *name);

#endif

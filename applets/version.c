/* applets/version.c - the only file that sees the generated version header, so a new
 * commit recompiles one file. */
#include "applets/applets.h"

#include "kk_version.h"

const char kk_version[] = KK_VERSION;

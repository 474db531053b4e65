/* applets/kukeond/kukeond.c - the kukeon daemon entry. */
#include <stdio.h>
#include <string.h>

#include "applets/applets.h"
#include "kk_config.h"

static const char usage_text[] = "Usage: kukeond [flags] [serve]\n"
				 "\n"
				 "The kukeon daemon: serves the kukeonv1 API on a unix socket "
				 "(default " CONFIG_DEFAULT_KUKEOND_SOCKET ")\n"
				 "and reconciles the hierarchy under the run path.\n"
				 "\n"
				 "Flags:\n"
				 "  -h, --help      this help\n"
				 "      --version   print the version\n";

int kukeond_main(int argc, char **argv)
{
	if (applet_std_flags(argc, argv, "kukeond", usage_text))
		return 0;
	/* The server lands with the daemon issue; until then say so plainly. */
	fprintf(stderr, "kukeond: the daemon is not implemented in this build yet; use `kuke "
			"--no-daemon`\n");
	return 1;
}

/* applets/kuketty/kuketty.c - the PTY wrapper bind-mounted into attachable containers.
 * It runs inside arbitrary images, so it must need nothing from them: the release
 * binary is static and this applet links no grpc. */
#include <stdio.h>

#include "applets/applets.h"

static const char usage_text[] =
	"Usage: kuketty [flags] -- COMMAND [ARGS...]\n"
	"\n"
	"Runs COMMAND on a pseudo-terminal inside a container and serves the attach\n"
	"socket that `kuke attach` connects to.\n"
	"\n"
	"Flags:\n"
	"  -h, --help      this help\n"
	"      --version   print the version\n";

int kuketty_main(int argc, char **argv)
{
	if (applet_std_flags(argc, argv, "kuketty", usage_text))
		return 0;
	fprintf(stderr, "kuketty: the terminal wrapper is not implemented in this build yet\n");
	return 1;
}

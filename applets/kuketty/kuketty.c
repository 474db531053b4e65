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
	"\n" APPLET_STD_FLAGS_USAGE;

int kuketty_main(int argc, char **argv)
{
	return applet_not_implemented(argc, argv, "kuketty", usage_text, "the terminal wrapper");
}

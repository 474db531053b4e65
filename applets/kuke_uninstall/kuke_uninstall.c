/* applets/kuke_uninstall/kuke_uninstall.c - host teardown entry; must work from an
 * initramfs or a rescue shell, so it relies on nothing but this binary and the kernel. */
#include <stdio.h>

#include "applets/applets.h"

static const char usage_text[] =
	"Usage: kuke-uninstall [flags]\n"
	"\n"
	"Removes kukeon from this host: workloads, containerd namespaces, cgroups, CNI\n"
	"networks, state under the run path, and the kukeon user and group.\n"
	"\n" APPLET_STD_FLAGS_USAGE;

int kuke_uninstall_main(int argc, char **argv)
{
	return applet_not_implemented(argc, argv, "kuke-uninstall", usage_text, "teardown");
}

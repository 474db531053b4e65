/* applets/applets.h - the applet table and what every applet shares at its entry. */
#ifndef KK_APPLETS_APPLETS_H
#define KK_APPLETS_APPLETS_H

#include <stdio.h>

#include "kk_config.h"

typedef int applet_main_fn(int argc, char **argv);

struct applet {
	const char *name;
	applet_main_fn *main;
	const char *dir; /* "bin" or "sbin", relative to the install prefix */
	const char *summary;
};

#define APPLET(name, fn, dir, summary) applet_main_fn fn;
#include "applets/applets.def"
#undef APPLET

/* The version string compiled in at build time (git describe). */
extern const char kk_version[];

/* Handle the flags every applet answers the same way when they come first:
 * --help/-h prints `usage` to stdout, --version prints "<applet> <version>".
 * Returns 1 when the flag was handled (the applet returns 0), else 0. */
int applet_std_flags(int argc, char **argv, const char *applet, const char *usage);

#endif

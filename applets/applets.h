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

/* The hidden logger mode of the binary (applets/log_writer.c). */
int kukeon_log_writer_main(const char *path);

/* The version string compiled in at build time (git describe). */
extern const char kk_version[];

/* Handle the flags every applet answers the same way when they come first:
 * --help/-h prints `usage` to stdout, --version prints "<applet> <version>".
 * Returns 1 when the flag was handled (the applet returns 0), else 0. */
int applet_std_flags(int argc, char **argv, const char *applet, const char *usage);
/* The flags section of a usage text for an applet that has only those flags. */
#define APPLET_STD_FLAGS_USAGE          \
	"Flags:\n"                      \
	"  -h, --help      this help\n" \
	"      --version   print the version\n"

/* The main of an applet this build does not implement yet: the flags above, else
 * "<applet>: <what> is not implemented in this build yet" on stderr; returns the status. */
int applet_not_implemented(int argc, char **argv, const char *applet, const char *usage,
			   const char *what);

#endif

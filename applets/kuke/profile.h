/* applets/kuke/profile.h - CellProfile lookup, parameters and materialisation for
 * `kuke run -p` (upstream internal/cellprofile, reference CLI §6.8).
 *
 * Profiles live in $KUKE_PROFILES_DIR (trimmed, non-empty) else $HOME/.kuke/profiles.d,
 * as <name>.yaml or <name>.yml, else any .yaml or .yml file there whose metadata.name is the name.
 * Messages are upstream's, ending in "profile is invalid" / "profile not found". */
#ifndef KK_APPLETS_KUKE_PROFILE_H
#define KK_APPLETS_KUKE_PROFILE_H

#include "common/err.h"

struct kk_cell;

/* Load profile `name`, resolve its parameters (params: "KEY=VALUE" strings, later ones
 * winning, over the lines of param_file (NULL: none); then each declared parameter's
 * default, then the environment variable of that name; a required one left unset fails)
 * and substitute every ${KEY} in the document's scalar values. *out is a new Cell named
 * name_override (NULL/"": <prefix>-<6 random hex>) labelled kukeon.io/profile, located
 * where the profile says (empty fields stay empty for the caller to default). */
int kuke_profile_materialize(const char *name, const char *name_override, char *const *params,
			     const char *param_file, struct kk_cell **out, struct kk_err *err);

/* The profiles directory: $KUKE_PROFILES_DIR, else $HOME/.kuke/profiles.d (ENOENT without a
 * home). *out is a new string. */
int kuke_profiles_dir(char **out, struct kk_err *err);

#endif

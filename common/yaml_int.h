/* common/yaml_int.h - what the YAML reader (yaml.c) and emitter (yaml_emit.c) share; private. */
#ifndef KK_COMMON_YAML_INT_H
#define KK_COMMON_YAML_INT_H
#include <stdbool.h>
#include <stdint.h>

#include "common/yaml.h"

/* Whether s is one of the NULL-terminated list's strings. */
bool kk_yaml_in_list(const char *s, const char *const *list);

/* How yaml.v3 resolves an untagged plain scalar: for ints *iv gets the value; for floats *dv. */
enum kk_yaml_kind kk_yaml_resolve_plain(const char *s, int64_t *iv, double *dv);
#endif

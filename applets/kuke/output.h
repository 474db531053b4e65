/* applets/kuke/output.h - the -o of `kuke get`, and printing documents, for every kind. */
#ifndef KK_APPLETS_KUKE_OUTPUT_H
#define KK_APPLETS_KUKE_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/model/codec.h"
#include "common/model/doc.h"

struct cJSON;
struct kuke_ctx;
struct kuke_flags;

/* KUKE_FMT_WIDE: the table plus extra columns (kubectl's `-o wide`; a kukeon-c extension,
 * for cells). */
enum kuke_fmt { KUKE_FMT_TABLE, KUKE_FMT_YAML, KUKE_FMT_JSON, KUKE_FMT_WIDE };

/* table|yaml|json (and wide when wide_ok), case-insensitive; empty: KUKE_GET_OUTPUT, else
 * table. Upstream's message otherwise: "invalid output format: <v> (supported: yaml, json,
 * table)". */
int kuke_get_format(const char *s, bool wide_ok, enum kuke_fmt *out, struct kk_err *err);
/* One stderr line per object a list passed over as unreadable (the list itself still
 * printed and the exit status 0): "kuke: warning: skipped <path>: <why>". */
void kuke_warn_skipped(char *const *skipped);

/* The codec mode a format prints documents with. */
static inline enum kk_enc_mode kuke_fmt_mode(enum kuke_fmt f)
{
	return f == KUKE_FMT_JSON ? KK_ENC_JSON : KK_ENC_YAML;
}

/* The CONTROLLERS column of a status: its subtreeControllers comma-joined, "-" when there
 * are none. A new string. */
char *kuke_controllers_column(const struct kk_strv *controllers);

/* v bytes for people: "512B", "1.5KiB", "64.0MiB" ... into buf. */
void kuke_human_bytes(char *buf, size_t len, int64_t v);
/* t as indented JSON (KUKE_FMT_JSON) or as YAML (anything else), on stdout. */
void kuke_print_tree(const struct cJSON *t, enum kuke_fmt fmt);

/* -o kube (any case)? */
bool kuke_output_is_kube(const char *output);
/* `kuke get cell|stack|space [NAME] -o kube` (kind: KK_KIND_CELL, _STACK or _SPACE): a
 * Kubernetes Pod per cell, as YAML documents (applets/kuke/kube.c). A stack or space needs
 * its NAME; cells without one are those of f's filters. */
int kuke_get_kube(struct kuke_ctx *ctx, enum kk_kind kind, const struct kuke_flags *f,
		  const char *name, struct kk_err *err);

#endif

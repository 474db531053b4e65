/* common/json_pick.h - a few values out of a JSON text, without building a tree.
 *
 * What a table needs from a large list reply is four strings an item; parsing the whole
 * reply into cJSON nodes and then into model objects costs most of a short command's time.
 * kk_json_pick() reads the text once and keeps only the values at the paths it is given:
 * some at the top of the document, and some inside each item of one array.
 *
 * Paths are object keys joined by `.` ("result.Realms", "metadata.name"); a key containing
 * a `.` cannot be named. Keys match as Go's encoding/json matches them: an exact match wins
 * over a case-insensitive one, and among equals the first one wins. Values inside arrays
 * (other than the items of the list) are never picked. Strings are unescaped as cJSON does;
 * a string holding U+0000 is refused (kukeon refuses it everywhere). */
#ifndef KK_COMMON_JSON_PICK_H
#define KK_COMMON_JSON_PICK_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

enum kk_pick_type {
	KK_PICK_ABSENT, /* no such key (the zero value) */
	KK_PICK_NULL,
	KK_PICK_STRING,
	KK_PICK_NUMBER,
	KK_PICK_OTHER, /* true, false, an object or an array */
};

struct kk_pick {
	enum kk_pick_type type;
	bool exact;    /* every key on the path matched exactly */
	const char *s; /* KK_PICK_STRING: the unescaped string, in the kk_picked's buffer */
	double num;    /* KK_PICK_NUMBER */
};

struct kk_pick_spec {
	const char *const *top; /* paths from the top of the document */
	size_t ntop;
	const char *list;          /* path of the array whose items are read */
	const char *const *fields; /* paths inside each item */
	size_t nfields;
};

struct kk_picked {
	struct kk_pick *top;   /* owned, spec->ntop */
	size_t n;              /* items in the list: 0 when it is absent or null */
	struct kk_pick *items; /* owned, n * spec->nfields, item by item */
	char *buf;             /* owned: every picked string */
};

/* Read the one JSON value of text[0..len) (whitespace around it allowed). On success *out
 * holds the picks; release it with kk_picked_clear(). Fails (EINVAL, *out empty) when the
 * text is not JSON, nests deeper than 128 levels, has a path longer than 512 bytes, names
 * the list twice, or the list is not an array of objects. */
int kk_json_pick(const char *text, size_t len, const struct kk_pick_spec *spec,
		 struct kk_picked *out, struct kk_err *err);
void kk_picked_clear(struct kk_picked *p);

#endif

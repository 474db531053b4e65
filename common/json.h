/* common/json.h - JSON output byte-compatible with Go's encoding/json, and Go-style times.
 *
 * kukeon v0.5.0 writes metadata.json, `-o json` and its JSON-RPC wire with Go's encoder.
 * cJSON_Print formats differently (tabs, number style, no HTML escaping), so every byte
 * kukeon emits goes through kk_json_print() instead. Rules reproduced:
 *   - key order is the tree's order (callers build trees in Go struct order);
 *   - strings escape `"`, `\`, \b \f \n \r \t, other bytes < 0x20 as \u00XX, the HTML
 *     characters <, >, & as \u003c \u003e \u0026, U+2028/U+2029 as \u2028/\u2029, and
 *     invalid UTF-8 bytes as \ufffd (Go's defaults);
 *   - numbers print as integers when integral (no exponent below 1e21), else like %.17g;
 *   - cJSON_Raw nodes print their text verbatim (already-encoded JSON);
 *   - indented form: 2 spaces, `"key": value`, empty arrays/objects as `[]`/`{}`.
 *
 * cJSON allocates through kk_xmalloc() (its hooks are set before main() in every program
 * that links this file): a cJSON constructor, printer or duplicator never returns NULL for
 * want of memory, so callers do not check for it.
 *
 * Times: struct kk_time mirrors Go's time.Time as far as JSON is concerned. Its zero value
 * is Go's zero time, which encodes as "0001-01-01T00:00:00Z". */
#ifndef KK_COMMON_JSON_H
#define KK_COMMON_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct cJSON;

enum kk_json_flags {
	KK_JSON_COMPACT = 0,      /* json.Marshal: one line, no spaces */
	KK_JSON_INDENT = 1 << 0,  /* json.MarshalIndent(v, "", "  ") */
	KK_JSON_NEWLINE = 1 << 1, /* a trailing "\n" (json.Encoder.Encode and `get -o json`) */
};

/* Print tree as Go would. Returns a new NUL-terminated string; free() it. Never fails
 * (aborts on OOM); a NULL tree prints as "null". */
char *kk_json_print(const struct cJSON *tree, int flags);
/* The text of a value printed as it is, the same in JSON and YAML: "null" (also for NULL
 * and unknown types), "true", "false", a raw value; NULL for numbers, strings, arrays and
 * objects. */
const char *kk_json_literal(const struct cJSON *v);
/* Append the Go encoding of the string s (with quotes) to *buf (length *len, capacity *cap,
 * grown with realloc). Exposed for the wire codec and the YAML emitter tests. */
void kk_json_append_string(char **buf, size_t *len, size_t *cap, const char *s);

/* A JSON array of strings (NULL or null: none) as a new NULL-terminated list in *out, NULL
 * when empty (kk_strv_free() it). -1 when a is not an array, -2 when it holds a
 * non-string; *out is NULL then. */
int kk_json_strv(const struct cJSON *a, char ***out);

/* A JSON number as an int64_t: the fraction dropped, as a cast, and a value past either end
 * of the range clamped to that end (a cast of one is undefined). dflt for anything but a
 * number, NULL included. */
int64_t kk_json_int64(const struct cJSON *v, int64_t dflt);
/* The other way: add key to o, an array of v's strings, or null when v is NULL (Go's nil
 * slice). */
void kk_json_add_strv(struct cJSON *o, const char *key, char *const *v);

/* Parse JSON text. On failure the message names `what` and the byte offset. The result is
 * a cJSON tree the caller frees with cJSON_Delete(). */
int kk_json_parse(const char *text, size_t len, const char *what, struct cJSON **out,
		  struct kk_err *err);
void kk_json_freep(struct cJSON **tree);

/* A point in time: seconds since 0001-01-01T00:00:00Z (Go's internal epoch, so that an
 * all-zero struct is Go's zero time), nanoseconds, and the UTC offset the value was
 * written with (Go keeps it and prints it back). */
struct kk_time {
	int64_t sec;
	int32_t nsec;
	int32_t off; /* seconds east of UTC; 0 prints as "Z" */
};

#define KK_TIME_RFC3339NANO_MAX 40

static inline bool kk_time_is_zero(const struct kk_time *t)
{
	return t->sec == 0 && t->nsec == 0;
}
/* Seconds between 0001-01-01 and the Unix epoch. */
#define KK_TIME_UNIX_TO_INTERNAL INT64_C(62135596800)
struct kk_time kk_time_from_unix(int64_t unix_sec, int32_t nsec);
/* t as nanoseconds since the Unix epoch, clamped to what an int64_t holds (years past 2262
 * and before 1677 would overflow). */
int64_t kk_time_unix_ns(const struct kk_time *t);
/* The current time, UTC. */
struct kk_time kk_time_now(void);
/* RFC 3339 with nanoseconds, trailing zeros trimmed (Go's time.RFC3339Nano), into buf
 * (at least KK_TIME_RFC3339NANO_MAX bytes). Returns buf. */
char *kk_time_format(const struct kk_time *t, char *buf);
/* Parse RFC 3339 (what Go's time.Time.UnmarshalJSON accepts: "T" separator, optional
 * fraction of 1-9 digits, "Z" or ±hh:mm). Fails with "cannot parse `s` as RFC 3339 time". */
int kk_time_parse(const char *s, struct kk_time *out, struct kk_err *err);

#endif

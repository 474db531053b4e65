/* common/gostr.h - Go's string conventions that surface in upstream's messages. */
#ifndef KK_COMMON_GOSTR_H
#define KK_COMMON_GOSTR_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* Decode one UTF-8 sequence at s (n bytes left). Returns its length and sets *rune, or
 * returns 0 for an invalid sequence (Go reads that byte as U+FFFD, length 1). */
size_t kk_utf8_decode(const unsigned char *s, size_t n, uint32_t *rune);

/* Go's %q (strconv.Quote) of s, as a new string: quotes around it, \" \\ and the
 * short escapes, \xNN for other control bytes and invalid UTF-8. free() it. */
char *kk_go_quote(const char *s);
/* The same into buf (n bytes, n >= 3); a quote too long is cut but still closed. */
void kk_go_quote_buf(const char *s, char *buf, size_t n);

/* strings.TrimSpace: a new string without the leading and trailing (Unicode) white space
 * of s (NULL: ""), or of its first n bytes. free() it. */
char *kk_go_trim_space(const char *s);
char *kk_go_trim_space_n(const char *s, size_t n);

/* Go's time.ParseDuration ("30s", "1m30s", "500ms", "-1s", "0") in milliseconds. EINVAL with
 * Go's message (`time: invalid duration "x"`). */
int kk_go_parse_duration(const char *s, int64_t *ms, struct kk_err *err);
/* Go's time.Duration.String of ms milliseconds ("0s", "500ms", "1.5s", "1m30s", "2h0m0s")
 * into buf (32 bytes are always enough). */
void kk_go_format_duration(int64_t ms, char *buf, size_t n);

#endif

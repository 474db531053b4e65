/* tests/unit/test_json.c - Go-compatible JSON printing and RFC 3339 times. */
#include "common/json.h"

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/mem.h"
#include "tests/unit/tap.h"

static char *print_parsed(const char *json, int flags)
{
	cleanup_(kk_json_freep) cJSON *t = cJSON_Parse(json);

	return kk_json_print(t, flags);
}

static void indent_and_newline(void)
{
	const char *in = "{\"a\":[],\"b\":{},\"c\":[1,{\"d\":null}],\"e\":true,\"f\":\"x\"}";
	cleanup_free char *ind = print_parsed(in, KK_JSON_INDENT);
	cleanup_free char *nl = print_parsed(in, KK_JSON_INDENT | KK_JSON_NEWLINE);
	cleanup_free char *compact = print_parsed(in, KK_JSON_COMPACT);
	cleanup_free char *wire = print_parsed(in, KK_JSON_NEWLINE);

	TAP_STR_EQ(ind,
		   "{\n  \"a\": [],\n  \"b\": {},\n  \"c\": [\n    1,\n    {\n      \"d\": null\n"
		   "    }\n  ],\n  \"e\": true,\n  \"f\": \"x\"\n}");
	TAP_OK(strlen(nl) == strlen(ind) + 1 && nl[strlen(nl) - 1] == '\n', "trailing newline");
	TAP_STR_EQ(compact, "{\"a\":[],\"b\":{},\"c\":[1,{\"d\":null}],\"e\":true,\"f\":\"x\"}");
	TAP_STR_EQ(wire, "{\"a\":[],\"b\":{},\"c\":[1,{\"d\":null}],\"e\":true,\"f\":\"x\"}\n");
}

static void go_string_escapes(void)
{
	cleanup_(kk_json_freep) cJSON *s =
		cJSON_CreateString("<a href=\"x\">&amp;</a>\\\b\f\n\r\t\x01\x1f\x7f");
	cleanup_free char *out = kk_json_print(s, 0);
	cleanup_(kk_json_freep) cJSON *u =
		cJSON_CreateString("\xe2\x80\xa8|\xe2\x80\xa9|\xc3\xa9|\xff|\xf0\x9f\x98\x80");
	cleanup_free char *out2 = kk_json_print(u, 0);

	TAP_STR_EQ(out,
		   "\"\\u003ca href=\\\"x\\\"\\u003e\\u0026amp;\\u003c/a\\u003e\\\\\\b\\f\\n\\r\\t"
		   "\\u0001\\u001f\x7f\"");
	TAP_STR_EQ(out2, "\"\\u2028|\\u2029|\xc3\xa9|\\ufffd|\xf0\x9f\x98\x80\"");
}

static void numbers(void)
{
	cleanup_free char *a = print_parsed("[0,-1,9007199254740991,1.5,0.1,-0,1e20,100]", 0);

	TAP_STR_EQ(a, "[0,-1,9007199254740991,1.5,0.1,-0,100000000000000000000,100]");
}

static void raw_and_null(void)
{
	cleanup_(kk_json_freep) cJSON *o = cJSON_CreateObject();
	cleanup_free char *nul = kk_json_print(NULL, 0);

	cJSON_AddItemToObject(o, "r", cJSON_CreateRaw("{\"x\":1}"));
	cleanup_free char *out = kk_json_print(o, KK_JSON_INDENT);
	TAP_STR_EQ(out, "{\n  \"r\": {\"x\":1}\n}");
	TAP_STR_EQ(nul, "null");
}

static void times(void)
{
	struct kk_time zero = { 0 }, t;
	struct kk_err err = { 0 };
	char buf[KK_TIME_RFC3339NANO_MAX];
	const char *ok[] = { "2026-01-01T00:00:00.123456789Z",
			     "2026-01-01T00:00:05.5Z",
			     "1970-01-01T00:00:00Z",
			     "2000-02-29T23:59:59+05:30",
			     "2026-01-02T03:04:05.000000001-02:00",
			     "9999-12-31T23:59:59Z" };

	TAP_STR_EQ(kk_time_format(&zero, buf), "0001-01-01T00:00:00Z");
	TAP_OK(kk_time_is_zero(&zero), "zero value is Go's zero time");
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		TAP_INT_EQ(kk_time_parse(ok[i], &t, &err), 0);
		TAP_STR_EQ(kk_time_format(&t, buf), ok[i]);
	}
	t = kk_time_from_unix(0, 0);
	TAP_STR_EQ(kk_time_format(&t, buf), "1970-01-01T00:00:00Z");
	TAP_INT_EQ(kk_time_parse("2026-01-01T00:00:00.120Z", &t, &err), 0);
	TAP_STR_EQ(kk_time_format(&t, buf), "2026-01-01T00:00:00.12Z");
	TAP_INT_EQ(kk_time_parse("2026-02-30T00:00:00Z", &t, &err), -1);
	TAP_STR_EQ(err.msg, "cannot parse `2026-02-30T00:00:00Z` as RFC 3339 time");
	TAP_INT_EQ(kk_time_parse("", &t, &err), -1);
	TAP_INT_EQ(kk_time_parse("2026-01-01 00:00:00Z", &t, &err), -1);
}

static void parse_errors(void)
{
	cJSON *t = NULL;
	struct kk_err err = { 0 };

	TAP_INT_EQ(kk_json_parse("{\"a\":", 5, "metadata.json", &t, &err), -1);
	TAP_STR_EQ(err.msg, "metadata.json: invalid JSON at byte 4");
	/* cJSON would end the string at the NUL: "a\u0000b" would pass for "a" */
	TAP_INT_EQ(kk_json_parse("{\"name\":\"a\\u0000b\"}", 19, "doc", &t, &err), -1);
	TAP_STR_EQ(err.msg, "doc: a string contains a NUL character (\\u0000) at byte 10, which "
			    "kukeon does not accept");
	/* an escaped backslash followed by "u0000" is six ordinary characters */
	TAP_INT_EQ(kk_json_parse("{\"name\":\"a\\\\u0000\"}", 20, "doc", &t, &err), 0);
	TAP_STR_EQ(t ? cJSON_GetObjectItem(t, "name")->valuestring : NULL, "a\\u0000");
	cJSON_Delete(t);
}

/* The child half of cjson_allocates_through_ours(): an allocation cJSON cannot have. */
static int cjson_oom_child(void)
{
	void *p = cJSON_malloc(SIZE_MAX / 4);

	/* reached only if cJSON handed the failure back instead of kk_xmalloc ending us */
	printf("cJSON_malloc returned %s\n", p ? "memory" : "NULL");
	free(p);
	return 0;
}

/* cJSON allocates through kk_xmalloc (common/json.c sets its hooks before main): a failed
 * allocation ends the process with our message, never a NULL for a caller to miss. The
 * child re-executes this binary with the sanitizer's allocator told to return NULL. */
static void cjson_allocates_through_ours(void)
{
	cleanup_free char *out = NULL;
	int pipefd[2], status = 0;
	bool ours;
	pid_t pid;
	FILE *f;
	size_t cap = 0;

	if (pipe(pipefd) < 0) {
		TAP_OK(0, "pipe");
		return;
	}
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		setenv("ASAN_OPTIONS", "allocator_may_return_null=1", 1);
		execl("/proc/self/exe", "test_json", "--cjson-oom", (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	f = fdopen(pipefd[0], "r");
	if (!f || getdelim(&out, &cap, '\0', f) < 0) {
		free(out);
		out = kk_xstrdup("");
	}
	if (f)
		fclose(f);
	waitpid(pid, &status, 0);
	TAP_OK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
	       "a failed cJSON allocation aborts (status %#x)", status);
	ours = strstr(out, "kukeon: out of memory\n") != NULL;
	out[strcspn(out, "\n")] = '\0';
	TAP_OK(ours, "with kk_xmalloc's message (first line: %s)", out);
}

/* Found by tests/fuzz/fuzz_state.c and fuzz_wire.c: a time before 1677 or after 2262 (an
 * events.log line, an image's CreatedAt) overflowed when made nanoseconds, and a number
 * past int64 was cast. Both clamp now. */
static void out_of_range_times_and_numbers_clamp(void)
{
	struct kk_err err = { 0 };
	struct kk_time t;
	cJSON *big = cJSON_CreateNumber(1e300), *neg = cJSON_CreateNumber(-1e300),
	      *frac = cJSON_CreateNumber(-7.9);

	TAP_INT_EQ(kk_time_parse("1013-12-05T06:41:12Z", &t, &err), 0);
	TAP_OK(kk_time_unix_ns(&t) == INT64_MIN, "year 1013: the smallest nanosecond count");
	TAP_INT_EQ(kk_time_parse("2926-12-05T06:41:12Z", &t, &err), 0);
	TAP_OK(kk_time_unix_ns(&t) == INT64_MAX, "year 2926: the largest nanosecond count");
	TAP_INT_EQ(kk_time_parse("2026-12-05T06:41:12.5Z", &t, &err), 0);
	TAP_OK(kk_time_unix_ns(&t) == INT64_C(1796452872500000000), "in range: exact");
	TAP_OK(kk_json_int64(big, 0) == INT64_MAX && kk_json_int64(neg, 0) == INT64_MIN,
	       "numbers past int64 clamp");
	TAP_OK(kk_json_int64(frac, 0) == -7, "a fraction is dropped");
	TAP_OK(kk_json_int64(NULL, 42) == 42, "no number: the default");
	cJSON_Delete(big);
	cJSON_Delete(neg);
	cJSON_Delete(frac);
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--cjson-oom") == 0)
		return cjson_oom_child();
	cjson_allocates_through_ours();
	out_of_range_times_and_numbers_clamp();
	indent_and_newline();
	go_string_escapes();
	numbers();
	raw_and_null();
	times();
	parse_errors();
	return tap_done();
}

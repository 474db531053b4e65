/* tests/unit/test_rpc_host.c - kukeond addresses, and Go's %q used in their messages. */
#include "common/rpc/host.h"

#include <errno.h>
#include <stdlib.h>

#include "common/cleanup.h"
#include "common/gostr.h"
#include "tests/unit/tap.h"

static void unix_addresses_give_the_socket_path(void)
{
	cleanup_free char *path = NULL;
	struct kk_err err = { 0 };

	TAP_INT_EQ(kk_rpc_host_parse("unix:///run/kukeon/kukeond.sock", &path, &err), 0);
	TAP_STR_EQ(path, "/run/kukeon/kukeond.sock");
}

static void other_schemes_are_refused_with_upstreams_messages(void)
{
	char *path = NULL;
	struct kk_err err = { 0 };

	TAP_INT_EQ(kk_rpc_host_parse("unix://", &path, &err), -1);
	TAP_STR_EQ(err.msg, "unsupported kukeon host scheme: unix path is empty");
	TAP_INT_EQ(kk_rpc_host_parse("ssh://me@box", &path, &err), -1);
	TAP_STR_EQ(err.msg, "unsupported kukeon host scheme: ssh transport not yet implemented");
	TAP_INT_EQ(kk_rpc_host_parse("tcp://1.2.3.4:80", &path, &err), -1);
	TAP_STR_EQ(err.msg, "unsupported kukeon host scheme: \"tcp://1.2.3.4:80\" (expected "
			    "unix:// or ssh://)");
	TAP_OK(path == NULL, "no path on failure");
}

static void go_quote_escapes_like_strconv_quote(void)
{
	cleanup_free char *a = kk_go_quote("a\"b\\c\n\t");
	cleanup_free char *b = kk_go_quote("\x01\x7f\xff");
	cleanup_free char *c = kk_go_quote("grüße");

	TAP_STR_EQ(a, "\"a\\\"b\\\\c\\n\\t\"");
	TAP_STR_EQ(b, "\"\\x01\\x7f\\xff\"");
	TAP_STR_EQ(c, "\"grüße\"");
}

static void go_trim_space_trims_unicode_white_space(void)
{
	cleanup_free char *a = kk_go_trim_space(" \t a b \r\n");
	cleanup_free char *b = kk_go_trim_space("\xc2\xa0x\xe3\x80\x80"); /* NBSP, ideographic */
	cleanup_free char *c = kk_go_trim_space(NULL);
	cleanup_free char *d = kk_go_trim_space(" \v\f ");
	cleanup_free char *e = kk_go_trim_space_n("  key = value", 6);

	TAP_STR_EQ(a, "a b");
	TAP_STR_EQ(b, "x");
	TAP_STR_EQ(c, "");
	TAP_STR_EQ(d, "");
	TAP_STR_EQ(e, "key");
}

static void go_duration_formats_like_duration_string(void)
{
	static const struct {
		int64_t ms;
		const char *want;
	} cases[] = { { 0, "0s" },        { 500, "500ms" },      { 1000, "1s" },
		      { 1500, "1.5s" },   { 1250, "1.25s" },     { 10000, "10s" },
		      { 90000, "1m30s" }, { 3600000, "1h0m0s" }, { 3723004, "1h2m3.004s" },
		      { -1500, "-1.5s" }, { -20, "-20ms" } };
	char buf[32];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kk_go_format_duration(cases[i].ms, buf, sizeof(buf));
		TAP_STR_EQ(buf, cases[i].want);
	}
}

int main(void)
{
	unix_addresses_give_the_socket_path();
	other_schemes_are_refused_with_upstreams_messages();
	go_quote_escapes_like_strconv_quote();
	go_trim_space_trims_unicode_white_space();
	go_duration_formats_like_duration_string();
	return tap_done();
}

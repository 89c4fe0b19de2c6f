/* test_campaign_util.c - `msrexit campaign`'s durations, counts, signature slugs and session times (tools/campaign_util.c), no KVM. */
#include <string.h>

#include "campaign.h"
#include "unit.h"

volatile sig_atomic_t campaign_interrupts, campaign_signal;

static void test_durations(void)
{
	static const struct {
		const char *text;
		double seconds;
	} cases[] = {
		{ "90", 90 },	   { "30s", 30 },    { "20m", 1200 },	    { "8h", 28800 },
		{ "1h30m", 5400 }, { "2d", 172800 }, { "1m30s", 90 },	    { "0", 0 },
		{ "", -1 },	   { "m", -1 },	     { "5x", -1 },	    { "-5", -1 },
		{ "1.5h", -1 },	   { "10 m", -1 },   { "99999999999", -1 },
	};
	char buf[32];

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK(parse_duration(cases[i].text) == cases[i].seconds, "'%s' -> %g, want %g",
		      cases[i].text, parse_duration(cases[i].text), cases[i].seconds);
	format_duration(75, buf, sizeof(buf));
	CHECK(!strcmp(buf, "1:15"), "%s", buf);
	format_duration(3725, buf, sizeof(buf));
	CHECK(!strcmp(buf, "1:02:05"), "%s", buf);
	format_duration(-3, buf, sizeof(buf));
	CHECK(!strcmp(buf, "0:00"), "%s", buf);
}

static void test_counts_and_slugs(void)
{
	char buf[FUZZ_SIG_MAX];

	format_count(999, buf, sizeof(buf));
	CHECK(!strcmp(buf, "999"), "%s", buf);
	format_count(53210, buf, sizeof(buf));
	CHECK(!strcmp(buf, "53.2k"), "%s", buf);
	format_count(1234567, buf, sizeof(buf));
	CHECK(!strcmp(buf, "1.23M"), "%s", buf);
	signature_slug("rdmsr/FILTER/rax-expected-got-wrong", buf, sizeof(buf));
	CHECK(!strcmp(buf, "rdmsr_FILTER_rax-expected-got-wrong"), "%s", buf);
	signature_slug("harness/asan/heap buffer.x", buf, sizeof(buf));
	CHECK(!strcmp(buf, "harness_asan_heap-buffer-x"), "%s", buf);
}

/* A crash file's time in campaign time, across resumed sessions. */
static void test_campaign_time(void)
{
	static struct campaign c;

	c.sessions[0] = (struct session){ 1000, 0 };
	c.sessions[1] = (struct session){ 5000, 30 };
	c.nsessions = 2;
	CHECK(campaign_time_at(&c, 1012) == 12, "%g", campaign_time_at(&c, 1012));
	CHECK(campaign_time_at(&c, 5007) == 37, "%g", campaign_time_at(&c, 5007));
	CHECK(campaign_time_at(&c, 999) == 0, "%g", campaign_time_at(&c, 999));
}

int main(void)
{
	test_durations();
	test_counts_and_slugs();
	test_campaign_time();
	return unit_summary("campaign_util");
}

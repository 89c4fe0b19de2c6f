/* test_campaign_hook.c - the current-input file and findings log a fuzz target keeps for `msrexit campaign` (fuzz/campaign_hook.c), no KVM. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "campaign_hook.h"
#include "unit.h"

static char dir[] = "/tmp/msrexit-unit-hook-XXXXXX";

static void test_hash_and_parse(void)
{
	CHECK_EQ(input_hash((const uint8_t *)"", 0), 0xcbf29ce484222325ull);
	CHECK_EQ(input_hash((const uint8_t *)"a", 1), 0xaf63dc4c8601ec8cull);
	CHECK_EQ(current_input_sync_parse(NULL), CURRENT_INPUT_SYNC_DEVICE);
	CHECK_EQ(current_input_sync_parse("device"), CURRENT_INPUT_SYNC_DEVICE);
	CHECK_EQ(current_input_sync_parse("full"), CURRENT_INPUT_SYNC_FULL);
	CHECK_EQ(current_input_sync_parse("none"), CURRENT_INPUT_SYNC_NONE);
	CHECK(current_input_sync_parse("fsync") < 0, "an unknown mode is refused");
	CHECK_EQ(sizeof(struct current_input_header), CURRENT_INPUT_HEADER);
}

/* Reads this process's record in dir; returns its bytes (to free). */
static uint8_t *read_own(struct current_input_header *h)
{
	char path[256];
	uint8_t *data;

	snprintf(path, sizeof(path), "%s/%d.input", dir, (int)getpid());
	CHECK(current_input_read(path, h, &data) == 0, "%s: %s", path, strerror(errno));
	return data;
}

/* Each input is in the file, whole, before it runs; the counter goes up; close says so. */
static void test_records(void)
{
	static uint8_t big[CURRENT_INPUT_CAPACITY + 5000];
	struct current_input_header h;
	uint8_t *data;

	setenv("MSREXIT_CURRENT_INPUT", dir, 1);
	setenv("MSREXIT_CURRENT_INPUT_SYNC", "device", 1);
	campaign_hook_begin((const uint8_t *)"first", 5);
	data = read_own(&h);
	CHECK_EQ(h.state, CURRENT_INPUT_RUNNING);
	CHECK_EQ(h.size, 5);
	CHECK_EQ(h.seq, 1);
	CHECK_EQ(h.pid, getpid());
	CHECK(data && !memcmp(data, "first", 5), "the input's bytes");
	free(data);

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	campaign_hook_begin(big, sizeof(big)); /* larger than the file was: it grows */
	data = read_own(&h);
	CHECK_EQ(h.seq, 2);
	CHECK_EQ(h.size, sizeof(big));
	CHECK(data && !memcmp(data, big, sizeof(big)), "a large input whole");
	free(data);

	campaign_hook_begin((const uint8_t *)"ab", 2); /* shorter than the one before */
	data = read_own(&h);
	CHECK_EQ(h.size, 2);
	CHECK(data && !memcmp(data, "ab", 2), "no bytes of the input before");
	free(data);

	campaign_hook_close();
	data = read_own(&h);
	CHECK_EQ(h.state, CURRENT_INPUT_CLOSED);
	CHECK_EQ(h.seq, 3);
	CHECK(data && h.size == 2 && !memcmp(data, "ab", 2), "the last input stays");
	free(data);
}

/* A record whose bytes do not match its hash (torn by a crash while written) is refused. */
static void test_torn(void)
{
	char path[256];
	struct current_input_header h;
	uint8_t *data;
	FILE *f;

	campaign_hook_begin((const uint8_t *)"whole", 5);
	snprintf(path, sizeof(path), "%s/%d.input", dir, (int)getpid());
	f = fopen(path, "r+b");
	CHECK(f != NULL, "%s", path);
	if (!f)
		return;
	fseek(f, CURRENT_INPUT_HEADER + 1, SEEK_SET);
	fputc('X', f);
	fclose(f);
	CHECK(current_input_read(path, &h, &data) < 0 && errno == EINVAL, "torn record refused");
	CHECK(data == NULL, "no bytes for a torn record");
}

/* The findings log names the input by its hash; MSREXIT_ONLY_SIGNATURE keeps one signature. */
static void test_findings_log(void)
{
	char path[256], want[128], *got = NULL;
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/findings.log", dir);
	setenv("MSREXIT_FINDINGS_LOG", path, 1);
	campaign_hook_begin((const uint8_t *)"a", 1);
	campaign_hook_finding("rdmsr/FILTER/rax-expected-got-wrong");
	f = fopen(path, "r");
	CHECK(f && getline(&got, &n, f) > 0, "a line in %s", path);
	snprintf(want, sizeof(want), "af63dc4c8601ec8c 1 rdmsr/FILTER/rax-expected-got-wrong\n");
	CHECK(got && !strcmp(got, want), "log line '%s'", got ? got : "");
	free(got);
	if (f)
		fclose(f);

	CHECK(campaign_hook_wanted("x/y"), "every signature without MSREXIT_ONLY_SIGNATURE");
	setenv("MSREXIT_ONLY_SIGNATURE", "x/y", 1);
	CHECK(campaign_hook_wanted("x/y"), "the one named");
	CHECK(!campaign_hook_wanted("x/z"), "not another");
	unsetenv("MSREXIT_ONLY_SIGNATURE");
}

/* Two inputs through a fixed file, in a fresh process (this one's hook is set up already). */
static void child_run(const char *path)
{
	setenv("MSREXIT_CURRENT_INPUT", path, 1);
	campaign_hook_begin((const uint8_t *)"p", 1);
	campaign_hook_begin((const uint8_t *)"q", 1);
	_exit(0); /* skips atexit: the record stays RUNNING, as after a crash */
}

/* A file named directly (not a directory) keeps counting over the processes that use it. */
static void test_fixed_file_counts_on(const char *self)
{
	char path[256];
	struct current_input_header h;
	uint8_t *data;

	snprintf(path, sizeof(path), "%s/fixed.input", dir);
	for (int run = 0; run < 2; run++) {
		pid_t pid = fork();
		int st;

		if (pid == 0) {
			execl(self, self, "--child", path, (char *)NULL);
			_exit(127);
		}
		waitpid(pid, &st, 0);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %d", st);
	}
	CHECK(current_input_read(path, &h, &data) == 0, "%s", path);
	CHECK_EQ(h.seq, 4);
	CHECK_EQ(h.state, CURRENT_INPUT_RUNNING);
	CHECK(data && data[0] == 'q', "the last input");
	free(data);
}

int main(int argc, char **argv)
{
	char cmd[300];

	if (argc == 3 && !strcmp(argv[1], "--child"))
		child_run(argv[2]);

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	test_hash_and_parse();
	test_records();
	test_torn();
	test_findings_log();
	test_fixed_file_counts_on("/proc/self/exe");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", dir);
	return unit_summary("campaign_hook");
}

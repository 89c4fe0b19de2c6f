/* campaign_workers.c - starting the engines (AFL++ main and secondaries on one sync dir, or libFuzzer -fork=N) and reading what they report. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "campaign.h"

#define AFL_TIMEOUT_MS "5000" /* the target's own watchdog ends a hang after 1 s a batch */
#define LIBFUZZER_TIMEOUT_S "10"
#define ENV_MAX (CAMPAIGN_PATH + 64)

/* The hooks of the targets (fuzz/campaign_hook.h) and the temporary files, for every worker. */
static void target_env(const struct campaign *c, char env[][ENV_MAX], unsigned *n)
{
	static const char *const sync_names[] = { "none", "device", "full" };

	snprintf(env[(*n)++], ENV_MAX, "MSREXIT_CURRENT_INPUT=%s/current", c->dir);
	snprintf(env[(*n)++], ENV_MAX, "MSREXIT_CURRENT_INPUT_SYNC=%s", sync_names[c->o.sync]);
	snprintf(env[(*n)++], ENV_MAX, "MSREXIT_FINDINGS_LOG=%s/findings.log", c->dir);
	snprintf(env[(*n)++], ENV_MAX, "TMPDIR=%s/tmp", c->dir);
}

static int start(struct campaign *c, const char *name, char *const argv[], const char *const env[])
{
	static const char *const unset[] = { "MSREXIT_ONLY_SIGNATURE", NULL };
	struct worker *w = &c->w[c->nworkers];
	struct spawn s = { .argv = argv, .env = env, .unset = unset, .out = w->log };
	int fd;

	snprintf(w->name, sizeof(w->name), "%s", name);
	snprintf(w->log, sizeof(w->log), "%s/logs/%s.log", c->dir, name);
	w->log_read = 0;
	fd = open(w->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	w->pid = spawn_process(&s);
	if (w->pid < 0) {
		fprintf(stderr, "msrexit campaign: cannot start %s\n", argv[0]);
		w->pid = 0;
		return -1;
	}
	c->nworkers++;
	return 0;
}

static int start_afl(struct campaign *c, unsigned seconds)
{
	char env[16][ENV_MAX], out[PATH_MAX], maxlen[16], secs[16];
	const char *envp[17];
	unsigned n = 0;
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);

	target_env(c, env, &n);
	/* per-second statistics over UDP: fuzzer_stats is only written once a minute */
	if (c->statsd_fd >= 0 && !getsockname(c->statsd_fd, (struct sockaddr *)&a, &alen)) {
		snprintf(env[n++], ENV_MAX, "AFL_STATSD_PORT=%u", ntohs(a.sin_port));
		snprintf(env[n++], ENV_MAX, "AFL_STATSD=1");
		snprintf(env[n++], ENV_MAX, "AFL_STATSD_HOST=127.0.0.1");
		snprintf(env[n++], ENV_MAX, "AFL_STATSD_TAGS_FLAVOR=dogstatsd");
	}
	/* resume on the same sync dir; seeds that already fail are skipped, not fatal */
	snprintf(env[n++], ENV_MAX, "AFL_AUTORESUME=1");
	snprintf(env[n++], ENV_MAX, "AFL_SKIP_CRASHES=1");
	snprintf(env[n++], ENV_MAX, "AFL_NO_UI=1");
	snprintf(env[n++], ENV_MAX, "AFL_SKIP_CPUFREQ=1");
	snprintf(env[n++], ENV_MAX, "AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1");
	if (!getenv("AFL_NO_AFFINITY"))
		snprintf(env[n++], ENV_MAX, "AFL_NO_AFFINITY=1");
	for (unsigned i = 0; i < n; i++)
		envp[i] = env[i];
	envp[n] = NULL;
	snprintf(out, sizeof(out), "%s/afl", c->dir);
	snprintf(maxlen, sizeof(maxlen), "%u", c->max_len);
	snprintf(secs, sizeof(secs), "%u", seconds);
	for (unsigned j = 0; j < c->o.jobs; j++) {
		char name[16];
		/* clang-format off */
		char *argv[] = { "afl-fuzz", "-i", c->seeds, "-o", out, j ? "-S" : "-M", name,
				 "-T", name, "-x", c->dict, "-t", AFL_TIMEOUT_MS, "-G", maxlen,
				 "-V", secs, "--", c->fuzzer, NULL };
		/* clang-format on */

		if (j)
			snprintf(name, sizeof(name), "s%u", j);
		else
			snprintf(name, sizeof(name), "main");
		if (start(c, name, argv, envp))
			return -1;
	}
	return 0;
}

static int start_libfuzzer(struct campaign *c, unsigned seconds)
{
	char env[8][ENV_MAX], a[8][ENV_MAX], corpus[PATH_MAX];
	const char *envp[9];
	unsigned n = 0;

	target_env(c, env, &n);
	for (unsigned i = 0; i < n; i++)
		envp[i] = env[i];
	envp[n] = NULL;
	snprintf(corpus, sizeof(corpus), "%s/libfuzzer/corpus", c->dir);
	snprintf(a[0], sizeof(a[0]), "%s/libfuzzer/crashes", c->dir);
	if (mkdir_p(corpus) || mkdir_p(a[0]))
		return -1;
	snprintf(a[0], sizeof(a[0]), "-fork=%u", c->o.jobs);
	snprintf(a[1], sizeof(a[1]), "-dict=%s", c->dict);
	snprintf(a[2], sizeof(a[2]), "-max_len=%u", c->max_len);
	snprintf(a[3], sizeof(a[3]), "-max_total_time=%u", seconds);
	snprintf(a[4], sizeof(a[4]), "-artifact_prefix=%s/libfuzzer/crashes/", c->dir);
	/* clang-format off */
	char *argv[] = { c->fuzzer, a[0], "-ignore_crashes=1", "-ignore_timeouts=1",
			 "-ignore_ooms=1", a[1], a[2], a[3], a[4], "-timeout=" LIBFUZZER_TIMEOUT_S,
			 "-print_final_stats=1", corpus, c->seeds, NULL };
	/* clang-format on */
	return start(c, "libfuzzer", argv, envp);
}

int start_workers(struct campaign *c)
{
	unsigned seconds = c->o.seconds < 1 ? 1 : (unsigned)(c->o.seconds + 0.5);

	c->nworkers = 0;
	if (c->engine == ENGINE_AFL)
		return start_afl(c, seconds);
	return start_libfuzzer(c, seconds);
}

void open_statsd(struct campaign *c)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	c->statsd_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->statsd_fd >= 0 && bind(c->statsd_fd, (struct sockaddr *)&a, sizeof(a))) {
		close(c->statsd_fd);
		c->statsd_fd = -1;
	}
}

/* Files in dir whose name starts with prefix. */
static unsigned long count_files(const char *dir, const char *prefix)
{
	unsigned long n = 0;
	struct dirent *e;
	DIR *d = opendir(dir);

	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.' && !strncmp(e->d_name, prefix, strlen(prefix));
	if (d)
		closedir(d);
	return n;
}

/* A value in a "name : value" file of AFL++ (fuzzer_stats). */
static unsigned long stats_value(const char *path, const char *name)
{
	char *text = read_text_file(path, NULL), *p;
	unsigned long v = 0;

	if (!text)
		return 0;
	p = strstr(text, name);
	if (p && (p = strchr(p, ':')))
		v = strtoul(p + 1, NULL, 10);
	free(text);
	return v;
}

/* StatsD lines "fuzzing.edges_found:1815|g|#banner:main,...": the largest edges_found. */
static void read_statsd(struct campaign *c)
{
	char buf[65536];
	ssize_t n;

	while (c->statsd_fd >= 0 && (n = recv(c->statsd_fd, buf, sizeof(buf) - 1, 0)) > 0) {
		const char *p = buf;

		buf[n] = '\0';
		while ((p = strstr(p, "fuzzing.edges_found:"))) {
			unsigned long v = strtoul(p + strlen("fuzzing.edges_found:"), NULL, 10);

			if (v > c->feedback)
				c->feedback = v;
			p++;
		}
	}
}

static void read_afl_stats(struct campaign *c)
{
	char path[PATH_MAX];

	read_statsd(c);
	for (unsigned i = 0; i < c->nworkers; i++) {
		unsigned long v;

		snprintf(path, sizeof(path), "%s/afl/%s/fuzzer_stats", c->dir, c->w[i].name);
		v = stats_value(path, "edges_found");
		if (v > c->feedback)
			c->feedback = v;
	}
	snprintf(path, sizeof(path), "%s/afl/main/queue", c->dir);
	c->corpus = count_files(path, "id:");
}

/* The -fork parent's lines "#N: cov: C ft: F corp: K ...": F is the feedback (features). */
static void read_libfuzzer_log(struct campaign *c, struct worker *w)
{
	char buf[65536], *line, *save;
	int fd = open(w->log, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return;
	while ((n = pread(fd, buf, sizeof(buf) - 1, w->log_read)) > 0) {
		char *end;

		buf[n] = '\0';
		end = strrchr(buf, '\n');
		if (!end)
			break; /* a line being written */
		end[1] = '\0';
		w->log_read += end + 1 - buf;
		for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			const char *ft = strstr(line, " ft: ");

			if (line[0] == '#' && ft)
				c->feedback = strtoul(ft + 5, NULL, 10);
		}
	}
	close(fd);
}

void read_engine_stats(struct campaign *c)
{
	char path[PATH_MAX];

	if (c->engine == ENGINE_AFL) {
		read_afl_stats(c);
		return;
	}
	for (unsigned i = 0; i < c->nworkers; i++)
		read_libfuzzer_log(c, &c->w[i]);
	snprintf(path, sizeof(path), "%s/libfuzzer/corpus", c->dir);
	c->corpus = count_files(path, "");
}

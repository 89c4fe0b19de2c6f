/* campaign_state.c - a campaign's workdir across sessions: totals, the running marker, inputs left running (suspects), execution counters. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "campaign.h"

static void path_in(const struct campaign *c, const char *name, char *out)
{
	snprintf(out, PATH_MAX, "%s/%s", c->dir, name);
}

int state_load(struct campaign *c)
{
	char path[PATH_MAX], line[256], word[32];
	FILE *f;

	path_in(c, "campaign.state", path);
	f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? 0 : -1;
	while (fgets(line, sizeof(line), f)) {
		struct session *s = &c->sessions[c->nsessions];
		long long wall;
		unsigned long long execs;

		if (sscanf(line, "engine %31s", word) == 1) {
			enum engine e = !strcmp(word, "afl")	   ? ENGINE_AFL :
					!strcmp(word, "libfuzzer") ? ENGINE_LIBFUZZER :
								     ENGINE_NONE;

			if (c->engine != ENGINE_NONE && e != ENGINE_NONE && e != c->engine) {
				fprintf(
				    stderr,
				    "msrexit campaign: %s holds a campaign of engine %s; give --engine %s "
				    "or another --workdir\n",
				    c->dir, word, word);
				fclose(f);
				return -1;
			}
			c->engine = e;
		} else if (sscanf(line, "seconds %lf", &c->prior_seconds) == 1 ||
			   sscanf(line, "fuzzing %lf", &c->prior_fuzz_seconds) == 1) {
		} else if (sscanf(line, "execs %llu", &execs) == 1) {
			c->prior_execs = execs;
		} else if (c->nsessions < CAMPAIGN_MAX_SESSIONS &&
			   sscanf(line, "session %lld %lf", &wall, &s->prior) == 2) {
			s->wall = (time_t)wall;
			c->nsessions++;
		}
	}
	fclose(f);
	return 0;
}

/* Written whole and renamed, so that a crash leaves the old state or the new one. */
int state_save(struct campaign *c)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	FILE *f;
	int st;

	path_in(c, "campaign.state", path);
	path_in(c, "campaign.state.tmp", tmp);
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "# msrexit campaign: totals over every session on this workdir\n");
	fprintf(f, "engine %s\nseconds %.3f\nfuzzing %.3f\nexecs %llu\n", engine_name(c->engine),
		c->prior_seconds + campaign_now(c), c->prior_fuzz_seconds + c->fuzz_seconds,
		(unsigned long long)(c->prior_execs + c->retired_execs + c->live_execs));
	for (unsigned i = 0; i < c->nsessions; i++)
		fprintf(f, "session %lld %.3f\n", (long long)c->sessions[i].wall,
			c->sessions[i].prior);
	st = fflush(f) || fsync(fileno(f)) ? -1 : 0;
	if (fclose(f) || st)
		return -1;
	return rename(tmp, path);
}

static void read_boot_id(char *buf, size_t size)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");

	if (!f || !fgets(buf, (int)size, f))
		snprintf(buf, size, "unknown");
	buf[strcspn(buf, "\n")] = '\0';
	if (f)
		fclose(f);
}

/* What the marker of an earlier session says: 1 the machine rebooted since, 0 it did not, -1 no marker. */
static int earlier_session(const struct campaign *c, long long *wall, long *pid)
{
	char path[PATH_MAX], boot[64], was[64] = "";
	FILE *f;
	int n;

	path_in(c, "campaign.running", path);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fscanf(f, "%63s %ld %lld", was, pid, wall);
	fclose(f);
	if (n != 3)
		return -1;
	read_boot_id(boot, sizeof(boot));
	return strcmp(boot, was) != 0;
}

static void say_suspects_cause(int rebooted, long long wall, long pid)
{
	char when[64] = "?";
	time_t t = (time_t)wall;
	struct tm tm;

	if (localtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	if (rebooted == 1)
		fprintf(
		    stderr,
		    "msrexit campaign: the campaign started %s on this workdir (pid %ld) did not end, "
		    "and the machine has rebooted since:\nthese inputs were running then; one of "
		    "them may have killed the kernel (replay them with care, where a machine can "
		    "be lost):\n",
		    when, pid);
	else if (rebooted == 0)
		fprintf(
		    stderr,
		    "msrexit campaign: the campaign started %s on this workdir (pid %ld) was killed "
		    "before it ended (the kernel survived it):\nthese inputs were running then:\n",
		    when, pid);
	else
		fprintf(stderr,
			"msrexit campaign: inputs left running by processes that did not end "
			"cleanly:\n");
}

/* Keeps a running input in suspects/ and lists it in suspects/index.tsv. */
static void keep_suspect(struct campaign *c, const struct current_input_header *h,
			 const uint8_t *data, int rebooted, long long wall)
{
	char name[128], path[PATH_MAX], index[PATH_MAX];
	FILE *f;

	snprintf(name, sizeof(name), "suspects/%lld-%llu.bin", wall, (unsigned long long)h->pid);
	path_in(c, name, path);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, h->size, f) != h->size) {
		fprintf(stderr, "msrexit campaign: cannot write %s\n", path);
		if (f)
			fclose(f);
		return;
	}
	fclose(f);
	path_in(c, "suspects/index.tsv", index);
	f = fopen(index, "a");
	if (f) {
		fprintf(f, "%lld\t%lld\t%d\t%llu\t%llu\t%u\t%s\n", (long long)time(NULL), wall,
			rebooted, (unsigned long long)h->pid, (unsigned long long)h->seq, h->size,
			name);
		fclose(f);
	}
	fprintf(stderr, "    %s/%s (%u bytes, input %llu of process %llu)\n", c->dir, name, h->size,
		(unsigned long long)h->seq, (unsigned long long)h->pid);
}

static unsigned count_suspects(const struct campaign *c)
{
	char path[PATH_MAX], line[512];
	unsigned n = 0;
	FILE *f;

	path_in(c, "suspects/index.tsv", path);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		n++;
	if (f)
		fclose(f);
	return n;
}

static void collect_leftovers(struct campaign *c)
{
	char dir[PATH_MAX], path[PATH_MAX];
	long long wall = (long long)time(NULL);
	long pid = 0;
	int rebooted = earlier_session(c, &wall, &pid);
	bool said = false;
	struct dirent *e;
	DIR *d;

	path_in(c, "current", dir);
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		struct current_input_header h;
		uint8_t *data;

		if (e->d_name[0] == '.' || path_join(path, sizeof(path), dir, e->d_name))
			continue;
		if (!current_input_read(path, &h, &data) && h.state == CURRENT_INPUT_RUNNING) {
			if (!said)
				say_suspects_cause(rebooted, wall, pid);
			said = true;
			keep_suspect(c, &h, data, rebooted, wall);
		}
		free(data);
		unlink(path);
	}
	if (d)
		closedir(d);
	if (said)
		fprintf(stderr, "  (`msrexit repro FILE` replays one; the report lists them)\n");
}

/* The marker of a running campaign, on the device before any input runs. */
static int write_marker(struct campaign *c)
{
	char path[PATH_MAX], boot[64];
	FILE *f;
	int dfd, st;

	read_boot_id(boot, sizeof(boot));
	path_in(c, "campaign.running", path);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "%s %ld %lld\n", boot, (long)getpid(), (long long)time(NULL));
	st = fflush(f) || fsync(fileno(f)) ? -1 : 0;
	if (fclose(f) || st)
		return -1;
	dfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

/* A line in the kernel log naming where the input is, for whoever reads the log after a crash. */
static void tell_kernel_log(struct campaign *c)
{
	char line[PATH_MAX + 200];
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	int n;

	if (fd < 0)
		return;
	n = snprintf(line, sizeof(line),
		     "<5>msrexit campaign %ld: each fuzzing process keeps the input it is about to "
		     "run in %s/current/PID.input\n",
		     (long)getpid(), c->dir);
	c->kmsg_written = write(fd, line, (size_t)n) == n;
	close(fd);
}

int state_begin(struct campaign *c)
{
	static const char *const dirs[] = { "current", "suspects", "findings", "logs", "tmp" };
	char path[PATH_MAX];

	for (unsigned i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		path_in(c, dirs[i], path);
		if (mkdir_p(path)) {
			fprintf(stderr, "msrexit campaign: cannot make %s\n", path);
			return -1;
		}
	}
	collect_leftovers(c);
	c->suspects = count_suspects(c);
	if (c->nsessions < CAMPAIGN_MAX_SESSIONS)
		c->sessions[c->nsessions++] = (struct session){ time(NULL), c->prior_seconds };
	if (write_marker(c) || state_save(c)) {
		fprintf(stderr, "msrexit campaign: cannot write the state in %s\n", c->dir);
		return -1;
	}
	if (c->o.seconds > 0)
		tell_kernel_log(c);
	return 0;
}

static bool process_ended(pid_t pid)
{
	return kill(pid, 0) && errno == ESRCH;
}

void sweep_current_inputs(struct campaign *c, bool all_ended)
{
	char dir[PATH_MAX], path[PATH_MAX];
	uint64_t live = 0;
	struct dirent *e;
	DIR *d;

	path_in(c, "current", dir);
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		struct current_input_header h;
		int fd;

		if (e->d_name[0] == '.' || path_join(path, sizeof(path), dir, e->d_name))
			continue;
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (pread(fd, &h, sizeof(h), 0) != sizeof(h) ||
		    memcmp(h.magic, CURRENT_INPUT_MAGIC, sizeof(h.magic))) {
			close(fd);
			continue; /* being created */
		}
		close(fd);
		if (all_ended || h.state == CURRENT_INPUT_CLOSED || process_ended((pid_t)h.pid)) {
			c->retired_execs += h.seq;
			unlink(path);
		} else {
			live += h.seq;
		}
	}
	if (d)
		closedir(d);
	c->live_execs = live;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	if (ftw->level > 0)
		remove(path);
	return 0;
}

void state_end(struct campaign *c)
{
	char path[PATH_MAX];

	sweep_current_inputs(c, true);
	if (state_save(c))
		fprintf(stderr, "msrexit campaign: cannot save the state in %s\n", c->dir);
	path_in(c, "tmp", path);
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS); /* the engines' leftovers */
	path_in(c, "campaign.running", path);
	unlink(path);
}

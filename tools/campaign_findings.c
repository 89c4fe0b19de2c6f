/* campaign_findings.c - a campaign's crash files: each one's signature, one finding per signature, each finding minimized to a text program. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "campaign.h"

#define REPLAY_SECONDS 30

/* What the targets logged (MSREXIT_FINDINGS_LOG): an input's hash and its signature. */
struct logged {
	uint64_t hash;
	char sig[FUZZ_SIG_MAX];
};

/*
 * The crash files already triaged, as a set of their paths' hashes (open
 * addressing, 0 for empty): a long libFuzzer campaign keeps tens of thousands,
 * looked at every second.
 */
static struct {
	struct logged *log;
	size_t nlog, caplog;
	uint64_t *seen;
	size_t nseen, capseen; /* capseen: a power of two */
} tr;

static void grow(void **p, size_t *cap, size_t need, size_t elem)
{
	void *q;

	if (need <= *cap)
		return;
	q = realloc(*p, (*cap ? *cap * 2 : 256) * elem);
	if (!q) {
		fprintf(stderr, "msrexit campaign: out of memory\n");
		exit(2);
	}
	*p = q;
	*cap = *cap ? *cap * 2 : 256;
}

static uint64_t path_hash(const char *s)
{
	uint64_t h = input_hash((const uint8_t *)s, strlen(s));

	return h ? h : 1;
}

static uint64_t *seen_slot(uint64_t *set, size_t cap, uint64_t h)
{
	size_t i = (size_t)h & (cap - 1);

	while (set[i] && set[i] != h)
		i = (i + 1) & (cap - 1);
	return &set[i];
}

static bool seen(const char *rel)
{
	return tr.capseen && *seen_slot(tr.seen, tr.capseen, path_hash(rel));
}

static void mark_seen(const char *rel)
{
	uint64_t *slot;

	if (2 * (tr.nseen + 1) > tr.capseen) {
		size_t cap = tr.capseen ? tr.capseen * 2 : 1024;
		uint64_t *set = calloc(cap, sizeof(*set));

		if (!set) {
			fprintf(stderr, "msrexit campaign: out of memory\n");
			exit(2);
		}
		for (size_t i = 0; i < tr.capseen; i++)
			if (tr.seen[i])
				*seen_slot(set, cap, tr.seen[i]) = tr.seen[i];
		free(tr.seen);
		tr.seen = set;
		tr.capseen = cap;
	}
	slot = seen_slot(tr.seen, tr.capseen, path_hash(rel));
	tr.nseen += !*slot;
	*slot = path_hash(rel);
}

static struct finding *finding_of(struct campaign *c, const char *sig, bool *is_new)
{
	struct finding *f;

	*is_new = false;
	for (unsigned i = 0; i < c->nf; i++)
		if (!strcmp(c->f[i].sig, sig))
			return &c->f[i];
	if (c->nf == CAMPAIGN_MAX_FINDINGS)
		return NULL;
	f = &c->f[c->nf++];
	memset(f, 0, sizeof(*f));
	snprintf(f->sig, sizeof(f->sig), "%s", sig);
	signature_slug(sig, f->slug, sizeof(f->slug));
	*is_new = true;
	return f;
}

static void count_in(struct campaign *c, const char *sig, const char *rel, time_t mtime,
		     size_t size, bool say)
{
	bool is_new;
	struct finding *f = finding_of(c, sig, &is_new);

	c->crash_files++;
	if (!f)
		return;
	if (is_new || mtime < f->first_seen)
		f->first_seen = mtime;
	if (is_new || size < f->smallest_size) {
		f->smallest_size = size;
		snprintf(f->smallest, sizeof(f->smallest), "%s", rel);
	}
	f->files++;
	if (is_new && say)
		fprintf(stderr, "\nmsrexit campaign: new finding %s (%s/%s)\n", sig, c->dir, rel);
}

void load_findings(struct campaign *c)
{
	char path[PATH_MAX], line[PATH_MAX + 256], sig[FUZZ_SIG_MAX], rel[CAMPAIGN_PATH];
	long long mtime;
	size_t size;
	FILE *f;

	snprintf(path, sizeof(path), "%s/findings/triage.tsv", c->dir);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%159[^\t]\t%lld\t%zu\t%1023[^\n]", sig, &mtime, &size, rel) != 4)
			continue;
		mark_seen(rel);
		count_in(c, sig, rel, (time_t)mtime, size, false);
	}
	if (f)
		fclose(f);
}

/* New lines of the targets' findings log. */
static void read_findings_log(struct campaign *c)
{
	char path[PATH_MAX], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/findings.log", c->dir);
	f = fopen(path, "r");
	if (!f || fseeko(f, c->findings_log_read, SEEK_SET)) {
		if (f)
			fclose(f);
		return;
	}
	while (fgets(line, sizeof(line), f) && strchr(line, '\n')) {
		struct logged l;
		unsigned long long h;
		size_t size;

		c->findings_log_read = ftello(f);
		if (sscanf(line, "%16llx %zu %159s", &h, &size, l.sig) != 3)
			continue;
		l.hash = h;
		grow((void **)&tr.log, &tr.caplog, tr.nlog + 1, sizeof(*tr.log));
		tr.log[tr.nlog++] = l;
	}
	fclose(f);
}

static const char *logged_signature(uint64_t hash)
{
	for (size_t i = tr.nlog; i-- > 0;)
		if (tr.log[i].hash == hash)
			return tr.log[i].sig;
	return NULL;
}

/* The signature in a target's output: its finding line, else what a sanitizer or libFuzzer said. */
static void output_signature(const char *out, bool killed, char *sig)
{
	const char *p, *last = NULL;

	sig[0] = '\0';
	for (p = out; (p = strstr(p, "msrexit-finding: ")); p++)
		last = p;
	if (last) {
		sscanf(last + strlen("msrexit-finding: "), "%159s", sig);
	} else if ((p = strstr(out, "ERROR: AddressSanitizer: "))) {
		char kind[64] = "error";

		sscanf(p + strlen("ERROR: AddressSanitizer: "), "%63[a-z-]", kind);
		snprintf(sig, FUZZ_SIG_MAX, "harness/asan/%s", kind);
	} else if (strstr(out, "runtime error:")) {
		snprintf(sig, FUZZ_SIG_MAX, "harness/ubsan");
	} else if (killed || strstr(out, "ERROR: libFuzzer: timeout")) {
		snprintf(sig, FUZZ_SIG_MAX, "harness/timeout");
	}
}

void replay_signature(struct campaign *c, const char *input, const char *only, char *sig)
{
	static const char *const unset[] = { "MSREXIT_CURRENT_INPUT", "MSREXIT_FINDINGS_LOG",
					     "MSREXIT_ONLY_SIGNATURE", NULL };
	char log[PATH_MAX], env_only[FUZZ_SIG_MAX + 32], *out;
	const char *env[] = { env_only, NULL };
	char *argv_afl[] = { c->fuzzer, NULL }, *argv_lf[] = { c->fuzzer, (char *)input, NULL };
	struct spawn s = { .argv = c->engine == ENGINE_AFL ? argv_afl : argv_lf,
			   .env = only ? env : NULL,
			   .unset = unset,
			   .out = log,
			   .in = c->engine == ENGINE_AFL ? input : NULL };
	bool killed;

	snprintf(env_only, sizeof(env_only), "MSREXIT_ONLY_SIGNATURE=%s", only ? only : "");
	snprintf(log, sizeof(log), "%s/logs/replay.log", c->dir);
	unlink(log);
	run_process(&s, REPLAY_SECONDS, &killed);
	out = read_text_file(log, NULL);
	output_signature(out ? out : "", killed, sig);
	free(out);
}

/* The signature of one crash file: from the targets' log, else by a replay (-1: none left). */
static int file_signature(struct campaign *c, const char *path, bool hang, unsigned *replays,
			  char *sig)
{
	size_t len;
	char *data = read_text_file(path, &len);
	const char *logged;

	if (!data)
		return -1;
	logged = logged_signature(input_hash((const uint8_t *)data, len));
	free(data);
	if (logged) {
		snprintf(sig, FUZZ_SIG_MAX, "%s", logged);
		return 0;
	}
	if (!*replays || !c->fuzzer[0])
		return -1;
	(*replays)--;
	replay_signature(c, path, NULL, sig);
	if (!sig[0])
		snprintf(sig, FUZZ_SIG_MAX, "unreproducible/%s", hang ? "hang" : "crash");
	return 0;
}

static void record(struct campaign *c, const char *rel, const char *sig, const struct stat *st)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/findings/triage.tsv", c->dir);
	f = fopen(path, "a");
	if (f) {
		fprintf(f, "%s\t%lld\t%zu\t%s\n", sig, (long long)st->st_mtime, (size_t)st->st_size,
			rel);
		fclose(f);
	}
	mark_seen(rel);
	count_in(c, sig, rel, st->st_mtime, (size_t)st->st_size, true);
}

static bool is_crash_name(const char *name)
{
	static const char *const prefixes[] = { "id:", "crash-", "timeout-", "oom-", "leak-" };

	for (unsigned i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/* Crash files in DIR/sub (relative to the workdir) not triaged yet. */
static void triage_dir(struct campaign *c, const char *sub, bool hangs, unsigned *replays)
{
	char dir[PATH_MAX], rel[CAMPAIGN_PATH], path[PATH_MAX], sig[FUZZ_SIG_MAX];
	struct dirent *e;
	struct stat st;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/%s", c->dir, sub);
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		if (!is_crash_name(e->d_name) ||
		    snprintf(rel, sizeof(rel), "%s/%s", sub, e->d_name) >= (int)sizeof(rel) ||
		    seen(rel) || path_join(path, sizeof(path), c->dir, rel) || stat(path, &st))
			continue;
		if (file_signature(c, path, hangs || !strncmp(e->d_name, "timeout-", 8), replays,
				   sig)) {
			c->untriaged++;
			continue;
		}
		record(c, rel, sig, &st);
	}
	if (d)
		closedir(d);
}

void triage(struct campaign *c, unsigned max_replays)
{
	char dir[PATH_MAX], sub[CAMPAIGN_PATH];
	struct dirent *e;
	DIR *d;

	read_findings_log(c);
	c->untriaged = 0;
	if (c->engine == ENGINE_LIBFUZZER) {
		triage_dir(c, "libfuzzer/crashes", false, &max_replays);
		return;
	}
	snprintf(dir, sizeof(dir), "%s/afl", c->dir);
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "afl/%s/crashes", e->d_name);
		triage_dir(c, sub, false, &max_replays);
		snprintf(sub, sizeof(sub), "afl/%s/hangs", e->d_name);
		triage_dir(c, sub, true, &max_replays);
	}
	if (d)
		closedir(d);
}

/* ---- minimization ---- */

static int engine_minimize(struct campaign *c, const struct finding *f, const char *in,
			   const char *out)
{
	char env_only[FUZZ_SIG_MAX + 32], env_tmp[PATH_MAX + 8], log[PATH_MAX],
	    exact[PATH_MAX + 32], secs[32];
	const char *env[] = { env_only, env_tmp, NULL };
	static const char *const unset[] = { "MSREXIT_CURRENT_INPUT", "MSREXIT_FINDINGS_LOG",
					     NULL };
	/* clang-format off */
	char *afl[] = { "afl-tmin", "-i", (char *)in, "-o", (char *)out, "-t", "5000", "--",
			c->fuzzer, NULL };
	char *lf[] = { c->fuzzer, "-minimize_crash=1", "-runs=1000000", secs, exact, (char *)in,
		       NULL };
	/* clang-format on */
	struct spawn s = { .argv = c->engine == ENGINE_AFL ? afl : lf, .env = env };
	bool killed;

	s.unset = unset;
	s.out = log;
	snprintf(env_only, sizeof(env_only), "MSREXIT_ONLY_SIGNATURE=%s", f->sig);
	snprintf(env_tmp, sizeof(env_tmp), "TMPDIR=%s/tmp", c->dir);
	snprintf(log, sizeof(log), "%s/logs/engine-min-%s.log", c->dir, f->slug);
	snprintf(secs, sizeof(secs), "-max_total_time=%.0f", c->o.minimize_seconds);
	snprintf(exact, sizeof(exact), "-exact_artifact_path=%s", out);
	unlink(log);
	/* -minimize_crash keeps its best so far in out: a cut-short run still helps */
	run_process(&s, c->o.minimize_seconds, &killed);
	return access(out, R_OK) == 0 ? 0 : -1;
}

static int msrexit_minimize(struct campaign *c, const struct finding *f, const char *in,
			    const char *out)
{
	char log[PATH_MAX];
	static const char *const unset[] = { "MSREXIT_CURRENT_INPUT", "MSREXIT_FINDINGS_LOG",
					     "MSREXIT_ONLY_SIGNATURE", NULL };
	char *argv[] = { c->self, "minimize", "--binary", (char *)in, "-o", (char *)out, NULL };
	struct spawn s = { .argv = argv, .unset = unset, .out = log };
	bool killed;
	int st;

	snprintf(log, sizeof(log), "%s/logs/minimize-%s.log", c->dir, f->slug);
	unlink(log);
	st = run_process(&s, c->o.minimize_seconds, &killed);
	return !killed && st == 0 && access(out, R_OK) == 0 ? 0 : -1;
}

int disasm_file(struct campaign *c, const char *in, const char *out, const char *comment)
{
	char *argv[] = { c->self, "disasm", "--binary", (char *)in, NULL };
	struct spawn s = { .argv = argv, .out = out };
	FILE *f = fopen(out, "w");
	bool killed;

	if (!f)
		return -1;
	fprintf(f, "# %s\n", comment);
	fclose(f);
	if (run_process(&s, REPLAY_SECONDS, &killed) == 0)
		return 0;
	unlink(out);
	return -1;
}

/* The input the engine's minimizer left, if it still gives the finding's signature. */
static const char *engine_minimized(struct campaign *c, const struct finding *f, const char *in,
				    const char *out)
{
	char sig[FUZZ_SIG_MAX];

	unlink(out);
	if (engine_minimize(c, f, in, out) || campaign_interrupts)
		return in;
	replay_signature(c, out, NULL, sig);
	return strcmp(sig, f->sig) ? in : out;
}

static void minimize_one(struct campaign *c, struct finding *f)
{
	char dir[PATH_MAX], src[PATH_MAX], in[PATH_MAX], emin[PATH_MAX], prog[PATH_MAX], note[512];
	const char *best;
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/findings/%s", c->dir, f->slug);
	snprintf(prog, sizeof(prog), "%s/findings/%s/program.msr", c->dir, f->slug);
	if (!stat(prog, &st) || mkdir_p(dir))
		return; /* minimized in an earlier session */
	snprintf(src, sizeof(src), "%s/%s", c->dir, f->smallest);
	snprintf(in, sizeof(in), "%s/findings/%s/input.bin", c->dir, f->slug);
	snprintf(emin, sizeof(emin), "%s/findings/%s/engine-min.bin", c->dir, f->slug);
	if (copy_file(src, in))
		return;
	fprintf(stderr,
		"msrexit campaign: minimizing %s (%zu bytes) with %s, then msrexit minimize\n",
		f->sig, f->smallest_size, c->engine == ENGINE_AFL ? "afl-tmin" : "-minimize_crash");
	best = engine_minimized(c, f, in, emin);
	if (campaign_interrupts || !msrexit_minimize(c, f, best, prog) || campaign_interrupts)
		return;
	snprintf(
	    note, sizeof(note),
	    "%s: not minimized at the program level (msrexit minimize failed: logs/minimize-%s.log)",
	    f->sig, f->slug);
	disasm_file(c, best, prog, note);
}

void minimize_findings(struct campaign *c)
{
	for (unsigned i = 0; i < c->nf && c->fuzzer[0] && !campaign_interrupts; i++)
		minimize_one(c, &c->f[i]);
}

/* finding.c - what repro and minimize share: reading an input of any kind, a run's signature, the kernel log. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "execute.h"
#include "finding.h"
#include "health.h"
#include "known.h"
#include "kvm.h"
#include "signature.h"

/* The names libFuzzer and AFL++ give the inputs they save: raw binary programs, no magic. */
static const char *fuzzer_artifact(const char *path)
{
	static const char *const libfuzzer[] = { "crash-", "leak-", "timeout-", "oom-",
						 "slow-unit-" };
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	for (unsigned i = 0; i < sizeof(libfuzzer) / sizeof(libfuzzer[0]); i++)
		if (!strncmp(base, libfuzzer[i], strlen(libfuzzer[i])))
			return "libFuzzer artifact, read as a binary program";
	if (!strncmp(base, "id:", 3))
		return "AFL++ input, read as a binary program";
	return NULL;
}

static int refuse(const char *cmd, const char *path, const char *why)
{
	fprintf(stderr, "msrexit %s: %s: %s\n", cmd, path, why);
	return EXIT_BAD_INPUT;
}

/* A directory, a device, an empty or a huge file: said before anything is read. */
static int check_file(const char *cmd, const char *path, size_t *size)
{
	struct stat st;
	char why[160];

	if (stat(path, &st)) {
		snprintf(why, sizeof(why), "cannot read: %s", strerror(errno));
		return refuse(cmd, path, why);
	}
	if (S_ISDIR(st.st_mode))
		return refuse(cmd, path, "is a directory, not a program file");
	if (!S_ISREG(st.st_mode))
		return refuse(cmd, path, "is not a regular file");
	if (st.st_size == 0)
		return refuse(cmd, path, "is empty: there is no program in it to reproduce");
	if ((unsigned long long)st.st_size > INPUT_MAX_BYTES) {
		snprintf(why, sizeof(why),
			 "is %llu bytes: no program or fuzzer input is larger than %u bytes",
			 (unsigned long long)st.st_size, INPUT_MAX_BYTES);
		return refuse(cmd, path, why);
	}
	*size = (size_t)st.st_size;
	return 0;
}

static bool starts_with_magic(const char *path)
{
	unsigned char m[2] = { 0 };
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(m, 1, 2, f) : 0;

	if (f)
		fclose(f);
	return n == 2 && m[0] == PROG_BIN_MAGIC0 && m[1] == PROG_BIN_MAGIC1;
}

/* A text whose last line has no newline was most likely cut short. */
static bool ends_mid_line(const char *path)
{
	FILE *f = fopen(path, "rb");
	int last = EOF;

	if (f && fseek(f, -1, SEEK_END) == 0)
		last = fgetc(f);
	if (f)
		fclose(f);
	return last != EOF && last != '\n';
}

static void explain_parse_error(const char *cmd, const char *path, const struct parse_error *err)
{
	if (strstr(err->msg, "is not text"))
		fprintf(stderr,
			"msrexit %s: %s is not a text program; if it is a raw fuzzer input, "
			"--binary reads it as the fuzzers do\n",
			cmd, path);
	else if (strstr(err->msg, "has no 'end'") || ends_mid_line(path))
		fprintf(stderr, "msrexit %s: %s ends before the program does: truncated?\n", cmd,
			path);
}

int input_load(const char *cmd, const char *path, enum prog_file_kind kind, struct input *in)
{
	const char *artifact = fuzzer_artifact(path);
	struct parse_error err;

	memset(in, 0, sizeof(*in));
	in->path = path;
	if (check_file(cmd, path, &in->size))
		return EXIT_BAD_INPUT;
	if (kind == PROG_FILE_AUTO && artifact)
		kind = PROG_FILE_BINARY;
	if (kind == PROG_FILE_AUTO)
		kind = starts_with_magic(path) ? PROG_FILE_BINARY : PROG_FILE_TEXT;
	in->origin = kind == PROG_FILE_TEXT ? "text program" :
		     artifact		    ? artifact :
					      "binary program";
	if (program_load_file(path, kind, &in->p, &err) == 0)
		return 0;
	fprintf(stderr, "%s:%u:%u: error: %s\n", path, err.line, err.column, err.msg);
	if (kind == PROG_FILE_TEXT)
		explain_parse_error(cmd, path, &err);
	return EXIT_BAD_INPUT;
}

const char *run_signature(const struct program *p, const struct run_result *r,
			  const struct kernel_facts *f, char *buf)
{
	int why[MAX_MISMATCHES], first = -1;

	buf[0] = 0;
	/* a WARNING another msrexit process injected for its own test is not this run's */
	if (r->unhealthy && (exec_inject_from_env() == INJECT_KMSG ||
			     !strstr(r->health, "msrexit: injected for a test"))) {
		fuzz_health_signature(r->health, buf);
		return buf;
	}
	if (!r->v.n)
		return buf;
	/* as the fuzzers choose (fuzz/target.c): the first mismatch no known fact explains */
	first = known_explain(p, &r->t, &r->v, f, why);
	fuzz_mismatch_signature(&r->v.m[first >= 0 ? first : 0], &r->t, buf);
	return buf;
}

void print_known(const struct program *p, const struct run_result *r, const struct kernel_facts *f,
		 FILE *out)
{
	int why[MAX_MISMATCHES];
	bool said[KNOWN_COUNT] = { false };

	if (!r->v.n)
		return;
	known_explain(p, &r->t, &r->v, f, why);
	for (unsigned i = 0; i < r->v.n; i++) {
		if (why[i] == KNOWN_NONE || said[why[i]])
			continue;
		said[why[i]] = true;
		fprintf(out, "known on this platform (the fuzzers do not report it again): %s\n",
			known_table[why[i]].what);
	}
}

void kmsg_open(struct kmsg *k)
{
	k->fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (k->fd >= 0)
		lseek(k->fd, 0, SEEK_END);
}

unsigned kmsg_print_new(struct kmsg *k, FILE *out, const char *prefix)
{
	char rec[8192];
	unsigned n = 0;

	for (; k->fd >= 0;) {
		ssize_t got = read(k->fd, rec, sizeof(rec) - 1);
		char *msg;

		if (got < 0 && errno == EPIPE)
			continue; /* records were overwritten: go on with the next */
		if (got <= 0)
			break;
		msg = kmsg_text(rec, (size_t)got);
		fprintf(out, "%s%s\n", prefix, msg);
		n++;
	}
	return n;
}

void kmsg_close(struct kmsg *k)
{
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
}

/* campaign_locate.c - which fuzz target a campaign runs, and its seeds, dictionary and input size limit. */
#define _GNU_SOURCE
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "campaign.h"

#ifndef MSREXIT_SOURCE_DIR
#define MSREXIT_SOURCE_DIR "."
#endif
#define DEFAULT_MAX_LEN 2048

/*
 * Each engine's mark in a target, reversed: written forwards, msrexit itself
 * would carry it. AFL++'s deferred fork server (__AFL_INIT; the persistent-mode
 * mark is in the runtime of every afl-clang-fast program, msrexit's too); a
 * libFuzzer flag's name (in every libFuzzer binary, in no standalone one).
 */
static const struct {
	const char *name, *target, *marker_reversed, *flavour;
} engines[] = {
	[ENGINE_AFL] = { "afl", "msrexit-afl", "##VRSKROF_REFED_LFA_GIS##", "afl" },
	[ENGINE_LIBFUZZER] = { "libfuzzer", "msrexit-fuzz", "pets_lanretni_hsarc_eziminim",
			       "fuzz" },
};

static bool has_marker(const char *path, enum engine e)
{
	const char *r = engines[e].marker_reversed;
	size_t n = strlen(r);
	char marker[64];

	for (size_t i = 0; i < n; i++)
		marker[i] = r[n - 1 - i];
	marker[n] = '\0';
	return file_contains(path, marker);
}

const char *engine_name(enum engine e)
{
	return e == ENGINE_NONE ? "none" : engines[e].name;
}

static enum engine engine_of(const char *path)
{
	if (has_marker(path, ENGINE_AFL))
		return ENGINE_AFL;
	if (has_marker(path, ENGINE_LIBFUZZER))
		return ENGINE_LIBFUZZER;
	return ENGINE_NONE;
}

/* Next to this msrexit (a fuzz build), in the checkout's build-afl/ or build-fuzz/, or the source's. */
static bool find_target(const struct campaign *c, enum engine e, char *out, char *looked,
			size_t looked_size)
{
	char exe_dir[CAMPAIGN_PATH], cand[3][PATH_MAX];
	size_t used = strlen(looked);

	snprintf(exe_dir, sizeof(exe_dir), "%s", c->self);
	dirname(exe_dir);
	snprintf(cand[0], PATH_MAX, "%s/fuzz/%s", exe_dir, engines[e].target);
	snprintf(cand[1], PATH_MAX, "%s/../build-%s/fuzz/%s", exe_dir, engines[e].flavour,
		 engines[e].target);
	snprintf(cand[2], PATH_MAX, "%s/build-%s/fuzz/%s", MSREXIT_SOURCE_DIR, engines[e].flavour,
		 engines[e].target);
	for (int i = 0; i < 3; i++) {
		if (is_executable(cand[i]) && engine_of(cand[i]) == e && !real_path(cand[i], out))
			return true;
		used += (size_t)snprintf(looked + used, used < looked_size ? looked_size - used : 0,
					 "  %s\n", cand[i]);
	}
	return false;
}

static void say_how_to_build(enum engine e, const char *looked)
{
	fprintf(stderr,
		"msrexit campaign: no %s target found; looked at\n%s"
		"build it with `ci/build.sh %s` (%s), or give --fuzzer PATH\n",
		e == ENGINE_AFL ? "AFL++" : "libFuzzer", looked, engines[e].flavour,
		e == ENGINE_AFL ? "needs afl++: ci/install-deps.sh" :
				  "needs clang: ci/install-deps.sh");
}

static int given_target(struct campaign *c)
{
	enum engine e;

	if (!is_executable(c->o.fuzzer) || real_path(c->o.fuzzer, c->fuzzer)) {
		fprintf(stderr, "msrexit campaign: --fuzzer %s is not an executable file\n",
			c->o.fuzzer);
		return -1;
	}
	e = engine_of(c->fuzzer);
	if (e == ENGINE_NONE) {
		fprintf(
		    stderr,
		    "msrexit campaign: %s is neither an AFL++ target (`ci/build.sh afl` builds "
		    "build-afl/fuzz/msrexit-afl) nor a libFuzzer one (`ci/build.sh fuzz` builds "
		    "build-fuzz/fuzz/msrexit-fuzz)\n",
		    c->fuzzer);
		return -1;
	}
	if (c->engine != ENGINE_NONE && c->engine != e) {
		fprintf(stderr, "msrexit campaign: %s is a %s target, not %s\n", c->fuzzer,
			engine_name(e), engine_name(c->engine));
		return -1;
	}
	c->engine = e;
	return 0;
}

static int search_target(struct campaign *c)
{
	char looked[4 * PATH_MAX] = "";

	if (c->engine != ENGINE_NONE) {
		if (find_target(c, c->engine, c->fuzzer, looked, sizeof(looked)))
			return 0;
		say_how_to_build(c->engine, looked);
		return -1;
	}
	/* AFL++ first where it is installed: its workers share nothing but the sync dir */
	if (in_path("afl-fuzz") && find_target(c, ENGINE_AFL, c->fuzzer, looked, sizeof(looked))) {
		c->engine = ENGINE_AFL;
		return 0;
	}
	if (find_target(c, ENGINE_LIBFUZZER, c->fuzzer, looked, sizeof(looked))) {
		c->engine = ENGINE_LIBFUZZER;
		return 0;
	}
	fprintf(stderr,
		"msrexit campaign: no fuzz target found; looked at\n%s"
		"build one with `ci/build.sh afl` (AFL++) or `ci/build.sh fuzz` (libFuzzer), "
		"or give --fuzzer PATH\n",
		looked);
	return -1;
}

/* max_len from the target's .options (OSS-Fuzz's layout); libFuzzer does not read it itself. */
static unsigned options_max_len(const char *dir)
{
	char path[PATH_MAX];
	char *text, *p;
	unsigned v = DEFAULT_MAX_LEN;

	snprintf(path, sizeof(path), "%s/msrexit-fuzz.options", dir);
	text = read_text_file(path, NULL);
	if (!text)
		return v;
	p = strstr(text, "max_len");
	if (p && (p = strchr(p, '=')))
		v = (unsigned)strtoul(p + 1, NULL, 10);
	free(text);
	return v ? v : DEFAULT_MAX_LEN;
}

static int locate_inputs(struct campaign *c)
{
	char dir[CAMPAIGN_PATH];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", c->fuzzer);
	dirname(dir);
	if (snprintf(c->seeds, sizeof(c->seeds), c->o.seeds ? "%s" : "%s/seeds",
		     c->o.seeds ? c->o.seeds : dir) >= (int)sizeof(c->seeds) ||
	    stat(c->seeds, &st) || !S_ISDIR(st.st_mode)) {
		fprintf(stderr,
			"msrexit campaign: no seed directory %s (the fuzz build makes it; or give "
			"--seeds DIR)\n",
			c->seeds);
		return -1;
	}
	if (snprintf(c->dict, sizeof(c->dict), c->o.dict ? "%s" : "%s/msrexit.dict",
		     c->o.dict ? c->o.dict : dir) >= (int)sizeof(c->dict) ||
	    access(c->dict, R_OK)) {
		fprintf(stderr, "msrexit campaign: no dictionary %s (give --dict FILE)\n", c->dict);
		return -1;
	}
	c->max_len = options_max_len(dir);
	return 0;
}

int locate_fuzzer(struct campaign *c)
{
	if (c->o.fuzzer ? given_target(c) : search_target(c))
		return -1;
	if (c->engine == ENGINE_AFL && (!in_path("afl-fuzz") || !in_path("afl-tmin"))) {
		fprintf(stderr, "msrexit campaign: afl-fuzz and afl-tmin are not in $PATH "
				"(ci/install-deps.sh installs afl++)\n");
		return -1;
	}
	return locate_inputs(c);
}

/* campaign_report.c - a campaign's report in its workdir: report.txt (summary, findings) and report.html (plots as inline SVG, afl-plot's, findings with their programs). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "campaign.h"

struct samples {
	double *t, *eps, *corpus, *feedback;
	size_t n, cap;
	double corpus_last, feedback_last; /* the last sample's */
};

struct suspect_row {
	long long found, wall;
	int rebooted;
	unsigned long long pid, seq;
	unsigned size;
	char file[256];
};

static void load_samples(const struct campaign *c, struct samples *s)
{
	char path[PATH_MAX], line[512];
	FILE *f;

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "%s/samples.tsv", c->dir);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		double t, eps, corpus, feedback, execs;
		long long wall;

		if (sscanf(line, "%lf %lld %lf %lf %lf %lf", &t, &wall, &execs, &eps, &corpus,
			   &feedback) != 6)
			continue;
		if (s->n == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 1024;
			s->t = realloc(s->t, s->cap * sizeof(double));
			s->eps = realloc(s->eps, s->cap * sizeof(double));
			s->corpus = realloc(s->corpus, s->cap * sizeof(double));
			s->feedback = realloc(s->feedback, s->cap * sizeof(double));
			if (!s->t || !s->eps || !s->corpus || !s->feedback)
				break;
		}
		s->t[s->n] = t;
		s->eps[s->n] = eps;
		s->corpus[s->n] = corpus;
		s->feedback[s->n] = feedback;
		s->corpus_last = corpus;
		s->feedback_last = feedback;
		s->n++;
	}
	if (f)
		fclose(f);
}

static void free_samples(struct samples *s)
{
	free(s->t);
	free(s->eps);
	free(s->corpus);
	free(s->feedback);
}

static unsigned load_suspects(const struct campaign *c, struct suspect_row *rows, unsigned max)
{
	char path[PATH_MAX], line[PATH_MAX + 200];
	unsigned n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/suspects/index.tsv", c->dir);
	f = fopen(path, "r");
	while (f && n < max && fgets(line, sizeof(line), f)) {
		struct suspect_row *r = &rows[n];

		if (sscanf(line, "%lld %lld %d %llu %llu %u %255s", &r->found, &r->wall,
			   &r->rebooted, &r->pid, &r->seq, &r->size, r->file) == 7)
			n++;
	}
	if (f)
		fclose(f);
	return n;
}

static void wall_text(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, size, "?");
}

/* The text program of a finding (minimized, or the input as it is) or a suspect; malloc'd. */
static char *program_text(struct campaign *c, const char *bin, const char *msr, const char *why)
{
	struct stat st;
	char *text;

	if (stat(msr, &st) && disasm_file(c, bin, msr, why))
		return strdup("(no text: msrexit disasm could not read the input)\n");
	text = read_text_file(msr, NULL);
	return text ? text : strdup("(unreadable)\n");
}

static char *finding_program(struct campaign *c, const struct finding *f, bool *minimized)
{
	char msr[PATH_MAX], bin[PATH_MAX];
	struct stat st;

	snprintf(msr, sizeof(msr), "%s/findings/%s/program.msr", c->dir, f->slug);
	*minimized = !stat(msr, &st);
	if (*minimized)
		return read_text_file(msr, NULL);
	snprintf(bin, sizeof(bin), "%s/findings/%s", c->dir, f->slug);
	mkdir_p(bin);
	snprintf(msr, sizeof(msr), "%s/findings/%s/unminimized.msr", c->dir, f->slug);
	snprintf(bin, sizeof(bin), "%s/%s", c->dir, f->smallest);
	return program_text(c, bin, msr,
			    "not minimized yet (the next campaign on this workdir minimizes it)");
}

struct summary {
	double seconds, session_seconds, fuzz_seconds, session_eps, eps_all;
	unsigned long long execs, session_execs;
	unsigned suspects;
	unsigned long corpus, feedback;
	char kernel[128], host[128];
};

static void summarize(const struct campaign *c, const struct samples *s, unsigned suspects,
		      struct summary *m)
{
	struct utsname u;

	m->seconds = campaign_elapsed(c);
	m->session_seconds = campaign_now(c);
	m->execs = c->prior_execs + c->retired_execs + c->live_execs;
	m->session_execs = c->retired_execs + c->live_execs;
	m->fuzz_seconds = c->prior_fuzz_seconds + c->fuzz_seconds;
	m->session_eps = c->fuzz_seconds > 0 ? m->session_execs / c->fuzz_seconds : 0;
	m->eps_all = m->fuzz_seconds > 0 ? m->execs / m->fuzz_seconds : 0;
	m->suspects = suspects;
	/* a session that did not fuzz says what the last one that did saw */
	m->corpus = c->fuzz_seconds > 0 ? c->corpus : (unsigned long)s->corpus_last;
	m->feedback = c->fuzz_seconds > 0 ? c->feedback : (unsigned long)s->feedback_last;
	if (uname(&u)) {
		snprintf(m->kernel, sizeof(m->kernel), "?");
		snprintf(m->host, sizeof(m->host), "?");
	} else {
		snprintf(m->kernel, sizeof(m->kernel), "%s", u.release);
		snprintf(m->host, sizeof(m->host), "%s", u.nodename);
	}
}

static void text_summary(FILE *f, const struct campaign *c, const struct summary *m)
{
	char d1[32], d2[32], d3[32];

	format_duration(m->seconds, d1, sizeof(d1));
	format_duration(m->session_seconds, d2, sizeof(d2));
	format_duration(m->fuzz_seconds, d3, sizeof(d3));
	fprintf(f, "msrexit campaign report: %s\n\n", c->dir);
	fprintf(f, "engine:      %s, %u worker%s, target %s\n", engine_name(c->engine), c->o.jobs,
		c->o.jobs == 1 ? "" : "s", c->fuzzer[0] ? c->fuzzer : "(none)");
	fprintf(f, "machine:     %s, kernel %s\n", m->host, m->kernel);
	fprintf(f, "duration:    %s over %u session%s, %s of it fuzzing (this session %s: %s)\n",
		d1, c->nsessions, c->nsessions == 1 ? "" : "s", d3, d2,
		c->end_reason ? c->end_reason : "no fuzzing");
	fprintf(f, "execs:       %llu (this session %llu)\n", m->execs, m->session_execs);
	fprintf(f, "execs/s:     %.0f this session, %.0f over the campaign (time fuzzing)\n",
		m->session_eps, m->eps_all);
	fprintf(f, "corpus:      %lu inputs\n", m->corpus);
	fprintf(f, "feedback:    %lu %s\n", m->feedback,
		c->engine == ENGINE_AFL ?
		    "edges in AFL++'s map (code edges and msrexit's tuples)" :
		    "libFuzzer features (code coverage and msrexit's tuples)");
	fprintf(f, "findings:    %u signature%s in %u crash file%s%s\n", c->nf,
		c->nf == 1 ? "" : "s", c->crash_files, c->crash_files == 1 ? "" : "s",
		c->untriaged ? " (some not triaged yet)" : "");
	fprintf(f, "suspects:    %u input%s left running by a campaign that did not end\n",
		m->suspects, m->suspects == 1 ? "" : "s");
	fprintf(f, "crash guard: each input kept in current/ before it runs (sync %s)%s\n",
		c->o.sync == CURRENT_INPUT_SYNC_FULL   ? "full" :
		c->o.sync == CURRENT_INPUT_SYNC_DEVICE ? "device" :
							 "none",
		c->kmsg_written ? ", named in the kernel log" : "");
}

static void text_findings(FILE *f, struct campaign *c)
{
	fprintf(f, "\nfindings\n  # %-52s %-28s %6s  program\n", "signature",
		"first seen (campaign time)", "files");
	for (unsigned i = 0; i < c->nf; i++) {
		const struct finding *x = &c->f[i];
		char when[32], ct[32], seen[80];

		wall_text(x->first_seen, when, sizeof(when));
		format_duration(campaign_time_at(c, x->first_seen), ct, sizeof(ct));
		snprintf(seen, sizeof(seen), "%s (%s)", when, ct);
		fprintf(f, "%3u %-52s %-28s %6u  findings/%s/program.msr\n", i + 1, x->sig, seen,
			x->files, x->slug);
	}
	for (unsigned i = 0; i < c->nf; i++) {
		bool minimized;
		char *text = finding_program(c, &c->f[i], &minimized);

		fprintf(f, "\n--- finding %u: %s (%s)\n%s", i + 1, c->f[i].sig,
			minimized ? "minimized" : "not minimized yet", text ? text : "");
		free(text);
	}
}

static void text_suspects(FILE *f, struct campaign *c, const struct suspect_row *r, unsigned n)
{
	if (!n)
		return;
	fprintf(f, "\ninputs left running when a campaign did not end (suspects/)\n");
	for (unsigned i = 0; i < n; i++) {
		char when[32], bin[PATH_MAX], msr[PATH_MAX];
		char *text;

		wall_text((time_t)r[i].wall, when, sizeof(when));
		snprintf(bin, sizeof(bin), "%s/%s", c->dir, r[i].file);
		snprintf(msr, sizeof(msr), "%.*s.msr", (int)(strlen(bin) - 4), bin);
		text = program_text(c, bin, msr, "an input left running by a campaign");
		fprintf(f, "\n--- %s: campaign of %s, process %llu, input %llu, %u bytes; %s\n%s",
			r[i].file, when, r[i].pid, r[i].seq, r[i].size,
			r[i].rebooted == 1 ?
			    "the machine rebooted since: it may have killed the kernel" :
			r[i].rebooted == 0 ? "the kernel survived (the campaign was killed)" :
					     "no campaign marker",
			text);
		free(text);
	}
}

/* ---- HTML ---- */

static void html_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else
			fputc(*s, f);
	}
}

static double nice_max(double v)
{
	double step = 1;

	if (v <= 0)
		return 1;
	while (step * 10 < v)
		step *= 10;
	for (double m = 1; m <= 10; m += m < 2 ? 1 : m < 5 ? 3 : 5)
		if (step * m >= v)
			return step * m;
	return step * 10;
}

#define W 760
#define H 220
#define ML 64
#define MR 16
#define MT 28
#define MB 34

/* One series over campaign time; dashed lines where a later session started. */
static void svg_plot(FILE *f, const struct campaign *c, const char *title, const double *x,
		     const double *y, size_t n)
{
	double xmax = n ? x[n - 1] : 1, ymax = 0;
	size_t step = n > 1500 ? n / 1500 : 1;

	for (size_t i = 0; i < n; i++)
		ymax = y[i] > ymax ? y[i] : ymax;
	ymax = nice_max(ymax);
	xmax = xmax > 0 ? xmax : 1;
	fprintf(f,
		"<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' "
		"font-family='sans-serif' font-size='11'>\n<text x='%d' y='16' font-size='13' "
		"font-weight='bold'>%s</text>\n",
		W, H, ML, title);
	for (int k = 0; k <= 4; k++) {
		double yv = ymax * k / 4;
		int py = H - MB - (H - MB - MT) * k / 4;
		int px = ML + (W - ML - MR) * k / 4;
		char label[32];

		format_count(yv, label, sizeof(label));
		fprintf(f,
			"<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='#ddd'/><text x='%d' y='%d' "
			"text-anchor='end'>%s</text>\n",
			ML, py, W - MR, py, ML - 4, py + 4, label);
		format_duration(xmax * k / 4, label, sizeof(label));
		fprintf(f, "<text x='%d' y='%d' text-anchor='middle'>%s</text>\n", px, H - MB + 16,
			label);
	}
	for (unsigned s = 1; s < c->nsessions; s++) {
		int px = ML + (int)((W - ML - MR) * (c->sessions[s].prior / xmax));

		fprintf(
		    f,
		    "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='#999' stroke-dasharray='4 3'/>"
		    "\n",
		    px, MT, px, H - MB);
	}
	fprintf(f, "<polyline fill='none' stroke='#1f6feb' stroke-width='1.5' points='");
	for (size_t i = 0; i < n; i += step)
		fprintf(f, "%.1f,%.1f ", ML + (W - ML - MR) * (x[i] / xmax),
			H - MB - (H - MB - MT) * (y[i] / ymax));
	fprintf(f,
		"'/>\n<text x='%d' y='%d' text-anchor='middle' fill='#666'>campaign time "
		"(dashed: a resumed session)</text>\n</svg>\n",
		ML + (W - ML - MR) / 2, H - 4);
}

/* afl-plot's PNGs (gnuplot) into afl-plot/, or why there are none; the line says which. */
static void afl_plot(struct campaign *c, FILE *html)
{
	char in[CAMPAIGN_PATH + 32], out[CAMPAIGN_PATH + 32], log[PATH_MAX], png[PATH_MAX];
	static const char *const pngs[] = { "exec_speed.png", "high_freq.png", "low_freq.png",
					    "edges.png" };
	char *argv[] = { "afl-plot", in, out, NULL };
	struct spawn s = { .argv = argv, .out = log };
	bool killed, any = false;
	char *said;

	fprintf(html, "<h2>afl-plot</h2>\n");
	if (!in_path("gnuplot") || !in_path("afl-plot")) {
		fprintf(html, "<p>Not drawn: gnuplot is not installed (ci/install-deps.sh installs "
			      "gnuplot-nox).</p>\n");
		return;
	}
	snprintf(in, sizeof(in), "%s/afl/main", c->dir);
	snprintf(out, sizeof(out), "%s/afl-plot", c->dir);
	snprintf(log, sizeof(log), "%s/logs/afl-plot.log", c->dir);
	unlink(log);
	run_process(&s, 60, &killed);
	for (unsigned i = 0; i < sizeof(pngs) / sizeof(pngs[0]); i++) {
		snprintf(png, sizeof(png), "%s/%s", out, pngs[i]);
		if (access(png, R_OK))
			continue;
		fprintf(html, "<p><img src='afl-plot/%s' alt='%s'></p>\n", pngs[i], pngs[i]);
		any = true;
	}
	if (any)
		return;
	said = read_text_file(log, NULL);
	fprintf(html, "<p>Not drawn: <code>");
	html_escape(html, said && strstr(said, "[-] ") ? strstr(said, "[-] ") : "afl-plot failed");
	fprintf(html, "</code> (AFL++ writes plot_data every 5 s after its first minute)</p>\n");
	free(said);
}

static void html_findings(FILE *f, struct campaign *c)
{
	fprintf(f, "<h2>Findings</h2>\n");
	if (!c->nf) {
		fprintf(f, "<p>None.</p>\n");
		return;
	}
	fprintf(f, "<table><tr><th>#</th><th>signature</th><th>first seen</th><th>campaign "
		   "time</th><th>files</th><th>text program</th></tr>\n");
	for (unsigned i = 0; i < c->nf; i++) {
		const struct finding *x = &c->f[i];
		char when[32], ct[32];
		bool minimized;
		char *text = finding_program(c, x, &minimized);

		wall_text(x->first_seen, when, sizeof(when));
		format_duration(campaign_time_at(c, x->first_seen), ct, sizeof(ct));
		fprintf(f, "<tr><td>%u</td><td><code>", i + 1);
		html_escape(f, x->sig);
		fprintf(f,
			"</code></td><td>%s</td><td>%s</td><td>%u</td><td><a "
			"href='findings/%s/'>findings/%s/</a> (%s)<pre>",
			when, ct, x->files, x->slug, x->slug,
			minimized ? "minimized" : "not minimized yet");
		html_escape(f, text ? text : "");
		fprintf(f, "</pre></td></tr>\n");
		free(text);
	}
	fprintf(f, "</table>\n");
}

static void html_page(FILE *f, struct campaign *c, const struct samples *s, const char *summary,
		      const char *suspects)
{
	fprintf(f, "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>msrexit campaign: ");
	html_escape(f, c->dir);
	fprintf(f, "</title><style>body{font-family:sans-serif;max-width:1100px;margin:1em auto}"
		   "pre{background:#f6f8fa;padding:6px;font-size:12px}table{border-collapse:"
		   "collapse}td,th{border:1px solid #ccc;padding:4px;vertical-align:top}</style>"
		   "</head><body>\n<h1>msrexit campaign</h1>\n<pre>");
	html_escape(f, summary);
	fprintf(f, "</pre>\n<h2>Over time</h2>\n");
	svg_plot(f, c, "executions per second", s->t, s->eps, s->n);
	svg_plot(f, c, "corpus size (inputs)", s->t, s->corpus, s->n);
	svg_plot(f, c, "feedback", s->t, s->feedback, s->n);
	if (c->engine == ENGINE_AFL)
		afl_plot(c, f);
	html_findings(f, c);
	if (suspects && *suspects) {
		fprintf(f, "<h2>Inputs left running (suspects)</h2>\n<pre>");
		html_escape(f, suspects);
		fprintf(f, "</pre>\n");
	}
	fprintf(f, "<p>Samples: samples.tsv; state: campaign.state; text: report.txt.</p>\n"
		   "</body></html>\n");
}

/* Text pieces are made in memory first: report.txt and report.html share them. */
static char *mem_text(void (*fn)(FILE *, struct campaign *, const void *), struct campaign *c,
		      const void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return strdup("");
	fn(f, c, arg);
	fclose(f);
	return buf;
}

static void summary_fn(FILE *f, struct campaign *c, const void *m)
{
	text_summary(f, c, m);
}

struct suspects_arg {
	const struct suspect_row *r;
	unsigned n;
};

static void suspects_fn(FILE *f, struct campaign *c, const void *a)
{
	const struct suspects_arg *s = a;

	text_suspects(f, c, s->r, s->n);
}

int write_reports(struct campaign *c)
{
	static struct suspect_row rows[256];
	char path[PATH_MAX];
	struct samples s;
	struct summary m;
	struct suspects_arg sa = { rows, load_suspects(c, rows, 256) };
	char *summary, *suspects;
	FILE *f;
	int st = 0;

	load_samples(c, &s);
	summarize(c, &s, sa.n, &m);
	summary = mem_text(summary_fn, c, &m);
	suspects = mem_text(suspects_fn, c, &sa);
	snprintf(path, sizeof(path), "%s/report.txt", c->dir);
	f = fopen(path, "w");
	if (f) {
		fputs(summary, f);
		text_findings(f, c);
		fputs(suspects, f);
		st |= fclose(f);
	} else {
		st = -1;
	}
	snprintf(path, sizeof(path), "%s/report.html", c->dir);
	f = fopen(path, "w");
	if (f) {
		html_page(f, c, &s, summary, suspects);
		st |= fclose(f);
	} else {
		st = -1;
	}
	free(summary);
	free(suspects);
	free_samples(&s);
	return st;
}

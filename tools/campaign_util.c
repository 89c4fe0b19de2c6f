/* campaign_util.c - small helpers of `msrexit campaign`: durations, counts, signature slugs, files. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "campaign.h"

double parse_duration(const char *s)
{
	double total = 0;
	const char *p = s;

	if (!*s)
		return -1;
	while (*p) {
		char *end;
		unsigned long v;

		if (!isdigit((unsigned char)*p))
			return -1;
		errno = 0;
		v = strtoul(p, &end, 10);
		if (errno || v > 100000000ul)
			return -1;
		switch (*end) {
		case 'd':
			total += v * 86400.0;
			end++;
			break;
		case 'h':
			total += v * 3600.0;
			end++;
			break;
		case 'm':
			total += v * 60.0;
			end++;
			break;
		case 's':
			end++;
			/* fallthrough */
		case '\0':
			total += v;
			break;
		default:
			return -1;
		}
		p = end;
	}
	return total;
}

void format_duration(double seconds, char *buf, size_t size)
{
	unsigned long s = seconds > 0 ? (unsigned long)(seconds + 0.5) : 0;

	if (s >= 3600)
		snprintf(buf, size, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, size, "%lu:%02lu", s / 60, s % 60);
}

void format_count(double v, char *buf, size_t size)
{
	if (v >= 1e9)
		snprintf(buf, size, "%.2fG", v / 1e9);
	else if (v >= 1e6)
		snprintf(buf, size, "%.2fM", v / 1e6);
	else if (v >= 1e4)
		snprintf(buf, size, "%.1fk", v / 1e3);
	else
		snprintf(buf, size, "%.0f", v);
}

void signature_slug(const char *sig, char *slug, size_t size)
{
	size_t i;

	for (i = 0; sig[i] && i + 1 < size; i++) {
		char ch = sig[i];

		slug[i] = ch == '/' ? '_' : (isalnum((unsigned char)ch) || ch == '-') ? ch : '-';
	}
	slug[i] = '\0';
}

double campaign_now(const struct campaign *c)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - c->t0.tv_sec) + (t.tv_nsec - c->t0.tv_nsec) / 1e9;
}

double campaign_elapsed(const struct campaign *c)
{
	return c->prior_seconds + campaign_now(c);
}

double campaign_time_at(const struct campaign *c, time_t t)
{
	const struct session *s = NULL;

	for (unsigned i = 0; i < c->nsessions; i++)
		if (c->sessions[i].wall <= t)
			s = &c->sessions[i];
	if (!s)
		return 0;
	return s->prior + (double)(t - s->wall);
}

int real_path(const char *path, char *out)
{
	char full[PATH_MAX];

	if (!realpath(path, full) || strlen(full) >= CAMPAIGN_PATH)
		return -1;
	memcpy(out, full, strlen(full) + 1);
	return 0;
}

int path_join(char *out, size_t size, const char *a, const char *b)
{
	int n = snprintf(out, size, "%s/%s", a, b);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int mkdir_p(const char *path)
{
	char tmp[PATH_MAX];

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return -1;
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(tmp, 0755) && errno != EEXIST ? -1 : 0;
}

int copy_file(const char *from, const char *to)
{
	size_t len;
	char *data = read_text_file(from, &len);
	FILE *f;
	int st = -1;

	if (!data)
		return -1;
	f = fopen(to, "wb");
	if (f) {
		st = fwrite(data, 1, len, f) == len ? 0 : -1;
		if (fclose(f))
			st = -1;
	}
	free(data);
	return st;
}

char *read_text_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			char *b = realloc(buf, cap = (cap ? cap * 2 : 8192));

			if (!b) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = b;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);

		n += got;
		if (!got)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

bool is_executable(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode) && !access(path, X_OK);
}

bool file_contains(const char *path, const char *s)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	void *m;
	bool found = false;

	if (fd < 0)
		return false;
	if (!fstat(fd, &st) && st.st_size > 0) {
		m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m != MAP_FAILED) {
			found = memmem(m, (size_t)st.st_size, s, strlen(s)) != NULL;
			munmap(m, (size_t)st.st_size);
		}
	}
	close(fd);
	return found;
}

bool in_path(const char *name)
{
	const char *path = getenv("PATH");
	char dir[PATH_MAX], full[PATH_MAX];

	while (path && *path) {
		size_t n = strcspn(path, ":");

		snprintf(dir, sizeof(dir), "%.*s", (int)n, path);
		if (n && !path_join(full, sizeof(full), dir, name) && is_executable(full))
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

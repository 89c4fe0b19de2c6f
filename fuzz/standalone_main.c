/* standalone_main.c - runs a fuzz target over files and directories without an engine (gcc builds, replays). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static unsigned long ran;

/* Exactly the file's bytes in a buffer of their size: ASan sees a read past the input, as under libFuzzer. */
static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	struct stat st;
	size_t n = 0;

	if (!f || fstat(fileno(f), &st) || !(buf = malloc(st.st_size ? (size_t)st.st_size : 1))) {
		perror(path);
		if (f)
			fclose(f);
		return -1;
	}
	if (st.st_size)
		n = fread(buf, 1, (size_t)st.st_size, f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	ran++;
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* The regular files of dir, in name order: the same order on every machine. */
static int run_dir(const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, by_name), bad = 0;

	if (n < 0) {
		perror(dir);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && run_file(path))
			bad = -1;
		free(names[i]);
	}
	free(names);
	return bad;
}

/* Arguments starting with '-' are libFuzzer's options: ignored, so one command line fits both. */
int main(int argc, char **argv)
{
	int bad = 0;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (argv[i][0] == '-')
			continue;
		if (stat(argv[i], &st)) {
			perror(argv[i]);
			bad = 1;
		} else if (S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i])) {
			bad = 1;
		}
	}
	fprintf(stderr, "%s: ran %lu inputs\n", argv[0], ran);
	return bad ? 2 : 0;
}

/*
 * kernel_files.h - the regression folders the kernel differentials
 * replay (difftest/, vdiff/): their *.txt files, in name order.
 */
#ifndef BPFVM_TESTS_KERNEL_FILES_H
#define BPFVM_TESTS_KERNEL_FILES_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline int kernel_files_by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.txt files of dir as "dir/name", sorted, in *names (each and the
 * array malloc'd; *n of them; the array may be NULL when there are none).
 * -1 when dir is not a directory (the caller takes it as one file). */
static inline int kernel_txt_files(const char *dir, char ***names, size_t *n)
{
	*names = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	size_t cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l < 5 || strcmp(de->d_name + l - 4, ".txt"))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			char **t = realloc(*names, cap * sizeof(*t));
			if (!t)
				break;
			*names = t;
		}
		size_t pl = strlen(dir) + l + 2;
		if (!((*names)[*n] = malloc(pl)))
			break;
		snprintf((*names)[*n], pl, "%s/%s", dir, de->d_name);
		(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(*names, *n, sizeof(**names), kernel_files_by_name);
	return 0;
}

#endif

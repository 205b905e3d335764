/*
 * check.h - the few assertion macros the unit tests share.
 *
 * CHECK prints the failing expression with file:line and exits 1, so a
 * failing test names the exact check. Tests stay plain C programs run by
 * CTest; no framework.
 */
#ifndef BPFVM_TEST_CHECK_H
#define BPFVM_TEST_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_count;

#define CHECK(cond)                                                              \
	do {                                                                     \
		check_count++;                                                   \
		if (!(cond)) {                                                   \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                                \
			exit(1);                                                 \
		}                                                                \
	} while (0)

#define CHECK_EQ_U64(a, b)                                                          \
	do {                                                                        \
		check_count++;                                                      \
		uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                    \
		if (a_ != b_) {                                                     \
			fprintf(stderr, "%s:%d: %s == 0x%" PRIx64 ", expected %s == 0x%" PRIx64 "\n", \
				__FILE__, __LINE__, #a, a_, #b, b_);               \
			exit(1);                                                    \
		}                                                                   \
	} while (0)

#define CHECK_STR_CONTAINS(hay, needle)                                              \
	do {                                                                        \
		check_count++;                                                      \
		if (!strstr((hay), (needle))) {                                     \
			fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n", \
				__FILE__, __LINE__, (hay), (needle));               \
			exit(1);                                                    \
		}                                                                   \
	} while (0)

#define CHECK_DONE()                                                  \
	do {                                                          \
		printf("%s: %d checks passed\n", __FILE__, check_count); \
		return 0;                                             \
	} while (0)

#endif

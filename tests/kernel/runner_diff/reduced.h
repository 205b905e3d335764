/*
 * reduced.h - the reduced cases of disagreements test_kernel_runner found
 * (and src/ fixed), as small programs assembled here and run on both
 * sides, so they stay checked without the objects that showed them.
 */
#ifndef RUNNER_DIFF_REDUCED_H
#define RUNNER_DIFF_REDUCED_H

#include <stdint.h>

/* Run every case as CPU cpu (the one the thread is pinned to); prints a
 * line per case and engine. Returns the number that differ; *compared
 * receives the number of runs compared. */
int reduced_run_all(uint32_t cpu, int *compared);

#endif

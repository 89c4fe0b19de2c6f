/* bench.h - pieces of `msrexit bench` shared between its files. */
#ifndef MSREXIT_BENCH_H
#define MSREXIT_BENCH_H

#include "vm.h"

#define BENCH_MAX_ROUNDS 256

double bench_median(double *v, int n);

/* The raw costs of this machine in the same run: an MSR exit, an in-kernel RDMSR (us). */
int bench_limit(struct kvm_sys *sys, int rounds, double *exit_us, double *in_kernel_us);

#endif

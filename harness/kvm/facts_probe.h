/* facts_probe.h - probes the kernel facts the oracle needs, once per process. */
#ifndef MSREXIT_FACTS_PROBE_H
#define MSREXIT_FACTS_PROBE_H

#include <stdio.h>

#include "facts.h"
#include "kvm.h"

/*
 * Returns 0, or -errno with kvm_last_error() saying why: -EPROTO when the
 * kernel misbehaved while being probed, the failed call's error when the
 * environment did not let it probe (no VM could be made, out of memory).
 */
int __facts_probe(struct kvm_sys *sys, struct kernel_facts *f);
/*
 * The process-wide facts (probed on first call; not thread-safe on that
 * call), or NULL with *status: kvm_sys_get()'s, EXIT_MISMATCH (the kernel
 * misbehaved) or EXIT_BAD_INPUT (the environment).
 */
const struct kernel_facts *facts_get(int *status);
void facts_print(const struct kernel_facts *f, FILE *out);
/* "Y", "N", or that N was assumed because the parameter could not be read. */
const char *facts_ignore_msrs_text(const struct kernel_facts *f);
/* The backend's module name ("kvm_pvm", ...), or "unknown" if none of them is loaded. */
const char *facts_backend_text(const struct kernel_facts *f);
/* What KVM runs on: QEMU TCG, another hypervisor (its CPUID signature) or bare metal. */
const char *facts_platform_text(const struct kernel_facts *f);

#endif

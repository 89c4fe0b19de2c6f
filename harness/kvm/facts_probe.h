/* facts_probe.h - probes the kernel facts the oracle needs, once per process. */
#ifndef MSREXIT_FACTS_PROBE_H
#define MSREXIT_FACTS_PROBE_H

#include <stdio.h>

#include "facts.h"
#include "kvm.h"

/*
 * Returns 0, or with kvm_last_error() saying why: EXIT_NO_KVM (no device or
 * capability), EXIT_BAD_INPUT (the environment: no VM could be made),
 * EXIT_MISMATCH (the kernel misbehaved while being probed).
 */
int facts_probe(struct kvm_sys *sys, struct kernel_facts *f);
/* The process-wide facts (probed on first call; not thread-safe on that call). */
const struct kernel_facts *facts_get(int *status);
void facts_print(const struct kernel_facts *f, FILE *out);
/* "Y", "N", or that N was assumed because the parameter could not be read. */
const char *facts_ignore_msrs_text(const struct kernel_facts *f);
/* The backend's module name ("kvm_pvm", ...), or "unknown" if none of them is loaded. */
const char *facts_backend_text(const struct kernel_facts *f);
/* What KVM runs on: QEMU TCG, another hypervisor (its CPUID signature) or bare metal. */
const char *facts_platform_text(const struct kernel_facts *f);

#endif

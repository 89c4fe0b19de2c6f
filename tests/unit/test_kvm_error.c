/* test_kvm_error.c - kvm_last_error() only ever explains the latest call: no stale messages. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "facts_probe.h"
#include "unit.h"
#include "vm.h"

/* A failed call, then one that succeeds: the second leaves no message (no KVM needed). */
static void success_after_failure(void)
{
	struct vm vm = { 0 };

	CHECK(__vm_add_vcpus(&vm, 0) == -EINVAL && strstr(kvm_last_error(), "0 more vCPUs"),
	      "the failure said '%s'", kvm_last_error());
	vm.mem = calloc(1, GUEST_MEM_SIZE);
	CHECK(vm.mem && !__vm_write_memory(&vm), "vm_write_memory: %s", kvm_last_error());
	CHECK(!kvm_last_error()[0], "stale after success: '%s'", kvm_last_error());
	free(vm.mem);
}

/* The process-wide opens fail once; each later call gives that reason, not a newer error. */
static void cached_failures_keep_their_reason(void)
{
	int st = 0;

	CHECK(!kvm_sys_get(&st) && st == EXIT_NO_KVM, "status %d", st);
	CHECK(strstr(kvm_last_error(), "/nonexistent/kvm does not exist"), "open said '%s'",
	      kvm_last_error());
	kvm_set_error("an unrelated later failure");
	CHECK(!kvm_sys_get(&st) && strstr(kvm_last_error(), "/nonexistent/kvm"),
	      "the second kvm_sys_get said '%s'", kvm_last_error());
	kvm_set_error("an unrelated later failure");
	CHECK(!facts_get(&st) && st == EXIT_NO_KVM && strstr(kvm_last_error(), "/nonexistent/kvm"),
	      "facts_get said '%s' (status %d)", kvm_last_error(), st);
	kvm_set_error("an unrelated later failure");
	CHECK(!facts_get(&st) && strstr(kvm_last_error(), "/nonexistent/kvm"),
	      "the second facts_get said '%s'", kvm_last_error());
}

int main(void)
{
	setenv("MSREXIT_KVM_DEVICE", "/nonexistent/kvm", 1);
	success_after_failure();
	cached_failures_keep_their_reason();
	return unit_summary("kvm_error");
}

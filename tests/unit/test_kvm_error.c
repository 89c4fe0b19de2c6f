/* test_kvm_error.c - kvm_last_error() only ever explains the latest call: no stale messages. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "execute.h"
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

/* A call that failed without setting errno still fails: -EIO, never 0 (success). */
static void errno_zero_still_fails(void)
{
	errno = 0;
	CHECK_EQ(kvm_errno("a call"), -EIO);
	CHECK(strstr(kvm_last_error(), "a call: "), "said '%s'", kvm_last_error());
}

/* The __ forms return -errno; only kvm_sys_get() and facts_get() give an exit status. */
static void underscore_forms_return_errno(void)
{
	struct kvm_sys sys;

	CHECK_EQ(__kvm_sys_open(&sys), -ENOENT);
	CHECK(sys.fd < 0 && strstr(kvm_last_error(), "/nonexistent/kvm does not exist"),
	      "fd %d, said '%s'", sys.fd, kvm_last_error());
	kvm_set_error("an older failure");
	CHECK_EQ(__exec_watchdog_init(), 0);
	CHECK(!kvm_last_error()[0], "stale after the watchdog: '%s'", kvm_last_error());
}

int main(void)
{
	setenv("MSREXIT_KVM_DEVICE", "/nonexistent/kvm", 1);
	success_after_failure();
	cached_failures_keep_their_reason();
	errno_zero_still_fails();
	underscore_forms_return_errno();
	return unit_summary("kvm_error");
}

/* test_kvm_fail.c - the error idiom of kvm.h: plain calls fail loudly by the hook, __ calls return -errno. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conform.h"
#include "facts_probe.h"
#include "unit.h"

/* Only mask bits 0-2 exist: KVM_ENABLE_CAP refuses this one with EINVAL. */
#define BOGUS_MASK (1ull << 63)
#define CAP_ERROR                                                                          \
	"KVM_ENABLE_CAP(KVM_CAP_X86_USER_SPACE_MSR, flags 0x0, mask 0x8000000000000000): " \
	"Invalid argument (errno 22)"

static jmp_buf caught;
static char hook_msg[512];
static int hook_calls;

static void catch_failure(const char *msg)
{
	hook_calls++;
	snprintf(hook_msg, sizeof(hook_msg), "%s", msg);
	longjmp(caught, 1);
}

/* The plain call hands the hook its function, ioctl and errno; the __ call returns them. */
static void plain_and_underscore(struct kvm_sys *sys)
{
	static struct vm vm; /* not a local: the failing calls change it before the longjmp */
	int r;

	vm_create(&vm, sys, 1);
	kvm_set_fail_hook(catch_failure);
	if (!setjmp(caught)) {
		vm_enable_cap_fd(vm.fd, 0, BOGUS_MASK);
		CHECK(0, "vm_enable_cap_fd with a bogus mask returned");
	}
	CHECK(hook_calls == 1 && !strcmp(hook_msg, "vm_enable_cap_fd: " CAP_ERROR),
	      "hook called %d times, last with '%s'", hook_calls, hook_msg);
	r = __vm_enable_cap_fd(vm.fd, 0, BOGUS_MASK);
	CHECK(r == -EINVAL && hook_calls == 1, "__vm_enable_cap_fd: %d, hook called %d times", r,
	      hook_calls);
	CHECK(!strcmp(kvm_last_error(), CAP_ERROR), "kvm_last_error() says '%s'", kvm_last_error());
	vm_enable_cap_fd(vm.fd, 0, REASON_UNKNOWN);
	CHECK(hook_calls == 1 && !kvm_last_error()[0], "a success: hook %d, error '%s'", hook_calls,
	      kvm_last_error());
	/* deep inside vm_add_vcpus: a vCPU id KVM already has */
	vm.nvcpus = 0;
	if (!setjmp(caught))
		vm_add_vcpus(&vm, 1);
	vm.nvcpus = 1;
	CHECK(
	    hook_calls == 2 &&
		!strcmp(hook_msg, "vm_add_vcpus: KVM_CREATE_VCPU(vcpu 0): File exists (errno 17)"),
	    "hook called %d times, last with '%s'", hook_calls, hook_msg);
	kvm_set_fail_hook(NULL);
	vm_destroy(&vm);
}

/* The default hook: the message on stderr, the process exits with EXIT_BAD_INPUT. */
static void default_hook_exits(struct kvm_sys *sys)
{
	char err[512] = "";
	int pfd[2], status = -1;
	ssize_t n;
	pid_t pid;

	if (pipe(pfd) || (pid = fork()) < 0) {
		CHECK(0, "pipe/fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		struct vm vm; /* its own: a VM answers only the process that made it */

		dup2(pfd[1], STDERR_FILENO);
		vm_create(&vm, sys, 1);
		vm_enable_cap_fd(vm.fd, 0, BOGUS_MASK);
		_exit(0);
	}
	close(pfd[1]);
	n = read(pfd[0], err, sizeof(err) - 1);
	err[n > 0 ? n : 0] = 0;
	close(pfd[0]);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EXIT_BAD_INPUT, "status 0x%x", status);
	CHECK(!strcmp(err, "msrexit: vm_enable_cap_fd: " CAP_ERROR "\n"), "stderr '%s'", err);
}

/* Conformance cases: the plain call must end them, so reaching CASE_PASS is the bug. */
static int plain_fails(struct case_ctx *c)
{
	struct vm vm;

	vm_create(&vm, c->sys, 1);
	vm_enable_cap_fd(vm.fd, 0, BOGUS_MASK);
	return CASE_PASS;
}

static void *plain_fails_thread(void *arg)
{
	plain_fails(arg);
	return NULL;
}

static int plain_fails_in_a_thread(struct case_ctx *c)
{
	pthread_t th;

	if (pthread_create(&th, NULL, plain_fails_thread, c))
		return case_fail(c, "pthread_create failed");
	pthread_join(th, NULL);
	return CASE_PASS;
}

static int underscore_expects_einval(struct case_ctx *c)
{
	struct vm vm;
	int r;

	vm_create(&vm, c->sys, 1);
	r = __vm_enable_cap_fd(vm.fd, 0, BOGUS_MASK);
	CASE_EXPECT(c, r == -EINVAL, "%d (%s)", r, kvm_last_error());
	vm_destroy(&vm);
	return CASE_PASS;
}

static void run_in_case(const struct kernel_facts *f, int (*fn)(struct case_ctx *), int want,
			const char *want_diag)
{
	struct conform_case cc = { .name = "test.kvm_fail", .fn = fn };
	struct case_outcome oc;

	conform_run_case(&cc, f, &oc);
	CHECK(oc.result == want, "result %d, want %d; diag '%s'", oc.result, want,
	      oc.diag ? oc.diag : "");
	CHECK(!strcmp(oc.diag ? oc.diag : "", want_diag), "diag '%s', want '%s'",
	      oc.diag ? oc.diag : "", want_diag);
	free(oc.diag);
}

int main(void)
{
	const struct kernel_facts *f;
	struct kvm_sys *sys;
	int st;

	f = facts_get(&st);
	sys = f ? kvm_sys_get(&st) : NULL;
	if (!sys) {
		printf("SKIP: %s\n", kvm_last_error());
		return 4;
	}
	plain_and_underscore(sys);
	default_hook_exits(sys);
	run_in_case(f, plain_fails, CASE_FAIL, "# vm_enable_cap_fd: " CAP_ERROR "\n");
	run_in_case(f, plain_fails_in_a_thread, CASE_FAIL, "# vm_enable_cap_fd: " CAP_ERROR "\n");
	run_in_case(f, underscore_expects_einval, CASE_PASS, "");
	return unit_summary("kvm_fail");
}

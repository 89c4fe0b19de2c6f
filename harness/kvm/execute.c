/* execute.c - drives one program on a VM and records the observed trace. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "execute.h"
#include "execute_guest.h"
#include "execute_host.h"
#include "filter.h"
#include "inject_deep.h"

static __thread struct kvm_run *watched_run;
static __thread volatile sig_atomic_t watchdog_fired;
static __thread timer_t watchdog_timer;
/*
 * The process that created this thread's timer. A forked child inherits the
 * variable but not the timer (timers are not inherited across fork): it must
 * make its own, not arm an ID that names nothing in it.
 */
static __thread pid_t watchdog_owner;

static void watchdog_handler(int sig)
{
	(void)sig;
	watchdog_fired = 1;
	if (watched_run)
		watched_run->immediate_exit = 1;
}

static pthread_key_t watchdog_key;
static pthread_once_t watchdog_once = PTHREAD_ONCE_INIT;
static int watchdog_key_err;

/* A thread's timer dies with the thread (threaded cases and fuzzers would run out of them). */
static void watchdog_thread_exit(void *timer)
{
	(void)timer;
	if (watchdog_owner == getpid() && timer_delete(watchdog_timer))
		fprintf(stderr, "msrexit: watchdog: timer_delete at thread exit: %s\n",
			strerror(errno));
	watchdog_owner = 0;
}

static void watchdog_key_init(void)
{
	watchdog_key_err = pthread_key_create(&watchdog_key, watchdog_thread_exit);
}

/* A per-thread timer whose signal kicks this thread's vCPU out of KVM_RUN. */
int __exec_watchdog_init(void)
{
	struct sigaction sa = { .sa_handler = watchdog_handler };
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGRTMIN };
	int e;

	kvm_clear_error();
	if (watchdog_owner == getpid())
		return 0;
	pthread_once(&watchdog_once, watchdog_key_init);
	if (watchdog_key_err)
		return kvm_error(watchdog_key_err,
				 "the watchdog cannot be set up: pthread_key_create: %s",
				 strerror(watchdog_key_err));
	/* non-NULL: the destructor runs at thread exit, and deletes the timer if it was made */
	e = pthread_setspecific(watchdog_key, &watchdog_timer);
	if (e)
		return kvm_error(e, "the watchdog cannot be set up: pthread_setspecific: %s",
				 strerror(e));
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGRTMIN, &sa, NULL))
		return kvm_errno("the watchdog cannot be set up: sigaction(SIGRTMIN)");
	sev._sigev_un._tid = gettid();
	if (timer_create(CLOCK_MONOTONIC, &sev, &watchdog_timer))
		return kvm_errno("the watchdog cannot be set up: timer_create");
	watchdog_owner = getpid();
	return 0;
}

/* Returns 0, or -1 with errno from timer_settime. */
static int watchdog_arm(struct kvm_run *run, unsigned ms)
{
	struct itimerspec its = { .it_value = { ms / 1000, (long)(ms % 1000) * 1000000 } };

	watched_run = run;
	watchdog_fired = 0;
	return timer_settime(watchdog_timer, 0, &its, NULL);
}

static int watchdog_disarm(void)
{
	struct itimerspec its = { 0 };
	int r = timer_settime(watchdog_timer, 0, &its, NULL);

	watched_run = NULL;
	return r;
}

void exec_abort(struct trace *t, int step, const char *fmt, ...)
{
	va_list ap;

	if (t->abort_step >= 0)
		return;
	t->abort_step = step;
	va_start(ap, fmt);
	vsnprintf(t->abort_msg, sizeof(t->abort_msg), fmt, ap);
	va_end(ap);
}

/* Runs vc until its batch is done, an exit is held, or something goes wrong. */
static enum batch_result run_vcpu(struct vm *vm, struct vcpu *vc, const struct program *p,
				  const struct exec_opts *o, struct trace *t)
{
	enum batch_result res = RUN_ABORT;

	if (watchdog_arm(vc->run, o->timeout_ms)) {
		/* with no watchdog a looping guest would never return: do not start it */
		exec_abort(t, batch_current_step(vc), "watchdog: timer_settime (arm): %s",
			   strerror(errno));
		watched_run = NULL;
		return RUN_ABORT;
	}
	for (;;) {
		if (++t->nexits > o->max_exits) {
			exec_abort(t, batch_current_step(vc), "more than %u exits: the guest loops",
				   o->max_exits);
			break;
		}
		if (ioctl(vc->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR && !watchdog_fired)
				continue;
			if (watchdog_fired)
				exec_abort(t, batch_current_step(vc),
					   "watchdog: the guest did not finish its batch in %u ms",
					   o->timeout_ms);
			else
				exec_abort(t, batch_current_step(vc), "KVM_RUN(vcpu %d) failed: %s",
					   vc->id, strerror(errno));
			break;
		}
		res = batch_on_exit(vm, vc, p, o, t);
		if (res != RUN_GO_ON)
			break;
	}
	if (watchdog_disarm()) {
		exec_abort(t, batch_current_step(vc), "watchdog: timer_settime (disarm): %s",
			   strerror(errno));
		res = RUN_ABORT;
	}
	vc->run->immediate_exit = 0;
	return res;
}

/* Completes a held exit: the vCPU finishes its batch. */
static int finish_held(struct vm *vm, const struct program *p, const struct exec_opts *o,
		       struct trace *t)
{
	enum batch_result r;

	for (int v = 0; v < vm->nvcpus; v++) {
		struct vcpu *vc = &vm->vcpu[v];

		if (!vc->held)
			continue;
		vc->held = false;
		r = run_vcpu(vm, vc, p, o, t);
		if (r != RUN_DONE)
			return -1;
	}
	return 0;
}

/* Runs guest steps [start, end) on one vCPU as one batch. */
static int run_segment(struct vm *vm, const struct program *p, int start, int end,
		       const struct exec_opts *o, struct trace *t)
{
	struct vcpu *vc = &vm->vcpu[p->steps[start].vcpu];
	enum batch_result r;

	if (batch_load(vm, vc, p, start, end, o, t))
		return -1;
	r = run_vcpu(vm, vc, p, o, t);
	if (r == RUN_HELD) {
		vc->held = true;
		return 0;
	}
	return r == RUN_DONE ? 0 : -1;
}

static int setup(struct vm *vm, const struct program *p, struct trace *t)
{
	int r = __vm_enable_cap_fd(vm->fd, 0, p->mask);

	if (r < 0) {
		exec_abort(t, 0, "set-up: KVM_ENABLE_CAP(USER_SPACE_MSR, mask 0x%llx) failed: %s",
			   (unsigned long long)p->mask, strerror(-r));
		return -1;
	}
	/* an invalid set-up filter is refused, and the oracle expects exactly that */
	if (p->setup_filter < p->nfilters)
		t->setup_filter_err = -__filter_install(vm->fd, &p->filters[p->setup_filter]);
	return 0;
}

int exec_batch_end(const struct program *p, int start)
{
	int end = start + 1;

	while (end < p->nsteps && step_is_guest(p->steps[end].kind) &&
	       p->steps[end].vcpu == p->steps[start].vcpu && end - start < STUB_MAX_OPS)
		end++;
	return end;
}

static int inject_named(const char *e)
{
	if (!e || !*e)
		return INJECT_NONE;
	if (!strcmp(e, "reply-data"))
		return INJECT_REPLY_DATA;
	if (!strcmp(e, "reply-error"))
		return INJECT_REPLY_ERROR;
	if (!strcmp(e, "hang"))
		return INJECT_HANG;
	if (!strcmp(e, "kmsg"))
		return INJECT_KMSG;
	if (!strcmp(e, "skip"))
		return INJECT_SKIP;
	if (!strcmp(e, "filter-after-gp"))
		return INJECT_FILTER_AFTER_GP;
	if (!strcmp(e, "set-while-held"))
		return INJECT_SET_WHILE_HELD;
	if (!strcmp(e, "scribble-after-mask"))
		return INJECT_SCRIBBLE_AFTER_MASK;
	return -1;
}

bool exec_inject_env_valid(void)
{
	return inject_named(getenv("MSREXIT_INJECT")) >= 0;
}

enum exec_inject exec_inject_from_env(void)
{
	static int cached = -1;

	if (cached < 0) {
		int v = inject_named(getenv("MSREXIT_INJECT"));

		cached = v < 0 ? INJECT_NONE : v;
	}
	return (enum exec_inject)cached;
}

static void inject_kmsg(void)
{
	static const char line[] =
	    "<4>msrexit: injected for a test: WARNING: CPU: 0 PID: 0 at msrexit\n";
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, line, sizeof(line) - 1) < 0)
			perror("msrexit: writing /dev/kmsg");
		close(fd);
	}
}

static int run_steps(struct vm *vm, const struct program *p, const struct exec_opts *o,
		     struct trace *t)
{
	int n = 0;

	while (n < p->nsteps) {
		if (step_is_guest(p->steps[n].kind)) {
			int end = exec_batch_end(p, n);

			if (finish_held(vm, p, o, t) || run_segment(vm, p, n, end, o, t))
				return -1;
			n = end;
		} else {
			if (exec_host_step(vm, p, n, t))
				return -1;
			inject_deep_host_step(vm, p, n, t);
			n++;
		}
	}
	return finish_held(vm, p, o, t);
}

int execute(struct vm *vm, const struct program *p, const struct exec_opts *opts, struct trace *t)
{
	struct exec_opts o = *opts;
	int r;

	trace_init(t);
	if (!o.max_exits)
		o.max_exits = 4u * p->nsteps + 16;
	if (o.inject == INJECT_NONE && !o.no_inject)
		o.inject = exec_inject_from_env(); /* every path, C cases included */
	if (!o.timeout_ms)
		o.timeout_ms = 2000;
	if (__exec_watchdog_init()) {
		exec_abort(t, 0, "%s", kvm_last_error());
		return -1;
	}
	if (p->nvcpus > vm->nvcpus) {
		exec_abort(t, 0, "the program needs %u vCPUs, the VM has %d", p->nvcpus,
			   vm->nvcpus);
		return -1;
	}
	/*
	 * A previous run on this VM may have stopped mid-hold. Only this
	 * program's vCPUs: another thread may be running the others.
	 */
	for (int n = 0; n < p->nsteps; n++) {
		struct vcpu *vc = &vm->vcpu[p->steps[n].vcpu];

		vc->held = false;
		vc->seg_start = vc->seg_end = 0;
	}
	if (o.inject == INJECT_KMSG)
		inject_kmsg();
	inject_deep_begin(o.inject);
	if (o.setup_done)
		t->setup_filter_err = SETUP_BY_CALLER;
	else if (setup(vm, p, t))
		return -1;
	r = run_steps(vm, p, &o, t);
	inject_deep_end(p, t);
	return r;
}

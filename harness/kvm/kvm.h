/* kvm.h - /dev/kvm access with clear errors: open, capabilities, module parameters, named ioctls. */
#ifndef MSREXIT_KVM_H
#define MSREXIT_KVM_H

/*
 * Errors, one idiom for the whole KVM side (the KVM selftests' split: vm_create()
 * asserts, __vm_ioctl() returns). A call that sets something up comes in two
 * forms. The plain name() succeeds or does not return: it hands
 * "name: IOCTL(args): strerror (errno N)" to the failure hook, whose default
 * prints it on stderr and exits with EXIT_BAD_INPUT; a conformance case's
 * process installs one that fails the case with the message. __name() is for
 * the callers to whom the error is the point (a case testing an ioctl's errno,
 * a host step recording it, a reset that falls back to a new VM): it returns
 * >= 0 on success and -errno on failure (when no system call failed, the one
 * that fits: -EINVAL for a bad argument, -EIO for a VM not clean after a
 * reset), with kvm_last_error() saying the same in words, and never calls the
 * hook. Each __name() clears kvm_last_error() first, so it only ever explains
 * the latest call. EXIT_* are process exit statuses, nothing else: only
 * kvm_sys_get() and facts_get() give one (from their __ call's -errno),
 * because their callers exit with it.
 */

#include <stdbool.h>
#include <stdint.h>

/* Exit statuses shared by every command (kselftest convention for "skip"). */
#define EXIT_OK 0
#define EXIT_MISMATCH 1
#define EXIT_BAD_INPUT 2
#define EXIT_NO_KVM 4

/*
 * The last error of this thread, in words: which ioctl, its arguments, errno.
 * Every public harness call that can set it clears it first, so it only ever
 * says why the latest such call failed; after one that succeeded it is "".
 */
const char *kvm_last_error(void);
void kvm_set_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvm_clear_error(void);
/* For __ forms: kvm_last_error() becomes the message; returns -err. */
int kvm_error(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same for a failed system call: "call: strerror (errno N)"; returns -errno (-EIO if 0). */
int kvm_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Takes a plain call's failure message; must not return (if it does, the default runs). */
typedef void (*kvm_fail_hook)(const char *msg);
/* For the whole process; NULL restores the default (stderr, exit EXIT_BAD_INPUT). */
void kvm_set_fail_hook(kvm_fail_hook hook);
/* Hands the message to the hook (kvm_last_error() says it too). */
void kvm_fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* For plain forms: r from the __ form; below 0, fails with "fn: <kvm_last_error()>". */
int kvm_check(int r, const char *fn);

/*
 * ioctl() for __ forms: on failure returns -errno and sets kvm_last_error() to
 * "NAME(args): strerror (errno N)". A building block: it does not clear the
 * error (the call using it did).
 */
int kvm_ioctl_named(int fd, unsigned long req, void *arg, const char *name, const char *args);
#define KVM_IOCTL(fd, req, arg, args) kvm_ioctl_named(fd, req, arg, #req, args)

struct kvm_sys {
	int fd;
	int run_size;
	struct kvm_cpuid2 *cpuid; /* KVM_GET_SUPPORTED_CPUID */
	bool has_sync_regs;
};

/*
 * Open /dev/kvm and check what msrexit needs. Returns 0, or -errno with
 * kvm_last_error() saying why: the open's errno (absent, permission),
 * -ENODEV (not a KVM device, or a capability missing), -ENOMEM.
 */
int __kvm_sys_open(struct kvm_sys *sys);
void kvm_sys_close(struct kvm_sys *sys);
/*
 * The process-wide instance, opened on first use; NULL with kvm_last_error()
 * set and *status EXIT_NO_KVM (EXIT_BAD_INPUT when out of memory).
 */
struct kvm_sys *kvm_sys_get(int *status);

/* A kvm module parameter as an integer (Y=1, N=0); -1 if unreadable. */
int kvm_param(const char *name);

const struct kvm_cpuid_entry2 *cpuid_find(const struct kvm_cpuid2 *c, uint32_t fn, uint32_t idx);

#endif

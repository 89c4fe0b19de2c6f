/*
 * emit_c_runtime.h - the fixed part of every C reproducer (`msrexit repro --emit-c`): its types.
 *
 * Not compiled into msrexit: tools/emit_c.c copies the three runtime files
 * verbatim into each reproducer. This one comes after the #defines it
 * generates from our build (stub_abi.h, guest_code.h) and before the guest
 * memory and registers read back from a VM; emit_c_runtime_vm.c (set-up, host
 * steps) and emit_c_runtime_run.c (guest batches, checks) follow them, then
 * the program's own part. Only libc and the kernel's UAPI headers are used.
 *
 * Together they do what harness/kvm/vm.c (set-up), execute.c and
 * execute_guest.c (how a batch of guest code runs and each exit is answered)
 * and compare.c (what matches an expectation) do; the integration test that
 * every seed and conformance program gives the same verdict both ways keeps
 * them in step.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#define RT static __attribute__((unused))

/* Exit statuses: the finding reproduces (1) or not (0); set-up failed (2); no KVM (4). */
#define REPRO_NOT_REPRODUCED 0
#define REPRO_REPRODUCED 1
#define REPRO_SETUP_FAILED 2
#define REPRO_NO_KVM 4

struct mem_chunk {
	uint32_t gpa, len;
	const uint8_t *bytes;
};

/* What vm.c sets in each vCPU (as read back from a VM our build made). */
struct vcpu_init {
	struct kvm_segment cs, ss, ds, es, fs, gs, tr;
	struct kvm_dtable gdt, idt;
	uint64_t cr0, cr3, cr4, efer;
	struct kvm_regs regs;
};

/* One access of a batch, where our guest code put it (guest addresses). */
struct access {
	int op; /* the program step */
	uint64_t site, end, after_exit, landing, limit; /* [site, limit): its bytes and pad */
	int long_form; /* longer than 2 bytes: its successor saves RSI */
	int fep;
	uint64_t rax, rdx, rcx; /* its operands */
	uint8_t reply_error, reply_flags;
	uint64_t reply_data;
};

#define REPLY_HOLD 0x1u
#define REPLY_SCRIBBLE 0x2u
#define REPLY_UNTOUCHED 0x4u

struct batch {
	int vcpu, first, n; /* program steps [first, first + n) */
	int hold_last; /* the last access's exit stays pending for the host steps after it */
	const uint8_t *code, *slots, *frames;
	uint32_t code_len, slots_len, frames_len;
	const struct access *access; /* n + 1 entries: the last is the batch's end */
};

struct range_desc {
	uint32_t flags, nmsrs, base;
	int fault; /* pass an unreadable bitmap address */
	uint64_t pattern; /* byte k of the bitmap is byte k % 8 of this */
};

struct filter_desc {
	uint32_t flags;
	unsigned nranges;
	struct range_desc range[16];
};

/* What happened to one guest access (as harness/model/trace.h records it). */
struct guest_obs {
	int ran, exited;
	uint32_t exit_reason, reason, index;
	uint8_t exit_error;
	int exit_pad_dirty;
	uint64_t data;
	int64_t exit_rip;
	int faulted;
	uint8_t vector;
	uint32_t error_code;
	int64_t rip;
	int stray;
	uint64_t rax, rdx, rcx;
};

struct host_obs {
	int ran;
	long ret;
	int err;
	unsigned nvals;
	uint64_t vals[8];
};

/* One outcome the specification allows for a guest access (harness/model/trace.h). */
struct alt {
	uint32_t exit; /* 0, KVM_EXIT_X86_RDMSR or KVM_EXIT_X86_WRMSR */
	uint32_t reason;
	uint64_t exit_data;
	int gp, ud, data_any;
	uint64_t rax, rdx;
};

struct guest_expect {
	int op, rdmsr;
	uint64_t rcx, rax, rdx; /* the operands */
	int rip_after, fault_rip;
	unsigned nalt;
	struct alt alt[4];
};

struct host_expect {
	int op, ret_any;
	long ret;
	int err;
	unsigned nvals, val_any;
	uint64_t vals[8];
};

struct vcpu {
	int fd, id, held;
	struct kvm_run *run;
	const struct batch *b;
	int next, exited, exited_in_regs;
	uint64_t last_insn;
};

struct vm {
	int sys_fd, fd, run_size, has_sync_regs, nvcpus;
	struct kvm_cpuid2 *cpuid;
	uint8_t *mem;
	struct vcpu vcpu[2];
};

static struct guest_obs gobs[NOPS];
static struct host_obs hobs[NOPS];
static unsigned nexits, differences;

/* The run cannot go on (as execute.c's exec_abort): a finding, at op. Does not return. */
RT void stop_run(int op, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));

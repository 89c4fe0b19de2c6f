/* test_health.c - which kernel log lines are findings, and which are the backend's chatter. */
#include "health.h"
#include "unit.h"

int main(void)
{
	static const char *const bad[] = {
		"WARNING: CPU: 1 PID: 42 at arch/x86/kvm/x86.c:1234 kvm_msr_user_space+0x10/0x20",
		"BUG: kernel NULL pointer dereference, address: 0000000000000008",
		"Oops: 0000 [#1] PREEMPT SMP",
		"BUG: KASAN: slab-out-of-bounds in kvm_vm_ioctl_set_msr_filter+0x3c/0x400",
		"UBSAN: shift-out-of-bounds in arch/x86/kvm/x86.c:1700:20",
		"general protection fault, probably for non-canonical address 0xdead",
		"kernel BUG at arch/x86/kvm/mmu/mmu.c:100!",
		"refcount_t: underflow; use-after-free.",
		"rcu: INFO: rcu_preempt detected stalls on CPUs/tasks: RCU detected stall",
	};
	static const char *const fine[] = {
		"kvm-pvm: INTERNAL_ERROR in batch emul: rip=0x102c2 cpl=0 cr3=0x4000",
		"kvm: vcpu 0, guest rIP: 0x10002 unhandled rdmsr: 0x12345678",
		"EXT4-fs (vda): mounted filesystem r/w without journal",
		"random: crng reseeded due to virtual machine fork",
	};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(health_line_is_bad(bad[i]), "not a finding: %s", bad[i]);
	for (unsigned i = 0; i < sizeof(fine) / sizeof(fine[0]); i++)
		CHECK(!health_line_is_bad(fine[i]), "a finding: %s", fine[i]);
	return unit_summary("health");
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The IBT-safe call mechanism (src/compat/ksym_thunk.S), assembled for the
 * host from the same source: every stub must enter its target exactly as a
 * direct call would, with all register and stack arguments intact, the
 * caller's return address on top and the stack aligned as the ABI says,
 * and hand back the return value untouched. The host build models a kernel
 * with return-thunk mitigations: every stub must end in the kernel's RET
 * (jmp __x86_return_thunk), never in a bare ret the kernel cannot patch.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "tap.h"

#include "kpromoted/ksyms.h"

/* The addresses the module's resolver would fill in: one per stub. */
unsigned long kp_addr_kallsyms_lookup_name;
#define KP_DEF_ADDR(name, req, feat) unsigned long kp_addr_##name;
KP_KSYMS(KP_DEF_ADDR)

/* The stubs, typed as the module types them. */
unsigned long kp_call_kallsyms_lookup_name(const char *name);
bool kp_call_node_is_toptier(int nid);
int kp_call_migrate_pages(void *a1, void *a2, void *a3, unsigned long a4, int a5,
			  int a6, unsigned int *a7);
void kp_call_putback_movable_pages(void *list);

/*
 * The return thunk a RETHUNK kernel provides: counts the returns that go
 * through it and notes where each one goes (r11 is scratch at any call).
 */
unsigned long rethunk_calls, rethunk_dest;
asm(".text\n"
	".globl __x86_return_thunk\n"
	".type __x86_return_thunk, @function\n"
	"__x86_return_thunk:\n"
	"incq rethunk_calls(%rip)\n"
	"movq (%rsp), %r11\n"
	"movq %r11, rethunk_dest(%rip)\n"
	"ret\n"
	".size __x86_return_thunk, . - __x86_return_thunk\n");

/* Did the last n stub calls each return through the thunk, the last into target? */
static bool via_rethunk(unsigned long n, void *target)
{
	bool ok = rethunk_calls == n && rethunk_dest == (uintptr_t)target;

	rethunk_calls = 0;
	rethunk_dest = 0;
	return ok;
}

static long seen[8];
static uintptr_t seen_ret, seen_frame;

__attribute__((noinline)) static unsigned long fake_lookup(const char *name)
{
	seen_ret = (uintptr_t)__builtin_return_address(0);
	return strcmp(name, "migrate_pages") ? 0 : 0xfeedface;
}

__attribute__((noinline)) static bool fake_toptier(int nid)
{
	return nid == 0;
}

__attribute__((noinline)) static int fake_migrate(void *a1, void *a2, void *a3,
						  unsigned long a4, int a5, int a6,
						  unsigned int *a7)
{
	seen[1] = (long)a1; seen[2] = (long)a2; seen[3] = (long)a3;
	seen[4] = (long)a4; seen[5] = a5; seen[6] = a6;
	seen[7] = (long)a7;
	*a7 = 512;
	seen_frame = (uintptr_t)__builtin_frame_address(0);
	seen_ret = (uintptr_t)__builtin_return_address(0);
	return -11;
}

static int putbacks;
__attribute__((noinline)) static void fake_putback(void *list)
{
	putbacks += list == (void *)&putbacks;
}

/* A caller whose return-address range we know. */
__attribute__((noinline)) static int caller_migrate(unsigned int *out)
{
	return kp_call_migrate_pages((void *)1, (void *)2, (void *)3, 4, -5, 6, out);
}

int main(void)
{
	unsigned int succeeded = 0;
	int ret;

	kp_addr_kallsyms_lookup_name = (unsigned long)fake_lookup;
	kp_addr_node_is_toptier = (unsigned long)fake_toptier;
	kp_addr_migrate_pages = (unsigned long)fake_migrate;
	kp_addr_putback_movable_pages = (unsigned long)fake_putback;

	CHECK(kp_call_kallsyms_lookup_name("migrate_pages") == 0xfeedface,
	      "pointer argument in, 64-bit value out");
	CHECK(via_rethunk(1, fake_lookup),
	      "stub enters its target through the kernel's return thunk, once");
	CHECK(kp_call_kallsyms_lookup_name("nope") == 0, "second call, other result");

	CHECK(kp_call_node_is_toptier(0) == true && kp_call_node_is_toptier(1) == false,
	      "bool result survives the stub");
	CHECK(via_rethunk(3, fake_toptier), "one thunk return per stub call");

	ret = caller_migrate(&succeeded);
	CHECK(via_rethunk(1, fake_migrate), "7-argument stub returns through the thunk");
	CHECK(ret == -11, "negative int result: %d", ret);
	CHECK(seen[1] == 1 && seen[2] == 2 && seen[3] == 3 && seen[4] == 4,
	      "register arguments 1-4 intact");
	CHECK(seen[5] == -5 && seen[6] == 6, "register arguments 5-6 intact");
	CHECK(seen[7] == (long)&succeeded && succeeded == 512,
	      "7th argument (on the stack) intact and usable");
	CHECK(seen_ret > (uintptr_t)caller_migrate && seen_ret < (uintptr_t)caller_migrate + 256 &&
	      !(seen_ret >= (uintptr_t)kp_call_migrate_pages &&
		seen_ret < (uintptr_t)kp_call_migrate_pages + 16),
	      "target returns straight to the caller, not into the stub");
	CHECK((seen_frame + 16) % 16 == 0, "stack 16-byte aligned at the call as the ABI says");

	kp_call_putback_movable_pages(&putbacks);
	CHECK(putbacks == 1, "void function called once with its argument");
	CHECK(via_rethunk(1, fake_putback), "void stub returns through the thunk");
	return tap_done("thunk");
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Hardware sampling, the pure parts: an AMD IBS op raw sample decoded
 * (kpromoted/ibs.h) from register values built bit by bit from AMD's
 * published layout (PPR Family 19h: IbsOpCtl, IbsOpData2, IbsOpData3,
 * IbsDcPhysAd), and the weight and throttle rules (kpromoted/hwsample.h).
 */
#include <string.h>
#include "tap.h"
#include "kpromoted/ibs.h"
#include "kpromoted/hwsample.h"

/* Register fields by their PPR bit positions, independent of ibs.h's names. */
#define BIT(n) (1ull << (n))
#define OPCTL_OPVAL BIT(18)
#define OPCTL_OPEN BIT(17)
#define D3_LDOP BIT(0)
#define D3_STOP BIT(1)
#define D3_DCMISS BIT(7)
#define D3_DCUCMEMACC BIT(14)
#define D3_DCLINADDRVALID BIT(17)
#define D3_DCPHYADDRVALID BIT(18)
#define D3_L2MISS BIT(20)
#define D2_DATASRC(lo) ((unsigned long long)(lo) & 7)
#define D2_RMTNODE BIT(4)
#define D2_DATASRC_HI(hi) (((unsigned long long)(hi) & 3) << 6)
#define CAPS_ZEN4 (1u << 11)

struct raw {
	unsigned char b[4 + 8 * 9];
};

static struct raw make(unsigned int caps, u64 ctl, u64 d2, u64 d3, u64 lin, u64 phys)
{
	u64 regs[9] = { ctl, 0xffffffff81000000ull, 0x1234, d2, d3, lin, phys, 0, 0 };
	struct raw r;

	memcpy(r.b, &caps, 4);
	memcpy(r.b + 4, regs, sizeof(regs));
	return r;
}

static void test_valid_bits(void)
{
	struct kp_ibs_op op;
	struct raw r;

	r = make(0, OPCTL_OPVAL | OPCTL_OPEN, 0, D3_LDOP | D3_DCLINADDRVALID | D3_DCPHYADDRVALID,
		 0x7f0000001000ull, 0x123456789aull);
	CHECK(kp_ibs_op_decode(r.b, sizeof(r.b), &op) && op.valid && op.load && !op.store,
	      "a completed load is valid");
	CHECK(op.phys_valid && op.phys == 0x123456789aull, "its physical address: %llx",
	      (unsigned long long)op.phys);

	r = make(0, OPCTL_OPEN, 0, D3_LDOP | D3_DCPHYADDRVALID, 0, 0x1000);
	CHECK(kp_ibs_op_decode(r.b, sizeof(r.b), &op) && !op.valid && !op.phys_valid,
	      "IbsOpVal clear: not a sample, whatever the address bits say");

	r = make(0, OPCTL_OPVAL, 0, D3_LDOP | D3_DCLINADDRVALID, 0x1000, 0x2000);
	CHECK(kp_ibs_op_decode(r.b, sizeof(r.b), &op) && op.valid && !op.phys_valid,
	      "DcPhyAddrValid clear: IbsDcPhysAd is not used");

	r = make(0, OPCTL_OPVAL, 0, D3_DCPHYADDRVALID, 0, 0x2000);
	CHECK(kp_ibs_op_decode(r.b, sizeof(r.b), &op) && !op.valid,
	      "neither a load nor a store (e.g. a branch op): no data access");

	r = make(0, OPCTL_OPVAL, 0, D3_STOP | D3_DCPHYADDRVALID, 0, 0x3000);
	CHECK(kp_ibs_op_decode(r.b, sizeof(r.b), &op) && op.valid && op.store && op.phys == 0x3000,
	      "a store carries its address too");

	CHECK(!kp_ibs_op_decode(r.b, KP_IBS_RAW_MIN - 1, &op) && !op.valid,
	      "a record shorter than caps + 7 registers is refused");
	CHECK(!kp_ibs_op_decode(NULL, 100, &op), "no record: refused");
	CHECK(kp_ibs_op_decode(r.b, KP_IBS_RAW_MIN, &op), "caps + 7 registers are enough");
}

static void test_phys_addr(void)
{
	struct kp_ibs_op op;
	struct raw r;

	/* Bits 63:52 of IbsDcPhysAd are reserved: never part of the address. */
	r = make(0, OPCTL_OPVAL, 0, D3_LDOP | D3_DCPHYADDRVALID, 0, 0xfff0000000001040ull);
	kp_ibs_op_decode(r.b, sizeof(r.b), &op);
	CHECK(op.phys == 0x1040, "reserved high bits masked: %llx", (unsigned long long)op.phys);
	r = make(0, OPCTL_OPVAL, 0, D3_LDOP | D3_DCPHYADDRVALID, 0, (1ull << 52) - 64);
	kp_ibs_op_decode(r.b, sizeof(r.b), &op);
	CHECK(op.phys == (1ull << 52) - 64, "a 52-bit address kept whole");
	/* The registers sit right after the u32 caps: no padding between. */
	r = make(0xffffffffu & ~CAPS_ZEN4, OPCTL_OPVAL, 0, D3_LDOP | D3_DCPHYADDRVALID, 0,
		 0xabcdef000ull);
	kp_ibs_op_decode(r.b, sizeof(r.b), &op);
	CHECK(op.phys == 0xabcdef000ull, "registers at offset 4, unaligned");
}

static void test_l3_miss_flags(void)
{
	u64 miss = D3_LDOP | D3_DCMISS | D3_L2MISS | D3_DCPHYADDRVALID;
	struct kp_ibs_op op;
	struct raw r;

	r = make(0, OPCTL_OPVAL, D2_DATASRC(3), miss, 0, 0x1000);
	kp_ibs_op_decode(r.b, sizeof(r.b), &op);
	CHECK(op.from_memory && op.data_src == 3 && !op.remote, "DataSrc 3 (DRAM): from memory");
	r = make(0, OPCTL_OPVAL, D2_DATASRC(3) | D2_RMTNODE, miss, 0, 0x1000);
	kp_ibs_op_decode(r.b, sizeof(r.b), &op);
	CHECK(op.from_memory && op.remote, "RmtNode: from another node's memory");
	r = make(0, OPCTL_OPVAL, D2_DATASRC(2), miss, 0, 0x1000);
	kp_ibs_op_decode(r.b, sizeof(r.b), &op);
	CHECK(!op.from_memory && op.data_src == 2, "DataSrc 2 (local cache): an L3 hit");
	r = make(0, OPCTL_OPVAL, D2_DATASRC(3), D3_LDOP | D3_DCPHYADDRVALID, 0, 0x1000);
	kp_ibs_op_decode(r.b, sizeof(r.b), &op);
	CHECK(!op.from_memory && !op.data_src, "no DC miss: DataSrc not defined, not memory");
	r = make(0, OPCTL_OPVAL, D2_DATASRC(3), D3_STOP | D3_DCMISS | D3_DCPHYADDRVALID, 0, 0x1000);
	kp_ibs_op_decode(r.b, sizeof(r.b), &op);
	CHECK(!op.from_memory, "a store: DataSrc is for loads only");
	r = make(0, OPCTL_OPVAL, D2_DATASRC(3), miss | D3_DCUCMEMACC, 0, 0x1000);
	kp_ibs_op_decode(r.b, sizeof(r.b), &op);
	CHECK(!op.from_memory, "uncacheable access: DataSrc not valid");

	/* Zen 4: DataSrc is 5 bits, DataSrcHi in IbsOpData2[7:6]. */
	r = make(CAPS_ZEN4, OPCTL_OPVAL, D2_DATASRC(0) | D2_DATASRC_HI(1), miss, 0, 0x1000);
	kp_ibs_op_decode(r.b, sizeof(r.b), &op);
	CHECK(op.data_src == 8 && op.from_memory, "Zen 4 DataSrc 8 (extension memory, CXL): memory");
	r = make(CAPS_ZEN4, OPCTL_OPVAL, D2_DATASRC(6), miss, 0, 0x1000);
	kp_ibs_op_decode(r.b, sizeof(r.b), &op);
	CHECK(op.data_src == 6 && op.from_memory, "Zen 4 DataSrc 6 (PMEM): memory");
	r = make(CAPS_ZEN4, OPCTL_OPVAL, D2_DATASRC(5), miss, 0, 0x1000);
	kp_ibs_op_decode(r.b, sizeof(r.b), &op);
	CHECK(op.data_src == 5 && !op.from_memory, "Zen 4 DataSrc 5 (far CCX cache): not memory");
	r = make(0, OPCTL_OPVAL, D2_DATASRC(0) | D2_DATASRC_HI(1), miss, 0, 0x1000);
	kp_ibs_op_decode(r.b, sizeof(r.b), &op);
	CHECK(op.data_src == 0 && !op.from_memory, "before Zen 4 bits 7:6 are not DataSrc");
	r = make(0, OPCTL_OPVAL, D2_DATASRC(6), miss, 0, 0x1000);
	kp_ibs_op_decode(r.b, sizeof(r.b), &op);
	CHECK(!op.from_memory, "before Zen 4, 6 is not a memory source");
}

static void test_weight(void)
{
	CHECK(kp_hws_weight(65536, 65536) == KP_HEAT_UNIT, "the reference period: one sighting");
	CHECK(kp_hws_weight(131072, 65536) == 2 * KP_HEAT_UNIT, "twice the period, twice the weight");
	CHECK(kp_hws_weight(8192, 65536) == 1, "an eighth: one heat unit");
	CHECK(kp_hws_weight(16, 65536) == 1, "never nothing");
	CHECK(kp_hws_weight(1ull << 40, 65536) == KP_HEAT_MAX, "capped at what an entry holds");
	CHECK(kp_hws_weight(~0ull, 65536) == KP_HEAT_MAX, "no overflow at the top");
	CHECK(kp_hws_weight(1000, 0) == KP_HEAT_UNIT, "no reference: one sighting");
}

#define W (128ull * 1000000)	/* the window, ns */

static void test_throttle(void)
{
	u64 p = 65536;
	int i;

	CHECK(kp_hws_window_quota(2000) == 256, "2000/s: 256 per 128 ms window");
	CHECK(kp_hws_window_quota(1) == 1, "the smallest ceiling still lets one through");
	CHECK(kp_hws_next_period(257, W, 256, W, p, p) == 2 * p,
	      "a window just over the ceiling: the period doubles");
	CHECK(kp_hws_next_period(256, W, 256, W, p, p) == p, "at the ceiling: kept");
	CHECK(kp_hws_next_period(10, W, 256, W, p, p) == p, "quiet, at the base: never below it");
	CHECK(kp_hws_next_period(10, W, 256, W, 4 * p, p) == 2 * p, "quiet above the base: halves");
	CHECK(kp_hws_next_period(100, W, 256, W, 4 * p, p) == 4 * p,
	      "between a quarter and the ceiling: kept");
	/* The quota passed early in a window: the rate it shows, in one step. */
	CHECK(kp_hws_next_period(257, W / 4, 256, W, p, p) == 8 * p,
	      "4x the ceiling's rate: 8x the period at once (4x would sit on the ceiling)");
	CHECK(kp_hws_next_period(257, W / 3, 256, W, p, p) == 4 * p,
	      "3x the ceiling's rate: 4x the period");
	CHECK(kp_hws_next_period(14, 3700000, 13, W, p, p) == 64 * p,
	      "3800/s against 100/s (the guest test's numbers): 38x, capped at 64x");
	CHECK(kp_hws_next_period(14, 0, 13, W, p, p) == 64 * p, "no time seen: as fast as can be");
	CHECK(kp_hws_next_period(257, W / 4, 256, W, 16 * p, p) == 64 * p,
	      "a raise from a raised period stops at the cap");
	/* A window stretched by a CPU that took no sample: judged by its rate. */
	CHECK(kp_hws_next_period(300, 2 * W, 256, W, 4 * p, p) == 4 * p,
	      "300 samples over two windows: under the ceiling's rate, kept");
	CHECK(kp_hws_next_period(2, 3600ull * 1000000000, 256, W, 4 * p, p) == 2 * p,
	      "an hour's gap: quiet, halves once");
	CHECK(kp_hws_next_period(~0ull, ~0ull, ~0u, W, p, p) == p,
	      "the largest inputs do not overflow into a wrong answer");
	for (i = 0; i < 20; i++)
		p = kp_hws_next_period(100000, W, 256, W, p, 65536);
	CHECK(p == 65536ull << KP_HWS_MAX_SHIFT, "never beyond 2^%d x the base", KP_HWS_MAX_SHIFT);
	CHECK((p & 15) == 0, "stays a multiple of 16 (IBS)");
}

int main(void)
{
	test_valid_bits();
	test_phys_addr();
	test_l3_miss_flags();
	test_weight();
	test_throttle();
	return tap_done("hwsample");
}

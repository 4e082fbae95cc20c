/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decoding of an AMD IBS op sample as the ibs_op PMU hands it over in
 * PERF_SAMPLE_RAW: a u32 copy of the IBS capabilities (CPUID 8000_001B EAX)
 * followed, unaligned, by the u64 IBS op registers in MSR order from
 * IbsOpCtl (MSRC001_1033) on. Only the registers up to IbsDcPhysAd matter
 * here. Bit positions are AMD's (PPR for Family 19h, "IBS Op Data 2/3",
 * "IBS DC Physical Address"); the kernel's own <asm/amd-ibs.h> names them
 * too, but this file is pure so that the host unit tests check it against
 * register values built from the published layout.
 */
#ifndef KPROMOTED_IBS_H
#define KPROMOTED_IBS_H

#include "kpromoted/policy.h"
#ifdef __KERNEL__
#include <linux/string.h>
#else
#include <string.h>
#endif

/* Registers of the raw record, in order (each a u64 after the u32 caps). */
enum kp_ibs_reg {
	KP_IBS_OPCTL,		/* MSRC001_1033 */
	KP_IBS_OPRIP,		/* MSRC001_1034 */
	KP_IBS_OPDATA,		/* MSRC001_1035 */
	KP_IBS_OPDATA2,		/* MSRC001_1036 */
	KP_IBS_OPDATA3,		/* MSRC001_1037 */
	KP_IBS_DCLINAD,		/* MSRC001_1038 */
	KP_IBS_DCPHYSAD,	/* MSRC001_1039 */
	KP_IBS_NR_REGS,
};
#define KP_IBS_RAW_MIN (4 + 8 * KP_IBS_NR_REGS)

/* IBS capabilities (CPUID 8000_001B EAX). */
#define KP_IBS_CAPS_ZEN4	(1u << 11)	/* extended DataSrc, L3MissOnly */

/* IbsOpCtl */
#define KP_IBS_OPCTL_VAL	(1ull << 18)	/* the sample is complete */
/* IbsOpData2: DataSrc[2:0], RmtNode, and on Zen 4 DataSrc[4:3] at 7:6 */
#define KP_IBS_OPDATA2_SRC_LO	0x7ull
#define KP_IBS_OPDATA2_RMT_NODE	(1ull << 4)
#define KP_IBS_OPDATA2_SRC_HI_SHIFT 6
#define KP_IBS_OPDATA2_SRC_HI	(0x3ull << KP_IBS_OPDATA2_SRC_HI_SHIFT)
/* IbsOpData3 */
#define KP_IBS_OPDATA3_LD	(1ull << 0)
#define KP_IBS_OPDATA3_ST	(1ull << 1)
#define KP_IBS_OPDATA3_DC_MISS	(1ull << 7)
#define KP_IBS_OPDATA3_UC	(1ull << 14)	/* uncacheable access */
#define KP_IBS_OPDATA3_LIN_VALID (1ull << 17)	/* DcLinAddrValid */
#define KP_IBS_OPDATA3_PHY_VALID (1ull << 18)	/* DcPhyAddrValid */
#define KP_IBS_OPDATA3_L2_MISS	(1ull << 20)
/* IbsDcPhysAd: the physical address in bits 51:0 */
#define KP_IBS_PHYS_MASK	((1ull << 52) - 1)

/* DataSrc values that mean "served by memory" (an L3 miss to DRAM, PMEM, CXL). */
#define KP_IBS_SRC_DRAM		3	/* both encodings */
#define KP_IBS_SRC_EXT_PMEM	6	/* Zen 4 */
#define KP_IBS_SRC_EXT_EXT_MEM	8	/* Zen 4: CXL or other extension memory */

struct kp_ibs_op {
	bool valid;		/* a complete sample of a load or store */
	bool load, store;
	bool phys_valid;
	u64 phys;		/* the data's physical address, if phys_valid */
	u32 data_src;		/* DataSrc (5 bits on Zen 4, else 3); loads only */
	bool remote;		/* served by another node (RmtNode) */
	bool from_memory;	/* a load served by memory: an L3 miss */
};

static inline u64 kp_ibs_reg(const unsigned char *raw, enum kp_ibs_reg r)
{
	u64 v;

	memcpy(&v, raw + 4 + 8 * r, sizeof(v));
	return v;
}

/*
 * Decodes raw[0..size) into *op; false when the record is too short to be
 * an IBS op sample. op->valid is false for a sample that is not a
 * completed load or store (its address fields say nothing).
 */
static inline bool kp_ibs_op_decode(const void *raw, u32 size, struct kp_ibs_op *op)
{
	const unsigned char *p = raw;
	u64 ctl, d2, d3;
	u32 caps;
	bool zen4;

	memset(op, 0, sizeof(*op));
	if (!raw || size < KP_IBS_RAW_MIN)
		return false;
	memcpy(&caps, p, sizeof(caps));
	zen4 = caps & KP_IBS_CAPS_ZEN4;
	ctl = kp_ibs_reg(p, KP_IBS_OPCTL);
	d2 = kp_ibs_reg(p, KP_IBS_OPDATA2);
	d3 = kp_ibs_reg(p, KP_IBS_OPDATA3);
	op->load = d3 & KP_IBS_OPDATA3_LD;
	op->store = d3 & KP_IBS_OPDATA3_ST;
	op->valid = (ctl & KP_IBS_OPCTL_VAL) && (op->load || op->store);
	if (!op->valid)
		return true;
	if (d3 & KP_IBS_OPDATA3_PHY_VALID) {
		op->phys_valid = true;
		op->phys = kp_ibs_reg(p, KP_IBS_DCPHYSAD) & KP_IBS_PHYS_MASK;
	}
	/* DataSrc is defined for loads that missed the data cache only. */
	if (!op->load || !(d3 & KP_IBS_OPDATA3_DC_MISS) || (d3 & KP_IBS_OPDATA3_UC))
		return true;
	op->data_src = (u32)(d2 & KP_IBS_OPDATA2_SRC_LO);
	if (zen4)
		op->data_src |= (u32)((d2 & KP_IBS_OPDATA2_SRC_HI) >> KP_IBS_OPDATA2_SRC_HI_SHIFT) << 3;
	op->remote = d2 & KP_IBS_OPDATA2_RMT_NODE;
	op->from_memory = op->data_src == KP_IBS_SRC_DRAM ||
			  (zen4 && (op->data_src == KP_IBS_SRC_EXT_PMEM ||
				    op->data_src == KP_IBS_SRC_EXT_EXT_MEM));
	return true;
}

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * A targeted look at one page's accessed bits: how the confirmation stage
 * tells a hot nominee (src/classify/confirm.c) and room-making a cold page
 * of a fast node (src/promote/room.c).
 *
 * The kernel has no exported call that tests and clears the accessed bits
 * of one folio's mappings: folio_referenced() is for isolated folios (it
 * would run MGLRU's look-around on a folio still on its LRU), page_idle
 * needs CONFIG_IDLE_PAGE_TRACKING. So kpromoted walks the folio's reverse
 * map itself, as DAMON's physical-address operations do: rmap_walk() and
 * page_vma_mapped_walk() (both resolved, reached through their stubs) find
 * every PTE or PMD that maps it, and the x86 accessed bit is tested and
 * cleared there. Secondary MMUs (KVM) are not asked.
 *
 * A cleared accessed bit is set again only when the CPU walks the page
 * table, and a page in constant use stays in the TLB: without a flush, a
 * hot page looks idle at the next look (the kernel does not flush for its
 * own aging, whose passes are seconds apart; looks 20 ms apart need it).
 * A batch of looks (kp_compat_look_begin/end) notes each address space
 * whose bits it cleared and flushes each once at its end (flush_tlb_mm_range,
 * resolved): one flush per address space per batch, not one per page, and
 * every look after it sees the accesses made since.
 *
 * The walk never sleeps on a contended lock (try_lock): a busy folio is
 * looked at again next round.
 *
 * Locking a walk (kp_compat_rmap_walk, for the look and for the placement
 * rule's walk in src/compat/mempolicy.c): the folio is only referenced,
 * not locked, and a reference does not keep its anon_vma alive: a process
 * that exits unmaps the folio and frees the anon_vma while the folio lives
 * on. The kernel's walkers of unlocked anon folios (folio_referenced,
 * try_to_unmap) pass folio_lock_anon_vma_read as rwc->anon_lock, which
 * reads folio->mapping under RCU, checks the folio is still mapped and
 * takes a reference on the anon_vma before its lock; kpromoted passes it
 * too (resolved, reached from a callback of its own through its stub, so
 * the kernel's indirect call lands on module code with its ENDBR). File
 * and KSM folios take the folio lock instead, as rmap_walk() requires.
 */
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/pgtable.h>
#include <linux/rmap.h>
#include <linux/sched/mm.h>
#include <asm/tlbflush.h>
#include "kpromoted/kpromoted.h"
#include "kpromoted/classify.h"
#include "kpromoted/compat.h"
#include "kpromoted/ksyms.h"
#include "kabi.h"

bool kp_call_page_vma_mapped_walk(struct page_vma_mapped_walk *pvmw);
struct anon_vma *kp_call_folio_lock_anon_vma_read(KP_ANON_LOCK_CONST struct folio *folio,
						  struct rmap_walk_control *rwc);
void kp_call_flush_tlb_mm_range(struct mm_struct *mm, unsigned long start,
				unsigned long end, unsigned int stride_shift,
				bool freed_tables);

const char *kp_compat_look_unavailable(void)
{
	if (!kp_compat_rmap_walk_present() ||
	    !kp_ksym_present(kp_addr_page_vma_mapped_walk) ||
	    !kp_ksym_present(kp_addr_flush_tlb_mm_range))
		return "rmap_walk, folio_lock_anon_vma_read, page_vma_mapped_walk or flush_tlb_mm_range not found in this kernel";
	return NULL;
}

bool kp_compat_rmap_walk_present(void)
{
	return kp_ksym_present(kp_addr_rmap_walk) &&
	       kp_ksym_present(kp_addr_folio_lock_anon_vma_read);
}

/* rwc->anon_lock: the kernel calls it indirectly, so it is module code. */
static struct anon_vma *kp_anon_lock(KP_ANON_LOCK_CONST struct folio *folio,
				     struct rmap_walk_control *rwc)
{
	return kp_call_folio_lock_anon_vma_read(folio, rwc);
}

int kp_compat_rmap_walk(struct folio *folio, struct rmap_walk_control *rwc)
{
	/* File and KSM folios need the folio lock for a stable mapping. */
	bool need_lock = !folio_test_anon(folio) || folio_test_ksm(folio);

	if (need_lock) {
		if (!folio_trylock(folio))
			return -EBUSY;
	} else {
		rwc->anon_lock = kp_anon_lock;
	}
	kp_call_rmap_walk(folio, rwc);
	if (need_lock)
		folio_unlock(folio);
	return rwc->contended ? -EBUSY : 0;
}

/* Notes mm for the flush at the end of the batch; false when the list is full. */
static bool kp_batch_note(struct kp_look_batch *b, struct mm_struct *mm)
{
	unsigned int i;

	for (i = 0; i < b->nr; i++)
		if (b->mm[i] == mm)
			return true;
	if (b->nr == KP_LOOK_BATCH_MMS)
		return false;
	mmgrab(mm);
	b->mm[b->nr++] = mm;
	return true;
}

void kp_compat_look_begin(struct kp_look_batch *b)
{
	b->nr = 0;
}

void kp_compat_look_end(struct kp_look_batch *b)
{
	while (b->nr) {
		struct mm_struct *mm = b->mm[--b->nr];

		kp_call_flush_tlb_mm_range(mm, 0UL, TLB_FLUSH_ALL, 0UL, false);
		mmdrop(mm);
	}
}

/* x86: the hardware sets _PAGE_ACCESSED; clearing it needs no flush. */
static bool kp_pte_test_clear_young(pte_t *pte)
{
	pte_t v = ptep_get(pte);

	return pte_present(v) && pte_young(v) &&
	       test_and_clear_bit(_PAGE_BIT_ACCESSED, (unsigned long *)&pte->pte);
}

static bool kp_pmd_test_clear_young(pmd_t *pmd)
{
	pmd_t v = READ_ONCE(*pmd);

	return pmd_present(v) && pmd_young(v) &&
	       test_and_clear_bit(_PAGE_BIT_ACCESSED, (unsigned long *)pmd);
}

struct kp_look_arg {
	struct kp_look_batch *batch;
	bool young;
};

/* rmap_one: called by rmap_walk() for each VMA that may map the folio. */
static bool kp_look_one(struct folio *folio, struct vm_area_struct *vma,
			unsigned long addr, void *arg)
{
	/*
	 * DEFINE_FOLIO_VMA_WALK() but with folio->index for the offset: 6.1's
	 * folio_pgoff() calls a function not exported for hugetlb, and
	 * hugetlb folios are never on an LRU, so never looked at here.
	 */
	struct page_vma_mapped_walk pvmw = {
		.pfn = folio_pfn(folio),
		.nr_pages = folio_nr_pages(folio),
		.pgoff = folio->index,
		.vma = vma,
		.address = addr,
	};
	struct kp_look_arg *la = arg;
	bool cleared = false;
	unsigned long start = addr, end = addr;

	/* Runs to the end: page_vma_mapped_walk() drops its locks itself then. */
	while (kp_call_page_vma_mapped_walk(&pvmw)) {
		unsigned long size = pvmw.pte ? PAGE_SIZE : HPAGE_PMD_SIZE;

		if (pvmw.pte)
			cleared |= kp_pte_test_clear_young(pvmw.pte);
		else if (pvmw.pmd)
			cleared |= kp_pmd_test_clear_young(pvmw.pmd);
		start = min(start, pvmw.address);
		end = max(end, pvmw.address + size);
	}
	la->young |= cleared;
	/*
	 * Even a clear bit may hide a cached translation (the MGLRU walk
	 * clears without flushing): every mapping looked at is flushed
	 * before the next look.
	 */
	if (end > start && !kp_batch_note(la->batch, vma->vm_mm))
		kp_call_flush_tlb_mm_range(vma->vm_mm, start, end, PAGE_SHIFT, false);
	return true;
}

enum kp_look kp_compat_look(struct kp_look_batch *b, unsigned long pfn, bool slow)
{
	struct kp_look_arg la = { .batch = b };
	struct page *page = pfn_to_online_page(pfn);
	struct rmap_walk_control rwc = { .rmap_one = kp_look_one, .try_lock = true };
	enum kp_look look = KP_LOOK_GONE;
	struct folio *folio;

	if (!page)
		return KP_LOOK_GONE;
	folio = page_folio(page);
	if (!folio_try_get(folio))
		return KP_LOOK_GONE;
	if (unlikely(page_folio(page) != folio) || !folio_test_lru(folio) ||
	    !folio_mapped(folio) || kp_node_is_slow(folio_nid(folio)) != slow ||
	    (!slow && folio_test_unevictable(folio)))
		goto put;
	rwc.arg = &la;
	if (kp_compat_rmap_walk(folio, &rwc))
		look = KP_LOOK_BUSY;
	else
		look = la.young ? KP_LOOK_YOUNG : KP_LOOK_OLD;
put:
	folio_put(folio);
	return look;
}

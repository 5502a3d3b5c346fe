/*
 * parse_heap.c: the heap libclang parses in. A parse of a kernel unit allocates about
 * 100 MB in small pieces and touches each page once; faulted in 4 KiB at a time that is
 * some 6,000 page faults, and where a fault is slow (this project's virtual machines) they
 * were 40% of the parse: riscv64's sid unit took 0.38 s as libclang runs by default and
 * 0.23 s with glibc's malloc told to grow in large steps backed by transparent huge pages
 * (GLIBC_TUNABLES=glibc.malloc.hugetlb=1:glibc.malloc.top_pad=128M), 3,600 faults.
 *
 * This does that from inside, once, before the first parse: it grows glibc's main heap by
 * PARSE_HEAP (address space, not memory: a page is resident only once touched) and asks the
 * kernel to back it with huge pages, MADV_HUGEPAGE, which it honours where THP is "always"
 * or "madvise" and ignores where it is "never". libclang parses on a thread of its own,
 * whose allocations would go to a new arena outside that heap, so it is told to parse on the
 * calling thread instead (LIBCLANG_NOTHREADS; it still recovers from a crash there).
 * Elsewhere (another C library, a sanitizer's allocator) this does nothing.
 */
#include "clang/parse_heap.h"
#include "util/report.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#define PARSE_HEAP (256u << 20) /* a parse is resident at 80 to 120 MB */
#define HUGE_PAGE (2u << 20)
#define MMAP_MAX (32 << 20) /* glibc's largest M_MMAP_THRESHOLD on 64-bit */

static void prepare(void)
{
	uintptr_t start, end;
	void *volatile grow;

	setenv("LIBCLANG_NOTHREADS", "1", 0);
	/* Allocations up to MMAP_MAX come from the heap, freeing keeps it, and it grows by
	 * PARSE_HEAP at a time; then an allocation no free chunk this early can hold grows
	 * it now, so the range to advise is known. */
	if (!mallopt(M_MMAP_THRESHOLD, MMAP_MAX) || !mallopt(M_TRIM_THRESHOLD, 2 * PARSE_HEAP) ||
	    !mallopt(M_TOP_PAD, PARSE_HEAP)) {
		trace("the parse heap: left as it is (malloc refused the settings)");
		return;
	}
	start = (uintptr_t)sbrk(0);
	grow = malloc(MMAP_MAX - 4096); /* volatile: a compiler may drop free(malloc(n)) */
	free(grow);
	end = (uintptr_t)sbrk(0);
	start = (start + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
	if (end <= start + HUGE_PAGE) {
		trace("the parse heap: left as it is (it did not grow)");
		return;
	}
	end = start + ((end - start) & ~(uintptr_t)(HUGE_PAGE - 1));
	if (madvise((void *)start, end - start, MADV_HUGEPAGE))
		trace("the parse heap: %zu MiB, not advised for huge pages (%m)", (size_t)((end - start) >> 20));
	else
		trace("the parse heap: %zu MiB advised for huge pages", (size_t)((end - start) >> 20));
}
#else
static void prepare(void)
{
	trace("the parse heap: left to the allocator (not glibc's, or a sanitizer's)");
}
#endif

void parse_heap_prepare(void)
{
	static bool done;

	if (!done)
		prepare();
	done = true;
}

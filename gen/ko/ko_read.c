/*
 * ko_read.c: reads one kernel module with libelf (elfutils), as pahole and libbpf do, after
 * undoing the compression kmod would (liblzma, libzstd, zlib). Everything a loader would
 * look at is collected here; judging it against a triple is check_ko.c's job.
 *
 * No broken file makes it die: check-ko scans thousands of modules on several threads, and one
 * broken file must not stop the others, so every failure of a file becomes ->error, one line
 * naming the file. Only running out of memory ends the run (the x* allocators die, as
 * everywhere in kabigen).
 */
#include "ko/ko.h"
#include "util/report.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <lzma.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uthash.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

/* No real module comes near this; a file over it, or one that inflates past it, is refused. */
#define KO_MAX_IMAGE (1024UL * 1024 * 1024)
/* What parsing an image of N bytes takes at most (libelf's tables, the relocations kept), in
 * images: measured on modules made of nothing but relocations, the worst case (500,000
 * __param relocations: 1.6 images). */
#define KO_PARSE_FACTOR 2

/* ---- the memory budget the modules read at once share ---- */

uint64_t ko_budget_default(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	uint64_t room = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : UINT64_MAX;
	struct rlimit rl;
	unsigned long long mapped = 0;
	uint64_t left;
	FILE *f;

	/* ulimit -v counts what is mapped already (libraries, the model): the rest is the room. */
	if (!getrlimit(RLIMIT_AS, &rl) && rl.rlim_cur != RLIM_INFINITY) {
		if ((f = fopen("/proc/self/statm", "r"))) {
			if (fscanf(f, "%llu", &mapped) != 1)
				mapped = 0;
			fclose(f);
		}
		mapped *= page > 0 ? (unsigned long long)page : 4096;
		left = mapped < rl.rlim_cur ? (uint64_t)(rl.rlim_cur - mapped) : 0;
		if (left < room)
			room = left;
	}
	return room / 2;
}

void ko_budget_init(struct ko_budget *b, uint64_t total)
{
	memset(b, 0, sizeof(*b));
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->changed, NULL);
	b->total = total ? total : ko_budget_default();
}

void ko_budget_release(struct ko_budget *b)
{
	pthread_cond_destroy(&b->changed);
	pthread_mutex_destroy(&b->lock);
}

/*
 * Takes N more bytes for H's module: 0 taken; -1 the module needs more than the whole
 * budget; -2 it does not fit beside what the other modules hold (H->again: it is to be
 * read again alone). A module starting (holding nothing) waits for room instead; one
 * holding some never waits, so the holders always finish and no thread waits forever.
 */
static int hold_take(struct ko_hold *h, uint64_t n)
{
	struct ko_budget *b = h->budget;
	int r = 0;

	if (!b)
		return 0;
	pthread_mutex_lock(&b->lock);
	if (n > b->total - h->held) {
		r = -1;
	} else if (!h->alone) {
		while (!h->held && (b->alone || b->waiting_alone || b->used + n > b->total))
			pthread_cond_wait(&b->changed, &b->lock);
		if (b->used + n > b->total) {
			h->again = 1;
			r = -2;
		}
	}
	if (!r) {
		b->used += n;
		h->held += n;
	}
	pthread_mutex_unlock(&b->lock);
	return r;
}

/* Gives N of the bytes H holds back (a decoder freed). */
static void hold_give(struct ko_hold *h, uint64_t n)
{
	struct ko_budget *b = h->budget;

	if (!b || !n)
		return;
	pthread_mutex_lock(&b->lock);
	b->used -= n;
	h->held -= n;
	pthread_cond_broadcast(&b->changed);
	pthread_mutex_unlock(&b->lock);
}

/* What H could take now without waiting (all the budget but H's own when it is read alone);
 * UINT64_MAX without a budget. */
static uint64_t hold_left(const struct ko_hold *h)
{
	struct ko_budget *b = h->budget;
	uint64_t left;

	if (!b)
		return UINT64_MAX;
	pthread_mutex_lock(&b->lock);
	left = b->total - b->used;
	pthread_mutex_unlock(&b->lock);
	return left;
}

void ko_hold_release(struct ko_hold *h)
{
	struct ko_budget *b = h->budget;

	if (!b)
		return;
	pthread_mutex_lock(&b->lock);
	b->used -= h->held;
	h->held = 0;
	if (h->alone)
		b->alone = h->alone = 0;
	pthread_cond_broadcast(&b->changed);
	pthread_mutex_unlock(&b->lock);
}

void ko_hold_alone(struct ko_hold *h)
{
	struct ko_budget *b = h->budget;

	ko_hold_release(h);
	if (!b)
		return;
	pthread_mutex_lock(&b->lock);
	h->again = 0;
	b->waiting_alone++;
	while (b->alone || b->used)
		pthread_cond_wait(&b->changed, &b->lock);
	b->waiting_alone--;
	b->alone = h->alone = 1;
	pthread_mutex_unlock(&b->lock);
}

/* "1.5 GiB": a size for messages. */
static void size_text(char *buf, size_t len, uint64_t n)
{
	static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	size_t u = 0;

	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	if (u)
		snprintf(buf, len, "%.1f %s", v, units[u]);
	else
		snprintf(buf, len, "%llu bytes", (unsigned long long)n);
}

/* ---- decompression ---- */

static const unsigned char xz_magic[] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };
static const unsigned char zstd_magic[] = { 0x28, 0xb5, 0x2f, 0xfd };
static const unsigned char gzip_magic[] = { 0x1f, 0x8b };

static int has_magic(const unsigned char *data, size_t size, const unsigned char *magic, size_t len)
{
	return size >= len && !memcmp(data, magic, len);
}

/* A growing output buffer for the decoders, its growth taken from the budget. */
struct image {
	unsigned char *buf;
	size_t len, cap;
	struct ko_hold *hold;
	const char *problem;	/* why it cannot grow */
	int over_bound;		/* it cannot grow: over the 1 GiB bound (1) or the budget (2) */
	uint64_t decoder;	/* of the budget, what the decoder's own memory holds */
	uint64_t need;		/* over the budget: what reading needs in all (0: more than it has, ... */
	const char *how;	/* ... how: "it inflates past") */
};

static int image_room(struct image *im)
{
	size_t cap = im->cap ? im->cap * 2 : 1 << 20;
	unsigned char *buf;

	if (im->len < im->cap)
		return 0;
	if (im->cap >= KO_MAX_IMAGE) {
		im->problem = "it inflates past 1 GiB, and no kernel module comes near that (a decompression bomb?)";
		im->over_bound = 1;
		return -1;
	}
	if (hold_take(im->hold, cap - im->cap)) {
		im->problem = "over the memory budget";	/* said by over_budget(), or read again (->again) */
		im->over_bound = 2;
		im->need = 0;
		im->how = "it inflates past";
		return -1;
	}
	if (!(buf = realloc(im->buf, cap))) {	/* not xrealloc: one module's failure is its own */
		im->problem = "out of memory; check it alone, or on a machine with more memory";
		return -1;
	}
	im->buf = buf;
	im->cap = cap;
	return 0;
}

/*
 * Takes the decoder's own memory, NOW bytes in all, from the budget: a dictionary or window
 * is the stream's to choose (xz -9e --lzma2=dict=1536MiB, zstd --long=31), whatever the
 * module's size.
 */
static int decoder_take(struct image *im, uint64_t now)
{
	if (now <= im->decoder)
		return 0;
	if (hold_take(im->hold, now - im->decoder)) {
		im->problem = "over the memory budget";	/* said by over_budget(), or read again (->again) */
		im->over_bound = 2;
		im->need = im->hold->held + (now - im->decoder);
		return -1;
	}
	im->decoder = now;
	return 0;
}

/* The decoder freed: its memory back to the budget. */
static void decoder_give(struct image *im)
{
	hold_give(im->hold, im->decoder);
	im->decoder = 0;
}

/* liblzma stops at each block whose decoder needs more than the memory limit: the limit
 * starts at nothing and is raised by what the budget gives, before the decoder allocates. */
static const char *unxz(const unsigned char *in, size_t size, struct image *im)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret r;

	if (lzma_stream_decoder(&s, 1, LZMA_CONCATENATED) != LZMA_OK)
		return "liblzma cannot start a decoder";
	s.next_in = in;
	s.avail_in = size;
	do {
		if (image_room(im)) {
			lzma_end(&s);
			decoder_give(im);
			return im->problem;
		}
		s.next_out = im->buf + im->len;
		s.avail_out = im->cap - im->len;
		r = lzma_code(&s, LZMA_FINISH);
		im->len = im->cap - s.avail_out;
		if (r == LZMA_MEMLIMIT_ERROR) {
			if (decoder_take(im, lzma_memusage(&s))) {
				lzma_end(&s);
				decoder_give(im);
				return im->problem;
			}
			r = lzma_memlimit_set(&s, im->decoder) == LZMA_OK ? LZMA_OK : LZMA_PROG_ERROR;
		}
	} while (r == LZMA_OK);
	lzma_end(&s);
	decoder_give(im);
	return r == LZMA_STREAM_END ? NULL : r == LZMA_BUF_ERROR ? "the xz stream is truncated" : "the xz stream is corrupt";
}

/*
 * libzstd allocates a frame's window as it reads the frame's header: ZSTD_d_windowLogMax
 * refuses a window larger than what the budget leaves, and what it did allocate is taken
 * from the budget after each step. Without a budget, libzstd's default limit (128 MiB).
 */
static int unzstd_limit(ZSTD_DStream *s, struct image *im)
{
	ZSTD_bounds bounds = ZSTD_dParam_getBounds(ZSTD_d_windowLogMax);
	uint64_t left = hold_left(im->hold);
	int log = bounds.lowerBound;

	if (!im->hold->budget || ZSTD_isError(bounds.error))
		return 0;
	while (log < bounds.upperBound && (2ULL << log) <= left)
		log++;
	return ZSTD_isError(ZSTD_DCtx_setParameter(s, ZSTD_d_windowLogMax, log)) ? -1 : 0;
}

/* A zstd frame whose window ZSTD_d_windowLogMax refused: over the budget, or (when other
 * modules hold some of it) to be read again alone. */
static const char *zstd_window_over(struct image *im)
{
	im->problem = "over the memory budget";
	im->over_bound = 2;
	im->need = 0;
	im->how = "its zstd window is larger than what is left of";
	if (hold_left(im->hold) < im->hold->budget->total - im->hold->held)
		im->hold->again = 1;
	return im->problem;
}

static const char *unzstd(const unsigned char *in, size_t size, struct image *im)
{
	ZSTD_DStream *s = ZSTD_createDStream();
	ZSTD_inBuffer ib = { in, size, 0 };
	size_t r = 1;
	const char *problem = NULL;

	if (!s)
		return "libzstd cannot start a decoder";
	ZSTD_initDStream(s);
	if (unzstd_limit(s, im)) {
		ZSTD_freeDStream(s);
		return "libzstd cannot limit its window";
	}
	while (!problem && (ib.pos < ib.size || r)) {
		ZSTD_outBuffer ob;

		if (image_room(im)) {
			problem = im->problem;
			break;
		}
		ob = (ZSTD_outBuffer){ im->buf + im->len, im->cap - im->len, 0 };
		r = ZSTD_decompressStream(s, &ob, &ib);
		im->len += ob.pos;
		if (ZSTD_isError(r) && ZSTD_getErrorCode(r) == ZSTD_error_frameParameter_windowTooLarge && im->hold->budget)
			problem = zstd_window_over(im);
		else if (ZSTD_isError(r))
			problem = "the zstd stream is corrupt";
		else if (decoder_take(im, ZSTD_sizeof_DStream(s)))
			problem = im->problem;
		else if (ib.pos == ib.size && r && ob.pos < ob.size)
			problem = "the zstd stream is truncated";
	}
	ZSTD_freeDStream(s);
	decoder_give(im);
	return problem;
}

static const char *ungzip(const unsigned char *in, size_t size, struct image *im)
{
	z_stream s = { 0 };
	int r;

	if (inflateInit2(&s, 16 + MAX_WBITS) != Z_OK)
		return "zlib cannot start a decoder";
	s.next_in = (unsigned char *)in;
	s.avail_in = (uInt)(size > UINT32_MAX ? UINT32_MAX : size);
	do {
		if (image_room(im)) {
			inflateEnd(&s);
			return im->problem;
		}
		s.next_out = im->buf + im->len;
		s.avail_out = (uInt)(im->cap - im->len);
		r = inflate(&s, Z_NO_FLUSH);
		im->len = im->cap - s.avail_out;
	} while (r == Z_OK);
	inflateEnd(&s);
	return r == Z_STREAM_END ? NULL : r == Z_BUF_ERROR ? "the gzip stream is truncated" : "the gzip stream is corrupt";
}

/* ---- ELF ---- */

static pthread_once_t elf_once = PTHREAD_ONCE_INIT;

static void elf_init(void)
{
	elf_version(EV_CURRENT);
}

static struct ko_module *fail(struct ko_module *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static struct ko_module *fail(struct ko_module *m, const char *fmt, ...)
{
	struct strbuf sb = { 0 };
	va_list ap;
	char *path = m->path;

	sb_addf(&sb, "%s: ", path);
	va_start(ap, fmt);	/* first: the arguments may be M's */
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	m->path = NULL;
	ko_free(m);
	m = xcalloc(1, sizeof(*m));
	m->path = path;
	m->error = sb.buf;
	return m;
}

/* A module Linux's loader refuses: the rule it breaks and why, nothing else kept (see ko.h). */
static struct ko_module *refuse(struct ko_module *m, const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static struct ko_module *refuse(struct ko_module *m, const char *rule, const char *fmt, ...)
{
	struct strbuf sb = { 0 };
	va_list ap;
	struct ko_module *r = xcalloc(1, sizeof(*r));

	va_start(ap, fmt);	/* first: the arguments may be M's */
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	r->path = m->path;
	r->machine = m->machine;
	r->elf_class = m->elf_class;
	r->data = m->data;
	m->path = NULL;
	ko_free(m);
	r->refused = sb.buf;
	r->refused_rule = rule;
	return r;
}

static const char *elf_problem(void)
{
	return elf_errmsg(-1);
}

/* .modinfo is key=value strings, NUL-separated. */
static void read_modinfo(struct ko_module *m, const Elf_Data *d)
{
	const char *p, *end;

	if (!d || !d->d_buf)
		return;
	p = d->d_buf;
	end = p + d->d_size;
	while (p < end) {
		size_t len = strnlen(p, (size_t)(end - p));

		if (len > 9 && !strncmp(p, "vermagic=", 9) && !m->vermagic)
			m->vermagic = strndup(p + 9, len - 9);
		else if (len > 5 && !strncmp(p, "name=", 5) && !m->modinfo_name)
			m->modinfo_name = strndup(p + 5, len - 5);
		p += len + 1;
	}
}

static int cmp_reloc_use(const void *a, const void *b)
{
	const struct ko_reloc_use *x = a, *y = b;

	return x->type < y->type ? -1 : x->type > y->type;
}

static int cmp_import(const void *a, const void *b)
{
	return strcmp(((const struct ko_import *)a)->name, ((const struct ko_import *)b)->name);
}

/* Where a relocation type is counted in ->relocs: one lookup per relocation, whatever the
 * number of types (a hostile module may use hundreds of thousands). */
struct ko_reloc_slot {
	unsigned type;
	size_t at;
	UT_hash_handle hh;
};

static void count_reloc(struct ko_module *m, unsigned type, int external)
{
	struct ko_reloc_slot *slot;

	HASH_FIND(hh, m->reloc_slots, &type, sizeof(type), slot);
	if (!slot) {
		slot = xmalloc(sizeof(*slot));
		*slot = (struct ko_reloc_slot){ .type = type, .at = m->n_relocs };
		HASH_ADD(hh, m->reloc_slots, type, sizeof(slot->type), slot);
		m->relocs = xgrow(m->relocs, m->n_relocs, sizeof(*m->relocs));
		m->relocs[m->n_relocs++] = (struct ko_reloc_use){ type, 0, 0 };
	}
	m->relocs[slot->at].count++;
	m->relocs[slot->at].external += external != 0;
}

static void reloc_slots_free(struct ko_module *m)
{
	struct ko_reloc_slot *slot, *tmp;

	HASH_ITER(hh, m->reloc_slots, slot, tmp) {
		HASH_DEL(m->reloc_slots, slot);
		free(slot);
	}
}

static void table_add_reloc(struct ko_table *t, uint64_t offset, unsigned type, const char *symbol, int undefined)
{
	t->relocs = xgrow(t->relocs, t->n_relocs, sizeof(*t->relocs));
	t->relocs[t->n_relocs++] = (struct ko_field_reloc){ offset, type, xstrdup(symbol), undefined };
}

/* The loader's symbol table: what a relocation's symbol index means. */
struct symtab {
	Elf_Data *data;
	size_t strndx;
	size_t count;
};

/* Name and section of symbol NDX; a section symbol is named after its section. */
static const char *symbol_of(Elf *elf, const struct symtab *st, size_t ndx, int *undefined)
{
	GElf_Sym sym;
	const char *name;

	*undefined = 0;
	if (ndx >= st->count || !gelf_getsym(st->data, (int)ndx, &sym))
		return NULL;
	*undefined = sym.st_shndx == SHN_UNDEF && ndx != 0;
	if (GELF_ST_TYPE(sym.st_info) == STT_SECTION) {
		size_t shstrndx;
		GElf_Shdr sh;
		Elf_Scn *scn = elf_getscn(elf, sym.st_shndx);

		if (!scn || !gelf_getshdr(scn, &sh) || elf_getshdrstrndx(elf, &shstrndx))
			return "";
		name = elf_strptr(elf, shstrndx, sh.sh_name);
	} else {
		name = elf_strptr(elf, st->strndx, sym.st_name);
	}
	return name ? name : "";
}

/* The relocation at P, as GElf has it (r_info in the 64-bit layout; no addend is read). */
static GElf_Rela read_rela(const unsigned char *p, int is64, int msb)
{
	size_t w = is64 ? 8 : 4;
	uint64_t info = ko_word(p + w, w, msb);

	if (!is64)
		info = GELF_R_INFO(ELF32_R_SYM(info), ELF32_R_TYPE(info));
	return (GElf_Rela){ ko_word(p, w, msb), info, 0 };
}

static struct ko_module *read_relocations(struct ko_module *m, Elf *elf, const struct symtab *st,
					  const size_t *section_of, size_t n_scn, char *const *names)
{
	Elf_Scn *scn = NULL;
	size_t image_size;
	const unsigned char *image = (const unsigned char *)elf_rawfile(elf, &image_size);
	int is64 = gelf_getclass(elf) == ELFCLASS64;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh, target_sh;
		Elf_Scn *target;
		struct ko_table *table = NULL, *listed = NULL;
		struct ko_section *sec;
		size_t n, entry;

		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_RELA && sh.sh_type != SHT_REL))
			continue;
		/* apply_relocations() skips a relocation section whose sh_info names no section, and
		 * relocates only what it loads (SHF_ALLOC targets). */
		target = sh.sh_info < n_scn ? elf_getscn(elf, sh.sh_info) : NULL;
		if (!target || !gelf_getshdr(target, &target_sh) || !(target_sh.sh_flags & SHF_ALLOC))
			continue;
		if (section_of[sh.sh_info] == SIZE_MAX)
			continue;
		sec = &m->sections[section_of[sh.sh_info]];
		if (!strcmp(sec->name, ".gnu.linkonce.this_module"))
			table = &m->this_module;
		else if (!strcmp(sec->name, "__param"))
			table = &m->param;
		for (size_t k = 0; !listed && k < m->n_tables; k++)
			if (m->tables[k].present && !strcmp(sec->name, names[k]))
				listed = &m->tables[k];
		if (!table)
			table = listed, listed = NULL;
		/* Read as Linux reads them, from the image: sh_size over the entry's size, whatever
		 * sh_entsize says and a partial last entry ignored (libelf refuses both). ko_validate()
		 * proved the section within the image. */
		entry = sh.sh_type == SHT_RELA ? (is64 ? sizeof(Elf64_Rela) : sizeof(Elf32_Rela))
					       : (is64 ? sizeof(Elf64_Rel) : sizeof(Elf32_Rel));
		if (!image || sh.sh_offset > image_size || sh.sh_size > image_size - sh.sh_offset)
			return fail(m, "relocation section %zu ends past the file; the file is truncated or damaged",
				    elf_ndxscn(scn));
		n = sh.sh_size / entry;
		for (size_t i = 0; i < n; i++) {
			GElf_Rela r = read_rela(image + sh.sh_offset + i * entry, is64, m->data == ELFDATA2MSB);
			const char *name;
			int undefined;
			unsigned width;

			/* apply_relocate_add() writes its width at r_offset unchecked: the whole write must
			 * fit in the target section. */
			width = ko_reloc_width(m->machine, (unsigned)GELF_R_TYPE(r.r_info));
			if (width && (r.r_offset > target_sh.sh_size || width > target_sh.sh_size - r.r_offset))
				return refuse(m, "relocation bounds", "relocation %zu of section %zu (type %u, %u bytes "
					      "written) at offset %llu lies outside %s, %llu bytes", i, elf_ndxscn(scn),
					      (unsigned)GELF_R_TYPE(r.r_info), width, (unsigned long long)r.r_offset,
					      sec->name, (unsigned long long)target_sh.sh_size);
			/* ... and reads its symbol unchecked too. */
			name = symbol_of(elf, st, GELF_R_SYM(r.r_info), &undefined);
			if (!name)
				return refuse(m, "relocation symbol", "relocation %zu of section %zu names symbol %lu, past "
					      "the %zu of the symbol table", i, elf_ndxscn(scn),
					      (unsigned long)GELF_R_SYM(r.r_info), st->count);
			count_reloc(m, (unsigned)GELF_R_TYPE(r.r_info), undefined);
			sec->n_relocs++;
			if (table)
				table_add_reloc(table, r.r_offset, (unsigned)GELF_R_TYPE(r.r_info), name, undefined);
			/* __param is also a table of the model's: counted there, kept once (in ->param). */
			if (listed)
				listed->n_relocs++;
		}
	}
	if (m->n_relocs)
		qsort(m->relocs, m->n_relocs, sizeof(*m->relocs), cmp_reloc_use);
	return m;
}

/* Whether a defined symbol of section NDX names an export: kbuild's __ksymtab_NAME label of a
 * kernel_symbol entry in __ksymtab (or __ksymtab_gpl), as depmod reads them. */
static int in_ksymtab(const struct ko_module *m, const size_t *section_of, size_t n_scn, size_t ndx)
{
	const char *name;

	if (ndx >= n_scn || section_of[ndx] == SIZE_MAX)
		return 0;
	name = m->sections[section_of[ndx]].name;
	return !strncmp(name, "__ksymtab", 9) && strcmp(name, "__ksymtab_strings");
}

static struct ko_module *read_symbols(struct ko_module *m, const struct symtab *st, Elf *elf, const size_t *section_of,
				      size_t n_scn)
{
	for (size_t i = 1; i < st->count; i++) {
		GElf_Sym sym;
		const char *name;
		unsigned vis;

		if (!gelf_getsym(st->data, (int)i, &sym))
			return fail(m, "symbol %zu cannot be read: %s", i, elf_problem());
		/* simplify_symbols(): common symbols are refused, and a defined symbol's section is
		 * looked up without a bound check. */
		if (sym.st_shndx == SHN_COMMON)
			return refuse(m, "common symbol", "symbol %zu is a common symbol (SHN_COMMON); Linux refuses them "
				      "(build with -fno-common)", i);
		if (sym.st_shndx >= n_scn && sym.st_shndx < SHN_LORESERVE)
			return refuse(m, "symbol section", "symbol %zu is defined in section %u; there are %zu", i,
				      (unsigned)sym.st_shndx, n_scn);
		if (sym.st_shndx != SHN_UNDEF) {
			if (in_ksymtab(m, section_of, n_scn, sym.st_shndx) &&
			    (name = elf_strptr(elf, st->strndx, sym.st_name)) && !strncmp(name, "__ksymtab_", 10) &&
			    name[10]) {
				m->exports = xgrow(m->exports, m->n_exports, sizeof(*m->exports));
				m->exports[m->n_exports++] = xstrdup(name + 10);
			}
			continue;
		}
		name = elf_strptr(elf, st->strndx, sym.st_name);
		if (!name)
			return fail(m, "symbol %zu has a name outside the string table; the file is damaged", i);
		if (!*name)
			continue;
		vis = GELF_ST_VISIBILITY(sym.st_other);
		m->imports = xgrow(m->imports, m->n_imports, sizeof(*m->imports));
		m->imports[m->n_imports++] = (struct ko_import){ xstrdup(name), GELF_ST_BIND(sym.st_info) == STB_WEAK,
								 vis == STV_HIDDEN || vis == STV_INTERNAL };
	}
	if (m->n_imports)
		qsort(m->imports, m->n_imports, sizeof(*m->imports), cmp_import);
	if (m->n_exports)
		qsort(m->exports, m->n_exports, sizeof(*m->exports), cmp_str);
	return m;
}

static void read_table(struct ko_table *t, const GElf_Shdr *sh, Elf_Data *d)
{
	/* A second section of the name is not the one Linux finds (find_sec takes the first). */
	if (t->present)
		return;
	t->present = 1;
	t->size = sh->sh_size;
	t->align = sh->sh_addralign;
	if (d && d->d_buf && d->d_size) {
		t->data = xmalloc(d->d_size);
		memcpy(t->data, d->d_buf, d->d_size);
		t->size = d->d_size;
	}
}

/* __versions: modversion_info entries, { unsigned long crc; char name[]; } of ENTRY bytes. */
static void read_versions(struct ko_module *m, Elf_Data *d, size_t entry, int is64)
{
	size_t word = is64 ? 8 : 4;

	if (m->has_versions)	/* the first, as Linux's find_sec */
		return;
	m->has_versions = 1;
	if (!entry || entry <= word || !d || !d->d_buf)
		return;
	for (size_t off = 0; off + entry <= d->d_size; off += entry) {
		const unsigned char *e = (const unsigned char *)d->d_buf + off;
		uint64_t crc = 0;

		for (size_t b = 0; b < word; b++)	/* little-endian: every arch kabigen knows */
			crc |= (uint64_t)e[b] << (8 * b);
		m->versions = xgrow(m->versions, m->n_versions, sizeof(*m->versions));
		m->versions[m->n_versions++] = (struct ko_version){ crc, strndup((const char *)e + word, entry - word) };
	}
}

/* The ELF header: a relocatable object of the triple's class, machine and byte order. */
static struct ko_module *read_header(struct ko_module *m, Elf *elf, GElf_Ehdr *eh_out)
{
	GElf_Ehdr eh;

	if (elf_kind(elf) != ELF_K_ELF)
		return fail(m, "not an ELF file (nor an xz, zstd or gzip one); give a kernel module (.ko)");
	if (!gelf_getehdr(elf, &eh))
		return fail(m, "the ELF header cannot be read (%s); the file is truncated or damaged", elf_problem());
	/* Class, byte order, machine and type were ko_validate()'s. */
	m->machine = eh.e_machine;
	m->elf_class = eh.e_ident[EI_CLASS];
	m->data = eh.e_ident[EI_DATA];
	*eh_out = eh;
	return m;
}

static struct ko_module *read_elf(struct ko_module *m, Elf *elf, size_t size, const struct ko_expect *e)
{
	GElf_Ehdr eh = { 0 };
	size_t shstrndx, n_scn, symsize;
	size_t *section_of;
	struct symtab st = { 0 };
	Elf_Scn *scn = NULL;

	m = read_header(m, elf, &eh);
	if (m->error)
		return m;
	m->n_tables = e->n_tables;
	m->tables = xcalloc(e->n_tables + 1, sizeof(*m->tables));
	/* libelf reads a section table past the end as no sections at all: say what it is. */
	if (eh.e_shoff > size || (uint64_t)eh.e_shnum * eh.e_shentsize > size - eh.e_shoff)
		return fail(m, "truncated: its section headers end past its %zu bytes; the file is truncated or damaged",
			    size);
	if (elf_getshdrstrndx(elf, &shstrndx) || elf_getshdrnum(elf, &n_scn))
		return fail(m, "the section headers cannot be read (%s); the file is truncated or damaged",
			    elf_problem());
	section_of = xmalloc((n_scn ? n_scn : 1) * sizeof(*section_of));
	for (size_t i = 0; i < n_scn; i++)
		section_of[i] = SIZE_MAX;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;
		struct ko_section *s;

		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(elf, shstrndx, sh.sh_name))) {
			free(section_of);
			return fail(m, "section %zu cannot be read (%s); the file is truncated or damaged",
				    elf_ndxscn(scn), elf_problem());
		}
		if (sh.sh_type != SHT_NOBITS && sh.sh_type != SHT_NULL &&
		    (sh.sh_offset > size || sh.sh_size > size - sh.sh_offset)) {
			free(section_of);
			return fail(m, "section %s ends past the file's %zu bytes; the file is truncated or damaged", name,
				    size);
		}
		m->sections = xgrow(m->sections, m->n_sections, sizeof(*m->sections));
		s = &m->sections[m->n_sections];
		*s = (struct ko_section){ xstrdup(name), sh.sh_size, sh.sh_addralign, sh.sh_flags, sh.sh_type, 0 };
		section_of[elf_ndxscn(scn)] = m->n_sections++;
		/* Only what is read must convert: Linux copies other sections whatever libelf makes of
		 * their type (an SHT_HASH of 5 bytes), and relocations are read from the image. */
		if (sh.sh_type == SHT_SYMTAB) {
			if (!(st.data = elf_getdata(scn, NULL))) {
				free(section_of);
				return fail(m, "the symbol table %s cannot be read (%s); the file is damaged", name,
					    elf_problem());
			}
			st.strndx = sh.sh_link;
			/* Linux counts sh_size / sizeof(Elf_Sym), whatever sh_entsize says. */
			symsize = gelf_fsize(elf, ELF_T_SYM, 1, EV_CURRENT);
			st.count = st.data && symsize ? st.data->d_size / symsize : 0;
		} else if (!strcmp(name, ".modinfo") && sh.sh_type != SHT_NOBITS) {
			read_modinfo(m, elf_getdata(scn, NULL));
		} else if (!strcmp(name, ".gnu.linkonce.this_module")) {
			read_table(&m->this_module, &sh, sh.sh_type == SHT_NOBITS ? NULL : elf_getdata(scn, NULL));
		} else if (!strcmp(name, "__param")) {
			read_table(&m->param, &sh, sh.sh_type == SHT_NOBITS ? NULL : elf_getdata(scn, NULL));
		} else if (!strcmp(name, "__versions")) {
			read_versions(m, sh.sh_type == SHT_NOBITS ? NULL : elf_getdata(scn, NULL), e->version_entry,
				      m->elf_class == ELFCLASS64);
		}
		for (size_t k = 0; k < m->n_tables; k++)
			if (!strcmp(name, e->tables[k]))
				read_table(&m->tables[k], &sh, NULL);
	}
	if (!st.data) {
		free(section_of);
		return fail(m, "no symbol table; a kernel module has one (was it stripped with --strip-all?)");
	}
	m = read_symbols(m, &st, elf, section_of, n_scn);
	if (!m->error && !m->refused)
		m = read_relocations(m, elf, &st, section_of, n_scn, e->tables);
	free(section_of);
	return m;
}

/* The module over the budget of H, needing NEED bytes (0: more than it, how HOW says): its
 * own verdict, naming the budget and the ways out. */
static struct ko_module *over_budget(struct ko_module *m, const struct ko_hold *h, uint64_t need, const char *how)
{
	char total[32], needs[32];

	size_text(total, sizeof(total), h->budget->total);
	size_text(needs, sizeof(needs), need);
	if (need)
		m = fail(m, "needs %s to be read, more than check-ko's memory budget of %s; raise it with --max-memory "
			 "(or ulimit -v), or check the module on a machine with more memory", needs, total);
	else
		m = fail(m, "cannot decompress it: %s check-ko's memory budget of %s; raise it with "
			 "--max-memory (or ulimit -v), or check the module on a machine with more memory", how, total);
	m->over_bound = 1;
	return m;
}

/* ko_read_buffer with HOLD: NULL when HOLD->again. */
static struct ko_module *read_buffer(const char *name, const unsigned char *data, size_t size,
				     const struct ko_expect *e, struct ko_hold *hold)
{
	struct ko_module *m = xcalloc(1, sizeof(*m));
	struct image im = { .hold = hold };
	const char *problem = NULL, *format = NULL, *rule;
	char *text;
	Elf *elf;

	m->path = xstrdup(name);
	pthread_once(&elf_once, elf_init);
	if (has_magic(data, size, xz_magic, sizeof(xz_magic)))
		format = "xz", problem = unxz(data, size, &im);
	else if (has_magic(data, size, zstd_magic, sizeof(zstd_magic)))
		format = "zstd", problem = unzstd(data, size, &im);
	else if (has_magic(data, size, gzip_magic, sizeof(gzip_magic)))
		format = "gzip", problem = ungzip(data, size, &im);
	if (problem) {
		free(im.buf);
		if (hold->again) {
			ko_free(m);
			return NULL;
		}
		if (problem == im.problem && im.over_bound == 2)
			return over_budget(m, hold, im.need, im.how);
		m = fail(m, "cannot decompress it (%s): %s", format, problem);
		m->over_bound = problem == im.problem && im.over_bound;
		return m;
	}
	if (format) {
		data = im.buf;
		size = im.len;
	}
	if (size < EI_NIDENT || memcmp(data, ELFMAG, SELFMAG)) {
		free(im.buf);
		return fail(m, "not an ELF file%s; give a kernel module (.ko, .ko.xz, .ko.zst or .ko.gz)",
			    format ? " inside the compression" : " (nor an xz, zstd or gzip one)");
	}
	/* Linux's own checks first: libelf reads more than the kernel accepts. */
	switch (ko_validate(data, size, e, &rule, &text)) {
	case KO_VALID:
		break;
	case KO_UNREADABLE:
		free(im.buf);
		m = fail(m, "%s", text);
		free(text);
		return m;
	case KO_REFUSED:
		free(im.buf);
		m->refused = text;
		m->refused_rule = rule;
		return m;
	}
	switch (hold_take(hold, (uint64_t)size * KO_PARSE_FACTOR)) {
	case -1:
		free(im.buf);
		return over_budget(m, hold, hold->held + (uint64_t)size * KO_PARSE_FACTOR, NULL);
	case -2:
		free(im.buf);
		ko_free(m);
		return NULL;
	}
	elf = elf_memory((char *)data, size);
	if (!elf) {
		free(im.buf);
		return fail(m, "libelf cannot open it: %s", elf_problem());
	}
	m = read_elf(m, elf, size, e);
	reloc_slots_free(m);
	elf_end(elf);
	free(im.buf);
	return m;
}

struct ko_module *ko_read_buffer(const char *name, const unsigned char *data, size_t size, const struct ko_expect *e)
{
	struct ko_hold none = { 0 };

	return read_buffer(name, data, size, e, &none);
}

/* PATH as a module not read: ERROR names it. */
static struct ko_module *unread(const char *path, char *error)
{
	struct ko_module *m = xcalloc(1, sizeof(*m));

	m->path = xstrdup(path);
	m->error = error;
	return m;
}

/* What PATH is when it is not a regular file, and what to do. */
static char *not_a_file(const char *path, const struct stat *st)
{
	const char *what = report_file_kind(st->st_mode);

	return xasprintf("%s: %s, not a file; check-ko reads a module from a file: save it to one (.ko, .ko.xz, "
			 ".ko.zst or .ko.gz) and give that", path, what);
}

/* Why PATH cannot be opened (errno ERR), a dangling symbolic link said as such. */
static char *cannot_open(const char *path, int err)
{
	struct stat lst;
	char target[PATH_MAX];
	ssize_t n;

	if (err == ENOENT && !lstat(path, &lst) && S_ISLNK(lst.st_mode) &&
	    (n = readlink(path, target, sizeof(target) - 1)) >= 0) {
		target[n] = '\0';
		return xasprintf("%s: a symbolic link to %s, which does not exist; fix the link or remove it", path,
				 target);
	}
	if (err == ELOOP)
		return xasprintf("%s: a loop of symbolic links; fix the links or remove them", path);
	return xasprintf("%s: cannot read it: %s", path, strerror(err));
}

/* Reads SIZE bytes of FD into a new buffer (*GOT: how many there were), without dying. */
static unsigned char *read_all(int fd, size_t size, size_t *got, int *err)
{
	unsigned char *buf = malloc(size ? size : 1);
	size_t have = 0;

	*err = 0;
	if (!buf) {
		*err = ENOMEM;
		return NULL;
	}
	while (have < size) {
		ssize_t n = pread(fd, buf + have, size - have, (off_t)have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*err = errno;
			free(buf);
			return NULL;
		}
		if (!n)
			break;
		have += (size_t)n;
	}
	*got = have;
	return buf;
}

struct ko_module *ko_read(const char *path, const struct ko_expect *e, struct ko_hold *hold)
{
	struct ko_hold none = { 0 };
	struct stat st;
	unsigned char head[16], *data;
	size_t len = 0, got = 0;
	int fd, err = 0;
	struct ko_module *m;
	char size[32];

	if (!hold)
		hold = &none;
	/* Never blocking on a FIFO; what is not a regular file is said as what it is. */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
		return unread(path, cannot_open(path, errno));
	if (fstat(fd, &st)) {
		err = errno;
		close(fd);
		return unread(path, xasprintf("%s: cannot read it: %s", path, strerror(err)));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return unread(path, not_a_file(path, &st));
	}
	/* The magic first: a file that is no module is said so without reading it whole. */
	while ((len = (size_t)pread(fd, head, sizeof(head), 0)) == (size_t)-1 && errno == EINTR)
		;
	if (len == (size_t)-1) {
		err = errno;
		close(fd);
		return unread(path, xasprintf("%s: cannot read it: %s", path, strerror(err)));
	}
	if (!has_magic(head, len, xz_magic, sizeof(xz_magic)) && !has_magic(head, len, zstd_magic, sizeof(zstd_magic)) &&
	    !has_magic(head, len, gzip_magic, sizeof(gzip_magic)) && !has_magic(head, len, (const unsigned char *)ELFMAG, SELFMAG)) {
		close(fd);
		return ko_read_buffer(path, head, len, e);
	}
	if ((uint64_t)st.st_size > KO_MAX_IMAGE) {
		close(fd);
		size_text(size, sizeof(size), (uint64_t)st.st_size);
		m = unread(path, xasprintf("%s: %s, more than the 1 GiB check-ko reads of one module, and no kernel module "
					   "comes near that; if it is one, strip its debug information (strip --strip-debug) "
					   "and check it again", path, size));
		m->over_bound = 1;
		return m;
	}
	switch (hold_take(hold, (uint64_t)st.st_size)) {
	case -1:
		close(fd);
		return over_budget(unread(path, NULL), hold, (uint64_t)st.st_size, NULL);
	case -2:
		close(fd);
		return NULL;
	}
	data = read_all(fd, (size_t)st.st_size, &got, &err);
	close(fd);
	if (!data) {
		size_text(size, sizeof(size), (uint64_t)st.st_size);
		return unread(path, err == ENOMEM ? xasprintf("%s: out of memory reading its %s; check it alone, or on a "
							      "machine with more memory", path, size)
						  : xasprintf("%s: cannot read it: %s", path, strerror(err)));
	}
	m = read_buffer(path, data, got, e, hold);
	free(data);
	return m;
}

/* The relocations themselves; their count stays. */
static void table_drop_relocs(struct ko_table *t)
{
	for (size_t i = 0; t->relocs && i < t->n_relocs; i++)
		free(t->relocs[i].symbol);
	free(t->relocs);
	t->relocs = NULL;
}

static void table_free(struct ko_table *t)
{
	table_drop_relocs(t);
	free(t->data);
}

void ko_drop_tables(struct ko_module *m)
{
	for (size_t i = 0; i < m->n_tables; i++)
		table_drop_relocs(&m->tables[i]);
}

void ko_free(struct ko_module *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_sections; i++)
		free(m->sections[i].name);
	for (size_t i = 0; i < m->n_imports; i++)
		free(m->imports[i].name);
	for (size_t i = 0; i < m->n_versions; i++)
		free(m->versions[i].name);
	table_free(&m->this_module);
	table_free(&m->param);
	for (size_t i = 0; i < m->n_tables; i++)
		table_free(&m->tables[i]);
	free(m->tables);
	free(m->sections);
	free(m->relocs);
	free(m->imports);
	strv_free(m->exports, m->n_exports);
	free(m->versions);
	reloc_slots_free(m);
	free(m->vermagic);
	free(m->modinfo_name);
	free(m->error);
	free(m->refused);
	free(m->path);
	free(m);
}

const struct ko_section *ko_find_section(const struct ko_module *m, const char *name)
{
	for (size_t i = 0; i < m->n_sections; i++)
		if (!strcmp(m->sections[i].name, name))
			return &m->sections[i];
	return NULL;
}

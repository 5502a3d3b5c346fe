/*
 * ko_read.c: reads one kernel module with libelf (elfutils), as pahole and libbpf do, after
 * undoing the compression kmod would (liblzma, libzstd, zlib). Everything a loader would
 * look at is collected here; judging it against a triple is check_ko.c's job.
 *
 * Nothing here dies: check-ko scans thousands of modules on several threads, and one broken
 * file must not stop the others, so every failure becomes ->error, one line naming the file.
 */
#include "ko.h"
#include "report.h"

#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <lzma.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

/* No real module comes near this; a compressed file that inflates past it is refused. */
#define KO_MAX_IMAGE (1024UL * 1024 * 1024)

/* ---- decompression ---- */

static const unsigned char xz_magic[] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };
static const unsigned char zstd_magic[] = { 0x28, 0xb5, 0x2f, 0xfd };
static const unsigned char gzip_magic[] = { 0x1f, 0x8b };

static int has_magic(const unsigned char *data, size_t size, const unsigned char *magic, size_t len)
{
	return size >= len && !memcmp(data, magic, len);
}

/* A growing output buffer for the decoders. */
struct image {
	unsigned char *buf;
	size_t len, cap;
};

static int image_room(struct image *im)
{
	if (im->len < im->cap)
		return 0;
	if (im->cap >= KO_MAX_IMAGE)
		return -1;
	im->cap = im->cap ? im->cap * 2 : 1 << 20;
	im->buf = xrealloc(im->buf, im->cap);
	return 0;
}

static const char *unxz(const unsigned char *in, size_t size, struct image *im)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret r;

	if (lzma_stream_decoder(&s, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
		return "liblzma cannot start a decoder";
	s.next_in = in;
	s.avail_in = size;
	do {
		if (image_room(im)) {
			lzma_end(&s);
			return "it inflates past 1 GiB";
		}
		s.next_out = im->buf + im->len;
		s.avail_out = im->cap - im->len;
		r = lzma_code(&s, LZMA_FINISH);
		im->len = im->cap - s.avail_out;
	} while (r == LZMA_OK);
	lzma_end(&s);
	return r == LZMA_STREAM_END ? NULL : r == LZMA_BUF_ERROR ? "the xz stream is truncated" : "the xz stream is corrupt";
}

static const char *unzstd(const unsigned char *in, size_t size, struct image *im)
{
	ZSTD_DStream *s = ZSTD_createDStream();
	ZSTD_inBuffer ib = { in, size, 0 };
	size_t r = 1;

	if (!s)
		return "libzstd cannot start a decoder";
	ZSTD_initDStream(s);
	while (ib.pos < ib.size || r) {
		ZSTD_outBuffer ob;

		if (image_room(im)) {
			ZSTD_freeDStream(s);
			return "it inflates past 1 GiB";
		}
		ob = (ZSTD_outBuffer){ im->buf + im->len, im->cap - im->len, 0 };
		r = ZSTD_decompressStream(s, &ob, &ib);
		im->len += ob.pos;
		if (ZSTD_isError(r)) {
			ZSTD_freeDStream(s);
			return "the zstd stream is corrupt";
		}
		if (ib.pos == ib.size && r && ob.pos < ob.size) {
			ZSTD_freeDStream(s);
			return "the zstd stream is truncated";
		}
	}
	ZSTD_freeDStream(s);
	return NULL;
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
			return "it inflates past 1 GiB";
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

static void count_reloc(struct ko_module *m, unsigned type, int external)
{
	size_t i;

	for (i = 0; i < m->n_relocs && m->relocs[i].type != type; i++)
		;
	if (i == m->n_relocs) {
		m->relocs = xgrow(m->relocs, m->n_relocs, sizeof(*m->relocs));
		m->relocs[m->n_relocs++] = (struct ko_reloc_use){ type, 0, 0 };
	}
	m->relocs[i].count++;
	m->relocs[i].external += external != 0;
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

/* A word of WIDTH bytes in the file's byte order. */
static uint64_t raw_word(const unsigned char *p, size_t width, int msb)
{
	uint64_t v = 0;

	for (size_t i = 0; i < width; i++)
		v |= (uint64_t)p[i] << (8 * (msb ? width - 1 - i : i));
	return v;
}

/* The relocation at P, as GElf has it (r_info in the 64-bit layout; no addend is read). */
static GElf_Rela read_rela(const unsigned char *p, int is64, int msb)
{
	size_t w = is64 ? 8 : 4;
	uint64_t info = raw_word(p + w, w, msb);

	if (!is64)
		info = GELF_R_INFO(ELF32_R_SYM(info), ELF32_R_TYPE(info));
	return (GElf_Rela){ raw_word(p, w, msb), info, 0 };
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
		struct ko_table *table = NULL;
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
		for (size_t k = 0; !table && k < m->n_tables; k++)
			if (m->tables[k].present && !strcmp(sec->name, names[k]))
				table = &m->tables[k];
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
		}
	}
	if (m->n_relocs)
		qsort(m->relocs, m->n_relocs, sizeof(*m->relocs), cmp_reloc_use);
	return m;
}

static struct ko_module *read_symbols(struct ko_module *m, const struct symtab *st, Elf *elf, size_t n_scn)
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
		if (sym.st_shndx != SHN_UNDEF)
			continue;
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
	m = read_symbols(m, &st, elf, n_scn);
	if (!m->error && !m->refused)
		m = read_relocations(m, elf, &st, section_of, n_scn, e->tables);
	free(section_of);
	return m;
}

struct ko_module *ko_read_buffer(const char *name, const unsigned char *data, size_t size, const struct ko_expect *e)
{
	struct ko_module *m = xcalloc(1, sizeof(*m));
	struct image im = { 0 };
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
		return fail(m, "cannot decompress it (%s): %s", format, problem);
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
	elf = elf_memory((char *)data, size);
	if (!elf) {
		free(im.buf);
		return fail(m, "libelf cannot open it: %s", elf_problem());
	}
	m = read_elf(m, elf, size, e);
	elf_end(elf);
	free(im.buf);
	return m;
}

struct ko_module *ko_read(const char *path, const struct ko_expect *e)
{
	size_t len;
	char *data = read_file(path, &len);
	struct ko_module *m;

	if (!data) {
		m = xcalloc(1, sizeof(*m));
		m->path = xstrdup(path);
		m->error = xasprintf("%s: cannot read it: %s", path, strerror(errno));
		return m;
	}
	m = ko_read_buffer(path, (const unsigned char *)data, len, e);
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
	free(m->versions);
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

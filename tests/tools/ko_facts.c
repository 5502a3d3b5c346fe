/*
 * ko_facts.c: reads real modules with nothing but the facts kabigen generated for their
 * triple (compiled with -include kabi.h; no <elf.h>, no relocation number or section name
 * written here) and checks that the facts describe them:
 *   - the ELF header: KABI_ELFMAG, class, byte order, e_machine, ET_REL;
 *   - every relocation's type is one of KABI_RELOC(X);
 *   - every special section of KABI_SECTIONS(X) a module has is a whole number of elements,
 *     and every relocation into it lands on a member offset of the element;
 *   - __kflagstab holds only KSYM_FLAG_* bits.
 *
 * usage: ko_facts LIST   (LIST: one module path a line, .ko, .ko.xz or .ko.zst)
 * Prints what it met (relocation types with counts, sections) and exits 1 on any mismatch.
 */
#include <lzma.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

static unsigned long failures, flagstabs, gpl_only;

#define FAIL(...)                                                                                              \
	do {                                                                                                   \
		if (failures++ < 20) {                                                                         \
			fprintf(stderr, "FAIL: " __VA_ARGS__);                                                 \
			fputc('\n', stderr);                                                                   \
		}                                                                                              \
	} while (0)

/* ---- the facts, as tables built from the generated X-macros ---- */

struct reloc {
	uint32_t type;
	const char *name;
	unsigned long seen;
};

#define RELOC_ENTRY(NAME, KERNEL_NAME) { NAME, KERNEL_NAME, 0 },
static struct reloc relocs[] = { KABI_RELOC(RELOC_ENTRY) };
#define N_RELOCS (sizeof(relocs) / sizeof(relocs[0]))

struct section {
	const char *name, *elements;
	uint64_t elem_size;
	const unsigned long long *offsets;	/* where a member of an element starts */
	size_t n_offsets;
	unsigned long modules, entries, relocations;
};

#define SECTION_ENTRY(NAME, TYPE, SIZE, ELEMENTS, COUNT, RELOC, ...)                                          \
	{ NAME, ELEMENTS, SIZE, (const unsigned long long[]){ __VA_ARGS__ },                                  \
	  sizeof((const unsigned long long[]){ __VA_ARGS__ }) / sizeof(unsigned long long), 0, 0, 0 },
static struct section sections[] = { KABI_SECTIONS(SECTION_ENTRY) };
#define N_SECTIONS (sizeof(sections) / sizeof(sections[0]))

static struct reloc *find_reloc(uint32_t type)
{
	for (size_t i = 0; i < N_RELOCS; i++)
		if (relocs[i].type == type)
			return &relocs[i];
	return NULL;
}

/* ---- reading a module whole into memory ---- */

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		return NULL;
	do {
		if (n == cap)
			buf = realloc(buf, cap = cap ? cap * 2 : 1 << 20);
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got);
	fclose(f);
	*len = n;
	return buf;
}

static unsigned char *unxz(const unsigned char *in, size_t in_len, size_t *len)
{
	lzma_stream s = LZMA_STREAM_INIT;
	size_t cap = in_len * 4 + 4096;
	unsigned char *out = malloc(cap);
	lzma_ret r;

	if (lzma_stream_decoder(&s, UINT64_MAX, 0) != LZMA_OK)
		return NULL;
	s.next_in = in;
	s.avail_in = in_len;
	s.next_out = out;
	s.avail_out = cap;
	while ((r = lzma_code(&s, LZMA_FINISH)) == LZMA_OK) {
		size_t done = cap - s.avail_out;

		out = realloc(out, cap *= 2);
		s.next_out = out + done;
		s.avail_out = cap - done;
	}
	*len = cap - s.avail_out;
	lzma_end(&s);
	if (r != LZMA_STREAM_END) {
		free(out);
		return NULL;
	}
	return out;
}

static unsigned char *unzstd(const unsigned char *in, size_t in_len, size_t *len)
{
	unsigned long long size = ZSTD_getFrameContentSize(in, in_len);
	unsigned char *out;
	size_t n;

	if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN)
		return NULL;
	out = malloc(size ? size : 1);
	n = ZSTD_decompress(out, size, in, in_len);
	if (ZSTD_isError(n)) {
		free(out);
		return NULL;
	}
	*len = n;
	return out;
}

static unsigned char *read_module(const char *path, size_t *len)
{
	size_t raw_len, plen = strlen(path);
	unsigned char *raw = slurp(path, &raw_len), *out;

	if (!raw)
		return NULL;
	if (plen > 3 && !strcmp(path + plen - 3, ".xz"))
		out = unxz(raw, raw_len, len);
	else if (plen > 4 && !strcmp(path + plen - 4, ".zst"))
		out = unzstd(raw, raw_len, len);
	else
		return *len = raw_len, raw;
	free(raw);
	return out;
}

/* ---- one module ---- */

static int in_bounds(size_t len, uint64_t off, uint64_t size)
{
	return off <= len && size <= len - off;
}

static void check_module(const char *path, const unsigned char *b, size_t len, unsigned long *n_relocs)
{
	const struct elf64_hdr *eh = (const void *)b;
	const struct elf64_shdr *sh;
	const char *shstr;

	if (len < sizeof(*eh) || memcmp(eh->e_ident, KABI_ELFMAG, strlen(KABI_ELFMAG))) {
		FAIL("%s: not an ELF file (no KABI_ELFMAG)", path);
		return;
	}
	if (eh->e_ident[KABI_EI_CLASS] != KABI_ELF_CLASS || eh->e_ident[KABI_EI_DATA] != KABI_ELF_DATA ||
	    eh->e_machine != KABI_EM_MACHINE || eh->e_type != KABI_ET_REL) {
		FAIL("%s: class %u data %u machine %u type %u, not this triple's %u %u %u relocatable", path,
		     eh->e_ident[KABI_EI_CLASS], eh->e_ident[KABI_EI_DATA], eh->e_machine, eh->e_type,
		     (unsigned)KABI_ELF_CLASS, (unsigned)KABI_ELF_DATA, (unsigned)KABI_EM_MACHINE);
		return;
	}
	if (eh->e_shentsize != sizeof(*sh) || !in_bounds(len, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(*sh)) ||
	    eh->e_shstrndx >= eh->e_shnum) {
		FAIL("%s: section header table out of bounds", path);
		return;
	}
	sh = (const void *)(b + eh->e_shoff);
	shstr = (const char *)b + sh[eh->e_shstrndx].sh_offset;

	/* Which special section each section is, if any. */
	struct section **which = calloc(eh->e_shnum, sizeof(*which));

	for (unsigned i = 0; i < eh->e_shnum; i++)
		for (size_t j = 0; j < N_SECTIONS; j++)
			if (!strcmp(shstr + sh[i].sh_name, sections[j].name)) {
				which[i] = &sections[j];
				sections[j].modules++;
				if (sh[i].sh_size % sections[j].elem_size)
					FAIL("%s: %s is %llu bytes, not a multiple of its element (%llu)", path,
					     sections[j].name, (unsigned long long)sh[i].sh_size,
					     (unsigned long long)sections[j].elem_size);
				sections[j].entries += sh[i].sh_size / sections[j].elem_size;
			}
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		const struct elf64_rela *r;
		uint64_t n;

		if (sh[i].sh_type != KABI_SHT_RELA)
			continue;
		if (sh[i].sh_entsize != sizeof(*r) || !in_bounds(len, sh[i].sh_offset, sh[i].sh_size) ||
		    sh[i].sh_info >= eh->e_shnum) {
			FAIL("%s: %s: bad relocation section", path, shstr + sh[i].sh_name);
			continue;
		}
		r = (const void *)(b + sh[i].sh_offset);
		n = sh[i].sh_size / sizeof(*r);
		for (uint64_t k = 0; k < n; k++) {
			/* ELF64_R_TYPE: the low 32 bits of r_info. */
			uint32_t type = (uint32_t)r[k].r_info;
			struct reloc *rt = find_reloc(type);

			if (!rt) {
				FAIL("%s: %s: relocation type %u is none of KABI_RELOC", path, shstr + sh[i].sh_name,
				     type);
				continue;
			}
			rt->seen++;
			(*n_relocs)++;
			struct section *s = which[sh[i].sh_info];

			if (s) {
				uint64_t at = r[k].r_offset % s->elem_size;
				size_t m;

				s->relocations++;
				for (m = 0; m < s->n_offsets && s->offsets[m] != at; m++)
					;
				if (m == s->n_offsets)
					FAIL("%s: %s: a %s relocation at offset %llu of an element, on no member",
					     path, s->name, rt->name, (unsigned long long)at);
			}
		}
	}
	/* The export flags: one byte per __ksymtab entry, each only KSYM_FLAG_* bits. */
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		if (!which[i] || strcmp(which[i]->elements, "flagstab") || !in_bounds(len, sh[i].sh_offset, sh[i].sh_size))
			continue;
		flagstabs++;
		for (uint64_t k = 0; k < sh[i].sh_size; k++) {
			gpl_only += (b[sh[i].sh_offset + k] & KSYM_FLAG_GPL_ONLY) != 0;
			if (b[sh[i].sh_offset + k] & ~(unsigned)KSYM_FLAG_GPL_ONLY)
				FAIL("%s: __kflagstab[%llu] = %#x has a bit besides KSYM_FLAG_GPL_ONLY", path,
				     (unsigned long long)k, b[sh[i].sh_offset + k]);
		}
	}
	free(which);
}

int main(int argc, char **argv)
{
	union { uint16_t u; unsigned char b[2]; } order = { 1 };
	unsigned long modules = 0, n_relocs = 0;
	char line[4096];
	FILE *list;

	if (argc != 2 || !(list = fopen(argv[1], "r"))) {
		fprintf(stderr, "usage: ko_facts LIST\n");
		return 2;
	}
	/* This reader reads fields in the host's order: it must be the triple's. */
	if ((order.b[0] ? KABI_ELFDATA2LSB : KABI_ELFDATA2MSB) != KABI_ELF_DATA) {
		fprintf(stderr, "ko_facts: the host's byte order is not the triple's (KABI_ELF_DATA %u)\n",
			(unsigned)KABI_ELF_DATA);
		return 2;
	}
	while (fgets(line, sizeof(line), list)) {
		size_t len;
		unsigned char *b;

		line[strcspn(line, "\n")] = '\0';
		if (!*line)
			continue;
		if (!(b = read_module(line, &len))) {
			FAIL("%s: cannot read or decompress", line);
			continue;
		}
		check_module(line, b, len, &n_relocs);
		free(b);
		modules++;
	}
	fclose(list);
	printf("modules: %lu, relocations: %lu\n", modules, n_relocs);
	for (size_t i = 0; i < N_RELOCS; i++)
		if (relocs[i].seen)
			printf("reloc %s (%u): %lu\n", relocs[i].name, relocs[i].type, relocs[i].seen);
	for (size_t i = 0; i < N_SECTIONS; i++)
		printf("section %s: %lu modules, %lu entries, %lu relocations\n", sections[i].name,
		       sections[i].modules, sections[i].entries, sections[i].relocations);
	printf("flag tables: %lu, GPL-only exports: %lu\n", flagstabs, gpl_only);
	if (!modules)
		FAIL("no module read");
	if (failures)
		fprintf(stderr, "%lu failure%s\n", failures, failures == 1 ? "" : "s");
	return failures ? 1 : 0;
}

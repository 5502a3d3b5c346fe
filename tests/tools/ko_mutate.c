/*
 * ko_mutate.c: makes mutants of real kernel modules, each breaking one rule of Linux's module
 * loader (kernel/module/main.c: elf_validity_cache_copy() and what it calls, simplify_symbols(),
 * apply_relocations() and the arch's apply_relocate_add()) or none (controls), for
 * tests/integration/check-ko-mutants.sh.
 *
 * usage: ko_mutate OUTDIR MODULE.ko...   (plain ELF64 little-endian modules)
 * Writes OUTDIR/NNNNN-NAME.ko and prints one line per mutant on stdout:
 *   FILE <tab> loads|refused|unreadable <tab> RULE or words of the error <tab> what was changed
 * The expectation comes from the rule the change breaks, never from kabigen.
 */
#include <elf.h>
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct module {
	const char *path, *base;
	unsigned char *data;
	size_t size;
	Elf64_Ehdr eh;
	Elf64_Shdr *sh;		/* copies of the section headers */
	unsigned symtab, strtab, shstr, this_module, modinfo, bss;
};

static unsigned serial;
static const char *outdir;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("ko_mutate: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* A mutable copy of the module and where it is written when done. */
struct mutant {
	unsigned char *data;
	size_t size;
};

static struct mutant start(const struct module *m)
{
	struct mutant x = { malloc(m->size), m->size };

	if (!x.data)
		die("out of memory");
	memcpy(x.data, m->data, m->size);
	return x;
}

static void put(struct mutant *x, uint64_t off, unsigned width, uint64_t v)
{
	if (off + width > x->size)
		die("internal: write past the module");
	for (unsigned i = 0; i < width; i++)
		x->data[off + i] = (unsigned char)(v >> (8 * i));
}

/* Writes the mutant and its manifest line. */
static void finish(struct mutant *x, const struct module *m, const char *verdict, const char *rule, const char *what)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%05u-%s", outdir, serial++, m->base);
	if (!(f = fopen(path, "wb")) || fwrite(x->data, 1, x->size, f) != x->size || fclose(f))
		die("%s: %s", path, strerror(errno));
	printf("%s\t%s\t%s\t%s\n", path, verdict, rule, what);
	free(x->data);
}

static uint64_t shdr_off(const struct module *m, unsigned i, size_t field)
{
	return m->eh.e_shoff + (uint64_t)i * sizeof(Elf64_Shdr) + field;
}

#define SH(m, i, f) shdr_off(m, i, offsetof(Elf64_Shdr, f)), sizeof(((Elf64_Shdr *)0)->f)

/* One change to one field: the common mutant. */
static void one(const struct module *m, uint64_t off, unsigned width, uint64_t v, const char *verdict, const char *rule,
		const char *what)
{
	struct mutant x = start(m);

	put(&x, off, width, v);
	finish(&x, m, verdict, rule, what);
}

static const char *name_of(const struct module *m, unsigned i)
{
	return (const char *)m->data + m->sh[m->shstr].sh_offset + m->sh[i].sh_name;
}

static int load(struct module *m, const char *path)
{
	FILE *f = fopen(path, "rb");
	long len;

	memset(m, 0, sizeof(*m));
	m->path = path;
	m->base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) < (long)sizeof(Elf64_Ehdr) || fseek(f, 0, SEEK_SET))
		die("%s: cannot read it", path);
	m->size = (size_t)len;
	m->data = malloc(m->size);
	if (!m->data || fread(m->data, 1, m->size, f) != m->size)
		die("%s: cannot read it", path);
	fclose(f);
	memcpy(&m->eh, m->data, sizeof(m->eh));
	if (memcmp(m->eh.e_ident, ELFMAG, SELFMAG) || m->eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    m->eh.e_ident[EI_DATA] != ELFDATA2LSB || m->eh.e_shentsize != sizeof(Elf64_Shdr))
		die("%s: not a plain ELF64 little-endian module", path);
	m->sh = calloc(m->eh.e_shnum, sizeof(*m->sh));
	memcpy(m->sh, m->data + m->eh.e_shoff, m->eh.e_shnum * sizeof(Elf64_Shdr));
	m->shstr = m->eh.e_shstrndx;
	for (unsigned i = 1; i < m->eh.e_shnum; i++) {
		const char *name = name_of(m, i);

		if (m->sh[i].sh_type == SHT_SYMTAB)
			m->symtab = i, m->strtab = m->sh[i].sh_link;
		if (!strcmp(name, ".gnu.linkonce.this_module"))
			m->this_module = i;
		if (!strcmp(name, ".modinfo"))
			m->modinfo = i;
		if (m->sh[i].sh_type == SHT_NOBITS && (m->sh[i].sh_flags & SHF_ALLOC) && !m->bss)
			m->bss = i;
	}
	return m->symtab && m->this_module && m->modinfo;
}

static void header_mutants(const struct module *m)
{
	uint64_t shnum = m->eh.e_shnum;
	struct mutant x;

	x = start(m);
	finish(&x, m, "loads", "", "unchanged");
	one(m, offsetof(Elf64_Ehdr, e_type), 2, ET_EXEC, "refused", "ELF type", "e_type ET_EXEC");
	one(m, offsetof(Elf64_Ehdr, e_type), 2, ET_DYN, "refused", "ELF type", "e_type ET_DYN");
	one(m, offsetof(Elf64_Ehdr, e_type), 2, 256, "refused", "ELF type", "e_type 256");
	one(m, offsetof(Elf64_Ehdr, e_shentsize), 2, 0, "refused", "section header size", "e_shentsize 0");
	one(m, offsetof(Elf64_Ehdr, e_shentsize), 2, 40, "refused", "section header size", "e_shentsize 40");
	one(m, offsetof(Elf64_Ehdr, e_shentsize), 2, 65, "refused", "section header size", "e_shentsize 65");
	x = start(m);
	put(&x, offsetof(Elf64_Ehdr, e_shnum), 2, 0);
	put(&x, SH(m, 0, sh_size), shnum);
	finish(&x, m, "refused", "extended section numbering", "e_shnum 0, the count in section 0");
	x = start(m);
	put(&x, offsetof(Elf64_Ehdr, e_shstrndx), 2, SHN_XINDEX);
	put(&x, SH(m, 0, sh_link), m->shstr);
	finish(&x, m, "refused", "extended section numbering", "e_shstrndx SHN_XINDEX");
	one(m, SH(m, 0, sh_size), 1, "refused", "section 0", "section 0 of size 1");
	one(m, SH(m, 0, sh_type), SHT_PROGBITS, "refused", "section 0", "section 0 PROGBITS");
	one(m, SH(m, 0, sh_addr), 4096, "refused", "section 0", "section 0 at address 4096");
	one(m, offsetof(Elf64_Ehdr, e_shstrndx), 2, 0, "refused", "section name table", "e_shstrndx 0");
	one(m, offsetof(Elf64_Ehdr, e_shstrndx), 2, shnum, "refused", "section name table", "e_shstrndx e_shnum");
	one(m, SH(m, m->shstr, sh_size), 0, "refused", "section name table", "empty section name table");
	one(m, m->sh[m->shstr].sh_offset + m->sh[m->shstr].sh_size - 1, 1, 'x', "refused", "section name table",
	    "section name table without its last NUL");
	one(m, offsetof(Elf64_Ehdr, e_shoff), 8, m->size, "unreadable", "truncated", "e_shoff at the end of the file");
	one(m, EI_DATA, 1, ELFDATA2MSB, "unreadable", "byte order", "EI_DATA big-endian");
	one(m, EI_DATA, 1, 0, "unreadable", "EI_DATA", "EI_DATA 0");
	one(m, EI_CLASS, 1, ELFCLASS32, "unreadable", "32-bit", "EI_CLASS 32-bit");
	one(m, offsetof(Elf64_Ehdr, e_machine), 2, EM_S390, "unreadable", "ELF machine", "e_machine s390");
}

/* Sections to rename or retype: the first, the last and one in the middle, none of KEEP. */
static unsigned pick(const struct module *m, unsigned k, unsigned keep1, unsigned keep2)
{
	unsigned n = m->eh.e_shnum, want[] = { 1, n / 2, n - 1 }, i = want[k % 3];

	while (i == keep1 || i == keep2 || m->sh[i].sh_type == SHT_NULL)
		i = i + 1 < n ? i + 1 : 1;
	return i;
}

static void section_mutants(const struct module *m)
{
	unsigned n = m->eh.e_shnum;
	char what[160];

	for (unsigned k = 0; k < 3; k++) {
		unsigned i = pick(m, k, 0, m->shstr);

		snprintf(what, sizeof(what), "section %u's name past the name table", i);
		one(m, SH(m, i, sh_name), k ? (uint32_t)m->sh[m->shstr].sh_size : 0xffffffffu, "refused", "section name", what);
	}
	for (unsigned k = 0; k < 3; k++) {
		unsigned i = pick(m, k, m->modinfo, 0);

		snprintf(what, sizeof(what), "section %u renamed .modinfo", i);
		one(m, SH(m, i, sh_name), m->sh[m->modinfo].sh_name, "refused", "one .modinfo", what);
	}
	for (unsigned k = 0; k < 3; k++) {
		unsigned i = pick(m, k, m->this_module, m->modinfo);

		snprintf(what, sizeof(what), "section %u renamed .gnu.linkonce.this_module", i);
		one(m, SH(m, i, sh_name), m->sh[m->this_module].sh_name, "refused", "one .gnu.linkonce.this_module", what);
	}
	one(m, SH(m, m->this_module, sh_name), 0, "refused", "one .gnu.linkonce.this_module",
	    ".gnu.linkonce.this_module renamed ''");
	one(m, SH(m, m->this_module, sh_type), SHT_NOBITS, "refused", ".gnu.linkonce.this_module contents",
	    ".gnu.linkonce.this_module NOBITS");
	one(m, SH(m, m->this_module, sh_flags), m->sh[m->this_module].sh_flags & ~(uint64_t)SHF_ALLOC, "refused",
	    ".gnu.linkonce.this_module allocation", ".gnu.linkonce.this_module without SHF_ALLOC");
	for (unsigned k = 0; k < 3; k++) {
		unsigned i = pick(m, k, m->symtab, m->this_module);

		if (i == m->shstr || i == m->strtab)
			continue;
		snprintf(what, sizeof(what), "section %u made a second SHT_SYMTAB", i);
		one(m, SH(m, i, sh_type), SHT_SYMTAB, "refused", "one symbol table", what);
	}
	one(m, SH(m, m->symtab, sh_type), SHT_PROGBITS, "refused", "one symbol table", "no SHT_SYMTAB");
	one(m, SH(m, m->symtab, sh_entsize), 0, "loads", "", "symbol table with sh_entsize 0");
	one(m, SH(m, m->symtab, sh_entsize), 16, "loads", "", "symbol table with sh_entsize 16");
	one(m, SH(m, m->symtab, sh_link), 0, "refused", "symbol string table", "symbol table's sh_link 0");
	one(m, SH(m, m->symtab, sh_link), n, "refused", "symbol string table", "symbol table's sh_link e_shnum");
	one(m, SH(m, m->strtab, sh_size), 0, "refused", "symbol string table", "empty symbol string table");
	one(m, m->sh[m->strtab].sh_offset, 1, 'x', "refused", "symbol string table", "symbol strings without the first NUL");
	one(m, m->sh[m->strtab].sh_offset + m->sh[m->strtab].sh_size - 1, 1, 'x', "refused", "symbol string table",
	    "symbol strings without the last NUL");
	if (m->bss) {
		one(m, SH(m, m->bss, sh_size), UINT64_MAX, "refused", "module size", "a NOBITS section of 2^64-1 bytes");
		one(m, SH(m, m->bss, sh_size), 3ULL << 30, "refused", "module size", "a NOBITS section of 3 GiB");
	}
	/* A section Linux only copies, of a type libelf would convert and cannot (an SHT_HASH of 4k+1
	 * bytes): it still loads. */
	for (unsigned i = 1; i < n; i++)
		if (m->sh[i].sh_type == SHT_PROGBITS && !(m->sh[i].sh_flags & SHF_ALLOC) && m->sh[i].sh_size >= 5 &&
		    i != m->modinfo) {
			struct mutant x = start(m);

			put(&x, SH(m, i, sh_type), SHT_HASH);
			put(&x, SH(m, i, sh_size), ((m->sh[i].sh_size - 1) & ~(uint64_t)3) + 1);
			snprintf(what, sizeof(what), "%s made an SHT_HASH of 4k+1 bytes", name_of(m, i));
			finish(&x, m, "loads", "", what);
			break;
		}
	for (unsigned i = 1; i < n; i++)
		if (m->sh[i].sh_type == SHT_PROGBITS && m->sh[i].sh_size) {
			one(m, SH(m, i, sh_offset), m->size, "unreadable", "ends past", "a section's offset at the file's end");
			one(m, SH(m, i, sh_size), UINT64_MAX - 7, "unreadable", "ends past", "a section of 2^64-8 bytes");
			break;
		}
}

static void symbol_mutants(const struct module *m)
{
	const Elf64_Shdr *st = &m->sh[m->symtab];
	uint64_t count = st->sh_size / sizeof(Elf64_Sym), want[] = { 1, count / 2, count - 1 };
	char what[160];

	for (unsigned k = 0; k < 3 && count > 1; k++) {
		uint64_t at = st->sh_offset + want[k] * sizeof(Elf64_Sym);
		Elf64_Sym sym;

		memcpy(&sym, m->data + at, sizeof(sym));
		snprintf(what, sizeof(what), "symbol %llu's name past the string table", (unsigned long long)want[k]);
		one(m, at + offsetof(Elf64_Sym, st_name), 4, m->sh[m->strtab].sh_size + k, "refused", "symbol name", what);
		snprintf(what, sizeof(what), "symbol %llu common", (unsigned long long)want[k]);
		one(m, at + offsetof(Elf64_Sym, st_shndx), 2, SHN_COMMON, "refused", "common symbol", what);
		snprintf(what, sizeof(what), "symbol %llu in section e_shnum+%u", (unsigned long long)want[k], k);
		one(m, at + offsetof(Elf64_Sym, st_shndx), 2, m->eh.e_shnum + k, "refused", "symbol section", what);
	}
}

/* Relocation types that write nothing (R_*_NONE, R_RISCV_RELAX and ALIGN): moving them breaks no bound. */
static int writes(const struct module *m, unsigned type)
{
	return type && !(m->eh.e_machine == EM_RISCV && (type == 43 || type == 51));
}

/* Relocation types that write 8 bytes, known from the psABIs: R_X86_64_64, R_RISCV_64. */
static int writes8(const struct module *m, unsigned type)
{
	return (m->eh.e_machine == EM_X86_64 && type == R_X86_64_64) || (m->eh.e_machine == EM_RISCV && type == R_RISCV_64);
}

static void reloc_mutants(const struct module *m)
{
	unsigned done = 0;
	char what[256];

	for (unsigned i = 1; i < m->eh.e_shnum && done < 8; i++) {
		const Elf64_Shdr *rs = &m->sh[i];
		const Elf64_Shdr *t;
		uint64_t n, size, offs[4];
		const char *target;
		int wide = 0;

		if (rs->sh_type != SHT_RELA || rs->sh_info >= m->eh.e_shnum || !(m->sh[rs->sh_info].sh_flags & SHF_ALLOC))
			continue;
		t = &m->sh[rs->sh_info];
		target = name_of(m, rs->sh_info);
		n = rs->sh_size / sizeof(Elf64_Rela);
		size = t->sh_size;
		/* Every table section, and a few others. */
		if (strcmp(target, "__param") && strcmp(target, "__jump_table") && strcmp(target, ".gnu.linkonce.this_module") &&
		    done >= 4)
			continue;
		done++;
		offs[0] = size, offs[1] = size + 8, offs[2] = UINT64_MAX - 7, offs[3] = UINT64_MAX;
		for (uint64_t r = 0; r < n; r += n > 3 ? n / 3 : 1) {
			uint64_t at = rs->sh_offset + r * sizeof(Elf64_Rela);
			Elf64_Rela rel;

			memcpy(&rel, m->data + at, sizeof(rel));
			if (!writes(m, (unsigned)ELF64_R_TYPE(rel.r_info)))
				continue;
			for (unsigned k = 0; k < 4; k++) {
				snprintf(what, sizeof(what), "relocation %llu of %s at %llu (section of %llu bytes)",
					 (unsigned long long)r, target, (unsigned long long)offs[k], (unsigned long long)size);
				one(m, at + offsetof(Elf64_Rela, r_offset), 8, offs[k], "refused", "relocation bounds", what);
			}
			snprintf(what, sizeof(what), "relocation %llu of %s names a symbol past the table", (unsigned long long)r,
				 target);
			one(m, at + offsetof(Elf64_Rela, r_info), 8,
			    ELF64_R_INFO(m->sh[m->symtab].sh_size / sizeof(Elf64_Sym) + 7, ELF64_R_TYPE(rel.r_info)),
			    "refused", "relocation symbol", what);
		}
		/* The whole write must fit: an 8-byte write 4 bytes before the end does not. */
		for (uint64_t r = 0; r < n && !wide && size >= 8; r++) {
			uint64_t at = rs->sh_offset + r * sizeof(Elf64_Rela);
			Elf64_Rela rel;

			memcpy(&rel, m->data + at, sizeof(rel));
			if (!writes8(m, (unsigned)ELF64_R_TYPE(rel.r_info)))
				continue;
			wide = 1;
			snprintf(what, sizeof(what), "8-byte relocation %llu of %s at %llu, 4 bytes before the end",
				 (unsigned long long)r, target, (unsigned long long)(size - 4));
			one(m, at + offsetof(Elf64_Rela, r_offset), 8, size - 4, "refused", "relocation bounds", what);
		}
		snprintf(what, sizeof(what), "%s made SHT_REL", name_of(m, i));
		one(m, SH(m, i, sh_type), SHT_REL, "refused", "REL relocations", what);
		/* Linux ignores sh_entsize: these still load. */
		snprintf(what, sizeof(what), "%s with sh_entsize 0", name_of(m, i));
		one(m, SH(m, i, sh_entsize), 0, "loads", "", what);
		snprintf(what, sizeof(what), "%s with sh_entsize 7", name_of(m, i));
		one(m, SH(m, i, sh_entsize), 7, "loads", "", what);
		/* Linux counts sh_size / sizeof(Elf64_Rela): a partial last entry is ignored. */
		snprintf(what, sizeof(what), "%s with a partial last entry", name_of(m, i));
		one(m, SH(m, i, sh_size), rs->sh_size - 5, "loads", "", what);
	}
}

int main(int argc, char **argv)
{
	if (argc < 3)
		die("usage: ko_mutate OUTDIR MODULE.ko...");
	outdir = argv[1];
	for (int a = 2; a < argc; a++) {
		struct module m;

		if (!load(&m, argv[a]))
			die("%s: no symbol table, .gnu.linkonce.this_module or .modinfo: pick another module", argv[a]);
		header_mutants(&m);
		section_mutants(&m);
		symbol_mutants(&m);
		reloc_mutants(&m);
		free(m.sh);
		free(m.data);
	}
	return fflush(stdout) ? 1 : 0;
}

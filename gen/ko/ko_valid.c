/*
 * ko_valid.c: the checks Linux's module loader applies to a module's ELF image before it
 * uses any of it (kernel/module/main.c, elf_validity_cache_copy() and what it calls), made
 * on the raw bytes as the kernel makes them, before libelf reads the file its own way.
 *
 * libelf is more forgiving than the kernel: it follows extended section numbering, reads a
 * section header table whatever e_shentsize says and happily finds the first of two
 * .gnu.linkonce.this_module sections. The kernel does none of that, so a module libelf reads
 * may still be one Linux refuses; this file says which rule it breaks.
 */
#include "ko/ko.h"
#include "util/report.h"

#include <elf.h>
#include <stddef.h>
#include <string.h>

/* The image as the kernel sees it: its class and byte order decide every field's place. */
struct image {
	const unsigned char *data;
	size_t size;
	int is64, msb;
	uint64_t shoff;
	unsigned shnum, shstrndx;
};

/* One section header, whatever the class. */
struct shdr {
	uint32_t name, type, link, info;
	uint64_t flags, addr, offset, size;
};

uint64_t ko_word(const unsigned char *p, size_t width, int msb)
{
	uint64_t v = 0;

	for (size_t i = 0; i < width; i++)
		v |= (uint64_t)p[i] << (8 * (msb ? width - 1 - i : i));
	return v;
}

#define FIELD(im, base, T, f)                                                                                     \
	((im)->is64 ? ko_word((im)->data + (base) + offsetof(Elf64_##T, f), sizeof(((Elf64_##T *)0)->f), (im)->msb) \
		    : ko_word((im)->data + (base) + offsetof(Elf32_##T, f), sizeof(((Elf32_##T *)0)->f), (im)->msb))

static size_t shdr_size(const struct image *im)
{
	return im->is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
}

/* Section I; the table is known to lie within the image. */
static void shdr_at(const struct image *im, unsigned i, struct shdr *s)
{
	size_t b = (size_t)im->shoff + (size_t)i * shdr_size(im);

	s->name = (uint32_t)FIELD(im, b, Shdr, sh_name);
	s->type = (uint32_t)FIELD(im, b, Shdr, sh_type);
	s->flags = FIELD(im, b, Shdr, sh_flags);
	s->addr = FIELD(im, b, Shdr, sh_addr);
	s->offset = FIELD(im, b, Shdr, sh_offset);
	s->size = FIELD(im, b, Shdr, sh_size);
	s->link = (uint32_t)FIELD(im, b, Shdr, sh_link);
	s->info = (uint32_t)FIELD(im, b, Shdr, sh_info);
}

/* Sections without contents in the file: the kernel never checks where their offsets point. */
static int has_contents(const struct shdr *s)
{
	return s->type != SHT_NULL && s->type != SHT_NOBITS;
}

struct verdict {
	enum ko_validity kind;
	const char *rule;
	char *text;
};

static enum ko_validity say(struct verdict *v, enum ko_validity kind, const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static enum ko_validity say(struct verdict *v, enum ko_validity kind, const char *rule, const char *fmt, ...)
{
	struct strbuf sb = { 0 };
	va_list ap;

	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	v->kind = kind;
	v->rule = rule;
	v->text = sb.buf;
	return kind;
}

/*
 * The identification bytes against the triple (kabigen's own check: the user may have picked
 * another arch's triple), then elf_validity_ehdr(): the header whole, ET_REL.
 */
static enum ko_validity check_header(struct image *im, const struct ko_expect *e, struct verdict *v)
{
	unsigned cls = im->data[EI_CLASS], order = im->data[EI_DATA], type, machine;

	if (cls != ELFCLASS32 && cls != ELFCLASS64)
		return say(v, KO_UNREADABLE, NULL, "its ELF class byte (EI_CLASS) is %u, neither 32-bit (1) nor 64-bit "
			   "(2); the file is damaged", cls);
	if (e->elf_class && cls != e->elf_class)
		return say(v, KO_UNREADABLE, NULL, "a %u-bit ELF file, but the triple is %u-bit; check it against its "
			   "own arch", cls == ELFCLASS64 ? 64 : 32, e->elf_class == ELFCLASS64 ? 64 : 32);
	/* Read before e_type and e_machine: in the wrong byte order both are nonsense. */
	if (order != ELFDATA2LSB && order != ELFDATA2MSB)
		return say(v, KO_UNREADABLE, NULL, "its byte-order byte (EI_DATA) is %u, neither little-endian (1) nor "
			   "big-endian (2); the file is damaged", order);
	if (e->elf_data && order != e->elf_data)
		return say(v, KO_UNREADABLE, NULL, "its byte order is %s-endian (EI_DATA %u), but the triple's modules are "
			   "%s-endian: check it against a triple of its own arch, or the flag is damaged",
			   order == ELFDATA2MSB ? "big" : "little", order, e->elf_data == ELFDATA2MSB ? "big" : "little");
	im->is64 = cls == ELFCLASS64;
	im->msb = order == ELFDATA2MSB;
	if (im->size < (im->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr)))
		return say(v, KO_UNREADABLE, NULL, "truncated: %zu bytes, shorter than an ELF header; the file is "
			   "truncated or damaged", im->size);
	machine = (unsigned)FIELD(im, 0, Ehdr, e_machine);
	if (e->machine && machine != e->machine)
		return say(v, KO_UNREADABLE, NULL, "built for ELF machine %u, but the triple's modules are machine %u; "
			   "check it against a triple of its own arch", machine, e->machine);
	type = (unsigned)FIELD(im, 0, Ehdr, e_type);
	if (type != ET_REL)	/* elf_validity_ehdr() */
		return say(v, KO_REFUSED, "ELF type", "ELF type %u is not a relocatable object (ET_REL, 1), which a "
			   "kernel module is", type);
	im->shoff = FIELD(im, 0, Ehdr, e_shoff);
	im->shnum = (unsigned)FIELD(im, 0, Ehdr, e_shnum);
	im->shstrndx = (unsigned)FIELD(im, 0, Ehdr, e_shstrndx);
	return KO_VALID;
}

/*
 * elf_validity_cache_sechdrs(): e_shentsize the size of the kernel's Elf_Shdr, the table
 * within the file, section 0 empty, every section with contents within the file. A count of
 * 0 is extended numbering (the real count in section 0), which the kernel does not follow:
 * it reads e_shnum alone, and then refuses e_shstrndx (elf_validity_cache_secstrings()).
 */
static enum ko_validity check_sections(const struct image *im, struct verdict *v)
{
	unsigned entsize = (unsigned)FIELD(im, 0, Ehdr, e_shentsize);
	struct shdr s;

	if (entsize != shdr_size(im))
		return say(v, KO_REFUSED, "section header size", "e_shentsize is %u, not %zu (the size of Elf%d_Shdr)",
			   entsize, shdr_size(im), im->is64 ? 64 : 32);
	if (im->shnum == 0 || im->shstrndx == SHN_XINDEX)
		return say(v, KO_REFUSED, "extended section numbering", "e_shnum is %u and e_shstrndx %u: extended "
			   "section numbering (counts kept in section 0), which Linux does not read", im->shnum,
			   im->shstrndx);
	if (im->shoff >= im->size || (uint64_t)im->shnum * shdr_size(im) > im->size - im->shoff)
		return say(v, KO_UNREADABLE, NULL, "truncated: its section headers end past its %zu bytes; the file is "
			   "truncated or damaged", im->size);
	shdr_at(im, 0, &s);
	if (s.type != SHT_NULL || s.size || s.addr)
		return say(v, KO_REFUSED, "section 0", "section 0 is not empty (type %u, size %llu, address %llu)",
			   s.type, (unsigned long long)s.size, (unsigned long long)s.addr);
	for (unsigned i = 1; i < im->shnum; i++) {
		shdr_at(im, i, &s);
		if (has_contents(&s) && (s.offset > im->size || s.size > im->size - s.offset))	/* validate_section_offset() */
			return say(v, KO_UNREADABLE, NULL, "section %u ends past the file's %zu bytes; the file is "
				   "truncated or damaged", i, im->size);
	}
	return KO_VALID;
}

/* elf_validity_cache_secstrings(): the section name table there, NUL-terminated, every name in it. */
static enum ko_validity check_secstrings(const struct image *im, struct verdict *v, struct shdr *str)
{
	struct shdr s;

	if (im->shstrndx == SHN_UNDEF || im->shstrndx >= im->shnum)
		return say(v, KO_REFUSED, "section name table", "e_shstrndx %u names no section (there are %u)",
			   im->shstrndx, im->shnum);
	shdr_at(im, im->shstrndx, str);
	/* The kernel reads it wherever sh_offset points; only sections with contents were checked. */
	if (!has_contents(str) || !str->size)
		return say(v, KO_REFUSED, "section name table", "the section name table (section %u) is empty",
			   im->shstrndx);
	if (im->data[str->offset + str->size - 1])
		return say(v, KO_REFUSED, "section name table", "the section name table (section %u) does not end with "
			   "a NUL byte", im->shstrndx);
	for (unsigned i = 0; i < im->shnum; i++) {
		shdr_at(im, i, &s);
		if (s.type != SHT_NULL && s.name >= str->size)
			return say(v, KO_REFUSED, "section name", "section %u's name (offset %u) lies outside the %llu "
				   "bytes of the section name table", i, s.name, (unsigned long long)str->size);
	}
	return KO_VALID;
}

/* Its name; "?" for a SHT_NULL section's, which no check bounded (the kernel reads it anyway). */
static const char *section_name(const struct image *im, const struct shdr *str, const struct shdr *s)
{
	return s->name < str->size ? (const char *)im->data + str->offset + s->name : "?";
}

/* Where the symbol table and its strings are, once found. */
struct tables {
	unsigned sym, str;
	unsigned crcs, names;	/* __version_ext_crcs, __version_ext_names (find_sec(): allocated only) */
};

/*
 * elf_validity_cache_index(): at most one .modinfo (_info), exactly one .gnu.linkonce.this_module
 * with contents and SHF_ALLOC (_mod; its size against struct module is check_this_module()'s,
 * a layout finding), exactly one symbol table (_sym) whose sh_link names a section (_str), and
 * __version_ext_crcs only with as many __version_ext_names (_versions).
 */
static enum ko_validity check_index(const struct image *im, const struct shdr *str, struct tables *t,
				    struct verdict *v)
{
	unsigned n_info = 0, n_mod = 0, n_sym = 0, mod = 0;
	struct shdr s;

	memset(t, 0, sizeof(*t));
	for (unsigned i = 1; i < im->shnum; i++) {
		const char *name;

		shdr_at(im, i, &s);
		name = section_name(im, str, &s);
		if (s.type == SHT_SYMTAB)
			n_sym++, t->sym = i;
		if (!strcmp(name, ".modinfo"))
			n_info++;
		else if (!strcmp(name, ".gnu.linkonce.this_module"))
			n_mod++, mod = i;
		else if ((s.flags & SHF_ALLOC) && !strcmp(name, "__version_ext_crcs") && !t->crcs)
			t->crcs = i;
		else if ((s.flags & SHF_ALLOC) && !strcmp(name, "__version_ext_names") && !t->names)
			t->names = i;
	}
	if (n_info > 1)
		return say(v, KO_REFUSED, "one .modinfo", "%u sections named .modinfo; Linux takes only one", n_info);
	if (n_mod != 1)
		return say(v, KO_REFUSED, "one .gnu.linkonce.this_module", "%u sections named .gnu.linkonce.this_module; "
			   "Linux needs exactly one (the module's struct module)", n_mod);
	shdr_at(im, mod, &s);
	if (s.type == SHT_NOBITS)
		return say(v, KO_REFUSED, ".gnu.linkonce.this_module contents", ".gnu.linkonce.this_module (section %u) "
			   "is SHT_NOBITS: it has no contents", mod);
	if (!(s.flags & SHF_ALLOC))
		return say(v, KO_REFUSED, ".gnu.linkonce.this_module allocation", ".gnu.linkonce.this_module (section %u) "
			   "lacks SHF_ALLOC: it would not be loaded", mod);
	if (n_sym != 1)
		return say(v, KO_REFUSED, "one symbol table", "%u symbol tables (SHT_SYMTAB); Linux needs exactly one%s",
			   n_sym, n_sym ? "" : " (was it stripped with --strip-all?)");
	shdr_at(im, t->sym, &s);
	if (s.link == SHN_UNDEF || s.link >= im->shnum)
		return say(v, KO_REFUSED, "symbol string table", "the symbol table's sh_link %u names no section (there "
			   "are %u)", s.link, im->shnum);
	t->str = s.link;
	if (!t->crcs != !t->names)
		return say(v, KO_REFUSED, "extended modversions", "%s without %s", t->crcs ? "__version_ext_crcs"
			   : "__version_ext_names", t->crcs ? "__version_ext_names" : "__version_ext_crcs");
	if (t->crcs) {
		struct shdr crcs, names;
		uint64_t count, left, at;

		shdr_at(im, t->crcs, &crcs);
		shdr_at(im, t->names, &names);
		count = crcs.size / 4;
		left = has_contents(&names) ? names.size : 0;
		at = names.offset;
		for (; count; count--) {
			size_t len = strnlen((const char *)im->data + at, (size_t)left);

			if (len == left)
				return say(v, KO_REFUSED, "extended modversions", "__version_ext_crcs has %llu CRCs, more "
					   "than __version_ext_names has names", (unsigned long long)(crcs.size / 4));
			left -= len + 1;
			at += len + 1;
		}
	}
	return KO_VALID;
}

/* elf_validity_cache_strtab(): the symbol names' table starts and ends with NUL, holds every name. */
static enum ko_validity check_strtab(const struct image *im, const struct tables *t, struct verdict *v)
{
	struct shdr sym, str;
	size_t entsize = im->is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);

	shdr_at(im, t->sym, &sym);
	shdr_at(im, t->str, &str);
	if (!has_contents(&str) || !str.size)
		return say(v, KO_REFUSED, "symbol string table", "the symbol string table (section %u) is empty", t->str);
	if (im->data[str.offset] || im->data[str.offset + str.size - 1])
		return say(v, KO_REFUSED, "symbol string table", "the symbol string table (section %u) does not %s with "
			   "a NUL byte", t->str, im->data[str.offset] ? "start" : "end");
	for (uint64_t i = 0; i < sym.size / entsize; i++) {
		uint64_t name = FIELD(im, (size_t)(sym.offset + i * entsize), Sym, st_name);

		if (name >= str.size)
			return say(v, KO_REFUSED, "symbol name", "symbol %llu's name (offset %llu) lies outside the %llu "
				   "bytes of the symbol string table", (unsigned long long)i, (unsigned long long)name,
				   (unsigned long long)str.size);
	}
	return KO_VALID;
}

/*
 * apply_relocations(): a relocation section for a loaded section is applied by the arch's
 * apply_relocate_add() (SHT_RELA) or apply_relocate() (SHT_REL). Every 64-bit arch kabigen
 * knows implements the first alone; the weak apply_relocate() refuses the module ("REL
 * relocation unsupported by module loader").
 */
static enum ko_validity check_rel(const struct image *im, const struct shdr *str, struct verdict *v)
{
	struct shdr s, target;

	for (unsigned i = 1; im->is64 && i < im->shnum; i++) {
		shdr_at(im, i, &s);
		if (s.type != SHT_REL || s.info >= im->shnum)
			continue;
		shdr_at(im, s.info, &target);
		if (target.flags & SHF_ALLOC)
			return say(v, KO_REFUSED, "REL relocations", "relocation section %s (SHT_REL) applies to %s; "
				   "Linux's 64-bit module loaders apply only SHT_RELA", section_name(im, str, &s),
				   section_name(im, str, &target));
	}
	return KO_VALID;
}

/*
 * Beyond elf_validity_cache_copy(): the loaded sections must fit where Linux puts them.
 * module_get_offset_and_type() adds them up per memory region and module_memory_alloc()
 * allocates that in the module area, 2 GiB at most on every arch kabigen knows (x86_64's is
 * about 1 GiB); a .bss of 2^64-1 bytes overflows the sum.
 */
static enum ko_validity check_size(const struct image *im, const struct shdr *str, struct verdict *v)
{
	const uint64_t area = 2ULL << 30;
	uint64_t total = 0;
	struct shdr s;

	for (unsigned i = 1; i < im->shnum; i++) {
		shdr_at(im, i, &s);
		if (!(s.flags & SHF_ALLOC))
			continue;
		if (s.size > area - total)
			return say(v, KO_REFUSED, "module size", "section %s (%llu bytes) brings the loaded sections past "
				   "2 GiB, more than the module area of any arch holds", section_name(im, str, &s),
				   (unsigned long long)s.size);
		total += s.size;
	}
	return KO_VALID;
}

enum ko_validity ko_validate(const unsigned char *data, size_t size, const struct ko_expect *e, const char **rule,
			     char **text)
{
	struct image im = { data, size, 0, 0, 0, 0, 0 };
	struct verdict v = { KO_VALID, NULL, NULL };
	struct shdr str;
	struct tables t;

	if (!check_header(&im, e, &v) && !check_sections(&im, &v) && !check_secstrings(&im, &v, &str) &&
	    !check_index(&im, &str, &t, &v) && !check_strtab(&im, &t, &v) && !check_rel(&im, &str, &v))
		check_size(&im, &str, &v);
	*rule = v.rule;
	*text = v.text;
	return v.kind;
}

/*
 * Bytes apply_relocate_add() writes at r_offset for relocation TYPE of MACHINE (each arch's
 * arch/…/kernel/module.c; numbers from the psABIs). 0: it writes nothing. A type not listed
 * counts as 1 byte: Linux refuses types it does not know, which the loader profile judges.
 */
unsigned ko_reloc_width(unsigned machine, unsigned type)
{
	switch (machine) {
	case EM_X86_64:	/* 64, PC64: 8; PC32, PLT32, 32, 32S: 4 */
		return type == 0 ? 0 : type == 1 || type == 24 ? 8 : type == 2 || type == 4 || type == 10 || type == 11 ? 4 : 1;
	case EM_AARCH64:	/* ABS64/PREL64: 8; ABS32/PREL32: 4; ABS16/PREL16: 2; instructions: 4 */
		if (type == 0 || type == 256)	/* R_ARM_NONE, R_AARCH64_NONE */
			return 0;
		if (type == 257 || type == 260)
			return 8;
		if (type == 259 || type == 262)
			return 2;
		return type >= 258 && type <= 313 ? 4 : 1;
	case EM_RISCV:
		switch (type) {
		case 0: case 41: case 42: case 43: case 51: return 0;	/* NONE, GNU_VT*, ALIGN, RELAX */
		case 2: case 36: case 40: return 8;	/* 64, ADD64, SUB64 */
		case 18: case 19: return 8;		/* CALL, CALL_PLT: auipc + jalr */
		case 34: case 38: case 44: case 45: case 55: return 2;	/* ADD16, SUB16, RVC_*, SET16 */
		case 33: case 37: case 52: case 53: case 54: case 60: case 61: return 1;	/* 8- and 6-bit, ULEB128 */
		default: return type <= 59 ? 4 : 1;
		}
	case EM_LOONGARCH:
		if (type == 0 || (type >= 20 && type <= 37) || type == 100 || type == 102)	/* NONE, MARK_*, SOP pushes, RELAX, ALIGN */
			return 0;
		if (type == 2 || type == 51 || type == 56 || type == 109 || type == 110)	/* 64, ADD64, SUB64, 64_PCREL, CALL36 */
			return 8;
		if (type == 48 || type == 53)
			return 2;
		if (type == 49 || type == 54)
			return 3;
		if (type == 47 || type == 52 || type == 105 || type == 106 || type == 107 || type == 108)
			return 1;
		return 4;
	}
	return 1;
}

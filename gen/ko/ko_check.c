/*
 * ko_check.c: 'kabigen check-ko' judges real modules against one triple's layout model and
 * a loader profile, before anyone tries to load them in a foreign kernel:
 *
 *   - the ABI: vermagic, sizeof(struct module), where init and exit are relocated into
 *     __this_module, the name in it, the __param stride and where its relocations land,
 *     __versions CRCs against Module.symvers, imports no kernel of the triple exports;
 *   - the loader: relocation types it does not implement, and what the ones it does imply
 *     for where modules must be placed (R_X86_64_32S needs the top 2 GiB; a B26 branch to
 *     the kernel needs a PLT), special sections it refuses, symbols it does not provide,
 *     param_ops_* it has not got.
 *
 * Modules are read on all cores (libelf handles are per thread); the verdicts come out
 * in path order whatever the thread timing, so two runs print the same report.
 */
#include "ko/ko_check.h"
#include "ko/ko.h"
#include "ko/ko_facts.h"
#include "ko/ko_loader.h"
#include "model/layout.h"
#include "util/report.h"
#include "util/str.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uthash.h>

/* ---- Module.symvers: CRC, symbol, module, export type, namespace; tab-separated ---- */

struct export {
	char *name;
	uint64_t crc;
	int gpl;
	char *ns;	/* "" when not namespaced */
	int vmlinux;	/* the kernel exports it, not a module */
	UT_hash_handle hh;
};

struct ko_exports {
	struct export *table;	/* uthash by name */
};

static void exports_free(struct export *table)
{
	struct export *e, *tmp;

	HASH_ITER(hh, table, e, tmp) {
		HASH_DEL(table, e);
		free(e->name);
		free(e->ns);
		free(e);
	}
}

/* A kernel's Module.symvers is a few MB (2 MB for Debian's amd64 7.2); far past that is no
 * symbols file, and is not read into memory whole. */
#define SYMVERS_MAX (256UL * 1024 * 1024)

/* Dies unless PATH is a regular file of at most SYMVERS_MAX bytes, saying what it is instead. */
static void symvers_check(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st))
		die("%s: cannot read it: %s; pass the tree's Module.symvers with --symvers", path, strerror(errno));
	close(fd);
	if (!S_ISREG(st.st_mode))
		die("%s: %s, not a file; save the symbols to a file and pass that with --symvers", path,
		    report_file_kind(st.st_mode));
	if ((uint64_t)st.st_size > SYMVERS_MAX)
		die("%s: %llu MiB, not a Module.symvers (a kernel's is a few MB, at most 256 MiB is read); pass the "
		    "tree's Module.symvers with --symvers", path, (unsigned long long)(st.st_size >> 20));
}

static struct export *exports_read(const char *path)
{
	/* read_text: a NUL byte would end the text early and drop every export after it. */
	char *text, *cursor, *line;
	struct export *table = NULL;
	unsigned line_no = 0;

	symvers_check(path);
	text = read_text(path, "Module.symvers (--symvers)", 0);
	cursor = text;
	while ((line = line_next(&cursor))) {
		char *field[5] = { NULL }, *p = line;
		struct export *e;
		uint64_t crc;
		size_t n = 0;

		line_no++;
		if (!*line)
			continue;
		while (n < 5) {
			field[n++] = p;
			if (!(p = strchr(p, '\t')))
				break;
			*p++ = '\0';
		}
		if (n < 4)
			die("%s:%u: not a Module.symvers line (CRC, symbol, module, export type); give the tree's "
			    "Module.symvers", path, line_no);
		/* A CRC read as 0 would match a module built without CONFIG_MODVERSIONS and hide a mismatch. */
		if (parse_u64(field[0], 16, &crc))
			die("%s:%u: CRC '%.20s' of %.60s is not a hexadecimal number; give the tree's Module.symvers",
			    path, line_no, field[0], field[1]);
		HASH_FIND_STR(table, field[1], e);
		if (e)
			continue;
		e = xcalloc(1, sizeof(*e));
		e->name = xstrdup(field[1]);
		e->crc = crc;
		e->gpl = strstr(field[3], "_GPL") != NULL;
		e->ns = xstrdup(field[4] ? field[4] : "");
		e->vmlinux = !strcmp(field[2], "vmlinux");
		HASH_ADD_KEYPTR(hh, table, e->name, strlen(e->name), e);
	}
	free(text);
	return table;
}

/* ---- relocations and where they force modules to be ---- */

/*
 * What a relocation reaches decides where the loader must put the module (the reaches are
 * those arch/ARCH/kernel/module.c's apply_relocate_add checks):
 *   NEED_TOP        only Linux's own area: x86_64 R_X86_64_32S sign-extends a 32-bit address,
 *                   so the module must lie in the top 2 GiB (arch/x86/kernel/module.c,
 *                   __write_relocate_add: "overflow in relocation type").
 *   NEED_NEAR       the kernel within +-2 GiB (or 4 GiB for arm64's ADRP): Linux's area or a
 *                   loader that puts modules next to the kernel image (placement: near-kernel).
 *   NEED_NEAR_OR_PLT the same, or a PLT the loader builds (riscv64 auipc+jalr,
 *                   arch/riscv/kernel/module.c apply_r_riscv_call_plt_rela).
 *   NEED_CLOSE_OR_PLT +-128 MiB: Linux's area, or a PLT (arm64 CALL26/JUMP26,
 *                   arch/arm64/kernel/module.c module_emit_plt_entry); 2 GiB is too far.
 */
enum need { NEED_TOP, NEED_NEAR, NEED_NEAR_OR_PLT, NEED_CLOSE_OR_PLT, NEED_PLT, NEED_GOT };

/*
 * What a relocation type implies for the loader beyond computing it, by the ELF ABI of
 * each arch (names, resolved through the model). A trailing '*' matches a prefix.
 * EXTERNAL: only when it refers to a symbol outside the module (the kernel's).
 */
static const struct consequence {
	const char *name;
	enum need need;
	int external;
	const char *why;
} consequences[] = {
	{ "R_X86_64_32S", NEED_TOP, 0,
	  "a sign-extended 32-bit absolute address: the module must lie in the top 2 GiB of the address space" },
	{ "R_X86_64_PC32", NEED_NEAR, 1,
	  "a 32-bit PC-relative reference to a kernel symbol: the module must lie within +-2 GiB of the kernel" },
	{ "R_X86_64_PLT32", NEED_NEAR, 1,
	  "a 32-bit PC-relative call to a kernel symbol: the module must lie within +-2 GiB of the kernel" },
	{ "R_RISCV_CALL_PLT", NEED_NEAR_OR_PLT, 1,
	  "auipc+jalr reaches +-2 GiB: the kernel must lie within 2 GiB of the module, or the loader builds a PLT" },
	{ "R_RISCV_CALL", NEED_NEAR_OR_PLT, 1,
	  "auipc+jalr reaches +-2 GiB: the kernel must lie within 2 GiB of the module, or the loader builds a PLT" },
	{ "R_RISCV_PCREL_HI20", NEED_NEAR, 1,
	  "auipc reaches +-2 GiB: the kernel symbol must lie within 2 GiB of the module "
	  "(apply_r_riscv_pcrel_hi20_rela)" },
	{ "R_RISCV_GOT_HI20", NEED_GOT, 0, "an address loaded from a GOT entry: the loader must build a GOT" },
	{ "R_AARCH64_CALL26", NEED_CLOSE_OR_PLT, 1,
	  "a 26-bit branch reaches +-128 MiB: the kernel must be that close, or the loader builds a PLT" },
	{ "R_AARCH64_JUMP26", NEED_CLOSE_OR_PLT, 1,
	  "a 26-bit branch reaches +-128 MiB: the kernel must be that close, or the loader builds a PLT" },
	{ "R_AARCH64_ADR_PREL_PG_HI21*", NEED_NEAR, 1,
	  "adrp reaches +-4 GiB: the kernel symbol must lie within 4 GiB of the module" },
	{ "R_AARCH64_ADR_GOT_PAGE", NEED_GOT, 0, "an address loaded from a GOT entry: the loader must build a GOT" },
	{ "R_AARCH64_LD64_GOT_LO12_NC", NEED_GOT, 0, "an address loaded from a GOT entry: the loader must build a GOT" },
	{ "R_LARCH_B26", NEED_PLT, 1,
	  "a 28-bit branch reaches +-128 MiB: calls into the kernel go through a PLT the loader builds" },
	{ "R_LARCH_PCALA_HI20", NEED_NEAR, 1,
	  "pcalau12i reaches +-2 GiB: the kernel symbol must lie within 2 GiB of the module" },
	{ "R_LARCH_GOT_*", NEED_GOT, 0, "an address loaded from a GOT entry: the loader must build a GOT" },
	{ "R_LARCH_GOT64_*", NEED_GOT, 0, "an address loaded from a GOT entry: the loader must build a GOT" },
};

static int name_matches(const char *pattern, const char *name)
{
	size_t len = strlen(pattern);

	return len && pattern[len - 1] == '*' ? !strncmp(pattern, name, len - 1) : !strcmp(pattern, name);
}

static int need_met(const struct ko_loader *l, enum need need)
{
	int near = l->placement == KO_PLACE_KERNEL || l->placement == KO_PLACE_NEAR_KERNEL;

	switch (need) {
	case NEED_TOP: return l->placement == KO_PLACE_KERNEL;
	case NEED_NEAR: return near;
	case NEED_NEAR_OR_PLT: return near || l->plt;
	case NEED_CLOSE_OR_PLT: return l->placement == KO_PLACE_KERNEL || l->plt;
	case NEED_PLT: return l->plt;
	case NEED_GOT: return l->got;
	}
	return 0;
}

static const char *need_text(const struct ko_loader *l, enum need need)
{
	switch (need) {
	case NEED_TOP:
	case NEED_NEAR:
		return "placement";
	case NEED_NEAR_OR_PLT:
	case NEED_CLOSE_OR_PLT:
		return l->plt ? "placement" : "placement, plt";
	case NEED_PLT: return "plt";
	case NEED_GOT: return "got";
	}
	return "";
}

/* The reason's end: "R_X86_64_PC32 needs the kernel within 2 GiB". */
static const char *need_reason(enum need need, const char *name)
{
	switch (need) {
	case NEED_TOP: return "the top 2 GiB";
	case NEED_NEAR: return strncmp(name, "R_AARCH64_", 10) ? "the kernel within 2 GiB" : "the kernel within 4 GiB";
	case NEED_NEAR_OR_PLT:
	case NEED_CLOSE_OR_PLT: return "a PLT or nearby kernel";
	case NEED_PLT: return "a PLT";
	case NEED_GOT: return "a GOT";
	}
	return "";
}

/* ---- one module ---- */

static void add_finding(struct ko_result *r, enum ko_finding_kind kind, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add_finding(struct ko_result *r, enum ko_finding_kind kind, const char *reason, const char *fmt, ...)
{
	struct strbuf sb = { 0 };
	va_list ap;

	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	r->findings = xgrow(r->findings, r->n_findings, sizeof(*r->findings));
	r->findings[r->n_findings++] = (struct ko_finding){ kind, xstrdup(reason), sb.buf, NULL };
	if (kind == KO_CRASH)
		r->status |= KO_CRASHES;
	else if (kind == KO_LINUX)
		r->status |= KO_REFUSED_BY_LINUX;
	else if (kind == KO_FAIL)
		r->status |= KO_FAILS_PROFILE;
	else if (kind == KO_MISMATCH)
		r->status |= KO_DISAGREES;
}

static void check_this_module(const struct ko_checker *c, const struct ko_module *m, struct ko_result *r)
{
	const struct kabi_record *mod = c->facts->module;
	const struct ko_table *t = &m->this_module;
	int64_t init = ko_member_offset(mod, "init"), exit_ = ko_member_offset(mod, "exit");
	int64_t name = ko_member_offset(mod, "name");

	if (!t->present) {
		add_finding(r, KO_MISMATCH, "no __this_module",
			    "no .gnu.linkonce.this_module section: not a kernel module, or not one built by kbuild");
		return;
	}
	if (!mod)
		return;
	/* Linux refuses it too (elf_validity_cache_index_mod()), but against its own struct module:
	 * the triple's, so a layout finding. */
	if (t->size != mod->size)
		add_finding(r, KO_MISMATCH, "struct module size",
			    "__this_module is %llu bytes, the triple's struct module %llu",
			    (unsigned long long)t->size, (unsigned long long)mod->size);
	if (t->align != mod->align)
		add_finding(r, KO_MISMATCH, "struct module alignment",
			    "__this_module is aligned to %llu, the triple's struct module to %u",
			    (unsigned long long)t->align, mod->align);
	for (size_t i = 0; i < t->n_relocs; i++) {
		const struct ko_field_reloc *f = &t->relocs[i];
		const char *member = !strcmp(f->symbol, "init_module") ? "init"
				     : !strcmp(f->symbol, "cleanup_module") ? "exit" : NULL;
		int64_t want = member && !strcmp(member, "init") ? init : exit_;

		if (!member)
			continue;
		if (want < 0)
			add_finding(r, KO_MISMATCH, member[0] == 'i' ? "init offset" : "exit offset",
				    "%s is relocated at %llu, but the triple's struct module has no '%s'", f->symbol,
				    (unsigned long long)f->offset, member);
		else if ((int64_t)f->offset != want)
			add_finding(r, KO_MISMATCH, member[0] == 'i' ? "init offset" : "exit offset",
				    "%s at %llu (%s relocated there), the triple's struct module has it at %lld", member,
				    (unsigned long long)f->offset, f->symbol, (long long)want);
	}
	if (name >= 0 && t->data && m->modinfo_name && (uint64_t)name < t->size) {
		const char *at = (const char *)t->data + name;
		size_t room = (size_t)(t->size - (uint64_t)name);

		if (strnlen(at, room) == room || strcmp(at, m->modinfo_name))
			add_finding(r, KO_MISMATCH, "name offset",
				    "__this_module has no '%s' at the triple's name offset %lld: another layout of "
				    "struct module", m->modinfo_name, (long long)name);
	}
}

/*
 * Every table section of the model's section table: a whole number of its element type,
 * and each relocation landing where a member of an entry starts. The first stray relocation
 * of a section is reported, with the count of the others.
 */
static void check_tables(const struct ko_checker *c, const struct ko_module *m, struct ko_result *r)
{
	for (size_t k = 0; k < m->n_tables && k < c->facts->n_tables; k++) {
		const struct ko_table *t = &m->tables[k];
		const struct kabi_section *sec = c->facts->sections[k];
		char reason[160];
		size_t stray = 0, first = 0;

		if (!t->present || !sec->size)
			continue;
		if (t->size % sec->size) {
			snprintf(reason, sizeof(reason), "section %s size", sec->name);
			add_finding(r, KO_MISMATCH, reason, "section %s is %llu bytes, not a whole number of %s (%llu bytes)",
				    sec->name, (unsigned long long)t->size, sec->type, (unsigned long long)sec->size);
			continue;
		}
		for (size_t i = 0; t->relocs && i < t->n_relocs; i++) {	/* __param's: check_params() */
			uint64_t in = t->relocs[i].offset % sec->size;
			size_t j;

			for (j = 0; j < sec->n_offsets && sec->offsets[j] != in; j++)
				;
			if (j == sec->n_offsets && !stray++)
				first = i;
		}
		if (stray) {
			snprintf(reason, sizeof(reason), "section %s relocation", sec->name);
			add_finding(r, KO_MISMATCH, reason,
				    "section %s: %zu relocation%s on no member of %s, the first at entry %llu +%llu (%s)",
				    sec->name, stray, stray == 1 ? "" : "s", sec->type,
				    (unsigned long long)(t->relocs[first].offset / sec->size),
				    (unsigned long long)(t->relocs[first].offset % sec->size), t->relocs[first].symbol);
		}
	}
}

static int is_param_op(const struct ko_facts *f, const char *name)
{
	for (size_t i = 0; i < f->n_param_ops; i++)
		if (!strcmp(f->param_ops[i], name))
			return 1;
	return 0;
}

/* " (and N more WHATs)", or "" for none. */
static const char *more(char *buf, size_t len, size_t n, const char *what)
{
	if (!n)
		return "";
	snprintf(buf, len, " (and %zu more %s%s)", n, what, n == 1 ? "" : "s");
	return buf;
}

static void check_params(const struct ko_checker *c, const struct ko_module *m, struct ko_result *r)
{
	const struct kabi_record *kp = c->facts->kernel_param;
	const struct ko_table *t = &m->param;
	static const char *const pointers[] = { "name", "mod", "ops", "arg" };
	const struct ko_field_reloc *first_stray = NULL, *first_ops = NULL;
	size_t stray = 0, bad_ops = 0;
	char more_text[64];
	int64_t offs[4];
	uint64_t stride;

	if (!t->present || !kp || !kp->size)
		return;
	stride = kp->size;
	if (t->size % stride) {
		add_finding(r, KO_MISMATCH, "__param stride",
			    "__param is %llu bytes, not a multiple of the triple's struct kernel_param (%llu)",
			    (unsigned long long)t->size, (unsigned long long)stride);
		return;
	}
	for (size_t i = 0; i < 4; i++)
		offs[i] = ko_member_offset(kp, pointers[i]);
	/* One finding of each kind, the first and the count of the others: a module may hold
	 * millions of relocations, and the report stays in proportion to what is wrong. */
	for (size_t i = 0; i < t->n_relocs; i++) {
		const struct ko_field_reloc *f = &t->relocs[i];
		int64_t in = (int64_t)(f->offset % stride);
		size_t k;

		for (k = 0; k < 4 && offs[k] != in; k++)
			;
		if (k == 4) {
			if (!stray++)
				first_stray = f;
			continue;
		}
		if (strcmp(pointers[k], "ops") || !f->undefined)
			continue;
		if (!is_param_op(c->facts, f->symbol) && !bad_ops++)
			first_ops = f;
	}
	if (stray)
		add_finding(r, KO_MISMATCH, "__param relocation",
			    "__param entry %llu has a relocation at +%lld (%s), on no pointer of the triple's struct "
			    "kernel_param%s", (unsigned long long)(first_stray->offset / stride),
			    (long long)(first_stray->offset % stride), first_stray->symbol, more(more_text, sizeof(more_text),
			    stray - 1, "relocation"));
	if (bad_ops)
		add_finding(r, KO_FAIL, "param ops",
			    "parameter %llu uses %s, which is not one of the kernel_param_ops the triple's headers "
			    "declare%s", (unsigned long long)(first_ops->offset / stride), first_ops->symbol,
			    more(more_text, sizeof(more_text), bad_ops - 1, "parameter"));
}

static void check_vermagic(const struct ko_checker *c, const struct ko_module *m, struct ko_result *r)
{
	if (!m->vermagic)
		add_finding(r, KO_MISMATCH, "vermagic", "no vermagic in .modinfo");
	else if (c->facts->vermagic && strcmp(m->vermagic, c->facts->vermagic))
		add_finding(r, KO_MISMATCH, "vermagic", "vermagic \"%s\", the triple's \"%s\"", m->vermagic,
			    c->facts->vermagic);
}

static int supported(const struct ko_checker *c, unsigned type)
{
	for (size_t i = 0; i < c->n_supported; i++)
		if (c->supported[i] == type)
			return 1;
	return 0;
}

/* Whether the loader panics on relocation TYPE: listed in crashes:, or "other" and not implemented. */
static int crashes_on(const struct ko_checker *c, unsigned type)
{
	for (size_t i = 0; i < c->n_crashing; i++)
		if (c->crashing[i] == type)
			return 1;
	return c->loader->crash_other_relocations && !supported(c, type);
}

static void check_relocations(const struct ko_checker *c, const struct ko_module *m, struct ko_result *r)
{
	const struct ko_loader *l = c->loader;
	const struct ko_reloc_use *unnamed = NULL, *unnamed_crash = NULL;
	size_t n_unnamed = 0;
	char more_text[64];

	if (!c->relocs_named)
		return;
	for (size_t i = 0; i < m->n_relocs; i++) {
		const struct ko_reloc_use *u = &m->relocs[i];
		const char *name = ko_reloc_name(c->facts, u->type);
		char reason[96];

		/* The first type no header names, and how many more: a module may use 2^32 of them. */
		if (!name) {
			if (!n_unnamed++)
				unnamed = u;
			if (!unnamed_crash && crashes_on(c, u->type))
				unnamed_crash = u;
			continue;
		}
		if (crashes_on(c, u->type)) {
			snprintf(reason, sizeof(reason), "crash relocation %s", name);
			add_finding(r, KO_CRASH, reason, "%s (x%lu): loader %s panics on it (crashes: relocations%s)", name,
				    u->count, l->name, supported(c, u->type) ? "" : ", every type it does not implement");
			continue;
		}
		if (!supported(c, u->type)) {
			snprintf(reason, sizeof(reason), "relocation %s", name);
			add_finding(r, KO_FAIL, reason, "%s (x%lu): loader %s does not implement it", name, u->count,
				    l->name);
			continue;
		}
		for (size_t k = 0; k < sizeof(consequences) / sizeof(consequences[0]); k++) {
			const struct consequence *q = &consequences[k];
			unsigned long n = q->external ? u->external : u->count;

			if (!name_matches(q->name, name) || !n || need_met(l, q->need))
				continue;
			snprintf(reason, sizeof(reason), "%s needs %s", name, need_reason(q->need, name));
			add_finding(r, KO_FAIL, reason, "%s (x%lu%s): %s; loader %s has %s: %s%s", name, n,
				    q->external ? " to kernel symbols" : "", q->why, l->name, need_text(l, q->need),
				    q->need == NEED_GOT ? (l->got ? "true" : "false")
				    : q->need == NEED_PLT ? (l->plt ? "true" : "false") : l->placement_text,
				    q->need == NEED_NEAR_OR_PLT || q->need == NEED_CLOSE_OR_PLT ? (l->plt ? "" : ", plt: false")
				    : "");
			break;
		}
	}
	if (unnamed_crash) {
		char reason[96];

		snprintf(reason, sizeof(reason), "crash relocation type %u", unnamed_crash->type);
		add_finding(r, KO_CRASH, reason, "relocation type %u (x%lu) is none the triple's headers name, and loader "
			    "%s panics on it%s", unnamed_crash->type, unnamed_crash->count, l->name,
			    more(more_text, sizeof(more_text), n_unnamed - 1, "unnamed type"));
	} else if (n_unnamed) {
		char reason[96];

		snprintf(reason, sizeof(reason), "relocation type %u", unnamed->type);
		add_finding(r, KO_FAIL, reason, "relocation type %u (x%lu) is none the triple's headers name%s",
			    unnamed->type, unnamed->count, more(more_text, sizeof(more_text), n_unnamed - 1, "type"));
	}
}

/*
 * A special section is one a loader must understand beyond copying it: every section of
 * the model's section table, and whatever else is allocated except code, data, read-only
 * data, bss and notes (arch sections such as .altinstructions or .orc_unwind).
 */
static int is_special_section(const struct ko_facts *f, const struct ko_section *s)
{
	for (size_t i = 0; i < f->n_tables; i++)
		if (!strcmp(f->tables[i], s->name))
			return 1;
	static const char *const ordinary[] = { ".text", ".data", ".rodata", ".bss", ".sbss", ".sdata", ".srodata",
						".init.", ".exit.", ".note", ".modinfo",
						".gnu.linkonce.this_module", "__versions", ".ref." };

	if (!(s->flags & SHF_ALLOC) || !*s->name)
		return 0;
	for (size_t i = 0; i < sizeof(ordinary) / sizeof(ordinary[0]); i++)
		if (!strncmp(s->name, ordinary[i], strlen(ordinary[i])))
			return 0;
	return 1;
}

/* Linux's section flag for data made read-only once init has run (include/uapi/linux/elf.h). */
#define KO_SHF_RO_AFTER_INIT 0x00200000

static void check_sections(const struct ko_checker *c, const struct ko_module *m, struct ko_result *r)
{
	const struct ko_loader *l = c->loader;

	for (size_t i = 0; i < m->n_sections; i++) {
		const struct ko_section *s = &m->sections[i];
		int how;
		const char *word;
		char reason[160];

		if (*s->name && ko_loader_crash_section(l, s->name)) {
			snprintf(reason, sizeof(reason), "crash section %s", s->name);
			add_finding(r, KO_CRASH, reason, "section %s (%llu bytes): loader %s panics on it (crashes: sections)",
				    s->name, (unsigned long long)s->size, l->name);
		}
		/* A loader that honours SHF_RO_AFTER_INIT (layout_sections() in kernel/module/main.c) seals
		 * struct module after init, and then writes to it (mod->state): a fault in the kernel. */
		if ((s->flags & KO_SHF_RO_AFTER_INIT) && !strcmp(s->name, ".gnu.linkonce.this_module") &&
		    ko_loader_section(l, ".data..ro_after_init") == 'h')
			add_finding(r, KO_CRASH, "crash section .gnu.linkonce.this_module SHF_RO_AFTER_INIT",
				    "section .gnu.linkonce.this_module has SHF_RO_AFTER_INIT: loader %s makes struct module "
				    "read-only after init, then writes to it (a kernel crash)", l->name);
		if (!is_special_section(c->facts, s))
			continue;
		how = ko_loader_section(l, s->name);
		if (!how)
			how = l->refuse_other ? 0 : l->unprocessed_other ? 'U' : 0;
		word = how == 'h' ? "handled" : how == 'i' ? "ignored" : how == 'r' ? "refused"
		       : how == 'u' || how == 'U' ? "unprocessed" : "unlisted";
		r->sections_special = xrealloc(r->sections_special,
					       (r->n_sections_special + 1) * sizeof(*r->sections_special));
		r->sections_special[r->n_sections_special++] = xasprintf("%s %s", s->name, word);
		if (how == 'r' || (!how && l->refuse_other)) {
			snprintf(reason, sizeof(reason), "section %s", s->name);
			add_finding(r, KO_FAIL, reason, "section %s (%llu bytes): loader %s %s", s->name,
				    (unsigned long long)s->size, l->name,
				    how ? "refuses it" : "lists it nowhere and refuses what it does not list");
		} else if (how == 'u' || how == 'U') {
			snprintf(reason, sizeof(reason), "unprocessed section %s", s->name);
			add_finding(r, KO_WARN, reason, "loads, but section %s (%llu bytes) is not applied: loader %s loads "
				    "it as data and never reads it (sections: %s)", s->name, (unsigned long long)s->size,
				    l->name, how == 'u' ? "unprocessed" : "other: unprocessed");
		}
	}
}

/* sections: required: a module lacking one is refused (the loader looks it up and gives up). */
static void check_required(const struct ko_checker *c, const struct ko_module *m, struct ko_result *r)
{
	for (size_t i = 0; i < c->loader->n_required; i++) {
		const char *name = c->loader->required[i];
		char reason[160];

		if (ko_find_section(m, name))
			continue;
		snprintf(reason, sizeof(reason), "section %s required", name);
		add_finding(r, KO_FAIL, reason, "no section %s: loader %s refuses a module without it (sections: required)",
			    name, c->loader->name);
	}
}

/* ---- the layout the loader was compiled against ---- */

/*
 * What the loader finds when it reads a pointer at byte OFF of __this_module T: the symbol
 * relocated there ("init_module"), "NULL" (zero bytes, no relocation), or NULL for anything
 * else (other bytes, or past the section's end), written as a note to WHAT.
 */
static const char *pointer_at(const struct ko_table *t, int64_t off, unsigned width, char *what, size_t len)
{
	for (size_t i = 0; i < t->n_relocs; i++)
		if ((int64_t)t->relocs[i].offset == off)
			return t->relocs[i].symbol;
	if (off < 0 || (uint64_t)off + width > t->size) {
		snprintf(what, len, "past the end of its %llu bytes", (unsigned long long)t->size);
		return NULL;
	}
	if (!t->data)
		return "NULL";
	for (unsigned k = 0; k < width; k++)
		if (t->data[off + k]) {
			snprintf(what, len, "bytes that no relocation sets");
			return NULL;
		}
	return "NULL";
}

/* Where the module relocates SYMBOL into __this_module, or -1. */
static int64_t reloc_offset(const struct ko_table *t, const char *symbol)
{
	for (size_t i = 0; i < t->n_relocs; i++)
		if (!strcmp(t->relocs[i].symbol, symbol))
			return (int64_t)t->relocs[i].offset;
	return -1;
}

/*
 * The loader reads MEMBER (init or exit) at OFF; the module put FUNCTION (init_module,
 * cleanup_module) elsewhere, or nowhere. What it finds there decides what follows: the
 * function itself (fine), NULL (init: refused or never run; exit: never run), another
 * function or stray bytes (called: a crash).
 */
static void check_layout_pointer(const struct ko_checker *c, const struct ko_module *m, struct ko_result *r,
				 const char *member, int64_t off, const char *function)
{
	const struct ko_loader_layout *y = &c->loader->layout;
	const struct ko_table *t = &m->this_module;
	unsigned width = c->facts->elf_class == ELFCLASS32 ? 4 : 8;
	int64_t real = reloc_offset(t, function);
	char what[96] = "", reason[96], real_text[96];
	const char *found;
	int init = !strcmp(member, "init");

	if (off < 0 || real == off)
		return;
	found = pointer_at(t, off, width, what, sizeof(what));
	if (found && !strcmp(found, "NULL") && real < 0)
		return;		/* no such function, and the loader reads NULL: as Linux */
	if (real >= 0)
		snprintf(real_text, sizeof(real_text), "%s is at %lld", function, (long long)real);
	else
		snprintf(real_text, sizeof(real_text), "the module has no %s", function);
	if (found && !strcmp(found, "NULL")) {
		snprintf(reason, sizeof(reason), "layout struct module %s", member);
		add_finding(r, init ? KO_FAIL : KO_WARN, reason,
			    "loader %s reads %s at %lld (%s), where __this_module holds NULL; %s: %s", c->loader->name,
			    member, (long long)off, y->source, real_text,
			    init ? "init read as NULL, the module is refused (or its init never runs)"
				 : "loads, but exit is never run on unload");
		return;
	}
	snprintf(reason, sizeof(reason), "crash layout struct module %s", member);
	add_finding(r, KO_CRASH, reason, "loader %s reads %s at %lld (%s), where __this_module holds %s%s; %s: %s read "
		    "as garbage, called %s (a crash)", c->loader->name, member, (long long)off, y->source,
		    found ? "a pointer to " : "", found ? found : what, real_text, member, init ? "at load" : "at unload");
}

static void check_loader_layout(const struct ko_checker *c, const struct ko_module *m, struct ko_result *r)
{
	const struct ko_loader_layout *y = &c->loader->layout;
	const struct kabi_record *kp = c->facts->kernel_param;
	const struct ko_table *t = &m->this_module;
	char reason[128];

	if (!c->loader->has_layout || !t->present)
		return;
	if (y->module_size >= 0 && (uint64_t)y->module_size != t->size)
		add_finding(r, KO_FAIL, "layout struct module size",
			    "__this_module is %llu bytes, loader %s's struct module %lld (%s): it reads the module's "
			    "struct module with another layout", (unsigned long long)t->size, c->loader->name,
			    (long long)y->module_size, y->source);
	check_layout_pointer(c, m, r, "init", y->init, "init_module");
	check_layout_pointer(c, m, r, "exit", y->exit, "cleanup_module");
	/* __param: the module's entries have the triple's struct kernel_param. */
	if (!m->param.present || !m->param.size || !kp)
		return;
	if (y->param_size >= 0 && (uint64_t)y->param_size != kp->size)
		add_finding(r, KO_FAIL, "layout struct kernel_param size",
			    "__param entries are %llu bytes (the triple's struct kernel_param), loader %s steps %lld (%s): "
			    "every parameter after the first is misread", (unsigned long long)kp->size, c->loader->name,
			    (long long)y->param_size, y->source);
	for (size_t i = 0; i < y->n_param_members; i++) {
		int64_t real = ko_member_offset(kp, y->param_members[i]);

		if (real == y->param_offsets[i])
			continue;
		snprintf(reason, sizeof(reason), "layout struct kernel_param %s", y->param_members[i]);
		if (real < 0)
			add_finding(r, KO_FAIL, reason, "loader %s reads kernel_param %s at %lld (%s); the triple's struct "
				    "kernel_param has no '%s'", c->loader->name, y->param_members[i],
				    (long long)y->param_offsets[i], y->source, y->param_members[i]);
		else
			add_finding(r, KO_FAIL, reason, "loader %s reads kernel_param %s at %lld (%s), the triple's is at "
				    "%lld: every parameter's %s is misread", c->loader->name, y->param_members[i],
				    (long long)y->param_offsets[i], y->source, (long long)real, y->param_members[i]);
	}
}

static void check_symbols(const struct ko_checker *c, const struct ko_module *m, struct ko_result *r)
{
	for (size_t i = 0; i < m->n_imports; i++) {
		const struct ko_import *imp = &m->imports[i];
		struct export *e = NULL;
		int provided;

		if (c->exports)
			HASH_FIND_STR(c->exports->table, imp->name, e);
		if (imp->hidden) {
			add_finding(r, KO_FAIL, "hidden import",
				    "imports %s with hidden visibility: the kernel never resolves a hidden symbol", imp->name);
			continue;
		}
		if (c->exports && !e && !imp->weak)
			add_finding(r, KO_MISMATCH, "not exported",
				    "imports %s, which no kernel or module of the triple exports (Module.symvers)", imp->name);
		provided = c->loader->symbols_from == KO_SYMBOLS_SYMVERS ? e != NULL || !c->exports
									 : ko_loader_provides(c->loader, imp->name);
		if (!provided && !imp->weak && (c->loader->symbols_from == KO_SYMBOLS_LIST)) {
			add_finding(r, KO_FAIL, "symbol not provided", "imports %s, which loader %s does not provide",
				    imp->name, c->loader->name);
			r->findings[r->n_findings - 1].unlock = xasprintf("symbol %s", imp->name);
		}
		if (e && e->ns[0])
			add_finding(r, KO_NOTE, "namespaced import", "imports %s from namespace %s", imp->name, e->ns);
	}
	for (size_t i = 0; c->exports && i < m->n_versions; i++) {
		const struct ko_version *v = &m->versions[i];
		struct export *e;

		HASH_FIND_STR(c->exports->table, v->name, e);
		if (e && e->crc != v->crc)
			add_finding(r, KO_MISMATCH, "CRC", "__versions has %s with CRC 0x%08llx, Module.symvers 0x%08llx",
				    v->name, (unsigned long long)v->crc, (unsigned long long)e->crc);
	}
}

/* Puts the crashes first, keeping the order of the rest: the worst verdict is read first. */
static void crashes_first(struct ko_result *r)
{
	struct ko_finding *sorted;
	size_t n = 0;

	if (!(r->status & KO_CRASHES))
		return;
	sorted = xcalloc(r->n_findings, sizeof(*sorted));
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < r->n_findings; i++)
			if ((r->findings[i].kind == KO_CRASH) == !pass)
				sorted[n++] = r->findings[i];
	free(r->findings);
	r->findings = sorted;
}

static void check_module(const struct ko_checker *c, const char *path, struct ko_result *r, struct ko_budget *budget)
{
	const struct ko_expect e = { c->facts->machine, c->facts->elf_class, c->facts->elf_data,
				     c->facts->modversion_info ? c->facts->modversion_info->size : 0,
				     c->facts->tables, c->facts->n_tables };
	struct ko_hold hold = { .budget = budget };
	struct ko_module *m = ko_read(path, &e, &hold);

	/* It did not fit beside the modules the other threads hold: again, alone. */
	if (!m) {
		ko_hold_alone(&hold);
		m = ko_read(path, &e, &hold);
	}
	r->module = m;
	if (m->error) {
		r->status = 1;
		ko_hold_release(&hold);
		return;
	}
	/* A file Linux refuses is judged no further: what else it holds was never read. */
	if (m->refused) {
		add_finding(r, KO_LINUX, m->refused_rule, "%s: %s", m->refused_rule, m->refused);
		ko_hold_release(&hold);
		return;
	}
	/* What the loader panics on or refuses first: the report names it first. */
	check_loader_layout(c, m, r);
	check_required(c, m, r);
	check_vermagic(c, m, r);
	check_this_module(c, m, r);
	check_params(c, m, r);
	check_tables(c, m, r);
	check_relocations(c, m, r);
	check_sections(c, m, r);
	check_symbols(c, m, r);
	crashes_first(r);
	ko_drop_tables(m);
	ko_hold_release(&hold);
}

/* ---- many modules, on every core ---- */

struct scan {
	const struct ko_checker *ctx;
	char *const *paths;
	struct ko_result *results;
	size_t n;
	atomic_size_t next;
	struct ko_budget budget;	/* shared by all the threads */
};

static void *scan_worker(void *arg)
{
	struct scan *s = arg;
	size_t i;

	while ((i = atomic_fetch_add(&s->next, 1)) < s->n)
		check_module(s->ctx, s->paths[i], &s->results[i], &s->budget);
	return NULL;
}

/* Reads the modules on JOBS threads (this one among them); a thread that cannot start is left
 * out, and never joined. */
static void scan_all(struct scan *s, long jobs)
{
	pthread_t *threads;
	char *started;

	if (jobs > (long)s->n)
		jobs = (long)s->n;
	if (jobs < 1)
		jobs = 1;
	threads = xcalloc((size_t)jobs, sizeof(*threads));
	started = xcalloc((size_t)jobs, 1);
	for (long i = 1; i < jobs; i++)
		started[i] = !pthread_create(&threads[i], NULL, scan_worker, s);
	scan_worker(s);
	for (long i = 1; i < jobs; i++)
		if (started[i])
			pthread_join(threads[i], NULL);
	free(started);
	free(threads);
}

/* ---- the API ---- */

struct ko_exports *ko_exports_load(const char *path)
{
	struct ko_exports *e = xcalloc(1, sizeof(*e));

	e->table = exports_read(path);
	return e;
}

int ko_exports_owner(const struct ko_exports *e, const char *name)
{
	struct export *x;

	HASH_FIND_STR(e->table, name, x);
	return !x ? 0 : x->vmlinux ? 'k' : 'm';
}

void ko_exports_free(struct ko_exports *e)
{
	if (!e)
		return;
	exports_free(e->table);
	free(e);
}

void ko_checker_init(struct ko_checker *c, const struct ko_facts *facts, const struct ko_loader *loader,
		     const struct ko_exports *exports)
{
	memset(c, 0, sizeof(*c));
	c->facts = facts;
	c->loader = loader;
	c->exports = exports;
	c->relocs_named = facts->n_relocs > 0;
	if (!c->relocs_named) {
		warn("the layout model names no relocation types (a dump older than schema 2?); relocations are "
		     "counted by number and not checked against loader %s", loader->name);
		return;
	}
	c->crashing = xcalloc(loader->n_crash_relocations + 1, sizeof(*c->crashing));
	for (size_t i = 0; i < loader->n_crash_relocations; i++)
		if (ko_reloc_number(facts, loader->crash_relocations[i], &c->crashing[c->n_crashing]))
			warn("%s: crashes: relocation %s is none this triple's headers define; it is left out",
			     loader->file, loader->crash_relocations[i]);
		else
			c->n_crashing++;
	c->supported = xcalloc(loader->n_relocations + 1, sizeof(*c->supported));
	for (size_t i = 0; i < loader->n_relocations; i++) {
		/* One profile serves several kernels: a type this tree's headers lack is only noted. */
		if (ko_reloc_number(facts, loader->relocations[i], &c->supported[c->n_supported]))
			warn("%s: relocation %s is none this triple's headers define; it is left out", loader->file,
			     loader->relocations[i]);
		else
			c->n_supported++;
	}
}

void ko_loader_layout_from(struct ko_loader_layout *y, const struct ko_facts *f)
{
	static const char *const members[] = { "name", "ops", "arg" };

	y->module_size = f->module ? (int64_t)f->module->size : -1;
	y->init = ko_member_offset(f->module, "init");
	y->exit = ko_member_offset(f->module, "exit");
	y->param_size = f->kernel_param ? (int64_t)f->kernel_param->size : -1;
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		int64_t off = ko_member_offset(f->kernel_param, members[i]);

		if (off < 0)
			continue;
		y->param_members = xrealloc(y->param_members, (y->n_param_members + 1) * sizeof(char *));
		y->param_offsets = xrealloc(y->param_offsets, (y->n_param_members + 1) * sizeof(int64_t));
		y->param_members[y->n_param_members] = xstrdup(members[i]);
		y->param_offsets[y->n_param_members++] = off;
	}
}

void ko_checker_release(struct ko_checker *c)
{
	free(c->supported);
	free(c->crashing);
	c->supported = NULL;
	c->crashing = NULL;
}

struct ko_result *ko_check_all(const struct ko_checker *c, char *const *paths, size_t n, long jobs, uint64_t memory)
{
	struct scan s = { .ctx = c, .paths = paths, .results = xcalloc(n ? n : 1, sizeof(struct ko_result)), .n = n };

	ko_budget_init(&s.budget, memory);
	scan_all(&s, jobs);
	ko_budget_release(&s.budget);
	return s.results;
}

static void result_release(struct ko_result *r)
{
	for (size_t i = 0; i < r->n_findings; i++) {
		free(r->findings[i].reason);
		free(r->findings[i].text);
		free(r->findings[i].unlock);
	}
	free(r->findings);
	strv_free(r->sections_special, r->n_sections_special);
	ko_free(r->module);
}

void ko_results_free(struct ko_result *r, size_t n)
{
	for (size_t i = 0; r && i < n; i++)
		result_release(&r[i]);
	free(r);
}

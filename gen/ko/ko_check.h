/*
 * ko_check.h: kernel modules judged against one triple's layout model and a loader profile:
 * the engine of 'kabigen check-ko' (gen/cmd/check_ko.c), and its reports (ko_report.c).
 */
#ifndef KABIGEN_KO_CHECK_H
#define KABIGEN_KO_CHECK_H

#include <stddef.h>
#include <stdint.h>

struct ko_module;
struct ko_facts;
struct ko_loader;
struct ko_exports;
struct ko_set;

/* Exit status bits, as diff's: 4 some module fails the loader profile, 8 some disagrees with the
 * layouts, 16 Linux refuses some module's ELF whatever the triple (kernel/module/main.c's rules),
 * 32 some module makes the loader panic (crashes: in the profile). */
enum {
	KO_FAILS_PROFILE = 4,
	KO_DISAGREES = 8,
	KO_REFUSED_BY_LINUX = 16,
	KO_CRASHES = 32,
};

enum ko_finding_kind {
	KO_NOTE,	/* worth knowing; the module loads */
	KO_FAIL,	/* the loader of the profile will not load it (or not run it correctly) */
	KO_MISMATCH,	/* the module disagrees with the triple's layouts or exports */
	KO_LINUX,	/* Linux's module loader refuses the file (ko_validate(), ko_read.c) */
	KO_CRASH,	/* the loader panics on it: worse than a refusal */
	KO_WARN,	/* it loads, but runs otherwise than under Linux: a section never applied, exit never run */
};

struct ko_finding {
	enum ko_finding_kind kind;
	/* Short and shared between modules, for the summary and for planners, which parse it:
	 * "relocation R_X86_64_32S", "crash relocation R_RISCV_ALIGN", "section .plt required",
	 * "layout struct module init", "unprocessed section __jump_table" (docs/check-ko.md lists them). */
	char *reason;
	char *text;		/* the whole sentence for this module */
	char *unlock;		/* KO_FAIL: what the loader must gain to lift it when REASON is shared ("symbol X"); or NULL */
};

/* The verdict on one module. */
struct ko_result {
	struct ko_module *module;	/* owned; ->error set when it could not be read */
	struct ko_finding *findings;
	size_t n_findings;
	int status;			/* KO_* bits, or 1 when unreadable */
	char **sections_special;	/* its special sections, each "NAME handled|ignored|refused|unlisted" */
	size_t n_sections_special;
};

/* Module.symvers (CRC, symbol, module, export type, namespace): dies naming PATH when unreadable. */
struct ko_exports *ko_exports_load(const char *path);
/* Who exports NAME by Module.symvers: 'k' the kernel (vmlinux), 'm' a module, 0 nobody. */
int ko_exports_owner(const struct ko_exports *e, const char *name);
void ko_exports_free(struct ko_exports *e);	/* accepts NULL */

/* What every module is judged by; borrowed, and must outlive the checker. */
struct ko_checker {
	const struct ko_facts *facts;
	const struct ko_loader *loader;
	const struct ko_exports *exports;	/* NULL: imports and CRCs are not checked */
	/* Filled by ko_checker_init: the profile's relocation names as this triple's numbers. */
	unsigned *supported;
	size_t n_supported;
	unsigned *crashing;		/* crashes: relocations, as numbers */
	size_t n_crashing;
	int relocs_named;		/* the model names this triple's relocation types */
};

/* Resolves the loader's relocation names through FACTS; a name the triple lacks is a warning. */
void ko_checker_init(struct ko_checker *c, const struct ko_facts *facts, const struct ko_loader *loader,
		     const struct ko_exports *exports);
void ko_checker_release(struct ko_checker *c);

/* The offsets a loader compiled against the model of F reads (layout: dump or triple). */
struct ko_loader_layout;
void ko_loader_layout_from(struct ko_loader_layout *y, const struct ko_facts *f);

/* Reads and judges the N modules at PATHS on JOBS threads, which share MEMORY bytes for the
 * modules being read (0: ko_budget_default()); one result each, in PATHS's order. */
struct ko_result *ko_check_all(const struct ko_checker *c, char *const *paths, size_t n, long jobs, uint64_t memory);
void ko_results_free(struct ko_result *r, size_t n);

/* What a report covers: the target, the loader, and every module's result in path order. */
struct ko_report {
	const char *target;		/* "7.2.13+deb14-amd64 (x86_64)" */
	const char *loader_name, *loader_file;
	const char *symvers;		/* the Module.symvers used, or NULL */
	int relocs_named;		/* the model names relocation types (else they are numbers, unchecked) */
	const struct ko_facts *facts;
	const struct ko_result *results;
	size_t n_results;
	int crashes_listed;		/* the profile says what crashes the loader (crashes:) */
	int unprocessed_listed;		/* the profile has unprocessed sections */
	const struct ko_set *set;	/* who provides whom (ko_set.h), or NULL */
};

char *ko_report_text(const struct ko_report *r, int verbose);
char *ko_report_md(const struct ko_report *r);
char *ko_report_json(const struct ko_report *r);

#endif

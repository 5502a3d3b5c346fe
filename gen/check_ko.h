/* check_ko.h: 'kabigen check-ko': will this loader load these modules, against this triple? */
#ifndef KABIGEN_CHECK_KO_H
#define KABIGEN_CHECK_KO_H

#include <stddef.h>

struct kabi_model;
struct ko_module;
struct ko_facts;

/* Exit status bits, as diff's: 4 some module fails the loader profile, 8 some disagrees with the layouts. */
enum {
	CHECK_KO_FAILS_PROFILE = 4,
	CHECK_KO_DISAGREES = 8,
};

enum ko_finding_kind {
	KO_NOTE,	/* worth knowing; the module loads */
	KO_FAIL,	/* the loader of the profile will not load it (or not run it correctly) */
	KO_MISMATCH,	/* the module disagrees with the triple's layouts or exports */
};

struct ko_finding {
	enum ko_finding_kind kind;
	char *reason;		/* short and shared between modules, for the summary: "vermagic", "relocation R_X86_64_32S" */
	char *text;		/* the whole sentence for this module */
};

/* The verdict on one module. */
struct ko_result {
	struct ko_module *module;	/* owned; ->error set when it could not be read */
	struct ko_finding *findings;
	size_t n_findings;
	int status;			/* CHECK_KO_* bits, or 1 when unreadable */
	char **sections_special;	/* its special sections, each "NAME handled|ignored|refused|unlisted" */
	size_t n_sections_special;
};

/* What a report covers: the target, the loader, and every module's result in path order. */
struct ko_report {
	const char *target;		/* "7.2.13+deb14-amd64 (x86_64)" */
	const char *loader_name, *loader_file;
	const char *symvers;		/* the Module.symvers used, or NULL */
	int relocs_named;		/* the model names relocation types (else they are numbers, unchecked) */
	const struct ko_facts *facts;
	struct ko_result *results;
	size_t n_results;
};

char *check_ko_report_text(const struct ko_report *r, int verbose);
char *check_ko_report_md(const struct ko_report *r);
char *check_ko_report_json(const struct ko_report *r);

/*
 * How main builds the triple's model: from a tree (--kdir), or fetched (--kver,
 * --flavour, --offline). *KDIR receives the tree's folder (for Module.symvers), new.
 */
struct check_ko_triple {
	const char *arch, *kdir, *kver, *flavour;
	int offline;
};
typedef struct kabi_model *(*check_ko_model_fn)(const char *configs, const struct check_ko_triple *t, char **kdir);

/* The whole command, after the word "check-ko"; returns the exit status. */
int check_ko_main(int argc, char **argv, const char *configs, check_ko_model_fn model_of);

#endif

/* fixture.c: kabigen's stages run on a C fixture of tests/fixtures/. */
#include "fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "clang/extract.h"
#include "input/kset.h"
#include "model/layout.h"
#include "util/report.h"
#include "clang/tu.h"

char *fixture_read_file(const char *path)
{
	char *text = read_file(path, NULL);

	assert_non_null(text);
	return text;
}

struct kabi_model *fixture_model(const char *name, const char *target, struct kset **set)
{
	char *set_path = xasprintf("%s/%s.yaml", FIXTURES_DIR, name);
	char *c_path = xasprintf("%s/%s.c", FIXTURES_DIR, name);
	char *args[] = { "-target", (char *)target, "-std=gnu11", "-I", FIXTURES_DIR };
	struct strbuf text = { 0 };
	struct kabi_provenance *p;
	struct kabi_model *m;
	char *probes;

	*set = kset_load(set_path);
	probes = tu_source(*set);
	sb_addf(&text, "#include \"%s.c\"\n%s", name, probes);
	m = extract_model(&(struct extract_request){ .set = *set, .file_name = "fixture.c", .text = text.buf,
						     .args = args, .n_args = 5, .origin = c_path });
	p = &m->prov;
	p->kabigen_version = xstrdup("test");
	p->arch = xstrdup(target);
	p->kernel_arch = xstrdup("test");
	p->clang_target = xstrdup(target);
	p->release = xstrdup("fixture");
	p->set_name = xstrdup((*set)->name);
	p->autoconf_path = xstrdup("none");
	p->autoconf_sha256 = xstrdup("none");
	free(probes);
	sb_release(&text);
	free(set_path);
	free(c_path);
	return m;
}

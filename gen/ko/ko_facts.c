/* ko_facts.c: check-ko's questions about ELF, answered from the layout model. */
#include "ko/ko_facts.h"
#include "model/layout.h"
#include "util/report.h"

#include <stdlib.h>
#include <string.h>

static unsigned constant_or_zero(const struct kabi_model *m, const char *name)
{
	const struct kabi_constant *c = kabi_model_find_constant(m, name);

	return c ? (unsigned)c->value : 0;
}

void ko_facts_init(struct ko_facts *f, const struct kabi_model *m)
{
	const struct kabi_name_list *ops = kabi_model_find_list(m, "PARAM_OPS");
	const struct kabi_string *vermagic;
	const struct kabi_constant **relocs = NULL;
	size_t n = 0;

	memset(f, 0, sizeof(*f));
	f->model = m;
	f->machine = constant_or_zero(m, "KABI_EM_MACHINE");
	f->elf_class = constant_or_zero(m, "KABI_ELF_CLASS");
	f->elf_data = constant_or_zero(m, "KABI_ELF_DATA");
	for (size_t i = 0; i < m->n_constants; i++) {
		const struct kabi_constant *c = &m->constants[i];

		if (c->group && !strcmp(c->group, "RELOC") && c->expr) {
			relocs = xgrow(relocs, n, sizeof(*relocs));
			relocs[n++] = c;
		}
	}
	f->relocs = relocs;
	f->n_relocs = n;
	if (m->n_sections) {
		const struct kabi_section **sections = xcalloc(m->n_sections, sizeof(*sections));

		f->tables = xcalloc(m->n_sections, sizeof(*f->tables));
		for (size_t i = 0; i < m->n_sections; i++) {
			sections[i] = &m->sections[i];
			f->tables[i] = m->sections[i].name;
		}
		f->sections = sections;
		f->n_tables = m->n_sections;
	}
	f->module = kabi_model_find_record(m, "module");
	f->kernel_param = kabi_model_find_record(m, "kernel_param");
	f->modversion_info = kabi_model_find_record(m, "modversion_info");
	if ((vermagic = kabi_model_find_string(m, "VERMAGIC")))
		f->vermagic = vermagic->value;
	if (ops) {
		f->param_ops = ops->items;
		f->n_param_ops = ops->n_items;
	}
}

void ko_facts_release(struct ko_facts *f)
{
	free((void *)f->relocs);
	free((void *)f->sections);
	free(f->tables);
	memset(f, 0, sizeof(*f));
}

const char *ko_reloc_name(const struct ko_facts *f, unsigned type)
{
	/* Aliases share a number (R_LARCH_*): the first the headers define names it. */
	for (size_t i = 0; i < f->n_relocs; i++)
		if (f->relocs[i]->value == type)
			return f->relocs[i]->expr;
	return NULL;
}

int ko_reloc_number(const struct ko_facts *f, const char *name, unsigned *type)
{
	for (size_t i = 0; i < f->n_relocs; i++)
		if (!strcmp(f->relocs[i]->expr, name)) {
			*type = (unsigned)f->relocs[i]->value;
			return 0;
		}
	return -1;
}

static int64_t member_offset_bits(const struct kabi_record *r, const char *name)
{
	for (size_t i = 0; i < r->n_members; i++) {
		const struct kabi_member *mem = &r->members[i];

		if (mem->name && !strcmp(mem->name, name))
			return (int64_t)mem->offset_bits;
		if (!mem->name && mem->type->kind == KT_RECORD && mem->type->record) {
			int64_t inner = member_offset_bits(mem->type->record, name);

			if (inner >= 0)
				return (int64_t)mem->offset_bits + inner;
		}
	}
	return -1;
}

int64_t ko_member_offset(const struct kabi_record *r, const char *name)
{
	int64_t bits = r ? member_offset_bits(r, name) : -1;

	return bits < 0 ? -1 : bits / 8;
}

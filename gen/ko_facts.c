/* ko_facts.c: check-ko's questions about ELF, answered from the layout model. */
#include "ko_facts.h"
#include "layout.h"

#include <elf.h>
#include <string.h>

/*
 * The triple's ELF identity. The model names the kernel's arch folder; the machine each
 * folder builds for is the ELF ABI's, not the kernel's configuration. (The layout model
 * is gaining e_machine, class and byte order from the tree's headers; then this goes.)
 */
static const struct {
	const char *kernel_arch;
	const char *name;	/* for messages */
	unsigned machine;
	const char *reloc_prefix;
} elf_arches[] = {
	{ "x86", "x86_64", EM_X86_64, "R_X86_64_" },
	{ "arm64", "aarch64", EM_AARCH64, "R_AARCH64_" },
	{ "riscv", "riscv", EM_RISCV, "R_RISCV_" },
	{ "loongarch", "loongarch", EM_LOONGARCH, "R_LARCH_" },
	{ NULL, "i386", EM_386, NULL },
	{ NULL, "arm", EM_ARM, NULL },
	{ NULL, "powerpc64", EM_PPC64, NULL },
	{ NULL, "s390", EM_S390, NULL },
	{ NULL, "mips", EM_MIPS, NULL },
};

const char *ko_machine_name(unsigned machine)
{
	for (size_t i = 0; i < sizeof(elf_arches) / sizeof(elf_arches[0]); i++)
		if (elf_arches[i].machine == machine)
			return elf_arches[i].name;
	return "an unknown arch";
}

static const struct kabi_name_list *find_list(const struct kabi_model *m, const char *name)
{
	for (size_t i = 0; i < m->n_lists; i++)
		if (!strcmp(m->lists[i].name, name))
			return &m->lists[i];
	return NULL;
}

void ko_facts_init(struct ko_facts *f, const struct kabi_model *m)
{
	const struct kabi_name_list *ops = find_list(m, "PARAM_OPS");

	memset(f, 0, sizeof(*f));
	f->model = m;
	for (size_t i = 0; i < sizeof(elf_arches) / sizeof(elf_arches[0]); i++)
		if (m->prov.kernel_arch && elf_arches[i].kernel_arch &&
		    !strcmp(m->prov.kernel_arch, elf_arches[i].kernel_arch)) {
			f->machine = elf_arches[i].machine;
			f->reloc_prefix = elf_arches[i].reloc_prefix;
		}
	f->module = kabi_model_find_record(m, "module");
	f->kernel_param = kabi_model_find_record(m, "kernel_param");
	f->modversion_info = kabi_model_find_record(m, "modversion_info");
	/* The class is the width of a pointer in this triple. */
	if (f->kernel_param) {
		for (size_t i = 0; i < f->kernel_param->n_members; i++) {
			const struct kabi_member *mem = &f->kernel_param->members[i];

			if (mem->name && !strcmp(mem->name, "name") && mem->type->kind == KT_POINTER)
				f->elf_class = mem->type->size == 8 ? ELFCLASS64 : ELFCLASS32;
		}
	}
	for (size_t i = 0; i < m->n_strings; i++)
		if (!strcmp(m->strings[i].name, "VERMAGIC"))
			f->vermagic = m->strings[i].value;
	if (ops) {
		f->param_ops = ops->items;
		f->n_param_ops = ops->n_items;
	}
}

static int is_reloc_constant(const struct ko_facts *f, const struct kabi_constant *c)
{
	return f->reloc_prefix && !strncmp(c->name, f->reloc_prefix, strlen(f->reloc_prefix));
}

const char *ko_reloc_name(const struct ko_facts *f, unsigned type)
{
	for (size_t i = 0; i < f->model->n_constants; i++) {
		const struct kabi_constant *c = &f->model->constants[i];

		if (is_reloc_constant(f, c) && c->value == type)
			return c->name;
	}
	return NULL;
}

int ko_reloc_number(const struct ko_facts *f, const char *name, unsigned *type)
{
	for (size_t i = 0; i < f->model->n_constants; i++) {
		const struct kabi_constant *c = &f->model->constants[i];

		if (is_reloc_constant(f, c) && !strcmp(c->name, name)) {
			*type = (unsigned)c->value;
			return 0;
		}
	}
	return -1;
}

int ko_facts_have_relocs(const struct ko_facts *f)
{
	for (size_t i = 0; i < f->model->n_constants; i++)
		if (is_reloc_constant(f, &f->model->constants[i]))
			return 1;
	return 0;
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

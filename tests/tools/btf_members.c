/*
 * btf_members.c: a struct's members as the kernel image's BTF lays them out, as JSON.
 *
 * usage: btf_members VMLINUX STRUCT
 *
 * Prints {"name", "found", "size", "members": [{"name", "offset_bits", "size", "bit_width"}]}
 * with the members named as 'kabigen diff' names them: those of an anonymous struct or union
 * under their own names, those of a named member of an inline (unnamed) type as
 * "member.sub" after the member itself. bit_width is 0 for a member that is not a bitfield.
 * A struct BTF lacks prints "found": false. The diff tests derive what changed from this,
 * read with libbpf, and never from kabigen.
 */
#include <bpf/btf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The type a member is declared with, without qualifiers (typedefs are kept: kabigen keeps them opaque). */
static const struct btf_type *unqualified(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	while (t && (btf_is_const(t) || btf_is_volatile(t) || btf_is_restrict(t) || btf_is_type_tag(t)))
		t = btf__type_by_id(btf, t->type);
	return t;
}

static int print_members(const struct btf *btf, const struct btf_type *t, const char *prefix,
			 unsigned long long base, int first)
{
	const struct btf_member *m = btf_members(t);

	for (unsigned i = 0; i < btf_vlen(t); i++, m++) {
		const char *name = btf__name_by_offset(btf, m->name_off);
		const struct btf_type *mt = unqualified(btf, m->type);
		unsigned long long off = base + btf_member_bit_offset(t, i);
		int is_inline = mt && (btf_is_struct(mt) || btf_is_union(mt)) && !mt->name_off;
		long long size = btf__resolve_size(btf, m->type);
		char path[512];

		if (!name || !*name) {
			if (is_inline)
				first = print_members(btf, mt, prefix, off, first);
			continue;	/* an unnamed bitfield is padding */
		}
		snprintf(path, sizeof(path), "%s%s", prefix, name);
		printf("%s\n    {\"name\": \"%s\", \"offset_bits\": %llu, \"size\": %lld, \"bit_width\": %u}",
		       first ? "" : ",", path, off, size < 0 ? 0 : size, btf_member_bitfield_size(t, i));
		first = 0;
		if (is_inline) {
			char sub[sizeof(path) + 1];

			snprintf(sub, sizeof(sub), "%s.", path);
			first = print_members(btf, mt, sub, off, first);
		}
	}
	return first;
}

int main(int argc, char **argv)
{
	struct btf *btf;
	__s32 id;
	const struct btf_type *t;

	if (argc != 3) {
		fprintf(stderr, "usage: btf_members VMLINUX STRUCT\n");
		return 2;
	}
	btf = btf__parse_elf(argv[1], NULL);
	if (!btf) {
		fprintf(stderr, "btf_members: %s: cannot read its .BTF section: %s\n", argv[1], strerror(errno));
		return 2;
	}
	id = btf__find_by_name_kind(btf, argv[2], BTF_KIND_STRUCT);
	if (id < 0)
		id = btf__find_by_name_kind(btf, argv[2], BTF_KIND_UNION);
	if (id < 0) {
		printf("{\"name\": \"%s\", \"found\": false}\n", argv[2]);
		btf__free(btf);
		return 0;
	}
	t = btf__type_by_id(btf, (__u32)id);
	printf("{\"name\": \"%s\", \"found\": true, \"size\": %u, \"members\": [", argv[2], t->size);
	print_members(btf, t, "", 0, 1);
	printf("\n]}\n");
	btf__free(btf);
	return 0;
}

/*
 * ko_retype.c: gives every relocation of one relocation section of an ELF object a type of
 * its own (FIRST, FIRST+1, ...), for the tests that a module with hundreds of thousands of
 * distinct relocation types is read in time in proportion to its size (check-ko-bounds.sh).
 *
 * usage: ko_retype FILE SECTION FIRST     (SECTION: .rela.data, say; FILE is changed in place)
 *
 * Prints how many relocations it retyped; exits 1 naming what failed.
 */
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(const char *file, const char *what)
{
	fprintf(stderr, "ko_retype: %s: %s: %s\n", file, what, elf_errmsg(-1));
	return 1;
}

int main(int argc, char **argv)
{
	Elf *elf;
	Elf_Scn *scn = NULL;
	size_t shstrndx, done = 0;
	unsigned long first;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: ko_retype FILE SECTION FIRST\n");
		return 2;
	}
	first = strtoul(argv[3], NULL, 10);
	elf_version(EV_CURRENT);
	if ((fd = open(argv[1], O_RDWR)) < 0) {
		perror(argv[1]);
		return 1;
	}
	if (!(elf = elf_begin(fd, ELF_C_RDWR, NULL)) || elf_getshdrstrndx(elf, &shstrndx))
		return fail(argv[1], "not an ELF file");
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		const char *name;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA || !(name = elf_strptr(elf, shstrndx, sh.sh_name)) ||
		    strcmp(name, argv[2]) || !(d = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < d->d_size / sizeof(Elf64_Rela); i++) {
			GElf_Rela r;

			if (!gelf_getrela(d, (int)i, &r))
				return fail(argv[1], "a relocation cannot be read");
			r.r_info = GELF_R_INFO(GELF_R_SYM(r.r_info), first + done++);
			if (!gelf_update_rela(d, (int)i, &r))
				return fail(argv[1], "a relocation cannot be written");
		}
		elf_flagdata(d, ELF_C_SET, ELF_F_DIRTY);
	}
	if (!done)
		return fail(argv[1], "no relocations in that section");
	elf_flagelf(elf, ELF_C_SET, ELF_F_LAYOUT);
	if (elf_update(elf, ELF_C_WRITE) < 0)
		return fail(argv[1], "cannot be written");
	elf_end(elf);
	close(fd);
	printf("%zu\n", done);
	return 0;
}

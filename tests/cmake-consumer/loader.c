/* loader.c: what a module loader does with the generated header: find init and exit. */
#include <stddef.h>
#include <stdio.h>

#include "kabi.h"

int main(void)
{
	printf("%s init=%zu exit=%zu\n", KABI_UTS_RELEASE, offsetof(struct module, init), offsetof(struct module, exit));
	return 0;
}

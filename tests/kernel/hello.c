/* hello.c: a module with two int parameters, built from kabi.h alone (its KABI_THIS_MODULE,
 * KABI_MODINFO and KABI_MODULE_PARAM; compiled with -DKBUILD_MODNAME='"hello"' -include kabi.h). */

static int answer = 1;
static int bonus = 2;
KABI_MODULE_PARAM(answer, int, 0444);
KABI_MODULE_PARAM(bonus, int, 0444);

static int hello_init(void)
{
	_printk("\0016" KBUILD_MODNAME ": init answer=%d bonus=%d\n", answer, bonus);
	return 0;
}

static void hello_exit(void)
{
	_printk("\0016" KBUILD_MODNAME ": exit\n");
}

KABI_THIS_MODULE(hello_init, hello_exit);
KABI_MODINFO(license, "GPL");

/* hello.c: a module with two int parameters, built from kabi.h alone (compiled with -include kabi.h). */

/* What the module takes from the kernel: its printk and the int parameter's operations. */
extern int _printk(const char *fmt, ...);
extern const struct kernel_param_ops param_ops_int;

static int answer = 1;
static int bonus = 2;

static int hello_init(void)
{
	_printk("\0016hello: init answer=%d bonus=%d\n", answer, bonus);
	return 0;
}

static void hello_exit(void)
{
	_printk("\0016hello: exit\n");
}

/* The kernel finds the module's struct module by this section (kernel/module/main.c,
 * setup_load_info) and takes init and exit from it. */
__attribute__((section(".gnu.linkonce.this_module"), used))
struct module __this_module = {
	.name = "hello",
	.init = hello_init,
	.exit = hello_exit,
};

/* .modinfo: NUL-terminated key=value strings, packed (aligned 1), as MODULE_INFO writes them. */
#define MODINFO(id, text) \
	__attribute__((section(".modinfo"), used, aligned(1))) static const char modinfo_##id[] = text
#ifndef HELLO_VERMAGIC
#define HELLO_VERMAGIC KABI_VERMAGIC /* the wrong builds of tests/kernel/hello.sh give another */
#endif
MODINFO(vermagic, "vermagic=" HELLO_VERMAGIC);
MODINFO(name, "name=hello");
MODINFO(license, "license=GPL");
#ifdef HELLO_RETPOLINE
MODINFO(retpoline, "retpoline=Y");
#endif

/* __param: one struct kernel_param each; inside a module the name has no prefix. */
#define PARAM(var) \
	static const char param_name_##var[] = #var; \
	__attribute__((section("__param"), used, aligned(__alignof__(struct kernel_param)))) \
	static const struct kernel_param param_##var = { \
		.name = param_name_##var, .mod = &__this_module, .ops = &param_ops_int, \
		.perm = 0444, .level = -1, .arg = &var, \
	}
PARAM(answer);
PARAM(bonus);

/*
 * ko-seed.c: the shape of a kernel module in a few hundred bytes, for the seed corpus of
 * fuzz_ko (tests/fuzz/corpus/ko). Regenerate with tests/fuzz/ko-seeds.sh.
 */
struct kernel_param { const char *name; void *mod; const void *ops; unsigned short perm; signed char level;
		      unsigned char flags; void *arg; };
extern const char param_ops_int[];
extern void _printk(const char *, ...);
__attribute__((visibility("hidden"))) extern int hidden_import;
extern int weak_import __attribute__((weak));
static int value;
static int init(void) { _printk("hello %d\n", value + hidden_import + weak_import); return 0; }
static void cleanup(void) { }
int init_module(void) __attribute__((alias("init")));
void cleanup_module(void) __attribute__((alias("cleanup")));
static const char modinfo[] __attribute__((section(".modinfo"), used)) =
	"name=seed\0vermagic=7.2.13+deb14-amd64 SMP preempt mod_unload \0license=GPL";
static const struct kernel_param param __attribute__((section("__param"), used)) = {
	"seed.value", 0, param_ops_int, 0644, -1, 0, &value };
struct module { char pad[24]; char name[56]; char rest[224]; int (*init)(void); char more[800];
		void (*exit)(void); } __attribute__((aligned(64)));
struct module __this_module __attribute__((section(".gnu.linkonce.this_module"))) = {
	.name = "seed", .init = init_module, .exit = cleanup_module };
static const struct { unsigned long crc; char name[56]; } versions[] __attribute__((section("__versions"), used)) = {
	{ 0x12345678, "_printk" } };

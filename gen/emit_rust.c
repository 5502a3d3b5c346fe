/* emit_rust.c: the Rust emitter. */
#include "emit.h"
#include "layout.h"
#include "report.h"

char *emit_rust(const struct kabi_model *m)
{
	(void)m;
	die("--format rust is not written yet");
}

/* overlay.c: a configuration given on the command line, turned into generated headers. */
#include "input/overlay.h"
#include "input/kconfig.h"
#include "util/outfile.h"
#include "util/report.h"
#include "util/str.h"
#include "util/self.h"
#include "input/tree.h"

#include <errno.h>
#include <sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *overlay_apply(struct ktree *t, const char *kconfig, char *const *sets, size_t n_sets)
{
	char *text, *autoconf, *cache, *path, *origin = NULL, digest[SHA256_DIGEST_STRING_LENGTH];

	if (kconfig) {
		const char *base = strrchr(kconfig, '/') ? strrchr(kconfig, '/') + 1 : kconfig;

		text = read_text(kconfig, ".config", 0);
		origin = xasprintf("%s sha256 %s", base, SHA256Data((const unsigned char *)text, strlen(text), digest));
		autoconf = kconfig_autoconf(text, kconfig, sets, n_sets);
	} else {
		text = kconfig_from_autoconf(t->autoconf);
		autoconf = kconfig_autoconf(text, t->autoconf, sets, n_sets);
	}
	/* Named by content and by the tree, so that equal inputs share one overlay. */
	{
		char *key = xasprintf("%s\n%s", t->build, autoconf);

		cache = self_cache_dir();
		t->overlay = xasprintf("%s/overlays/%s", cache, SHA256Data((const unsigned char *)key, strlen(key), digest));
		free(key);
	}
	path = xasprintf("%s/include/generated/autoconf.h", t->overlay);
	outfile_write(path, autoconf, strlen(autoconf), 1);
	free(t->autoconf);
	t->autoconf = path;
	free(text);
	free(autoconf);
	free(cache);
	return origin;
}

/* kconfig.h: a .config (plus --set overrides) turned into the autoconf.h kbuild would generate. */
#ifndef KABIGEN_KCONFIG_H
#define KABIGEN_KCONFIG_H

#include <stdbool.h>
#include <stddef.h>

/* Whether SPEC is CONFIG_NAME=y|m|n|"string"|number: checked before anything runs. */
bool kconfig_valid_set(const char *spec);

/*
 * The text of include/generated/autoconf.h for CONFIG_TEXT, a .config read from ORIGIN,
 * with SETS applied on top, in order. Dies with ORIGIN:LINE on a line that is not .config
 * syntax. Dependencies between symbols are not resolved: what is written is what is used.
 */
char *kconfig_autoconf(const char *config_text, const char *origin, char *const *sets, size_t n_sets);

/* The symbols of an existing autoconf.h as .config lines (to apply --set to a tree's own). */
char *kconfig_from_autoconf(const char *autoconf_file);

#endif

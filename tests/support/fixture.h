/* fixture.h: kabigen's stages run on a C fixture of tests/fixtures/, shared by the unit tests. */
#ifndef KABIGEN_TEST_FIXTURE_H
#define KABIGEN_TEST_FIXTURE_H

struct kset;
struct kabi_model;

/*
 * Loads tests/fixtures/NAME.yaml, parses NAME.c through the set's probes for TARGET as
 * kabigen parses a kernel tree, and fills the provenance an emitter prints. The caller
 * frees both with kset_free() and kabi_model_free().
 */
struct kabi_model *fixture_model(const char *name, const char *target, struct kset **set);

/* A whole file, NUL-terminated (new string); fails the test if it cannot be read. */
char *fixture_read_file(const char *path);

#endif

/*
 * bare_parse.c: libclang as it comes. Parses one translation unit as kabigen does
 * (CXTranslationUnit_SkipFunctionBodies, the same arguments) and does nothing else: no
 * cursor walk, no evaluation, no output, and no preparation of the heap (kabigen's is
 * gen/clang/parse_heap.c), so it shows what libclang costs before kabigen's work and tuning.
 * usage: bare_parse FILE.c CLANG_ARG...      (the arguments of kabigen --print-cflags)
 */
#include <clang-c/Index.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	CXIndex idx;
	CXTranslationUnit tu = NULL;
	enum CXErrorCode ec;

	if (argc < 2) {
		fprintf(stderr, "usage: bare_parse FILE.c CLANG_ARG...\n");
		return 2;
	}
	idx = clang_createIndex(0, 0);
	ec = clang_parseTranslationUnit2(idx, argv[1], (const char *const *)argv + 2, argc - 2, NULL, 0,
					 CXTranslationUnit_SkipFunctionBodies, &tu);
	if (ec != CXError_Success || !tu) {
		fprintf(stderr, "bare_parse: %s: libclang error %d\n", argv[1], (int)ec);
		return 1;
	}
	clang_disposeTranslationUnit(tu);
	clang_disposeIndex(idx);
	return 0;
}

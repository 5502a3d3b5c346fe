/* cache.c: the result cache ($cache/results/KEY/{manifest,output}) and depfiles. */
#include "cache.h"
#include "archive.h"
#include "outfile.h"
#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

void cache_key_init(struct cache_key *k)
{
	SHA256Init(&k->ctx);
}

/* Each part is framed by its name and length, so that no two sequences of parts collide. */
void cache_key_add(struct cache_key *k, const char *what, const void *data, size_t len)
{
	char head[160];
	int n = snprintf(head, sizeof(head), "%s:%zu:", what, len);

	SHA256Update(&k->ctx, (const unsigned char *)head, (size_t)n);
	SHA256Update(&k->ctx, data, len);
}

void cache_key_add_str(struct cache_key *k, const char *what, const char *s)
{
	cache_key_add(k, what, s ? s : "", s ? strlen(s) : 0);
}

void cache_key_add_file(struct cache_key *k, const char *path)
{
	char digest[SHA256_DIGEST_STRING_LENGTH];

	cache_key_add_str(k, path, SHA256File(path, digest) ? digest : "unreadable");
}

char *cache_key_final(struct cache_key *k)
{
	char digest[SHA256_DIGEST_STRING_LENGTH];

	return xstrdup(SHA256End(&k->ctx, digest));
}

/*
 * The content of a file the unit read, for the manifest: XXH3-128, not sha256. These are
 * hundreds of headers (3.6 MB for the loader set) hashed on every fresh generation, and
 * the manifest guards against changed files, not against an adversary; sha256 took 21 ms.
 */
static int file_digest(const char *path, char out[33])
{
	XXH3_state_t *st = XXH3_createState();
	char buf[65536];
	size_t n;
	FILE *f = fopen(path, "rb");
	XXH128_hash_t h;

	if (!f || !st || XXH3_128bits_reset(st) == XXH_ERROR) {
		if (f)
			fclose(f);
		XXH3_freeState(st);
		return 0;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		XXH3_128bits_update(st, buf, n);
	fclose(f);
	h = XXH3_128bits_digest(st);
	XXH3_freeState(st);
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)h.high64, (unsigned long long)h.low64);
	return 1;
}

static char *entry_dir(const char *key)
{
	char *cache = archive_cache_dir(), *dir = xasprintf("%s/results/%s", cache, key);

	free(cache);
	return dir;
}

/* "SIZE MTIME_SEC MTIME_NSEC XXH128 PATH": unchanged if the stamp or the content matches. */
static int manifest_line_holds(const char *line, char **path_out)
{
	long long size, sec, nsec;
	char sha[33], digest[33];
	int off = 0;
	struct stat st;

	if (sscanf(line, "%lld %lld %lld %32s %n", &size, &sec, &nsec, sha, &off) != 4 || !off || line[off] != '/')
		return 0;
	*path_out = xstrdup(line + off);
	if (stat(*path_out, &st))
		return 0;
	if (st.st_size == size && st.st_mtim.tv_sec == sec && st.st_mtim.tv_nsec == nsec)
		return 1;
	return file_digest(*path_out, digest) && !strcmp(digest, sha);
}

char *cache_lookup(const char *key, size_t *len, char **release, char ***files, size_t *n_files)
{
	char *dir = entry_dir(key), *mpath = xasprintf("%s/manifest", dir), *opath = xasprintf("%s/output", dir);
	size_t mlen;
	char *manifest = read_file(mpath, &mlen), *out = NULL, *save = NULL;
	char **v = NULL;
	size_t n = 0;
	int ok = manifest != NULL && !strncmp(manifest, "release ", 8);
	char *first = ok ? strtok_r(manifest, "\n", &save) : NULL;

	/* The first line names the release the output was made for; the others, the files read. */
	for (char *line = ok ? strtok_r(NULL, "\n", &save) : NULL; ok && line; line = strtok_r(NULL, "\n", &save)) {
		char *path = NULL;

		ok = manifest_line_holds(line, &path);
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = path ? path : xstrdup("");
	}
	if (ok)
		out = read_file(opath, len);
	if (out) {
		*release = xstrdup(first + 8);
		*files = v;
		*n_files = n;
	} else {
		strv_free(v, n);
	}
	free(manifest);
	free(mpath);
	free(opath);
	free(dir);
	return out;
}

void cache_store(const char *key, const char *release, const char *text, size_t len, char *const *files,
		 size_t n_files)
{
	char *dir = entry_dir(key), *mpath = xasprintf("%s/manifest", dir), *opath = xasprintf("%s/output", dir);
	struct strbuf sb = { 0 };

	sb_addf(&sb, "release %s\n", release);
	for (size_t i = 0; i < n_files; i++) {
		char digest[33];
		struct stat st;

		if (stat(files[i], &st) || !file_digest(files[i], digest)) {
			warn("%s: cannot read it again; the result is not cached", files[i]);
			goto out;
		}
		sb_addf(&sb, "%lld %lld %ld %s %s\n", (long long)st.st_size, (long long)st.st_mtim.tv_sec,
			st.st_mtim.tv_nsec, digest, files[i]);
	}
	/* The output first: an entry is only found through its manifest. */
	outfile_write(opath, text, len, 1);
	outfile_write(mpath, sb.buf ? sb.buf : "", sb.len, 1);
out:
	sb_release(&sb);
	free(mpath);
	free(opath);
	free(dir);
}

static void add_escaped(struct strbuf *sb, const char *path)
{
	for (const char *p = path; *p; p++) {
		if (*p == ' ' || *p == '#' || *p == '\\')
			sb_addf(sb, "\\%c", *p);
		else if (*p == '$')
			sb_adds(sb, "$$");
		else
			sb_addf(sb, "%c", *p);
	}
}

void depfile_write(const char *path, const char *target, char *const *files, size_t n_files)
{
	struct strbuf sb = { 0 };

	add_escaped(&sb, target);
	sb_adds(&sb, ":");
	for (size_t i = 0; i < n_files; i++) {
		sb_adds(&sb, " \\\n  ");
		add_escaped(&sb, files[i]);
	}
	sb_adds(&sb, "\n");
	outfile_write(path, sb.buf, sb.len, 0);
	sb_release(&sb);
}

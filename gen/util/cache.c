/*
 * cache.c: the result cache ($cache/results/KEY, one file per result) and depfiles.
 *
 * An entry proves what it serves. It is one file, written atomically, so its manifest and
 * output cannot come from two runs; it names its own key, so a file moved under another
 * key is refused; and it carries the output's digest, checked on every hit. The manifest
 * records the digest of the bytes clang itself read (not of the file after the parse),
 * so a header rewritten while a run parsed makes that run's result a miss, not a lie.
 *
 *	kabigen result 4
 *	key <sha256 of everything else that decides the output (cache_keys.c)>
 *	kind <result|proof|answers|pch-inventory|pch-seen>
 *	release <UTS_RELEASE>				(kind result only)
 *	output <length> <xxh128 of the output>
 *	files <count>
 *	<xxh128 of what clang read> <size|-> <mtime sec|-> <mtime nsec|-> <absolute path>
 *	...
 *	<empty line, then the output's bytes>
 *
 * The stamp ('-' when not trusted) lets a hit skip hashing a file; it is only recorded
 * when the file held clang's bytes when stamped and its mtime is older than two seconds
 * (so a rewrite within the file system's timestamp granularity cannot keep it).
 */
#include "util/cache.h"
#include "util/outfile.h"
#include "util/report.h"
#include "util/self.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

/*
 * 3: the output's digest is XXH3-128 (cache_digest()), as the manifest's are: it guards
 * against damage, and a 1 MB output (a precompiled head's inventory) took 4 ms in sha256.
 * 4: the entry's kind is a line of its own (before, "release" held "answers", "proof" or
 * "pch" for entries that are no kernel's output); an entry of 3 is a miss, replaced.
 */
#define ENTRY_MAGIC "kabigen result 4\n"

const char *const cache_kind_names[CACHE_N_KINDS] = { "result", "proof", "answers", "pch-inventory", "pch-seen" };

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

/* A rebuilt or upgraded program is another program; its stamp is cheaper than its hash. */
static void add_stamp(struct cache_key *k, const char *what, const char *path)
{
	struct stat st;
	char stamp[160] = "absent";

	if (path && !stat(path, &st))
		snprintf(stamp, sizeof(stamp), "%lld:%lld.%ld:%lld.%ld:%llu", (long long)st.st_size,
			 (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, (long long)st.st_ctim.tv_sec,
			 st.st_ctim.tv_nsec, (unsigned long long)st.st_ino);
	cache_key_add_str(k, what, stamp);
	cache_key_add_str(k, "path", path);
}

void cache_key_add_programs(struct cache_key *k)
{
	size_t n;
	char **engines = self_engine_paths(&n);

	add_stamp(k, "exe", "/proc/self/exe");
	/* Where gen/clang/engine.c looks for the libclang stage, in its order. */
	for (size_t i = 0; i < n; i++)
		add_stamp(k, "engine", engines[i]);
	strv_free(engines, n);
	cache_key_add_libclang(k);
}

void cache_key_add_libclang(struct cache_key *k)
{
#ifdef KABIGEN_LIBCLANG
	add_stamp(k, "libclang", KABIGEN_LIBCLANG);
#else
	(void)k;
#endif
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
void cache_digest(const void *data, size_t len, char out[CACHE_DIGEST_LEN])
{
	XXH128_hash_t h = XXH3_128bits(data, len);

	snprintf(out, CACHE_DIGEST_LEN, "%016llx%016llx", (unsigned long long)h.high64,
		 (unsigned long long)h.low64);
}

int cache_file_digest(const char *path, char out[CACHE_DIGEST_LEN], struct stat *st)
{
	XXH3_state_t *xs;
	char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	XXH128_hash_t h;

	if (fd < 0)
		return -1;
	if (fstat(fd, st) || !S_ISREG(st->st_mode) || !(xs = XXH3_createState())) {
		close(fd);
		return -1;
	}
	XXH3_128bits_reset(xs);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		XXH3_128bits_update(xs, buf, (size_t)n);
	close(fd);
	h = XXH3_128bits_digest(xs);
	XXH3_freeState(xs);
	if (n < 0)
		return -1;
	snprintf(out, CACHE_DIGEST_LEN, "%016llx%016llx", (unsigned long long)h.high64,
		 (unsigned long long)h.low64);
	return 0;
}

void cache_warn_once(const char *why)
{
	static int warned;

	if (!warned++)
		warn("%s; the result cache is not used for this run (only an optimisation)", why);
}

/* The engine library's copy of this file warns through the executable's (cache_set_warn_hook()). */
static void (*warn_hook)(const char *why) = cache_warn_once;

void cache_set_warn_hook(void (*hook)(const char *why))
{
	warn_hook = hook;
}

void cache_warn(const char *fmt, ...)
{
	struct strbuf sb = { 0 };
	va_list ap;

	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	warn_hook(sb.buf);
	sb_release(&sb);
}

static char *entry_path(const char *key)
{
	char *cache = self_cache_dir_if_any(), *path;

	if (!cache) {
		cache_warn("neither XDG_CACHE_HOME nor HOME is set");
		return NULL;
	}
	path = xasprintf("%s/results/%s", cache, key);
	free(cache);
	return path;
}

/* ---- reading an entry back ---- */

struct cursor {
	const char *p, *end;
};

/* The next line, without its '\n' (which must be there); NULL at the end or on a NUL. */
static const char *next_line(struct cursor *c, size_t *len)
{
	const char *start = c->p, *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));

	if (!nl || memchr(start, '\0', (size_t)(nl - start)))
		return NULL;
	*len = (size_t)(nl - start);
	c->p = nl + 1;
	return start;
}

/* "WORD " at the start of a line: the rest of it. */
static const char *skip_word(const char *line, size_t len, const char *word, size_t *rest)
{
	size_t n = strlen(word);

	if (len <= n || memcmp(line, word, n) || line[n] != ' ')
		return NULL;
	*rest = len - n - 1;
	return line + n + 1;
}

/* A decimal without sign or leading zero, at most MAX, then DELIM; advances *S. */
static int take_number(const char **s, const char *end, char delim, long long max, long long *out)
{
	const char *p = *s;
	long long v = 0;

	if (p >= end || *p < '0' || *p > '9' || (*p == '0' && p + 1 < end && p[1] != delim))
		return -1;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (v > (max - (*p - '0')) / 10)
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (p >= end || *p != delim)
		return -1;
	*out = v;
	*s = p + 1;
	return 0;
}

/* N lowercase hex digits, then DELIM. */
static int take_hex(const char **s, const char *end, size_t n, char delim, char *out)
{
	const char *p = *s;

	if ((size_t)(end - p) < n + 1 || p[n] != delim)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	*s = p + n + 1;
	return 0;
}

/* One manifest line: "DIGEST SIZE SEC NSEC PATH", the stamp all numbers or all '-'. */
static int parse_manifest_line(const char *line, size_t len, struct cache_entry *e, size_t i)
{
	const char *p = line, *end = line + len;
	char digest[CACHE_DIGEST_LEN];
	static const long long max[3] = { LLONG_MAX, LLONG_MAX, 999999999 };

	if (take_hex(&p, end, CACHE_DIGEST_LEN - 1, ' ', digest))
		return -1;
	if ((size_t)(end - p) >= 6 && !memcmp(p, "- - - ", 6)) {
		p += 6;
		e->stamps[i][0] = e->stamps[i][1] = e->stamps[i][2] = -1;
	} else {
		for (int f = 0; f < 3; f++)
			if (take_number(&p, end, ' ', max[f], &e->stamps[i][f]))
				return -1;
	}
	/* An absolute path of printable characters (anything from 0x80 is allowed: UTF-8). */
	if (p >= end || *p != '/' || (size_t)(end - p) >= PATH_MAX)
		return -1;
	for (const unsigned char *q = (const unsigned char *)p; q < (const unsigned char *)end; q++)
		if (*q < 0x20 || *q == 0x7f)
			return -1;
	e->files[i] = xasprintf("%.*s", (int)(end - p), p);
	e->digests[i] = xstrdup(digest);
	return 0;
}

/* The kind called NAME (LEN bytes), or CACHE_N_KINDS. */
static enum cache_kind kind_named(const char *name, size_t len)
{
	enum cache_kind k;

	for (k = 0; k < CACHE_N_KINDS; k++)
		if (strlen(cache_kind_names[k]) == len && !memcmp(cache_kind_names[k], name, len))
			break;
	return k;
}

int cache_entry_parse(const char *buf, size_t len, const char *key, struct cache_entry *out)
{
	struct cursor c = { buf, buf + len };
	struct cache_entry e = { 0 };
	const char *line, *rest, *p;
	size_t n, rlen;
	long long out_len, n_files;
	char want[CACHE_DIGEST_LEN], got[CACHE_DIGEST_LEN];

	if (len < strlen(ENTRY_MAGIC) || memcmp(buf, ENTRY_MAGIC, strlen(ENTRY_MAGIC)))
		return -1;
	c.p += strlen(ENTRY_MAGIC);
	if (!(line = next_line(&c, &n)) || !(rest = skip_word(line, n, "key", &rlen)) || rlen != strlen(key) ||
	    memcmp(rest, key, rlen))
		return -1;
	if (!(line = next_line(&c, &n)) || !(rest = skip_word(line, n, "kind", &rlen)) ||
	    (e.kind = kind_named(rest, rlen)) == CACHE_N_KINDS)
		return -1;
	/* Only an output made for a kernel names its release. */
	if (e.kind == CACHE_RESULT) {
		if (!(line = next_line(&c, &n)) || !(rest = skip_word(line, n, "release", &rlen)) || rlen > 255)
			return -1;
		e.release = xasprintf("%.*s", (int)rlen, rest);
		if (!outfile_name_valid(e.release))
			goto bad;
	}
	if (!(line = next_line(&c, &n)) || !(p = skip_word(line, n, "output", &rlen)) ||
	    take_number(&p, p + rlen, ' ', LLONG_MAX, &out_len) ||
	    take_hex(&p, line + n + 1, CACHE_DIGEST_LEN - 1, '\n', want))
		goto bad;
	if (!(line = next_line(&c, &n)) || !(p = skip_word(line, n, "files", &rlen)) ||
	    take_number(&p, line + n + 1, '\n', 1000000, &n_files))
		goto bad;
	/* A manifest line takes at least 40 bytes: the count cannot promise more than are there. */
	if (n_files > (c.end - c.p) / 40)
		goto bad;
	e.n_files = (size_t)n_files;
	e.files = xcalloc(e.n_files + 1, sizeof(*e.files));
	e.digests = xcalloc(e.n_files + 1, sizeof(*e.digests));
	e.stamps = xcalloc(e.n_files + 1, sizeof(*e.stamps));
	for (size_t i = 0; i < e.n_files; i++)
		if (!(line = next_line(&c, &n)) || parse_manifest_line(line, n, &e, i))
			goto bad;
	if (!(line = next_line(&c, &n)) || n != 0)
		goto bad;
	/* The output: exactly the length said, text without NULs, with the digest said. */
	if ((long long)(c.end - c.p) != out_len || memchr(c.p, '\0', (size_t)out_len))
		goto bad;
	cache_digest(c.p, (size_t)out_len, got);
	if (strcmp(got, want))
		goto bad;
	e.len = (size_t)out_len;
	e.text = xmalloc(e.len + 1);
	memcpy(e.text, c.p, e.len);
	e.text[e.len] = '\0';
	*out = e;
	return 0;
bad:
	cache_entry_free(&e);
	return -1;
}

void cache_entry_free(struct cache_entry *e)
{
	for (size_t i = 0; i < e->n_files; i++) {
		if (e->files)
			free(e->files[i]);
		if (e->digests)
			free(e->digests[i]);
	}
	free(e->files);
	free(e->digests);
	free(e->stamps);
	free(e->release);
	free(e->text);
	memset(e, 0, sizeof(*e));
}

void cache_entry_take_files(struct cache_entry *e, char ***files, char ***digests, long long (**stamps)[3],
			    size_t *n_files)
{
	*files = e->files;
	*digests = e->digests;
	*stamps = e->stamps;
	*n_files = e->n_files;
	e->files = e->digests = NULL;
	e->stamps = NULL;
	e->n_files = 0;
}

/* Whether the file still holds what clang read: its trusted stamp, or else its digest. */
static int file_holds(const char *path, const char *digest, const long long stamp[3])
{
	struct stat st;
	char now[CACHE_DIGEST_LEN];

	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return 0;
	if (stamp[0] >= 0 && st.st_size == stamp[0] && st.st_mtim.tv_sec == stamp[1] &&
	    st.st_mtim.tv_nsec == stamp[2])
		return 1;
	return !cache_file_digest(path, now, &st) && !strcmp(now, digest);
}

int cache_lookup(enum cache_kind kind, const char *key, struct cache_entry *e)
{
	char *path = entry_path(key), *buf;
	size_t len;
	int hit = 0;

	memset(e, 0, sizeof(*e));
	if (!path)
		return -1;
	buf = read_file(path, &len);
	if (!buf && errno != ENOENT && errno != ENOTDIR)
		cache_warn("%s: cannot read it: %s", path, strerror(errno));
	if (buf && !cache_entry_parse(buf, len, key, e)) {
		hit = e->kind == kind;
		for (size_t i = 0; i < e->n_files && hit; i++)
			hit = file_holds(e->files[i], e->digests[i], e->stamps[i]);
		if (!hit)
			cache_entry_free(e);
	}
	free(buf);
	free(path);
	return hit ? 0 : -1;
}

char *cache_entry_format(const char *key, const struct cache_entry *e, size_t *len)
{
	struct strbuf sb = { 0 };
	char digest[CACHE_DIGEST_LEN];

	cache_digest(e->text, e->len, digest);
	sb_addf(&sb, ENTRY_MAGIC "key %s\nkind %s\n", key, cache_kind_names[e->kind]);
	if (e->kind == CACHE_RESULT)
		sb_addf(&sb, "release %s\n", e->release);
	sb_addf(&sb, "output %zu %s\nfiles %zu\n", e->len, digest, e->n_files);
	for (size_t i = 0; i < e->n_files; i++) {
		if (e->stamps[i][0] < 0)
			sb_addf(&sb, "%s - - - %s\n", e->digests[i], e->files[i]);
		else
			sb_addf(&sb, "%s %lld %lld %lld %s\n", e->digests[i], e->stamps[i][0], e->stamps[i][1],
				e->stamps[i][2], e->files[i]);
	}
	sb_adds(&sb, "\n");
	sb_add(&sb, e->text, e->len);
	*len = sb.len;
	return sb.buf;
}

int cache_digest_read(const char *path, long long mtime, long long started, char digest[CACHE_DIGEST_LEN],
		      long long stamp[3])
{
	struct stat st;

	if (mtime >= started - 2 || cache_file_digest(path, digest, &st) || st.st_mtim.tv_sec != mtime)
		return -1;
	stamp[0] = st.st_size;
	stamp[1] = st.st_mtim.tv_sec;
	stamp[2] = st.st_mtim.tv_nsec;
	return 0;
}

void cache_store(enum cache_kind kind, const char *key, const char *release, const char *text, size_t len,
		 char *const *files, char *const *digests, long long (*const given)[3], size_t n_files)
{
	char *path = entry_path(key), *why = NULL, *bytes = NULL;
	size_t n_bytes;
	long long (*stamps)[3] = xcalloc(n_files + 1, sizeof(*stamps));
	struct cache_entry e = { .kind = kind, .release = (char *)release, .text = (char *)text, .len = len,
				 .files = (char **)files, .digests = (char **)digests, .stamps = stamps,
				 .n_files = n_files };
	time_t now = time(NULL);

	/* A result names its release, no other kind does (the reader refuses anything else). */
	if (!path || (kind == CACHE_RESULT) != !!release || (release && !outfile_name_valid(release)) ||
	    memchr(text, '\0', len))
		goto out;
	for (size_t i = 0; i < n_files; i++) {
		char digest[CACHE_DIGEST_LEN];
		struct stat before, after;

		if (given && given[i][0] >= 0 && digests && digests[i]) {
			memcpy(stamps[i], given[i], sizeof(stamps[i]));
			continue;
		}
		/* The file must still hold the bytes clang read; a stamp is kept only if it cannot lie. */
		if (!digests || !digests[i] || stat(files[i], &before) || cache_file_digest(files[i], digest, &after) ||
		    strcmp(digest, digests[i])) {
			warn("%s changed while kabigen read it; the result is not cached", files[i]);
			goto out;
		}
		stamps[i][0] = stamps[i][1] = stamps[i][2] = -1;
		if (before.st_size == after.st_size && before.st_mtim.tv_sec == after.st_mtim.tv_sec &&
		    before.st_mtim.tv_nsec == after.st_mtim.tv_nsec && after.st_mtim.tv_sec < now - 2) {
			stamps[i][0] = after.st_size;
			stamps[i][1] = after.st_mtim.tv_sec;
			stamps[i][2] = after.st_mtim.tv_nsec;
		}
	}
	bytes = cache_entry_format(key, &e, &n_bytes);
	if (outfile_try_write(path, bytes, n_bytes, OUTFILE_MKDIRS | OUTFILE_NO_SYNC, &why))
		cache_warn("%s: %s", path, why);
out:
	free(why);
	free(bytes);
	free(stamps);
	free(path);
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

char *depfile_text(char *const *targets, size_t n_targets, char *const *files, size_t n_files)
{
	struct strbuf sb = { 0 };

	for (size_t i = 0; i < n_targets; i++) {
		if (i)
			sb_adds(&sb, " ");
		add_escaped(&sb, targets[i]);
	}
	sb_adds(&sb, ":");
	for (size_t i = 0; i < n_files; i++) {
		sb_adds(&sb, " \\\n  ");
		add_escaped(&sb, files[i]);
	}
	sb_adds(&sb, "\n");
	return sb.buf;
}

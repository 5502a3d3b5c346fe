/* diff_report.c: a diff as text, Markdown or JSON; each a pure function of the diff result. */
#include "diff/diff.h"
#include "util/escape.h"
#include "util/json.h"
#include "model/layout.h"
#include "util/report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---- shared wording ---- */

static const struct {
	unsigned bit;
	const char *word;
} change_words[] = {
	{ DIFF_ADDED, "added" },     { DIFF_REMOVED, "removed" },	{ DIFF_MOVED, "moved" },
	{ DIFF_RESIZED, "resized" }, { DIFF_BITFIELD, "bitfield" },	{ DIFF_RETYPED, "retyped" },
	{ DIFF_REALIGNED, "realigned" }, { DIFF_VALUE, "value" },
};
#define N_WORDS (sizeof(change_words) / sizeof(change_words[0]))

/* "moved,resized" */
static void add_changes(struct strbuf *sb, unsigned changes, const char *sep)
{
	int first = 1;

	for (size_t i = 0; i < N_WORDS; i++) {
		if (!(changes & change_words[i].bit))
			continue;
		sb_addf(sb, "%s%s", first ? "" : sep, change_words[i].word);
		first = 0;
	}
}

/* A bit offset in bytes, as pahole prints it: "248", or "35:3" inside a byte. */
static void add_offset(struct strbuf *sb, uint64_t bits)
{
	if (bits % 8)
		sb_addf(sb, "%" PRIu64 ":%u", bits / 8, (unsigned)(bits % 8));
	else
		sb_addf(sb, "%" PRIu64, bits / 8);
}

static void add_size(struct strbuf *sb, const struct diff_field *f)
{
	if (f->bit_width != KABI_NOT_BITFIELD)
		sb_addf(sb, "%d bit%s", f->bit_width, f->bit_width == 1 ? "" : "s");
	else
		sb_addf(sb, "%" PRIu64, f->size);
}

/* The member's offset, size and type cells: one value, or "old -> new" where it changed. */
static void member_cells(const struct diff_member *m, const char *arrow, struct strbuf cells[3])
{
	const struct diff_field *o = &m->old, *n = &m->new;

	if (m->changes & (DIFF_ADDED | DIFF_REMOVED)) {
		const struct diff_field *f = m->changes & DIFF_ADDED ? n : o;

		add_offset(&cells[0], f->offset_bits);
		add_size(&cells[1], f);
		escape_text(&cells[2], f->type);
		return;
	}
	add_offset(&cells[0], o->offset_bits);
	if (m->changes & DIFF_MOVED) {
		sb_adds(&cells[0], arrow);
		add_offset(&cells[0], n->offset_bits);
	}
	add_size(&cells[1], o);
	if (m->changes & (DIFF_RESIZED | DIFF_BITFIELD)) {
		sb_adds(&cells[1], arrow);
		add_size(&cells[1], n);
	}
	escape_text(&cells[2], o->type);
	if (m->changes & DIFF_RETYPED) {
		sb_adds(&cells[2], arrow);
		escape_text(&cells[2], n->type);
	}
}

/* "2 added, 9 moved, 1 resized": how many members had each kind of change. */
static void add_member_counts(struct strbuf *sb, const struct diff_struct *s, int first)
{
	for (size_t w = 0; w < N_WORDS; w++) {
		size_t n = 0;

		for (size_t i = 0; i < s->n_members; i++)
			n += !!(s->members[i].changes & change_words[w].bit);
		if (n) {
			sb_addf(sb, "%s%zu %s", first ? "" : ", ", n, change_words[w].word);
			first = 0;
		}
	}
}

/* How a report shows text from the inputs: escape_text, or escape_markdown_prose. */
typedef void (*shown_fn)(struct strbuf *sb, const char *s);

/* What changed in a struct, in one phrase; EMPTY for none. */
static void add_struct_summary(struct strbuf *sb, const struct diff_struct *s, const char *arrow, const char *empty,
			       shown_fn show)
{
	int first = 1;

	if (s->changes & (DIFF_ADDED | DIFF_REMOVED)) {
		sb_adds(sb, s->changes & DIFF_ADDED ? "added" : "removed");
		if (s->note) {
			sb_adds(sb, " (the other side has none: ");
			show(sb, s->note);
			sb_adds(sb, ")");
		}
		return;
	}
	if (s->changes & DIFF_RESIZED) {
		sb_addf(sb, "size %" PRIu64 "%s%" PRIu64, s->old_size, arrow, s->new_size);
		first = 0;
	}
	if (s->changes & DIFF_REALIGNED) {
		sb_addf(sb, "%salign %u%s%u", first ? "" : ", ", s->old_align, arrow, s->new_align);
		first = 0;
	}
	add_member_counts(sb, s, first);
	if (!s->changes && !s->n_members)
		sb_adds(sb, empty);
}

/* "int -> long": an item's old and new types, shown as text. */
static void add_retype(struct strbuf *sb, const struct diff_item *it, const char *arrow)
{
	escape_text(sb, it->old_type);
	sb_adds(sb, arrow);
	escape_text(sb, it->new_type);
}

/* An enum, constant, string or list change, after its label ("constant X:"): "56 -> 64". */
static void add_item_text(struct strbuf *sb, const struct diff_item *it, const char *arrow)
{
	const char *verb = it->changes & DIFF_ADDED ? "added" : it->changes & DIFF_REMOVED ? "removed" : NULL;

	if (it->owner && !it->name) {	/* a whole enum or list */
		if (verb) {
			sb_adds(sb, verb);
		} else {
			sb_adds(sb, "type ");
			add_retype(sb, it, arrow);
		}
		return;
	}
	if (it->kind == DIFF_LIST) {
		sb_addf(sb, "%s ", verb);
		escape_text(sb, it->name);
		return;
	}
	if (it->owner) {	/* an enumerator */
		escape_text(sb, it->name);
		sb_adds(sb, " ");
	}
	if (verb)
		sb_addf(sb, "%s ", verb);
	for (int side = 0; side < 2; side++) {
		const char *v = side ? it->new : it->old;

		if (!v)
			continue;
		if (side && it->old)
			sb_adds(sb, arrow);
		if (it->numeric)
			sb_adds(sb, v);
		else
			escape_c_string(sb, v);
	}
	if (it->changes & DIFF_RETYPED) {
		sb_adds(sb, " (type ");
		add_retype(sb, it, arrow);
		sb_adds(sb, ")");
	}
}

static void add_side(struct strbuf *sb, const struct diff_side *s)
{
	escape_text(sb, s->release ? s->release : "(no release)");
	sb_adds(sb, " (");
	escape_text(sb, s->arch ? s->arch : "?");
	if (s->flavour) {
		sb_adds(sb, ", ");
		escape_text(sb, s->flavour);
	}
	sb_adds(sb, ")");
	if (s->input && (!s->release || strcmp(s->input, s->release))) {
		sb_adds(sb, " from ");
		escape_text(sb, s->input);
	}
}

static const char *count_word(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static void add_compared(struct strbuf *sb, const struct kabi_diff *d)
{
	sb_addf(sb, "%zu %s, %zu %s, %zu %s, %zu %s and %zu %s", d->n_structs,
		count_word(d->n_structs, "struct", "structs"), d->n_enums, count_word(d->n_enums, "enum", "enums"),
		d->n_constants, count_word(d->n_constants, "constant", "constants"), d->n_strings,
		count_word(d->n_strings, "string", "strings"), d->n_lists, count_word(d->n_lists, "list", "lists"));
}

/* "changes that break a loader built for 7.2.13+deb14-amd64" */
static void add_verdict(struct strbuf *sb, const struct kabi_diff *d, shown_fn show)
{
	const char *old = d->old.release ? d->old.release : "the old side";

	if (!(d->verdict & (DIFF_EXIT_BREAKING | DIFF_EXIT_CHANGES))) {
		sb_adds(sb, "no changes");
		return;
	}
	sb_adds(sb, d->verdict & DIFF_EXIT_BREAKING ? "changes that break a loader built for "
						    : "changes, none that breaks a loader built for ");
	show(sb, old);
}

/* "size 1280, align 64", or with "old -> new" where they changed. */
static void add_size_align(struct strbuf *sb, const struct diff_struct *s, const char *arrow)
{
	sb_addf(sb, "size %" PRIu64, s->old_size);
	if (s->changes & DIFF_RESIZED)
		sb_addf(sb, "%s%" PRIu64, arrow, s->new_size);
	sb_addf(sb, ", align %u", s->old_align);
	if (s->changes & DIFF_REALIGNED)
		sb_addf(sb, "%s%u", arrow, s->new_align);
}

/* ---- text ---- */

/* Rows of cells, padded into columns (the last one is not padded). */
struct table {
	struct strbuf *cells;
	size_t n_rows, n_cols;
};

static struct strbuf *table_row(struct table *t)
{
	t->cells = xrealloc(t->cells, (t->n_rows + 1) * t->n_cols * sizeof(*t->cells));
	memset(&t->cells[t->n_rows * t->n_cols], 0, t->n_cols * sizeof(*t->cells));
	return &t->cells[t->n_rows++ * t->n_cols];
}

static void table_flush(struct strbuf *sb, struct table *t, const char *indent)
{
	size_t *width = xcalloc(t->n_cols, sizeof(*width));

	for (size_t r = 0; r < t->n_rows; r++)
		for (size_t c = 0; c < t->n_cols; c++)
			if (t->cells[r * t->n_cols + c].len > width[c])
				width[c] = t->cells[r * t->n_cols + c].len;
	for (size_t r = 0; r < t->n_rows; r++) {
		sb_adds(sb, indent);
		for (size_t c = 0; c < t->n_cols; c++) {
			const struct strbuf *cell = &t->cells[r * t->n_cols + c];
			const char *text = cell->buf ? cell->buf : "";

			if (c + 1 < t->n_cols)
				sb_addf(sb, "%-*s  ", (int)width[c], text);
			else
				sb_adds(sb, text);
		}
		while (sb->len && sb->buf[sb->len - 1] == ' ')
			sb->buf[--sb->len] = '\0';
		sb_adds(sb, "\n");
	}
	for (size_t i = 0; i < t->n_rows * t->n_cols; i++)
		sb_release(&t->cells[i]);
	free(t->cells);
	free(width);
	t->cells = NULL;
	t->n_rows = 0;
}

/* The summary: a line per struct, one for the rest. */
static void text_summary(struct strbuf *sb, const struct kabi_diff *d, struct table *t)
{
	size_t n_item_breaking = 0;

	for (size_t i = 0; i < d->n_structs; i++) {
		const struct diff_struct *s = &d->structs[i];
		struct strbuf *row = table_row(t);

		sb_addf(&row[0], "%s ", s->is_union ? "union" : "struct");
		escape_text(&row[0], s->name);
		sb_adds(&row[0], ":");
		add_struct_summary(&row[1], s, " -> ", "no change", escape_text);
		if (s->breaking)
			sb_adds(&row[1], "; breaking");
	}
	for (size_t i = 0; i < d->n_items; i++)
		n_item_breaking += d->items[i].breaking;
	if (d->n_enums + d->n_constants + d->n_strings + d->n_lists) {
		struct strbuf *row = table_row(t);

		sb_adds(&row[0], "enums, constants, strings, lists:");
		if (d->n_items)
			sb_addf(&row[1], "%zu change%s%s", d->n_items, d->n_items == 1 ? "" : "s",
				n_item_breaking ? "; breaking" : "");
		else
			sb_adds(&row[1], "no change");
	}
	table_flush(sb, t, "");
}

/* The details: each changed struct's members, then the enums, constants, strings and lists. */
static void text_details(struct strbuf *sb, const struct kabi_diff *d, struct table *t)
{
	for (size_t i = 0; i < d->n_structs; i++) {
		const struct diff_struct *s = &d->structs[i];

		if (!s->n_members)
			continue;
		sb_addf(sb, "\n%s ", s->is_union ? "union" : "struct");
		escape_text(sb, s->name);
		sb_adds(sb, " (");
		add_size_align(sb, s, " -> ");
		sb_adds(sb, "):\n");
		t->n_cols = 6;
		for (size_t j = 0; j < s->n_members; j++) {
			const struct diff_member *m = &s->members[j];
			struct strbuf *row = table_row(t), cells[3] = { 0 };

			escape_text(&row[0], m->name);
			add_changes(&row[1], m->changes, ",");
			member_cells(m, " -> ", cells);
			sb_addf(&row[2], "offset %s", cells[0].buf);
			sb_addf(&row[3], "size %s", cells[1].buf);
			sb_adds(&row[4], cells[2].buf);
			if (m->breaking)
				sb_adds(&row[5], "breaking");
			for (int c = 0; c < 3; c++)
				sb_release(&cells[c]);
		}
		table_flush(sb, t, "  ");
	}
	if (d->n_items) {
		sb_adds(sb, "\n");
		t->n_cols = 2;
		for (size_t i = 0; i < d->n_items; i++) {
			const struct diff_item *it = &d->items[i];
			struct strbuf *row = table_row(t);

			sb_addf(&row[0], "%s ", diff_kind_names[it->kind]);
			escape_text(&row[0], it->owner ? it->owner : it->name);
			sb_adds(&row[0], ":");
			add_item_text(&row[1], it, " -> ");
			if (it->breaking)
				sb_adds(&row[1], "; breaking");
		}
		table_flush(sb, t, "");
	}
}

char *diff_report_text(const struct kabi_diff *d)
{
	struct strbuf sb = { 0 };
	struct table t = { NULL, 0, 2 };

	sb_adds(&sb, "old: ");
	add_side(&sb, &d->old);
	sb_adds(&sb, "\nnew: ");
	add_side(&sb, &d->new);
	sb_adds(&sb, "\n\n");
	if (!d->verdict) {
		sb_adds(&sb, "No changes: ");
		add_compared(&sb, d);
		sb_adds(&sb, " are the same.\n");
		if (d->n_suppressed)
			sb_addf(&sb, "(%zu change%s suppressed)\n", d->n_suppressed, d->n_suppressed == 1 ? "" : "s");
		return sb.buf;
	}
	text_summary(&sb, d, &t);
	text_details(&sb, d, &t);
	sb_adds(&sb, "\n");
	if (d->n_suppressed)
		sb_addf(&sb, "%zu change%s suppressed.\n", d->n_suppressed, d->n_suppressed == 1 ? "" : "s");
	sb_adds(&sb, "Verdict: ");
	add_verdict(&sb, d, escape_text);
	sb_addf(&sb, " (exit %u).\n", d->verdict);
	return sb.buf;
}

/* ---- Markdown ---- */

static void md_side_row(struct strbuf *sb, const char *what, const char *a, const char *b)
{
	sb_addf(sb, "| %s | ", what);
	if (a)
		escape_markdown(sb, a);
	sb_adds(sb, " | ");
	if (b)
		escape_markdown(sb, b);
	sb_adds(sb, " |\n");
}

/* The table of changed structs, then the unchanged ones named on one line. */
static void md_structs(struct strbuf *sb, const struct kabi_diff *d, const char *arrow)
{
	size_t n_same = 0, n_changed = 0;

	for (size_t i = 0; i < d->n_structs; i++) {
		const struct diff_struct *s = &d->structs[i];

		if (!s->changes && !s->n_members)
			continue;
		if (!n_changed++)
			sb_adds(sb, "\n| struct | size | align | changes |\n| --- | --- | --- | --- |\n");
		sb_adds(sb, "| ");
		escape_markdown(sb, s->name);
		if (s->changes & DIFF_RESIZED)
			sb_addf(sb, " | %" PRIu64 "%s%" PRIu64, s->old_size, arrow, s->new_size);
		else
			sb_addf(sb, " | %" PRIu64, s->changes & DIFF_ADDED ? s->new_size : s->old_size);
		if (s->changes & DIFF_REALIGNED)
			sb_addf(sb, " | %u%s%u | ", s->old_align, arrow, s->new_align);
		else
			sb_addf(sb, " | %u | ", s->changes & DIFF_ADDED ? s->new_align : s->old_align);
		add_struct_summary(sb, s, arrow, "", escape_markdown_prose);
		if (s->breaking)
			sb_adds(sb, ", **breaking**");
		sb_adds(sb, " |\n");
	}
	for (size_t i = 0; i < d->n_structs; i++) {
		const struct diff_struct *s = &d->structs[i];

		if (s->changes || s->n_members)
			continue;
		sb_adds(sb, n_same++ ? ", " : "\nUnchanged: ");
		escape_markdown(sb, s->name);
	}
	if (n_same)
		sb_adds(sb, ".\n");
}

/* Each changed struct's members, a table per struct. */
static void md_members(struct strbuf *sb, const struct kabi_diff *d, const char *arrow)
{
	for (size_t i = 0; i < d->n_structs; i++) {
		const struct diff_struct *s = &d->structs[i];
		char *title;

		if (!s->n_members)
			continue;
		title = xasprintf("%s %s", s->is_union ? "union" : "struct", s->name);

		sb_adds(sb, "\n#### ");
		escape_markdown(sb, title);
		sb_adds(sb, "\n\n| member | change | offset | size | type |\n| --- | --- | --- | --- | --- |\n");
		free(title);
		for (size_t j = 0; j < s->n_members; j++) {
			const struct diff_member *m = &s->members[j];
			struct strbuf cells[3] = { 0 };

			member_cells(m, arrow, cells);
			sb_adds(sb, "| ");
			escape_markdown(sb, m->name);
			sb_adds(sb, " | ");
			add_changes(sb, m->changes, ", ");
			if (m->breaking)
				sb_adds(sb, ", **breaking**");
			sb_addf(sb, " | %s | %s | ", cells[0].buf, cells[1].buf);
			escape_markdown(sb, cells[2].buf);
			sb_adds(sb, " |\n");
			for (int c = 0; c < 3; c++)
				sb_release(&cells[c]);
		}
	}
}

/* The enums, constants, strings and lists that changed. */
static void md_items(struct strbuf *sb, const struct kabi_diff *d)
{
	if (d->n_items) {
		sb_adds(sb, "\n#### Enums, constants, strings and lists\n\n| item | change | old | new |\n"
			     "| --- | --- | --- | --- |\n");
		for (size_t i = 0; i < d->n_items; i++) {
			const struct diff_item *it = &d->items[i];
			const char *old = it->name ? it->old : it->old_type, *new = it->name ? it->new : it->new_type;

			sb_addf(sb, "| %s ", diff_kind_names[it->kind]);
			escape_markdown(sb, it->owner ? it->owner : it->name);
			if (it->owner && it->name) {
				sb_adds(sb, " ");
				escape_markdown(sb, it->name);
			}
			sb_adds(sb, " | ");
			add_changes(sb, it->changes, ", ");
			if (it->breaking)
				sb_adds(sb, ", **breaking**");
			sb_adds(sb, " | ");
			for (int side = 0; side < 2; side++) {
				const char *v = side ? new : old;

				if (v && !it->numeric && it->name) {
					struct strbuf q = { 0 };

					escape_c_string(&q, v);
					escape_markdown(sb, q.buf);
					sb_release(&q);
				} else if (v) {
					escape_markdown(sb, v);
				}
				if (v && it->name && (it->changes & DIFF_RETYPED)) {
					sb_adds(sb, " (");
					escape_markdown_prose(sb, side ? it->new_type : it->old_type);
					sb_adds(sb, ")");
				}
				sb_adds(sb, side ? " |\n" : " | ");
			}
		}
	}
}

char *diff_report_md(const struct kabi_diff *d)
{
	struct strbuf sb = { 0 };
	const char *arrow = " → ";

	sb_adds(&sb, "### ABI diff: ");
	escape_markdown(&sb, d->old.release ? d->old.release : "?");
	sb_adds(&sb, arrow);
	escape_markdown(&sb, d->new.release ? d->new.release : "?");
	sb_adds(&sb, "\n\n|  | old | new |\n| --- | --- | --- |\n");
	md_side_row(&sb, "input", d->old.input, d->new.input);
	md_side_row(&sb, "arch", d->old.arch, d->new.arch);
	md_side_row(&sb, "flavour", d->old.flavour, d->new.flavour);
	md_side_row(&sb, "target", d->old.target, d->new.target);

	if (!d->verdict) {
		sb_adds(&sb, "\n**No changes**: ");
		add_compared(&sb, d);
		sb_adds(&sb, " are the same (exit 0).");
		if (d->n_suppressed)
			sb_addf(&sb, " %zu change%s suppressed.", d->n_suppressed, d->n_suppressed == 1 ? "" : "s");
		sb_adds(&sb, "\n");
		return sb.buf;
	}
	sb_addf(&sb, "\n**%s** (exit %u): ", d->verdict & DIFF_EXIT_BREAKING ? "Breaking" : "Compatible", d->verdict);
	add_verdict(&sb, d, escape_markdown_prose);
	sb_adds(&sb, ".");
	if (d->n_suppressed)
		sb_addf(&sb, " %zu change%s suppressed.", d->n_suppressed, d->n_suppressed == 1 ? "" : "s");
	sb_adds(&sb, "\n");
	md_structs(&sb, d, arrow);
	md_members(&sb, d, arrow);
	md_items(&sb, d);
	return sb.buf;
}

/* ---- JSON ---- */

static void json_changes(struct json *j, unsigned changes)
{
	json_array(j, "changes", JSON_INLINE);
	for (size_t i = 0; i < N_WORDS; i++)
		if (changes & change_words[i].bit)
			json_string(j, NULL, change_words[i].word);
	json_end(j);
}

static void json_side(struct json *j, const char *key, const struct diff_side *s)
{
	json_object(j, key, JSON_INLINE);
	json_string(j, "input", s->input);
	json_string(j, "arch", s->arch);
	json_string(j, "release", s->release);
	json_string(j, "flavour", s->flavour);
	json_string(j, "target", s->target);
	json_end(j);
}

static void json_field(struct json *j, const char *key, const struct diff_field *f)
{
	json_object(j, key, JSON_INLINE);
	json_u64(j, "offset_bits", f->offset_bits);
	json_u64(j, "size", f->size);
	if (f->bit_width != KABI_NOT_BITFIELD)
		json_i64(j, "bit_width", f->bit_width);
	json_string(j, "type", f->type);
	json_end(j);
}

/* A value as text: a number as it is (its C type's sign kept), anything else a string. */
static void json_value(struct json *j, const char *key, const char *value, int numeric)
{
	if (value && numeric)
		json_raw(j, key, value);
	else
		json_string(j, key, value);
}

static const char *struct_status(const struct diff_struct *s)
{
	if (s->changes & DIFF_ADDED)
		return "added";
	if (s->changes & DIFF_REMOVED)
		return "removed";
	return s->changes || s->n_members ? "changed" : "same";
}

static void json_struct(struct json *j, const struct diff_struct *s)
{
	json_object(j, NULL, JSON_INLINE);
	json_string(j, "name", s->name);
	json_string(j, "kind", s->is_union ? "union" : "struct");
	json_string(j, "status", struct_status(s));
	json_changes(j, s->changes);
	json_bool(j, "breaking", s->breaking);
	if (!(s->changes & DIFF_ADDED)) {
		json_object(j, "old", JSON_INLINE);
		json_u64(j, "size", s->old_size);
		json_u64(j, "align", s->old_align);
		json_end(j);
	}
	if (!(s->changes & DIFF_REMOVED)) {
		json_object(j, "new", JSON_INLINE);
		json_u64(j, "size", s->new_size);
		json_u64(j, "align", s->new_align);
		json_end(j);
	}
	json_string(j, "note", s->note);
	json_array(j, "members", JSON_LINES);
	for (size_t k = 0; k < s->n_members; k++) {
		const struct diff_member *m = &s->members[k];

		json_object(j, NULL, JSON_INLINE);
		json_string(j, "name", m->name);
		json_changes(j, m->changes);
		json_bool(j, "breaking", m->breaking);
		if (!(m->changes & DIFF_ADDED))
			json_field(j, "old", &m->old);
		if (!(m->changes & DIFF_REMOVED))
			json_field(j, "new", &m->new);
		json_end(j);
	}
	json_end(j);
	json_end(j);
}

static void json_item(struct json *j, const struct diff_item *it)
{
	json_object(j, NULL, JSON_INLINE);
	json_string(j, "kind", diff_kind_names[it->kind]);
	json_string(j, "owner", it->owner);
	json_string(j, "name", it->name);
	json_changes(j, it->changes);
	json_bool(j, "breaking", it->breaking);
	json_value(j, "old", it->old, it->numeric);
	json_value(j, "new", it->new, it->numeric);
	json_value(j, "old_type", it->old_type, 0);
	json_value(j, "new_type", it->new_type, 0);
	json_end(j);
}

char *diff_report_json(const struct kabi_diff *d)
{
	struct strbuf sb = { 0 };
	struct json j;

	json_start(&j, &sb);
	json_object(&j, NULL, JSON_LINES);
	json_string(&j, "format", KABI_DIFF_FORMAT);
	json_i64(&j, "schema", KABI_DIFF_SCHEMA);
	json_side(&j, "old", &d->old);
	json_side(&j, "new", &d->new);
	json_u64(&j, "exit", d->verdict);
	json_bool(&j, "changes", d->verdict != 0);
	json_bool(&j, "breaking", (d->verdict & DIFF_EXIT_BREAKING) != 0);
	json_u64(&j, "suppressed", d->n_suppressed);
	json_object(&j, "compared", JSON_INLINE);
	json_u64(&j, "structs", d->n_structs);
	json_u64(&j, "enums", d->n_enums);
	json_u64(&j, "constants", d->n_constants);
	json_u64(&j, "strings", d->n_strings);
	json_u64(&j, "lists", d->n_lists);
	json_end(&j);
	json_array(&j, "structs", JSON_LINES);
	for (size_t i = 0; i < d->n_structs; i++)
		json_struct(&j, &d->structs[i]);
	json_end(&j);
	json_array(&j, "items", JSON_LINES);
	for (size_t i = 0; i < d->n_items; i++)
		json_item(&j, &d->items[i]);
	json_end(&j);
	json_end(&j);
	json_finish(&j);
	sb_adds(&sb, "\n");
	return sb.buf;
}

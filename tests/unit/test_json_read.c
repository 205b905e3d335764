/*
 * test_json_read.c - the tool's strict JSON reader (tools/json_read.c):
 * every value kind, escapes and UTF-8, positions of values and keys, exact
 * 64-bit integers, and refusals with their line:column and message.
 *
 * The reader is part of the tool, not the library, so it is compiled in
 * here directly.
 */
#include <errno.h>

#include "../../tools/json_read.c"
#include "check.h"

static struct jr_value *ok(const char *text)
{
	struct jr_value *v = NULL;
	struct jr_error err;
	int rc = jr_parse(text, strlen(text), &v, &err);
	if (rc)
		fprintf(stderr, "'%s': %d:%d: %s\n", text, err.line, err.column, err.msg);
	CHECK(rc == 0 && v);
	return v;
}

/* Parsing text fails at line:column with a message containing msg. */
static void bad(const char *text, int line, int column, const char *msg)
{
	struct jr_value *v = (struct jr_value *)1;
	struct jr_error err;
	int rc = jr_parse(text, strlen(text), &v, &err);
	if (rc == 0 || err.line != line || err.column != column || !strstr(err.msg, msg))
		fprintf(stderr, "'%s': got rc %d at %d:%d '%s', want %d:%d '%s'\n", text, rc,
			err.line, err.column, err.msg, line, column, msg);
	CHECK(rc == -1);
	CHECK(v == NULL);
	CHECK(err.line == line && err.column == column);
	CHECK_STR_CONTAINS(err.msg, msg);
}

static void test_values(void)
{
	struct jr_value *v = ok("  {\"a\": [1, -2, 3.5e2, true, false, null, \"x\"], \"b\": {}}\n");
	CHECK(v->type == JR_OBJECT && v->n == 2);
	const struct jr_value *a = jr_get(v, "a");
	CHECK(a && a->type == JR_ARRAY && a->n == 7);
	CHECK(a->items[0].type == JR_NUMBER && !strcmp(a->items[0].text, "1"));
	CHECK(!strcmp(a->items[2].text, "3.5e2"));
	CHECK(a->items[3].type == JR_BOOL && a->items[3].boolean);
	CHECK(a->items[4].type == JR_BOOL && !a->items[4].boolean);
	CHECK(a->items[5].type == JR_NULL);
	CHECK(a->items[6].type == JR_STRING && !strcmp(a->items[6].text, "x"));
	CHECK(a->items[0].key == NULL);
	const struct jr_value *b = jr_get(v, "b");
	CHECK(b && b->type == JR_OBJECT && b->n == 0);
	CHECK(jr_get(v, "c") == NULL);
	CHECK(jr_get(a, "a") == NULL); /* not an object */
	/* positions: the root, a key and its value */
	CHECK(v->line == 1 && v->column == 3);
	CHECK(a->key_line == 1 && a->key_column == 4);
	CHECK(a->line == 1 && a->column == 9);
	jr_free(v);

	v = ok("[\n  {\"k\":\n    7}]");
	CHECK(v->items[0].line == 2 && v->items[0].column == 3);
	CHECK(v->items[0].items[0].key_line == 2 && v->items[0].items[0].key_column == 4);
	CHECK(v->items[0].items[0].line == 3 && v->items[0].items[0].column == 5);
	jr_free(v);

	/* scalars at the root; empty containers */
	v = ok("42");
	CHECK(v->type == JR_NUMBER);
	jr_free(v);
	v = ok("[]");
	CHECK(v->type == JR_ARRAY && v->n == 0);
	jr_free(v);
	v = ok("\"\"");
	CHECK(v->type == JR_STRING && v->len == 0);
	jr_free(v);
	jr_free(NULL);
	/* many items: the arrays grow */
	char big[4096] = "[";
	for (int i = 0; i < 500; i++)
		strcat(big, i ? ",0" : "0");
	strcat(big, "]");
	v = ok(big);
	CHECK(v->n == 500);
	jr_free(v);
	printf("json_read: values, positions\n");
}

static void test_strings(void)
{
	struct jr_value *v = ok("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"");
	CHECK(!strcmp(v->text, "a\"b\\c/d\b\f\n\r\t"));
	jr_free(v);
	v = ok("\"\\u0041\\u00e9\\u20ac\\ud83d\\ude00\"");
	CHECK(!strcmp(v->text, "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
	jr_free(v);
	v = ok("\"x\\u0000y\"");
	CHECK(v->len == 3 && v->text[1] == '\0' && v->text[2] == 'y');
	jr_free(v);
	v = ok("\"caf\xc3\xa9\"");
	CHECK(v->len == 5);
	jr_free(v);

	bad("\"abc", 1, 1, "unterminated string");
	bad("\"a\nb\"", 1, 3, "raw newline");
	bad("\"a\tb\"", 1, 3, "raw control character");
	bad("\"\\x41\"", 1, 2, "unknown escape '\\x'");
	bad("\"\\u12\"", 1, 2, "four hex digits");
	bad("\"\\ud83d\"", 1, 2, "without its low surrogate");
	bad("\"\\ud83d\\u0041\"", 1, 2, "without its low surrogate");
	bad("\"\\ude00\"", 1, 2, "lone low surrogate");
	bad("\"\xff\"", 1, 2, "invalid UTF-8");
	bad("\"\xc0\xaf\"", 1, 2, "invalid UTF-8");          /* overlong */
	bad("\"\xed\xa0\x80\"", 1, 2, "invalid UTF-8");      /* encoded surrogate */
	bad("\"\xe2\x82\"", 1, 2, "invalid UTF-8");          /* cut short */
	bad("{\"a\\u0000\": 1}", 1, 2, "\\u0000");
	bad("'a'", 1, 1, "single quote");
	printf("json_read: strings, escapes, UTF-8\n");
}

static void test_numbers(void)
{
	struct jr_value *v = ok("[0, -0, 18446744073709551615, 18446744073709551616, "
				"-9223372036854775808, 9223372036854775807, 9223372036854775808, "
				"1.0, 1e3, -1]");
	uint64_t u;
	int64_t i;
	CHECK(jr_u64(&v->items[0], &u) == 0 && u == 0);
	CHECK(jr_u64(&v->items[1], &u) == -EINVAL); /* minus sign */
	CHECK(jr_i64(&v->items[1], &i) == 0 && i == 0);
	CHECK(jr_u64(&v->items[2], &u) == 0 && u == UINT64_MAX);
	CHECK(jr_u64(&v->items[3], &u) == -ERANGE);
	CHECK(jr_i64(&v->items[4], &i) == 0 && i == INT64_MIN);
	CHECK(jr_i64(&v->items[5], &i) == 0 && i == INT64_MAX);
	CHECK(jr_i64(&v->items[6], &i) == -ERANGE);
	CHECK(jr_u64(&v->items[7], &u) == -EINVAL); /* a fraction */
	CHECK(jr_u64(&v->items[8], &u) == -EINVAL); /* an exponent */
	CHECK(jr_i64(&v->items[9], &i) == 0 && i == -1);
	CHECK(jr_u64(v, &u) == -EINVAL);            /* not a number */
	jr_free(v);

	bad("01", 1, 1, "may not start with 0");
	bad("[1, 0x1f]", 1, 5, "hex numbers are not JSON");
	bad("+1", 1, 1, "may not start with '+'");
	bad("-", 1, 2, "expected a digit");
	bad("1.", 1, 3, "after the decimal point");
	bad(".5", 1, 1, "expected a value");
	bad("1e", 1, 3, "exponent");
	bad("1e+", 1, 4, "exponent");
	bad("NaN", 1, 1, "expected a value");
	printf("json_read: numbers, exact 64-bit integers\n");
}

static void test_structure(void)
{
	bad("", 1, 1, "empty input");
	bad("  \n ", 2, 2, "empty input");
	bad("[1, 2,]", 1, 7, "no trailing commas");
	bad("{\"a\": 1,}", 1, 9, "no trailing commas");
	bad("[1 2]", 1, 4, "expected ',' or ']'");
	bad("{\"a\" 1}", 1, 6, "expected ':'");
	bad("{\"a\": 1 \"b\": 2}", 1, 9, "expected ',' or '}'");
	bad("{a: 1}", 1, 2, "expected a key");
	bad("{\"a\": 1, \"a\": 2}", 1, 10, "duplicate key (first at line 1)");
	bad("[1] [2]", 1, 5, "unexpected text after");
	bad("[1, // two\n 2]", 1, 5, "no comments");
	bad("[\n  1,\n  tru]", 3, 3, "expected a value");
	bad("truex", 1, 5, "unexpected text after");
	bad("[", 1, 2, "found the end of the input");
	bad("{\"a\":", 1, 6, "found the end of the input");
	bad("{\"a\": [1, {\"b\": nul}]}", 1, 17, "expected a value");
	/* the depth cap */
	char deep[200];
	memset(deep, '[', 100);
	deep[100] = '\0';
	bad(deep, 1, JR_MAX_DEPTH + 1, "nested deeper than");
	memset(deep, '[', JR_MAX_DEPTH);
	memset(deep + JR_MAX_DEPTH, ']', JR_MAX_DEPTH);
	deep[2 * JR_MAX_DEPTH] = '\0';
	jr_free(ok(deep));
	/* not NUL-terminated: the length bounds the read */
	struct jr_value *v;
	struct jr_error err;
	CHECK(jr_parse("[1]xxxx", 3, &v, &err) == 0);
	CHECK(v->n == 1);
	jr_free(v);
	CHECK(jr_parse("\"abc\"", 3, &v, &err) == -1);
	CHECK_STR_CONTAINS(err.msg, "unterminated");
	CHECK(jr_parse("12", 1, &v, &err) == 0 && !strcmp(v->text, "1"));
	jr_free(v);
	CHECK(jr_parse(NULL, 0, &v, NULL) == -1);
	CHECK(!strcmp(jr_type_name(JR_OBJECT), "an object"));
	printf("json_read: structure, refusals with line:column\n");
}

int main(void)
{
	test_values();
	test_strings();
	test_numbers();
	test_structure();
	CHECK_DONE();
}

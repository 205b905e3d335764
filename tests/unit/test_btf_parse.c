/*
 * test_btf_parse.c - typed JSON and text into bytes through BTF
 * (tools/btf_parse.c, what `bpfvm run --map` reads from "formatted" and
 * `--set` from VALUE), on BTF built here with libbpf: integers of every
 * width and sign, bools, enums by name, structs with bitfields, arrays and
 * char arrays, pointers, modifiers, a DATASEC; and the refusals, with the
 * line:column of the value at fault.
 *
 * The module belongs to the tool, not the library, so it is compiled in
 * here directly (with the JSON reader it reads from).
 */
#include <bpf/btf.h>
#include <errno.h>

#include "../../tools/btf_parse.c"
#include "../../tools/json_read.c"
#include "check.h"

static struct btf *b;
static int t_u8, t_s32, t_u16, t_u64, t_bool, t_char, t_enum, t_pkt, t_arr, t_name, t_ptr,
	t_cv, t_sec, t_s8;

static void build(void)
{
	b = btf__new_empty();
	CHECK(b);
	t_u8 = btf__add_int(b, "unsigned char", 1, 0);
	t_s32 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	int u16 = btf__add_int(b, "unsigned short", 2, 0);
	t_u16 = btf__add_typedef(b, "__u16", u16);
	t_u64 = btf__add_int(b, "unsigned long long", 8, 0);
	t_bool = btf__add_int(b, "_Bool", 1, BTF_INT_BOOL);
	t_char = btf__add_int(b, "char", 1, BTF_INT_SIGNED);
	t_s8 = btf__add_int(b, "signed char", 1, BTF_INT_SIGNED);
	t_enum = btf__add_enum(b, "color", 4);
	CHECK(btf__add_enum_value(b, "RED", 0) == 0);
	CHECK(btf__add_enum_value(b, "GREEN", 1) == 0);
	CHECK(btf__add_enum_value(b, "BLUE", 7) == 0);
	t_name = btf__add_array(b, t_s32, t_char, 8);
	t_arr = btf__add_array(b, t_s32, t_s32, 3);
	/* struct pkt { __u16 port; u8 flags:3, kind:5; enum color color;
	 *              char name[8]; } : 16 bytes */
	t_pkt = btf__add_struct(b, "pkt", 16);
	CHECK(btf__add_field(b, "port", t_u16, 0, 0) == 0);
	CHECK(btf__add_field(b, "flags", t_u8, 16, 3) == 0);
	CHECK(btf__add_field(b, "kind", t_u8, 19, 5) == 0);
	CHECK(btf__add_field(b, "color", t_enum, 32, 0) == 0);
	CHECK(btf__add_field(b, "name", t_name, 64, 0) == 0);
	t_ptr = btf__add_ptr(b, t_s32);
	t_cv = btf__add_const(b, btf__add_volatile(b, t_s32));
	int vx = btf__add_var(b, "x", BTF_VAR_GLOBAL_ALLOCATED, t_s32);
	int vy = btf__add_var(b, "y", BTF_VAR_GLOBAL_ALLOCATED, t_u64);
	t_sec = btf__add_datasec(b, ".data", 16);
	CHECK(btf__add_datasec_var_info(b, vx, 0, 4) == 0);
	CHECK(btf__add_datasec_var_info(b, vy, 8, 8) == 0);
	CHECK(t_u8 > 0 && t_s32 > 0 && t_pkt > 0 && t_sec > 0 && t_cv > 0 && t_ptr > 0);
}

static uint8_t out[64];
static struct jr_error jerr;

/* Parse json as type id into out (size bytes, zeroed first). */
static int parse_as(int id, const char *json, size_t size)
{
	struct jr_value *v;
	struct jr_error err;
	if (jr_parse(json, strlen(json), &v, &err)) {
		fprintf(stderr, "'%s': %s\n", json, err.msg);
		CHECK(0);
	}
	memset(out, 0, sizeof(out));
	int rc = btf_parse_json(b, (uint32_t)id, v, out, size, &jerr);
	jr_free(v);
	return rc;
}

static void ok(int id, const char *json, size_t size)
{
	if (parse_as(id, json, size))
		fprintf(stderr, "'%s': %d:%d: %s\n", json, jerr.line, jerr.column, jerr.msg);
	CHECK(jerr.msg[0] == '\0');
}

static void bad(int id, const char *json, size_t size, int column, const char *msg)
{
	CHECK(parse_as(id, json, size) == -1);
	if (jerr.column != column || !strstr(jerr.msg, msg))
		fprintf(stderr, "'%s': got %d:%d '%s', want column %d '%s'\n", json, jerr.line,
			jerr.column, jerr.msg, column, msg);
	CHECK(jerr.line == 1 && jerr.column == column);
	CHECK_STR_CONTAINS(jerr.msg, msg);
}

static uint64_t le(size_t off, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)out[off + i] << (8 * i);
	return v;
}

static void test_ints(void)
{
	ok(t_u16, "53", 2);
	CHECK_EQ_U64(le(0, 2), 53);
	ok(t_u16, "\"0xffff\"", 2);
	CHECK_EQ_U64(le(0, 2), 0xffff);
	ok(t_s32, "-2147483648", 4);
	CHECK_EQ_U64(le(0, 4), 0x80000000);
	ok(t_s32, "\"0xffffffff\"", 4); /* hex: the bit pattern */
	CHECK_EQ_U64(le(0, 4), 0xffffffff);
	ok(t_u64, "18446744073709551615", 8);
	CHECK_EQ_U64(le(0, 8), UINT64_MAX);
	ok(t_cv, "-1", 4); /* through const volatile */
	CHECK_EQ_U64(le(0, 4), 0xffffffff);
	ok(t_s8, "-128", 1);
	CHECK_EQ_U64(out[0], 0x80);
	ok(t_ptr, "\"0x1000\"", 8);
	CHECK_EQ_U64(le(0, 8), 0x1000);
	ok(t_bool, "true", 1);
	CHECK(out[0] == 1);
	ok(t_bool, "0", 1);
	CHECK(out[0] == 0);

	bad(t_u16, "65536", 2, 1, "65536 does not fit in __u16 (0..65535)");
	bad(t_u16, "-1", 2, 1, "-1 does not fit in __u16");
	bad(t_u16, "\"0x10000\"", 2, 1, "0x10000 does not fit in __u16");
	bad(t_s32, "2147483648", 4, 1, "does not fit in int (-2147483648..2147483647, or 0x0..0xffffffff");
	bad(t_s32, "\"0x100000000\"", 4, 1, "0x100000000 does not fit in int");
	bad(t_s32, "1.5", 4, 1, "1.5 is not an integer");
	bad(t_s32, "1e3", 4, 1, "is not an integer");
	bad(t_s32, "\"ten\"", 4, 1, "'ten' is not an integer for int");
	bad(t_s32, "true", 4, 1, "int takes an integer, not true or false");
	bad(t_s32, "[1]", 4, 1, "expected a number, a string or a boolean, found an array");
	bad(t_s32, "null", 4, 1, "null: the dump could not format this value");
	bad(t_s32, "99999999999999999999", 4, 1, "does not fit in 64 bits");
	bad(t_bool, "2", 1, 1, "_Bool takes true, false, 0 or 1");
	bad(t_u64, "1", 4, 1, "unsigned long long is 8 bytes; 4 are left");
	printf("btf_parse: integers, bools, pointers, ranges\n");
}

static void test_enums_structs(void)
{
	ok(t_enum, "\"BLUE\"", 4);
	CHECK_EQ_U64(le(0, 4), 7);
	ok(t_enum, "1", 4);
	CHECK_EQ_U64(le(0, 4), 1);
	bad(t_enum, "\"PURPLE\"", 4, 1, "'PURPLE' is not an enumerator of enum color");
	bad(t_enum, "false", 4, 1, "enum color takes an enumerator or an integer");

	ok(t_pkt, "{\"port\": 53, \"flags\": 5, \"kind\": 31, \"color\": \"GREEN\", \"name\": \"eth0\"}",
	   16);
	CHECK_EQ_U64(le(0, 2), 53);
	CHECK_EQ_U64(out[2], 5 | 31 << 3);
	CHECK_EQ_U64(le(4, 4), 1);
	CHECK(!memcmp(out + 8, "eth0\0\0\0\0", 8));
	/* members left out stay zero; a bitfield leaves its neighbours */
	ok(t_pkt, "{\"kind\": 1}", 16);
	CHECK_EQ_U64(out[2], 1 << 3);
	CHECK_EQ_U64(le(0, 2), 0);
	ok(t_pkt, "{\"name\": [104, 105, 0, 0, 0, 0, 0, 0]}", 16);
	CHECK(!memcmp(out + 8, "hi", 3));

	bad(t_pkt, "{\"flags\": 8}", 16, 11, "8 does not fit in unsigned char (0..7)");
	bad(t_pkt, "{\"port\": 1, \"prot\": 2}", 16, 13, "struct pkt has no member 'prot'");
	bad(t_pkt, "[1]", 16, 1, "struct pkt takes an object of its members, not an array");
	bad(t_pkt, "{}", 8, 1, "the type is 16 bytes; 8 are left");
	bad(t_pkt, "{\"name\": \"123456789\"}", 16, 10, "the string has 9 bytes; char[8] holds 8");
	bad(t_pkt, "{\"color\": \"RED\", \"name\": 5}", 16, 26, "char[8] takes an array or a string");
	printf("btf_parse: enums by name, structs with bitfields, char arrays\n");
}

static void test_arrays_datasec_text(void)
{
	ok(t_arr, "[1, -2, \"0x3\"]", 12);
	CHECK_EQ_U64(le(0, 4), 1);
	CHECK_EQ_U64(le(4, 4), 0xfffffffe);
	CHECK_EQ_U64(le(8, 4), 3);
	bad(t_arr, "[1, 2]", 12, 1, "int[3] takes 3 elements, not 2");
	bad(t_arr, "[1, 2, 3]", 8, 1, "int[3] does not fit in the 8 bytes left");
	bad(t_arr, "[1, 2, 3000000000]", 12, 8, "3000000000 does not fit in int");

	ok(t_sec, "{\"y\": 5, \"x\": -1}", 16);
	CHECK_EQ_U64(le(0, 4), 0xffffffff);
	CHECK_EQ_U64(le(8, 8), 5);
	bad(t_sec, "{\"z\": 1}", 16, 2, ".data has no variable 'z'");
	bad(t_sec, "{\"y\": 1}", 12, 7, "variable 'y' lies past the 12 bytes of the section");

	char msg[128];
	uint8_t v[8] = { 0 };
	CHECK(btf_parse_text(b, (uint32_t)t_enum, "GREEN", v, 4, msg, sizeof(msg)) == 0);
	CHECK(v[0] == 1);
	CHECK(btf_parse_text(b, (uint32_t)t_bool, "true", v, 1, msg, sizeof(msg)) == 0);
	CHECK(v[0] == 1);
	CHECK(btf_parse_text(b, (uint32_t)t_cv, "-5", v, 4, msg, sizeof(msg)) == 0);
	CHECK(v[0] == 0xfb && v[3] == 0xff);
	CHECK(btf_parse_text(b, (uint32_t)t_u16, "0x35", v, 2, msg, sizeof(msg)) == 0);
	CHECK(v[0] == 0x35 && v[1] == 0);
	CHECK(btf_parse_text(b, (uint32_t)t_u16, "", v, 2, msg, sizeof(msg)) == -1);
	CHECK_STR_CONTAINS(msg, "'' is not an integer");
	CHECK(btf_parse_text(b, (uint32_t)t_u16, "0x", v, 2, msg, sizeof(msg)) == -1);
	CHECK(btf_parse_text(b, (uint32_t)t_u16, "1 ", v, 2, msg, sizeof(msg)) == -1);
	CHECK(btf_parse_text(b, (uint32_t)t_u16, "+1", v, 2, msg, sizeof(msg)) == -1);
	CHECK(btf_parse_text(b, (uint32_t)t_pkt, "1", v, 8, msg, sizeof(msg)) == -1);
	CHECK_STR_CONTAINS(msg, "struct pkt is not an integer, enum or pointer");
	CHECK(btf_parse_text(b, 0, "1", v, 8, msg, sizeof(msg)) == -1);
	CHECK(btf_parse_text(b, 9999, "1", v, 8, msg, sizeof(msg)) == -1);

	char name[64];
	btf_parse_type_name(b, (uint32_t)t_arr, name, sizeof(name));
	CHECK(!strcmp(name, "int[3]"));
	btf_parse_type_name(b, (uint32_t)t_ptr, name, sizeof(name));
	CHECK(!strcmp(name, "int *"));
	btf_parse_type_name(b, (uint32_t)t_cv, name, sizeof(name));
	CHECK(!strcmp(name, "int"));
	btf_parse_type_name(b, (uint32_t)t_u16, name, sizeof(name));
	CHECK(!strcmp(name, "__u16"));
	printf("btf_parse: arrays, DATASEC variables, --set text, type names\n");
}

int main(void)
{
	build();
	test_ints();
	test_enums_structs();
	test_arrays_datasec_text();
	btf__free(b);
	CHECK_DONE();
}

/*
 * prog_type.c - names of program types, from prog_types.def.
 */
#include <stddef.h>

#include "bpfvm.h"

static const char *const type_names[] = {
#define PROG_TYPE(NUM, ENUM, NAME) [NUM] = NAME,
#include "prog_types.def"
#undef PROG_TYPE
};

const char *bpfvm_prog_type_name(uint32_t type)
{
	return type < sizeof(type_names) / sizeof(type_names[0]) ? type_names[type] : NULL;
}

/* cmd_asm.c - placeholder until the command lands. */
#include "tool.h"
static int main_asm(int argc, char **argv) { (void)argc; (void)argv; return TOOL_EXIT_FAIL; }
const struct tool_cmd cmd_asm = { "asm", "(not yet built)", main_asm };

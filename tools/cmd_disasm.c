/* cmd_disasm.c - placeholder until the command lands. */
#include "tool.h"
static int main_disasm(int argc, char **argv) { (void)argc; (void)argv; return TOOL_EXIT_FAIL; }
const struct tool_cmd cmd_disasm = { "disasm", "(not yet built)", main_disasm };

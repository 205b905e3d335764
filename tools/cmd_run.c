/* cmd_run.c - placeholder until the command lands. */
#include "tool.h"
static int main_run(int argc, char **argv) { (void)argc; (void)argv; return TOOL_EXIT_FAIL; }
const struct tool_cmd cmd_run = { "run", "(not yet built)", main_run };

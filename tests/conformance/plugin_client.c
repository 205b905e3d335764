/*
 * plugin_client.c - run one program through a plugin; see plugin_client.h.
 */
#include "plugin_client.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static char *hex_of(const void *data, size_t len)
{
	const uint8_t *b = data;
	char *s = malloc(len * 3 + 1);
	if (!s)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < len; i++)
		o += (size_t)sprintf(s + o, "%s%02x", i ? " " : "", b[i]);
	s[o] = '\0';
	return s;
}

/* Arguments --plugin-arg may add. */
#define PLUGIN_MAX_EXTRA 8

int plugin_run(const char *plugin, const struct bpfvm_insn *insns, size_t n, const uint8_t *mem,
	       size_t mem_len, uint64_t *r0, char *msg, size_t msg_size,
	       struct plugin_extra *extra)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 };
	char *prog_hex = hex_of(insns, n * sizeof(*insns));
	char *mem_hex = mem ? hex_of(mem, mem_len) : NULL;
	char *argv[3 + PLUGIN_MAX_EXTRA] = { (char *)plugin };
	size_t argc = 1;
	if (mem_hex)
		argv[argc++] = mem_hex;
	for (size_t i = 0; extra && i < extra->n_args && i < PLUGIN_MAX_EXTRA; i++)
		argv[argc++] = (char *)extra->args[i];
	argv[argc] = NULL;
	if (extra && extra->note_size)
		extra->note[0] = '\0';
	posix_spawn_file_actions_t fa;
	pid_t pid = -1;
	int ret = -1;

	snprintf(msg, msg_size, "cannot run plugin %s: %s", plugin, strerror(errno));
	if (!prog_hex || (mem && !mem_hex) || pipe(in) || pipe(out))
		goto out;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, out[1], 2);
	posix_spawn_file_actions_addclose(&fa, in[1]);
	posix_spawn_file_actions_addclose(&fa, out[0]);
	int rc = posix_spawn(&pid, plugin, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]), in[0] = -1;
	close(out[1]), out[1] = -1;
	if (rc) {
		snprintf(msg, msg_size, "cannot run plugin %s: %s", plugin, strerror(rc));
		goto out;
	}
	/* The program is small: it fits the pipe buffer, so write then read. */
	signal(SIGPIPE, SIG_IGN);
	size_t len = strlen(prog_hex), done = 0;
	while (done < len) {
		ssize_t w = write(in[1], prog_hex + done, len - done);
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	close(in[1]), in[1] = -1;
	char buf[1024];
	size_t got = 0;
	ssize_t rd;
	while (got < sizeof(buf) - 1 && (rd = read(out[0], buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)rd;
	buf[got] = '\0';
	int status;
	waitpid(pid, &status, 0);
	size_t eol = strcspn(buf, "\n");
	if (buf[eol] && extra && extra->note_size) {
		const char *second = buf + eol + 1;
		snprintf(extra->note, extra->note_size, "%.*s", (int)strcspn(second, "\n"), second);
	}
	buf[eol] = '\0';
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		snprintf(msg, msg_size, "%s", buf[0] ? buf : "plugin exited non-zero");
		goto out;
	}
	char *end;
	errno = 0;
	*r0 = strtoull(buf, &end, 16);
	if (errno || end == buf || *end) {
		snprintf(msg, msg_size, "plugin printed '%s', not r0 in hex", buf);
		goto out;
	}
	ret = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	free(prog_hex);
	free(mem_hex);
	return ret;
}

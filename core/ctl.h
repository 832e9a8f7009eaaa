/*
 * ctl.h: the control socket that ikectl talks to.
 *
 * A UNIX stream socket (mode 0600 unless a group is given, then 0660).
 * The protocol is one request per connection: the client sends the words
 * of its command separated by single spaces and ended by a newline (at most
 * CTL_MAX_REQUEST bytes); the server answers with a status line ("ok" or
 * "error") followed by the text of the answer, then closes. Handlers are
 * looked up by the longest registered command prefix ("show sa" before
 * "show"); the words after it are the handler's arguments.
 */
#ifndef CORE_CTL_H
#define CORE_CTL_H

#include <sys/types.h>

#include "core/buf.h"

struct uv_loop_s;
struct ctl;

#define CTL_MAX_REQUEST	4096
#define CTL_MAX_ARGS	16
#define CTL_MAX_REPLY	(4u << 20)

/* Answers one command: argv[0..argc) are the words after the command
 * name; writes the answer to out. Returns 0, or a negative -E_* code, in
 * which case out holds the error text for the client. */
typedef int ctl_fn(void *arg, int argc, char **argv, struct buf *out);

/* Creates the socket at path (replacing a stale one), owned by gid when
 * gid != (gid_t)-1, and starts accepting on loop. Returns 0 or -E_SYS
 * (errno set). Logs the path. */
int	ctl_start(struct uv_loop_s *loop, const char *path, gid_t gid,
	    struct ctl **out) __attribute__((warn_unused_result));

/* Registers fn for the command cmd ("show sa"); cmd is borrowed and must
 * outlive ctl. Returns 0, -E_EXIST or -E_TOOMANY. */
int	ctl_register(struct ctl *c, const char *cmd, ctl_fn *fn, void *arg)
	    __attribute__((warn_unused_result));

/* Stops accepting, closes every connection, removes the socket file and
 * frees c once libuv has released the handles. NULL is a no-op. */
void	ctl_close(struct ctl *c);

#endif /* CORE_CTL_H */

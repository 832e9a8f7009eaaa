/* ctl.c: control socket server on a libuv pipe. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "core/ctl.h"
#include "core/err.h"
#include "core/log.h"

#define CTL_MAX_CMDS	64

struct ctl_cmd {
	const char	*name;
	size_t		 nwords;
	ctl_fn		*fn;
	void		*arg;
};

struct ctl_conn {
	uv_pipe_t	 pipe;
	uv_write_t	 wreq;
	struct ctl	*ctl;
	struct ctl_conn	*next;
	struct buf	*out;
	size_t		 len;
	int		 answered;
	char		 req[CTL_MAX_REQUEST + 1];
};

struct ctl {
	uv_pipe_t	 server;
	char		*path;
	struct ctl_cmd	 cmds[CTL_MAX_CMDS];
	size_t		 ncmds;
	struct ctl_conn	*conns;
	int		 closing;
	int		 handles;
};

static void
maybe_free(struct ctl *c)
{
	if (c->closing && c->handles == 0 && c->conns == NULL) {
		free(c->path);
		free(c);
	}
}

static void
conn_closed(uv_handle_t *h)
{
	struct ctl_conn *cc = h->data, **pp;
	struct ctl *c = cc->ctl;

	for (pp = &c->conns; *pp != NULL; pp = &(*pp)->next)
		if (*pp == cc) {
			*pp = cc->next;
			break;
		}
	buf_free(cc->out);
	free(cc);
	maybe_free(c);
}

static void
conn_close(struct ctl_conn *cc)
{
	if (!uv_is_closing((uv_handle_t *)&cc->pipe))
		uv_close((uv_handle_t *)&cc->pipe, conn_closed);
}

static void
on_written(uv_write_t *w, int status)
{
	conn_close(w->data);
}

static size_t
count_words(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (*s != ' ' && (s[1] == ' ' || s[1] == '\0'))
			n++;
	return n;
}

/* Splits the request in place into at most CTL_MAX_ARGS words. */
static int
split(char *s, char **argv)
{
	int argc = 0;
	char *t;

	for (t = strtok(s, " "); t != NULL; t = strtok(NULL, " ")) {
		if (argc == CTL_MAX_ARGS)
			return -E_TOOMANY;
		argv[argc++] = t;
	}
	return argc;
}

static int
cmd_matches(const struct ctl_cmd *cmd, int argc, char **argv)
{
	const char *p = cmd->name;
	size_t i, n;

	if ((size_t)argc < cmd->nwords)
		return 0;
	for (i = 0; i < cmd->nwords; i++) {
		n = strlen(argv[i]);
		if (strncmp(p, argv[i], n) != 0 || (p[n] != ' ' && p[n] != '\0'))
			return 0;
		p += n + (p[n] == ' ');
	}
	return 1;
}

static void
answer(struct ctl_conn *cc)
{
	struct ctl *c = cc->ctl;
	const struct ctl_cmd *best = NULL;
	char *argv[CTL_MAX_ARGS];
	struct buf *body;
	struct span s;
	uv_buf_t ub;
	size_t i;
	int argc, r;

	cc->answered = 1;
	cc->req[cc->len] = '\0';
	body = buf_new(CTL_MAX_REPLY);
	cc->out = buf_new(CTL_MAX_REPLY + 16);
	if (body == NULL || cc->out == NULL) {
		buf_free(body);
		conn_close(cc);
		return;
	}
	if ((argc = split(cc->req, argv)) < 0) {
		r = argc;
		if (buf_add_span(body, span_str("too many words\n")) != 0)
			r = -E_NOMEM;
	} else {
		for (i = 0; i < c->ncmds; i++)
			if (cmd_matches(&c->cmds[i], argc, argv) &&
			    (best == NULL || c->cmds[i].nwords > best->nwords))
				best = &c->cmds[i];
		if (best == NULL) {
			r = -E_NOENT;
			if (buf_add_span(body, span_str("unknown command\n")) != 0)
				r = -E_NOMEM;
		} else {
			log_debug(SUB_CTL, "command \"%s\"", best->name);
			r = best->fn(best->arg, argc - (int)best->nwords,
			    argv + best->nwords, body);
		}
	}
	s = buf_span(body);
	if (buf_add_span(cc->out, span_str(r == 0 ? "ok\n" : "error\n")) != 0 ||
	    buf_add_span(cc->out, s) != 0) {
		buf_free(body);
		conn_close(cc);
		return;
	}
	buf_free(body);
	s = buf_span(cc->out);
	ub = uv_buf_init((char *)s.p, (unsigned)s.len);
	cc->wreq.data = cc;
	if (uv_write(&cc->wreq, (uv_stream_t *)&cc->pipe, &ub, 1,
	    on_written) != 0)
		conn_close(cc);
}

static void
on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct ctl_conn *cc = h->data;

	/* Read straight into the request buffer; one byte stays free for
	 * the terminating NUL. */
	*b = uv_buf_init(cc->req + cc->len,
	    (unsigned)(CTL_MAX_REQUEST - cc->len));
}

static void
on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
	struct ctl_conn *cc = st->data;
	char *nl;

	if (cc->answered)
		return;
	if (n < 0) {
		conn_close(cc);
		return;
	}
	cc->len += (size_t)n;
	if ((nl = memchr(cc->req, '\n', cc->len)) != NULL) {
		cc->len = (size_t)(nl - cc->req);
		uv_read_stop(st);
		answer(cc);
	} else if (cc->len >= CTL_MAX_REQUEST) {
		log_warnx(SUB_CTL, "control request too long; dropped");
		conn_close(cc);
	}
}

static void
on_connection(uv_stream_t *server, int status)
{
	struct ctl *c = server->data;
	struct ctl_conn *cc;

	if (status < 0 || c->closing)
		return;
	if ((cc = calloc(1, sizeof(*cc))) == NULL)
		return;
	cc->ctl = c;
	uv_pipe_init(server->loop, &cc->pipe, 0);
	cc->pipe.data = cc;
	cc->next = c->conns;
	c->conns = cc;
	if (uv_accept(server, (uv_stream_t *)&cc->pipe) != 0 ||
	    uv_read_start((uv_stream_t *)&cc->pipe, on_alloc, on_read) != 0)
		conn_close(cc);
}

static void
server_closed(uv_handle_t *h)
{
	struct ctl *c = h->data;

	c->handles--;
	maybe_free(c);
}

int
ctl_start(uv_loop_t *loop, const char *path, gid_t gid, struct ctl **out)
{
	struct ctl *c;
	mode_t old;
	int r, saved;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->path = strdup(path)) == NULL) {
		free(c);
		return -E_NOMEM;
	}
	/* A socket file left by a crashed daemon would make bind fail. */
	if (unlink(path) != 0 && errno != ENOENT) {
		saved = errno;
		free(c->path);
		free(c);
		errno = saved;
		return -E_SYS;
	}
	uv_pipe_init(loop, &c->server, 0);
	c->server.data = c;
	c->handles = 1;
	/* Create the socket with restrictive permissions from the start:
	 * no window in which others could connect. */
	old = umask(gid == (gid_t)-1 ? 0177 : 0117);
	r = uv_pipe_bind(&c->server, path);
	umask(old);
	if (r == 0 && gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) != 0)
		r = -errno;
	if (r == 0)
		r = uv_listen((uv_stream_t *)&c->server, 16, on_connection);
	if (r != 0) {
		errno = -r;
		c->closing = 1;
		uv_close((uv_handle_t *)&c->server, server_closed);
		return -E_SYS;
	}
	log_info(SUB_CTL, "control socket %s", path);
	*out = c;
	return 0;
}

int
ctl_register(struct ctl *c, const char *cmd, ctl_fn *fn, void *arg)
{
	size_t i;

	for (i = 0; i < c->ncmds; i++)
		if (strcmp(c->cmds[i].name, cmd) == 0)
			return -E_EXIST;
	if (c->ncmds == CTL_MAX_CMDS)
		return -E_TOOMANY;
	c->cmds[c->ncmds].name = cmd;
	c->cmds[c->ncmds].nwords = count_words(cmd);
	c->cmds[c->ncmds].fn = fn;
	c->cmds[c->ncmds].arg = arg;
	c->ncmds++;
	return 0;
}

void
ctl_close(struct ctl *c)
{
	struct ctl_conn *cc;

	if (c == NULL || c->closing)
		return;
	c->closing = 1;
	unlink(c->path);
	for (cc = c->conns; cc != NULL; cc = cc->next)
		conn_close(cc);
	uv_close((uv_handle_t *)&c->server, server_closed);
}

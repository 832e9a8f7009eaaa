/*
 * ikeclient_mon.c: network change notifications (see ikeclient_mon.h).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>

#include <uv.h>

#include "core/err.h"
#include "tools/ikeclient_mon.h"

struct icmon {
	uv_poll_t	 poll;
	int		 fd;
	void		(*changed)(void *);
	void		*arg;
};

static void
icmon_readable(uv_poll_t *h, int status, int events)
{
	struct icmon *m = h->data;
	char buf[8192];
	ssize_t n;
	int any = 0;

	(void)events;
	if (status < 0)
		return;
	/* Drain: only the fact that something changed matters. ENOBUFS
	 * (notifications lost) counts as a change too. */
	for (;;) {
		n = recv(m->fd, buf, sizeof(buf), 0);
		if (n > 0 || (n < 0 && errno == ENOBUFS)) {
			any = 1;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		break;
	}
	if (any)
		m->changed(m->arg);
}

int
icmon_new(struct uv_loop_s *loop, void (*changed)(void *), void *arg,
    struct icmon **out)
{
	struct sockaddr_nl snl;
	struct icmon *m;
	int r = -E_SYS;

	*out = NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return -E_NOMEM;
	m->changed = changed;
	m->arg = arg;
	m->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    NETLINK_ROUTE);
	if (m->fd == -1)
		goto out;
	memset(&snl, 0, sizeof(snl));
	snl.nl_family = AF_NETLINK;
	snl.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV4_ROUTE | RTMGRP_LINK;
	if (bind(m->fd, (struct sockaddr *)&snl, sizeof(snl)) != 0 ||
	    uv_poll_init(loop, &m->poll, m->fd) != 0)
		goto out;
	m->poll.data = m;
	if (uv_poll_start(&m->poll, UV_READABLE, icmon_readable) != 0) {
		icmon_close(m);
		return -E_SYS;
	}
	*out = m;
	return 0;
out:
	if (m->fd != -1)
		close(m->fd);
	free(m);
	return r;
}

static void
icmon_closed(uv_handle_t *h)
{
	struct icmon *m = h->data;

	close(m->fd);
	free(m);
}

void
icmon_close(struct icmon *m)
{
	if (m == NULL)
		return;
	uv_poll_stop(&m->poll);
	uv_close((uv_handle_t *)&m->poll, icmon_closed);
}

int
icmon_route_src(const struct sockaddr_storage *dst,
    struct sockaddr_storage *src)
{
	socklen_t len = sizeof(*src);
	int fd, r = -E_SYS;

	memset(src, 0, sizeof(*src));
	if ((fd = socket(dst->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -E_SYS;
	if (connect(fd, (const struct sockaddr *)dst,
	    dst->ss_family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6)) != 0 ||
	    getsockname(fd, (struct sockaddr *)src, &len) != 0)
		goto out;
	if (src->ss_family == AF_INET)
		((struct sockaddr_in *)src)->sin_port = 0;
	else if (src->ss_family == AF_INET6)
		((struct sockaddr_in6 *)src)->sin6_port = 0;
	r = 0;
out:
	close(fd);
	return r;
}

/*
 * ikeclient_mon.h: watches the client's network for changes (the second
 * reconnect trigger of the issue): an rtnetlink socket subscribed to IPv4
 * address and route changes tells that something changed; the client
 * then asks the kernel which source address its route to the gateway
 * uses now, and resumes when that differs from the one its SA was made
 * with (the gateway would keep sending to an address we no longer have).
 */
#ifndef TOOLS_IKECLIENT_MON_H
#define TOOLS_IKECLIENT_MON_H

#include <sys/socket.h>

struct uv_loop_s;
struct icmon;

/* Opens the rtnetlink socket and watches it on loop; changed(arg) runs
 * after each batch of notifications (their content is not parsed: the
 * route lookup below is the source of truth). Returns 0 and the monitor
 * in *out, -E_NOMEM or -E_SYS. */
int	icmon_new(struct uv_loop_s *loop, void (*changed)(void *), void *arg,
	    struct icmon **out) __attribute__((warn_unused_result));

/* Stops watching and frees m once libuv released the handle. NULL is a
 * no-op. */
void	icmon_close(struct icmon *m);

/* Stores in *src the source address (port 0) the kernel would use to
 * send to dst now (a connected UDP socket, nothing is sent). Returns 0,
 * or -E_SYS when dst is unreachable (no route, link down). */
int	icmon_route_src(const struct sockaddr_storage *dst,
	    struct sockaddr_storage *src) __attribute__((warn_unused_result));

#endif /* TOOLS_IKECLIENT_MON_H */

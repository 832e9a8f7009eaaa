/*
 * 6001-tun.c: the TUN layer on a real kernel, inside a private network
 * namespace this test makes with unshare(CLONE_NEWNET): the namespace,
 * its devices, addresses and routes vanish when the process exits.
 * Addresses: 198.18.0.0/15 (RFC 2544 benchmarking) and 2001:db8::/32
 * (RFC 3849 documentation). Needs root; skipped otherwise.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tun/tun.h"
#include "t/tap.h"

#define PKT_MAX		2048
#define HEAD		64		/* headroom used by the reads */
#define CANARY		0xa5

static int	have6;

/* --- small helpers ------------------------------------------------- */

static struct tun_prefix
pfx(const char *s, unsigned int len)
{
	struct tun_prefix p;

	memset(&p, 0, sizeof(p));
	p.len = len;
	if (inet_pton(AF_INET, s, p.a) == 1)
		p.family = AF_INET;
	else if (inet_pton(AF_INET6, s, p.a) == 1)
		p.family = AF_INET6;
	else
		abort();
	return p;
}

static int
sysctl_write(const char *path, const char *val)
{
	int fd, r = -1;

	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		return -1;
	if (write(fd, val, strlen(val)) == (ssize_t)strlen(val))
		r = 0;
	close(fd);
	return r;
}

static int
link_is_up(const char *name)
{
	struct ifreq ifr;
	int s, up = 0;

	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0)
		up = (ifr.ifr_flags & IFF_UP) != 0;
	close(s);
	return up;
}

/* The device's gso_max_segs as ip(8) shows it, or -1. */
static long
gso_max_segs(const char *name)
{
	char cmd[128], line[512], *p;
	long v = -1;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ip -d link show dev %s 2>/dev/null",
	    name);
	if ((f = popen(cmd, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if ((p = strstr(line, "gso_max_segs ")) != NULL)
			v = strtol(p + 13, NULL, 10);
	pclose(f);
	return v;
}

/* Runs argv (PATH lookup); returns its exit status, or -1. */
static int
run(char *const argv[])
{
	pid_t pid;
	int st;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static int
have_cmd(const char *cmd)
{
	char *const argv[] = { (char *)cmd, (char *)"-V", NULL };
	pid_t pid;
	int st, fd;

	if ((pid = fork()) == -1)
		return 0;
	if (pid == 0) {
		if ((fd = open("/dev/null", O_WRONLY)) != -1) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0;
}

/* RFC 1071 Internet checksum: the one's complement sum, unfolded. */
static uint32_t
sum16(const uint8_t *p, size_t n, uint32_t sum)
{
	while (n > 1) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		n -= 2;
	}
	if (n == 1)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t
fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The IPv6 pseudo-header (RFC 8200 8.1) for ICMPv6 (RFC 4443 2.3). */
static uint32_t
pseudo6(const uint8_t *ip6, size_t ulen)
{
	uint8_t ph[8] = { 0 };

	ph[0] = (uint8_t)(ulen >> 24);
	ph[1] = (uint8_t)(ulen >> 16);
	ph[2] = (uint8_t)(ulen >> 8);
	ph[3] = (uint8_t)ulen;
	ph[7] = 58;
	return sum16(ph, sizeof(ph), sum16(ip6 + 8, 32, 0));
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static const char echo_data[] = "ikegate 6001 echo payload";
#define ECHO_LEN	(sizeof(echo_data) - 1)

/* An ICMP echo request (RFC 792) in an IPv4 header (RFC 791) from src
 * to dst; returns its length. */
static size_t
echo4(uint8_t *b, const char *src, const char *dst, uint16_t id,
    uint16_t seq)
{
	size_t len = 20 + 8 + ECHO_LEN;

	memset(b, 0, len);
	b[0] = 0x45;
	put16(b + 2, (uint16_t)len);
	put16(b + 4, 0x6001);
	put16(b + 6, 0x4000);		/* DF */
	b[8] = 64;
	b[9] = 1;			/* ICMP */
	if (inet_pton(AF_INET, src, b + 12) != 1 ||
	    inet_pton(AF_INET, dst, b + 16) != 1)
		abort();
	put16(b + 10, fold(sum16(b, 20, 0)));
	b[20] = 8;			/* echo request */
	put16(b + 24, id);
	put16(b + 26, seq);
	memcpy(b + 28, echo_data, ECHO_LEN);
	put16(b + 22, fold(sum16(b + 20, 8 + ECHO_LEN, 0)));
	return len;
}

/* An ICMPv6 echo request (RFC 4443 4.1) in an IPv6 header. */
static size_t
echo6(uint8_t *b, const char *src, const char *dst, uint16_t id,
    uint16_t seq)
{
	size_t ulen = 8 + ECHO_LEN;

	memset(b, 0, 40 + ulen);
	b[0] = 0x60;
	put16(b + 4, (uint16_t)ulen);
	b[6] = 58;			/* ICMPv6 */
	b[7] = 64;
	if (inet_pton(AF_INET6, src, b + 8) != 1 ||
	    inet_pton(AF_INET6, dst, b + 24) != 1)
		abort();
	b[40] = 128;			/* echo request */
	put16(b + 44, id);
	put16(b + 46, seq);
	memcpy(b + 48, echo_data, ECHO_LEN);
	put16(b + 42, fold(sum16(b + 40, ulen, pseudo6(b, ulen))));
	return 40 + ulen;
}

/* 1 when p is an intact ICMP echo reply from src to dst with id/seq. */
static int
is_reply4(const uint8_t *p, size_t len, const char *src, const char *dst,
    uint16_t id, uint16_t seq)
{
	uint8_t s[4], d[4];

	if (inet_pton(AF_INET, src, s) != 1 || inet_pton(AF_INET, dst, d) != 1)
		abort();
	return len == 20 + 8 + ECHO_LEN && p[0] == 0x45 &&
	    get16(p + 2) == len && p[9] == 1 && fold(sum16(p, 20, 0)) == 0 &&
	    memcmp(p + 12, s, 4) == 0 && memcmp(p + 16, d, 4) == 0 &&
	    p[20] == 0 && p[21] == 0 &&
	    fold(sum16(p + 20, len - 20, 0)) == 0 &&
	    get16(p + 24) == id && get16(p + 26) == seq &&
	    memcmp(p + 28, echo_data, ECHO_LEN) == 0;
}

static int
is_reply6(const uint8_t *p, size_t len, const char *src, const char *dst,
    uint16_t id, uint16_t seq)
{
	uint8_t s[16], d[16];

	if (inet_pton(AF_INET6, src, s) != 1 ||
	    inet_pton(AF_INET6, dst, d) != 1)
		abort();
	return len == 40 + 8 + ECHO_LEN && (p[0] >> 4) == 6 &&
	    get16(p + 4) == len - 40 && p[6] == 58 &&
	    memcmp(p + 8, s, 16) == 0 && memcmp(p + 24, d, 16) == 0 &&
	    p[40] == 129 && p[41] == 0 &&
	    fold(sum16(p + 40, len - 40, pseudo6(p, len - 40))) == 0 &&
	    get16(p + 44) == id && get16(p + 46) == seq &&
	    memcmp(p + 48, echo_data, ECHO_LEN) == 0;
}

/* 1 when p is a UDP datagram (over IPv4 or IPv6) to dport carrying
 * exactly the payload msg; src and dst are checked when not NULL. */
static int
is_udp(const uint8_t *p, size_t len, const char *src, const char *dst,
    uint16_t dport, const char *msg)
{
	uint8_t a[16];
	size_t hl, alen, mlen = strlen(msg);
	const uint8_t *sa, *da;

	if (len >= 20 && p[0] == 0x45 && p[9] == 17) {
		hl = 20;
		alen = 4;
		sa = p + 12;
		da = p + 16;
	} else if (len >= 40 && (p[0] >> 4) == 6 && p[6] == 17) {
		hl = 40;
		alen = 16;
		sa = p + 8;
		da = p + 24;
	} else
		return 0;
	if (len != hl + 8 + mlen || get16(p + hl + 2) != dport ||
	    get16(p + hl + 4) != 8 + mlen ||
	    memcmp(p + hl + 8, msg, mlen) != 0)
		return 0;
	if (src != NULL && (inet_pton(alen == 4 ? AF_INET : AF_INET6, src,
	    a) != 1 || memcmp(sa, a, alen) != 0))
		return 0;
	if (dst != NULL && (inet_pton(alen == 4 ? AF_INET : AF_INET6, dst,
	    a) != 1 || memcmp(da, a, alen) != 0))
		return 0;
	return 1;
}

/* Sends msg over UDP from src (NULL: any) to dst:port. Returns 0 or the
 * errno of the failing call. */
static int
udp_send(const char *src, const char *dst, uint16_t port, const char *msg)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl;
	int af, fd, e = 0;

	af = strchr(dst, ':') != NULL ? AF_INET6 : AF_INET;
	if ((fd = socket(af, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return errno;
	memset(&ss, 0, sizeof(ss));
	if (af == AF_INET) {
		s4->sin_family = AF_INET;
		sl = sizeof(*s4);
	} else {
		s6->sin6_family = AF_INET6;
		sl = sizeof(*s6);
	}
	if (src != NULL) {
		if (inet_pton(af, src, af == AF_INET ?
		    (void *)&s4->sin_addr : (void *)&s6->sin6_addr) != 1)
			abort();
		if (bind(fd, (struct sockaddr *)&ss, sl) == -1) {
			e = errno;
			goto out;
		}
	}
	memset(&ss, 0, sizeof(ss));
	if (af == AF_INET) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		if (inet_pton(af, dst, &s4->sin_addr) != 1)
			abort();
	} else {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		if (inet_pton(af, dst, &s6->sin6_addr) != 1)
			abort();
	}
	if (sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&ss, sl) == -1)
		e = errno;
 out:
	close(fd);
	return e;
}

/* Returns errno of binding a UDP socket to addr, or 0 when it binds. */
static int
bind_err(const char *addr)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	int af = strchr(addr, ':') != NULL ? AF_INET6 : AF_INET, fd, e = 0;

	memset(&ss, 0, sizeof(ss));
	if (af == AF_INET) {
		s4->sin_family = AF_INET;
		if (inet_pton(af, addr, &s4->sin_addr) != 1)
			abort();
	} else {
		s6->sin6_family = AF_INET6;
		if (inet_pton(af, addr, &s6->sin6_addr) != 1)
			abort();
	}
	if ((fd = socket(af, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return errno;
	if (bind(fd, (struct sockaddr *)&ss, af == AF_INET ? sizeof(*s4) :
	    sizeof(*s6)) == -1)
		e = errno;
	close(fd);
	return e;
}

static void
msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

typedef int pkt_match(const uint8_t *, size_t, const void *);

/*
 * Reads packets from t (non-blocking) for up to ms milliseconds until one
 * satisfies match; copies it to out and returns its length, or 0. Other
 * packets (IPv6 router solicitations, MLD reports) are skipped.
 */
static size_t
read_until(struct tun *t, pkt_match *match, const void *arg, uint8_t *out,
    int ms)
{
	static uint8_t b[PKT_MAX];
	struct tun_pkt pk = { .buf = b, .cap = sizeof(b), .len = 0 };
	struct pollfd pfd = { .fd = tun_fd(t), .events = POLLIN };
	int i, n;

	for (i = 0; i < ms / 10; i++) {
		if (poll(&pfd, 1, 10) < 0)
			return 0;
		while ((n = tun_read_batch(t, &pk, 1, 0)) == 1)
			if (match(b, pk.len, arg)) {
				memcpy(out, b, pk.len);
				return pk.len;
			}
		if (n < 0)
			return 0;
	}
	return 0;
}

struct udp_want {
	const char	*src, *dst, *msg;
	uint16_t	 port;
};

static int
match_udp(const uint8_t *p, size_t len, const void *arg)
{
	const struct udp_want *w = arg;

	return is_udp(p, len, w->src, w->dst, w->port, w->msg);
}

struct echo_want {
	const char	*src, *dst;
	uint16_t	 id, seq;
};

static int
match_reply4(const uint8_t *p, size_t len, const void *arg)
{
	const struct echo_want *w = arg;

	return is_reply4(p, len, w->src, w->dst, w->id, w->seq);
}

static int
match_reply6(const uint8_t *p, size_t len, const void *arg)
{
	const struct echo_want *w = arg;

	return is_reply6(p, len, w->src, w->dst, w->id, w->seq);
}

/* --- the tests ------------------------------------------------------- */

static void
test_args(void)
{
	struct tun *t = (struct tun *)&t;	/* must be reset to NULL */
	struct tun_prefix p;
	int c;
	const char *m[TUN_E_PROTO + 1];

	is_int(tun_open("ikegt0", TUN_OPEN_CREATE | TUN_OPEN_ATTACH, &t),
	    -TUN_E_INVAL, "CREATE with ATTACH is refused");
	ok(t == NULL, "failed open leaves *out NULL");
	is_int(tun_open("ikegt0", 0x8000, &t), -TUN_E_INVAL,
	    "reserved flag bits are refused");
	is_int(tun_open("0123456789abcdef", 0, &t), -TUN_E_NAME,
	    "16-byte name is too long");
	is_int(tun_open("a:b", 0, &t), -TUN_E_NAME, "':' in a name");
	is_int(tun_open("a b", 0, &t), -TUN_E_NAME, "space in a name");
	is_int(tun_open("..", 0, &t), -TUN_E_NAME, "'..' as a name");
	is_int(tun_open("ik%d%d", 0, &t), -TUN_E_NAME, "two %%d");
	is_int(tun_open("ik%s", 0, &t), -TUN_E_NAME, "%%s template");
	is_int(tun_open("ikeg%d", TUN_OPEN_ATTACH, &t), -TUN_E_NAME,
	    "ATTACH takes no template");
	is_int(tun_open(NULL, TUN_OPEN_ATTACH, &t), -TUN_E_NAME,
	    "ATTACH needs a name");
	/* An empty namespace has no local table yet, and then the kernel
	 * lets a socket bind any address; lo up gives it one. */
	is_int(tun_link_up("lo"), 0, "link up lo (not a TUN device)");
	is_int(link_is_up("lo"), 1, "lo is up");
	is_int(tun_link_up(NULL), -TUN_E_NAME, "link_up(NULL)");
	is_int(tun_link_up("bad/name"), -TUN_E_NAME, "link_up bad name");
	is_int(tun_link_up("ikeg-none"), -TUN_E_NODEV, "link_up no device");
	is_int(tun_link_mtu("lo", 67), -TUN_E_INVAL, "MTU 67 refused");
	is_int(tun_link_mtu("lo", 65536), -TUN_E_INVAL, "MTU 65536 refused");
	p = pfx("198.18.0.1", 33);
	is_int(tun_addr_add("lo", &p), -TUN_E_INVAL, "IPv4 prefix 33");
	p = pfx("2001:db8::1", 129);
	is_int(tun_route_add("lo", &p), -TUN_E_INVAL, "IPv6 prefix 129");
	p = pfx("198.18.0.1", 24);
	p.family = AF_UNIX;
	is_int(tun_addr_add("lo", &p), -TUN_E_INVAL, "unknown family");
	is_int(tun_addr_add("lo", NULL), -TUN_E_INVAL, "NULL prefix");

	for (c = 1; c <= TUN_E_PROTO; c++)
		m[c] = tun_strerror(-c);
	for (c = 1; c <= TUN_E_PROTO; c++) {
		int d, dup = 0;

		for (d = 1; d < c; d++)
			dup |= strcmp(m[c], m[d]) == 0;
		if (strcmp(m[c], "unknown error") == 0 || dup || !*m[c])
			break;
	}
	is_int(c, TUN_E_PROTO + 1, "every code has its own message");
	ok(strstr(tun_strerror(-TUN_E_PERM), "CAP_NET_ADMIN") != NULL,
	    "EPERM message names the capability");
	is_str(tun_strerror(-999), "unknown error", "out-of-range code");
	is_str(tun_strerror(TUN_E_OWNER), tun_strerror(-TUN_E_OWNER),
	    "sign ignored");
}

static void
test_v4(void)
{
	static uint8_t b[8][PKT_MAX], reply[PKT_MAX];
	struct tun *t = NULL, *t2 = NULL;
	struct tun_pkt pk[8];
	struct tun_stats st;
	struct tun_prefix p;
	struct udp_want uw;
	struct echo_want ew;
	unsigned int mtu = 0;
	char msg[32];
	size_t i;
	int n, inorder, canary;

	if (tun_open("ikegt0", TUN_OPEN_CREATE, &t) != 0) {
		ok(0, "create ikegt0");
		return;
	}
	ok(1, "create ikegt0");
	is_int(tun_created(t), 1, "we created it");
	is_str(tun_name(t), "ikegt0", "its name");
	ok(tun_fd(t) >= 0, "it has an fd");
	ok(if_nametoindex("ikegt0") != 0, "the kernel knows ikegt0");

	is_int(tun_open("ikegt0", TUN_OPEN_CREATE, &t2), -TUN_E_EXIST,
	    "CREATE on an existing name: EXIST");
	is_int(tun_open("ikegt0", 0, &t2), -TUN_E_BUSY,
	    "default open of a device in use: BUSY");
	is_int(tun_open("ikegt0", TUN_OPEN_ATTACH, &t2), -TUN_E_BUSY,
	    "ATTACH to a device in use: BUSY");

	is_int(tun_mtu(t, &mtu), 0, "get MTU");
	is_int(mtu, 1500, "default MTU 1500");
	is_int(tun_link_mtu("ikegt0", 1400), 0, "set MTU 1400");
	mtu = 0;
	is_int(tun_mtu(t, &mtu), 0, "get MTU again");
	is_int(mtu, 1400, "MTU is now 1400");
	is_int(tun_link_gso_max_segs("ikegt0", 0), -TUN_E_INVAL,
	    "gso_max_segs 0 refused");
	is_int(tun_link_gso_max_segs("ikegt0", 65536), -TUN_E_INVAL,
	    "gso_max_segs 65536 refused");
	is_int(tun_link_gso_max_segs("ikegt0", 44), 0, "set gso_max_segs 44");
	is_int((int)gso_max_segs("ikegt0"), 44, "ip(8) shows 44");
	is_int(tun_link_gso_max_segs("ikegt-none", 44), -TUN_E_NODEV,
	    "gso_max_segs of a missing device: NODEV");

	is_int(link_is_up("ikegt0"), 0, "down after creation");
	pk[0].buf = b[0];
	pk[0].cap = sizeof(b[0]);
	pk[0].len = echo4(b[0], "198.18.99.2", "198.18.0.1", 0x6001, 0);
	errno = 0;
	is_int(tun_write_batch(t, pk, 1, 0), -TUN_E_SYS,
	    "write while the link is down fails");
	is_int(errno, EIO, "with EIO");
	is_int(tun_link_up("ikegt0"), 0, "link up");
	is_int(link_is_up("ikegt0"), 1, "IFF_UP is set");

	p = pfx("198.18.0.1", 24);
	is_int(bind_err("198.18.0.1"), EADDRNOTAVAIL, "no address yet");
	is_int(tun_addr_add("ikegt0", &p), 0, "add 198.18.0.1/24");
	is_int(tun_addr_add("ikegt0", &p), 0, "adding it again is harmless");
	is_int(bind_err("198.18.0.1"), 0, "198.18.0.1 is local now");
	p = pfx("198.18.99.77", 24);	/* host bits are cleared */
	is_int(tun_route_add("ikegt0", &p), 0, "route 198.18.99.0/24");
	is_int(tun_route_add("ikegt0", &p), 0, "route again (replace)");

	is_int(tun_set_nonblock(t, 1), 0, "non-blocking");
	for (i = 0; i < 8; i++) {
		pk[i].buf = b[i];
		pk[i].cap = sizeof(b[i]);
		pk[i].len = 0;
	}
	is_int(tun_read_batch(t, pk, 8, HEAD), 0, "nothing waiting: 0");

	/* A datagram the kernel routes into the device. */
	memset(b[0], CANARY, HEAD);
	is_int(udp_send("198.18.0.1", "198.18.99.2", 9999, "ikegate tun 6001"),
	    0, "send UDP to 198.18.99.2");
	msleep(20);
	n = tun_read_batch(t, pk, 1, HEAD);
	is_int(n, 1, "read one packet");
	ok(n == 1 && is_udp(b[0] + HEAD, pk[0].len, "198.18.0.1",
	    "198.18.99.2", 9999, "ikegate tun 6001"),
	    "it is our datagram, at the offset");
	ok(n == 1 && fold(sum16(b[0] + HEAD, 20, 0)) == 0,
	    "its IPv4 header checksum is valid");
	for (i = 0, canary = 1; i < HEAD; i++)
		canary &= b[0][i] == CANARY;
	ok(canary, "headroom untouched");

	/* A crafted echo request to the device's own address; the kernel
	 * answers out of the device. */
	pk[0].len = echo4(b[0] + HEAD, "198.18.99.2", "198.18.0.1", 0x6001, 1);
	is_int(tun_write_batch(t, pk, 1, HEAD), 1, "write an echo request");
	ew = (struct echo_want){ "198.18.0.1", "198.18.99.2", 0x6001, 1 };
	ok(read_until(t, match_reply4, &ew, reply, 2000) != 0,
	    "the kernel's echo reply comes out, checksums valid");

	/* Batches: six datagrams, read 4 then the rest. */
	for (i = 0; i < 6; i++) {
		snprintf(msg, sizeof(msg), "batch %zu", i);
		if (udp_send("198.18.0.1", "198.18.99.2", 9999, msg) != 0)
			break;
	}
	is_int(i, 6, "send six datagrams");
	msleep(50);
	n = tun_read_batch(t, pk, 4, HEAD);
	is_int(n, 4, "a batch of 4 stops at 4");
	inorder = n == 4;
	for (i = 0; inorder && i < 4; i++) {
		snprintf(msg, sizeof(msg), "batch %zu", i);
		inorder = is_udp(b[i] + HEAD, pk[i].len, NULL, "198.18.99.2",
		    9999, msg);
	}
	ok(inorder, "datagrams 0..3 in order");
	n = tun_read_batch(t, pk, 8, HEAD);
	is_int(n, 2, "the next batch gets the other 2");
	inorder = n == 2;
	for (i = 0; inorder && i < 2; i++) {
		snprintf(msg, sizeof(msg), "batch %zu", i + 4);
		inorder = is_udp(b[i] + HEAD, pk[i].len, NULL, "198.18.99.2",
		    9999, msg);
	}
	ok(inorder, "datagrams 4..5 in order");
	is_int(tun_read_batch(t, pk, 8, HEAD), 0, "then EAGAIN: 0");

	/* A write batch with a malformed packet in the middle. */
	for (i = 0; i < 4; i++)
		pk[i].len = echo4(b[i] + HEAD, "198.18.99.2", "198.18.0.1",
		    0x6001, (uint16_t)(10 + i));
	b[1][HEAD] = 0x05;		/* IP version 0 */
	is_int(tun_write_batch(t, pk, 4, HEAD), 4, "write batch of 4");
	tun_get_stats(t, &st);
	is_int(st.tx_invalid, 1, "the malformed one is dropped and counted");
	ew.seq = 10;
	ok(read_until(t, match_reply4, &ew, reply, 2000) != 0, "reply 10");
	ew.seq = 12;
	ok(read_until(t, match_reply4, &ew, reply, 2000) != 0, "reply 12");
	ew.seq = 13;
	ok(read_until(t, match_reply4, &ew, reply, 2000) != 0, "reply 13");

	/* A packet longer than its slot is dropped, not cut. */
	is_int(udp_send("198.18.0.1", "198.18.99.2", 9999, "too long for it"),
	    0, "send one more");
	msleep(20);
	pk[0].cap = HEAD + 20;
	is_int(tun_read_batch(t, pk, 1, HEAD), 0, "short slot: nothing read");
	tun_get_stats(t, &st);
	is_int(st.rx_truncated, 1, "counted as truncated");
	pk[0].cap = sizeof(b[0]);
	is_int(tun_read_batch(t, pk, 8, HEAD), 0, "and it is gone");
	is_int(udp_send("198.18.0.1", "198.18.99.2", 9999, "exact fit"), 0,
	    "send a 37-byte packet");
	msleep(20);
	pk[0].cap = HEAD + 20 + 8 + 9;
	n = tun_read_batch(t, pk, 1, HEAD);
	is_int(n, 1, "a slot of exactly its size reads it");
	ok(n == 1 && is_udp(b[0] + HEAD, pk[0].len, NULL, "198.18.99.2", 9999,
	    "exact fit"), "whole");
	pk[0].cap = sizeof(b[0]);

	pk[1].cap = HEAD;
	is_int(tun_read_batch(t, pk, 2, HEAD), -TUN_E_INVAL,
	    "read slot without room after off");
	pk[1].cap = sizeof(b[1]);
	pk[0].len = sizeof(b[0]) - HEAD + 1;
	is_int(tun_write_batch(t, pk, 1, HEAD), -TUN_E_INVAL,
	    "write slot with len past cap");

	/* A default route (prefix length 0, no RTA_DST). */
	p = pfx("0.0.0.0", 0);
	is_int(tun_route_add("ikegt0", &p), 0, "default route");
	is_int(udp_send(NULL, "198.19.7.7", 7, "via default"), 0,
	    "send to 198.19.7.7");
	uw = (struct udp_want){ "198.18.0.1", "198.19.7.7", "via default", 7 };
	ok(read_until(t, match_udp, &uw, reply, 2000) != 0,
	    "it comes out of the device");
	is_int(tun_route_del("ikegt0", &p), 0, "delete the default route");
	is_int(udp_send(NULL, "198.19.7.7", 7, "x"), ENETUNREACH,
	    "198.19.7.7 is unreachable again");

	p = pfx("198.18.99.0", 24);
	is_int(tun_route_del("ikegt0", &p), 0, "delete 198.18.99.0/24");
	is_int(udp_send(NULL, "198.18.99.2", 9, "x"), ENETUNREACH,
	    "198.18.99.2 is unreachable");
	is_int(tun_route_del("ikegt0", &p), -TUN_E_NOENT,
	    "deleting it again: NOENT");

	p = pfx("198.18.0.1", 24);
	is_int(tun_addr_del("ikegt0", &p), 0, "delete 198.18.0.1/24");
	is_int(bind_err("198.18.0.1"), EADDRNOTAVAIL, "no longer local");
	is_int(tun_addr_del("ikegt0", &p), -TUN_E_NOENT,
	    "deleting it again: NOENT");

	tun_close(t);
	ok(if_nametoindex("ikegt0") == 0, "closing removes the device");

	/* Names the kernel picks. */
	t = NULL;
	is_int(tun_open(NULL, 0, &t), 0, "open without a name");
	ok(t != NULL && tun_created(t) && tun_name(t)[0] != '\0' &&
	    if_nametoindex(tun_name(t)) != 0, "the kernel named it");
	tun_close(t);
	t = NULL;
	is_int(tun_open("ikegx%d", TUN_OPEN_CREATE, &t), 0, "template name");
	ok(t != NULL && strncmp(tun_name(t), "ikegx", 5) == 0 &&
	    strchr(tun_name(t), '%') == NULL, "expanded to %s",
	    t != NULL ? tun_name(t) : "-");
	tun_close(t);
	ok(if_nametoindex("ikegx0") == 0, "gone after close");
}

static void
test_v6(void)
{
	static uint8_t b[PKT_MAX], reply[PKT_MAX];
	struct tun *t = NULL;
	struct tun_pkt pk = { .buf = b, .cap = sizeof(b), .len = 0 };
	struct tun_prefix p;
	struct udp_want uw;
	struct echo_want ew;
	int i, got, w;

	if (!have6) {
		skip("IPv6 is not available");
		return;
	}
	if (tun_open("ikegt6", TUN_OPEN_CREATE, &t) != 0) {
		ok(0, "create ikegt6");
		return;
	}
	ok(1, "create ikegt6");
	is_int(sysctl_write("/proc/sys/net/ipv6/conf/ikegt6/disable_ipv6",
	    "0"), 0, "enable IPv6 on it");
	is_int(tun_set_nonblock(t, 1), 0, "non-blocking");
	is_int(tun_link_up("ikegt6"), 0, "link up");
	p = pfx("2001:db8:1::1", 64);
	is_int(tun_addr_add("ikegt6", &p), 0, "add 2001:db8:1::1/64");
	is_int(tun_addr_add("ikegt6", &p), 0, "again: harmless");
	is_int(bind_err("2001:db8:1::1"), 0, "it is local (no DAD wait)");
	p = pfx("2001:db8:99::", 64);
	is_int(tun_route_add("ikegt6", &p), 0, "route 2001:db8:99::/64");

	is_int(udp_send("2001:db8:1::1", "2001:db8:99::2", 9999, "six"), 0,
	    "send UDP to 2001:db8:99::2");
	uw = (struct udp_want){ "2001:db8:1::1", "2001:db8:99::2", "six",
	    9999 };
	ok(read_until(t, match_udp, &uw, b, 2000) != 0,
	    "the IPv6 datagram comes out");

	/* The kernel installs the local route of a new IPv6 address from
	 * a work queue (addrconf_dad_work), a moment after the ACK: until
	 * then it drops the request (Ip6InAddrErrors). Ask a few times. */
	pk.len = echo6(b, "2001:db8:99::2", "2001:db8:1::1", 0x6006, 1);
	ew = (struct echo_want){ "2001:db8:1::1", "2001:db8:99::2", 0x6006,
	    1 };
	for (i = 0, got = 0, w = 1; i < 10 && !got && w == 1; i++) {
		w = tun_write_batch(t, &pk, 1, 0);
		got = read_until(t, match_reply6, &ew, reply, 300) != 0;
	}
	is_int(w, 1, "write an ICMPv6 echo request");
	ok(got, "the kernel's ICMPv6 echo reply comes out, checksum valid");

	is_int(tun_route_del("ikegt6", &p), 0, "delete the route");
	is_int(udp_send(NULL, "2001:db8:99::2", 9, "x"), ENETUNREACH,
	    "2001:db8:99::2 is unreachable");
	is_int(tun_route_del("ikegt6", &p), -TUN_E_NOENT, "again: NOENT");
	p = pfx("2001:db8:1::1", 64);
	is_int(tun_addr_del("ikegt6", &p), 0, "delete the address");
	is_int(bind_err("2001:db8:1::1"), EADDRNOTAVAIL, "no longer local");
	is_int(tun_addr_del("ikegt6", &p), -TUN_E_NOENT, "again: NOENT");
	is_int(tun_link_mtu("ikegt6", 1280), 0, "MTU 1280");
	tun_close(t);
}

/*
 * Reads both queues (non-blocking) for up to ms milliseconds, marking in
 * seen[i] each UDP datagram "mq <i>" to port 20000 + i from dst; counts
 * per queue go to per[]. Returns how many of the n were seen at least
 * once; a datagram seen twice makes *dup nonzero.
 */
#define MQ_FLOWS	64

static int
mq_collect(struct tun *const *q, size_t nq, const char *dst, int *seen,
    int n, int *per, int *dup, int ms)
{
	static uint8_t b[PKT_MAX];
	struct tun_pkt pk = { .buf = b, .cap = sizeof(b), .len = 0 };
	struct pollfd pfd[4];
	char msg[32];
	int got = 0, i, j, k, r;
	size_t x;

	for (x = 0; x < nq; x++) {
		pfd[x].fd = tun_fd(q[x]);
		pfd[x].events = POLLIN;
	}
	for (i = 0; i < ms / 10 && got < n; i++) {
		if (poll(pfd, (nfds_t)nq, 10) < 0)
			break;
		for (x = 0; x < nq; x++)
			while ((r = tun_read_batch(q[x], &pk, 1, 0)) == 1)
				for (j = 0; j < n; j++) {
					snprintf(msg, sizeof(msg), "mq %d", j);
					if (!is_udp(b, pk.len, NULL, dst,
					    (uint16_t)(20000 + j), msg))
						continue;
					k = seen[j]++;
					if (k > 0)
						*dup = 1;
					else
						got++;
					per[x]++;
					break;
				}
	}
	return got;
}

static void
test_multi_queue(void)
{
	static uint8_t b[PKT_MAX], reply[PKT_MAX];
	struct tun *q[2] = { NULL, NULL }, *x = NULL;
	struct tun_pkt pk = { .buf = b, .cap = sizeof(b), .len = 0 };
	struct tun_prefix p;
	struct echo_want ew;
	int seen[MQ_FLOWS], per[2] = { 0, 0 }, dup = 0, i, e = 0, got, w;
	char msg[32];

	is_int(tun_open("ikegmq0", TUN_OPEN_CREATE | TUN_OPEN_MULTI_QUEUE,
	    &q[0]), 0, "create multi-queue ikegmq0");
	if (q[0] == NULL)
		return;
	ok(tun_multi_queue(q[0]) && tun_created(q[0]), "first queue");
	is_int(tun_open_queue(q[0], &q[1]), 0, "open a second queue");
	if (q[1] == NULL) {
		tun_close(q[0]);
		return;
	}
	ok(tun_multi_queue(q[1]) && tun_created(q[1]) &&
	    strcmp(tun_name(q[1]), "ikegmq0") == 0 &&
	    tun_fd(q[1]) != tun_fd(q[0]) && tun_offload(q[1], NULL, NULL) ==
	    0, "same device, its own fd, plain format");
	is_int(tun_open("ikegmq0", 0, &x), -TUN_E_NOTSUP,
	    "a single-queue open of it: NOTSUP");
	is_int(tun_open("ikegmq0", TUN_OPEN_MULTI_QUEUE, &x), -TUN_E_BUSY,
	    "another multi-queue open while we hold it: BUSY");
	ok(x == NULL, "and no handle");
	is_int(tun_open("ikegsq0", TUN_OPEN_CREATE, &x), 0,
	    "create single-queue ikegsq0");
	{
		struct tun *y = (struct tun *)&y;

		is_int(tun_open_queue(x, &y), -TUN_E_INVAL,
		    "a single-queue device has no second queue");
		ok(y == NULL, "failed queue open leaves *out NULL");
	}
	tun_close(x);
	x = NULL;

	is_int(tun_set_nonblock(q[0], 1), 0, "queue 0 non-blocking");
	is_int(tun_set_nonblock(q[1], 1), 0, "queue 1 non-blocking");
	is_int(tun_link_up("ikegmq0"), 0, "link up");
	p = pfx("198.18.9.1", 24);
	is_int(tun_addr_add("ikegmq0", &p), 0, "add 198.18.9.1/24");
	p = pfx("198.18.10.0", 24);
	is_int(tun_route_add("ikegmq0", &p), 0, "route 198.18.10.0/24");

	/* RFC 768 datagrams of MQ_FLOWS flows (one destination port each):
	 * the kernel hashes each flow to a queue; with a random hash key,
	 * all of them on one queue has probability 2^-63. */
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < MQ_FLOWS && e == 0; i++) {
		snprintf(msg, sizeof(msg), "mq %d", i);
		e = udp_send(NULL, "198.18.10.7", (uint16_t)(20000 + i), msg);
	}
	is_int(e, 0, "send %d flows into the device", MQ_FLOWS);
	got = mq_collect(q, 2, "198.18.10.7", seen, MQ_FLOWS, per, &dup,
	    3000);
	is_int(got, MQ_FLOWS, "every datagram is read from a queue");
	ok(!dup, "each exactly once");
	ok(per[0] > 0 && per[1] > 0, "both queues carry flows (%d + %d)",
	    per[0], per[1]);

	/* Writes work on any queue: an echo request written on queue 1. */
	pk.len = echo4(b, "198.18.10.9", "198.18.9.1", 0x6011, 1);
	ew = (struct echo_want){ "198.18.9.1", "198.18.10.9", 0x6011, 1 };
	w = tun_write_batch(q[1], &pk, 1, 0);
	is_int(w, 1, "write an echo request on queue 1");
	got = read_until(q[1], match_reply4, &ew, reply, 300) != 0 ||
	    read_until(q[0], match_reply4, &ew, reply, 300) != 0;
	ok(got, "the kernel's echo reply comes out of a queue");

	/* Queues close independently; the device goes with the last. */
	tun_close(q[0]);
	ok(if_nametoindex("ikegmq0") != 0, "closing queue 0 keeps it");
	is_int(tun_open_queue(q[1], &x), 0, "queue 1 can open another");
	tun_close(x);
	x = NULL;
	tun_close(q[1]);
	ok(if_nametoindex("ikegmq0") == 0, "closing the last removes it");
}

/* Attaching to persistent multi-queue devices an administrator made. */
static void
test_persistent_mq(void)
{
	char *mk_m[] = { "ip", "tuntap", "add", "dev", "ikegpm0", "mode", "tun",
	    "multi_queue", NULL };
	char *mk_s[] = { "ip", "tuntap", "add", "dev", "ikegps0", "mode", "tun",
	    NULL };
	struct tun *t = NULL, *q = NULL, *x = NULL;

	if (!have_cmd("ip")) {
		skip("ip(8) not installed: no persistent devices");
		return;
	}
	is_int(run(mk_m), 0, "ip tuntap add dev ikegpm0 mode tun multi_queue");
	is_int(run(mk_s), 0, "ip tuntap add dev ikegps0 mode tun");
	is_int(tun_open("ikegpm0", TUN_OPEN_ATTACH, &x), -TUN_E_NOTSUP,
	    "ATTACH it single-queue: NOTSUP");
	is_int(tun_open("ikegps0", TUN_OPEN_ATTACH | TUN_OPEN_MULTI_QUEUE,
	    &x), -TUN_E_NOTSUP, "ATTACH a single-queue device as "
	    "multi-queue: NOTSUP");
	is_int(tun_open("ikegps0", TUN_OPEN_MULTI_QUEUE, &x), -TUN_E_NOTSUP,
	    "open it as multi-queue: NOTSUP");
	is_int(tun_open("ikegpm0", TUN_OPEN_ATTACH | TUN_OPEN_MULTI_QUEUE,
	    &t), 0, "ATTACH it multi-queue");
	ok(t != NULL && !tun_created(t) && tun_multi_queue(t),
	    "attached, not created");
	if (t == NULL)
		return;
	is_int(tun_open_queue(t, &q), 0, "and a second queue");
	ok(q != NULL && !tun_created(q), "attached too");
	is_int(tun_open("ikegpm0", TUN_OPEN_ATTACH | TUN_OPEN_MULTI_QUEUE,
	    &x), -TUN_E_BUSY, "ATTACH again while held: BUSY");
	tun_close(t);
	tun_close(q);
	ok(if_nametoindex("ikegpm0") != 0, "ikegpm0 persists");
	is_int(tun_open("ikegpm0", TUN_OPEN_MULTI_QUEUE, &t), 0,
	    "default open attaches once free");
	ok(t != NULL && !tun_created(t), "not created");
	tun_close(t);
}

/* What the unprivileged child reports, in order. */
enum {
	C_ATTACH, C_CREATED, C_MTU_R, C_MTU, C_UP, C_SETMTU, C_ADDR,
	C_ROUTE, C_ROOTDEV_A, C_ROOTDEV, C_NONE_A, C_NEW, C_TAP_A, C_LO_A,
	C_TAP, C_NODEV_CFG, C_ANON, C_DATA, C_N
};

static void
child(const struct passwd *pw, int wfd, int rfd)
{
	static uint8_t b[PKT_MAX];
	struct tun_prefix p;
	struct tun *t = NULL, *x = NULL;
	struct udp_want uw;
	int res[C_N];
	unsigned int mtu = 0;
	char c;

	memset(res, 0x7f, sizeof(res));
	if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0 || setuid(0) != -1)
		_exit(2);
	res[C_ATTACH] = tun_open("ikegp0", TUN_OPEN_ATTACH, &t);
	res[C_CREATED] = t != NULL ? tun_created(t) : -1;
	res[C_MTU_R] = t != NULL ? tun_mtu(t, &mtu) : -1;
	res[C_MTU] = (int)mtu;
	res[C_UP] = tun_link_up("ikegp0");
	res[C_SETMTU] = tun_link_mtu("ikegp0", 1300);
	p = pfx("198.18.2.9", 24);
	res[C_ADDR] = tun_addr_add("ikegp0", &p);
	p = pfx("198.18.4.0", 24);
	res[C_ROUTE] = tun_route_add("ikegp0", &p);
	res[C_ROOTDEV_A] = tun_open("ikegr0", TUN_OPEN_ATTACH, &x);
	tun_close(x);
	x = NULL;
	res[C_ROOTDEV] = tun_open("ikegr0", 0, &x);
	tun_close(x);
	x = NULL;
	res[C_NONE_A] = tun_open("ikegnone", TUN_OPEN_ATTACH, &x);
	tun_close(x);
	x = NULL;
	res[C_NEW] = tun_open("ikegnew", 0, &x);
	tun_close(x);
	x = NULL;
	res[C_TAP_A] = tun_open("ikegtap0", TUN_OPEN_ATTACH, &x);
	tun_close(x);
	x = NULL;
	res[C_LO_A] = tun_open("lo", TUN_OPEN_ATTACH, &x);
	tun_close(x);
	x = NULL;
	res[C_TAP] = tun_open("ikegtap0", 0, &x);
	tun_close(x);
	x = NULL;
	res[C_NODEV_CFG] = tun_link_up("ikegnone");
	res[C_ANON] = tun_open(NULL, 0, &x);
	tun_close(x);

	/* The data path works for the unprivileged owner. */
	res[C_DATA] = 0;
	uw = (struct udp_want){ "198.18.2.1", "198.18.3.2", "as nobody", 9 };
	if (t != NULL && tun_set_nonblock(t, 1) == 0 &&
	    udp_send(NULL, "198.18.3.2", 9, "as nobody") == 0 &&
	    read_until(t, match_udp, &uw, b, 2000) != 0)
		res[C_DATA] = 1;

	if (write(wfd, res, sizeof(res)) != (ssize_t)sizeof(res))
		_exit(3);
	/* Hold the device until the parent has tried it. */
	while (read(rfd, &c, 1) == -1 && errno == EINTR)
		;
	tun_close(t);
	_exit(0);
}

static void
test_persistent(void)
{
	char *mk_p[] = { "ip", "tuntap", "add", "dev", "ikegp0", "mode", "tun",
	    "user", "nobody", NULL };
	char *mk_r[] = { "ip", "tuntap", "add", "dev", "ikegr0", "mode", "tun",
	    "user", "root", NULL };
	char *mk_t[] = { "ip", "tuntap", "add", "dev", "ikegtap0", "mode",
	    "tap", NULL };
	struct passwd *pw;
	struct tun_prefix p;
	struct tun *t = NULL;
	int res[C_N], up[2], down[2], st;
	size_t got;
	ssize_t n;
	pid_t pid;

	if (!have_cmd("ip")) {
		skip("ip(8) not installed: no persistent devices");
		return;
	}
	if ((pw = getpwnam("nobody")) == NULL || pw->pw_uid == 0) {
		skip("no unprivileged user 'nobody'");
		return;
	}
	is_int(run(mk_p), 0, "ip tuntap add dev ikegp0 mode tun user nobody");
	is_int(run(mk_r), 0, "ip tuntap add dev ikegr0 mode tun user root");
	is_int(run(mk_t), 0, "ip tuntap add dev ikegtap0 mode tap");

	/* What an administrator does beforehand. */
	is_int(tun_link_up("ikegp0"), 0, "root: ikegp0 up");
	is_int(tun_link_mtu("ikegp0", 1380), 0, "root: MTU 1380");
	p = pfx("198.18.2.1", 24);
	is_int(tun_addr_add("ikegp0", &p), 0, "root: add 198.18.2.1/24");
	p = pfx("198.18.3.0", 24);
	is_int(tun_route_add("ikegp0", &p), 0, "root: route 198.18.3.0/24");

	if (pipe(up) != 0 || pipe(down) != 0)
		abort();
	fflush(stdout);
	if ((pid = fork()) == -1)
		abort();
	if (pid == 0) {
		close(up[0]);
		close(down[1]);
		child(pw, up[1], down[0]);
	}
	close(up[1]);
	close(down[0]);
	got = 0;
	while (got < sizeof(res)) {
		n = read(up[0], (char *)res + got, sizeof(res) - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got == sizeof(res)) {
		is_int(res[C_ATTACH], 0, "nobody: attach to ikegp0");
		is_int(res[C_CREATED], 0, "nobody: attached, not created");
		is_int(res[C_MTU_R], 0, "nobody: get MTU");
		is_int(res[C_MTU], 1380, "nobody: sees MTU 1380");
		is_int(res[C_UP], -TUN_E_PERM, "nobody: link up: PERM");
		is_int(res[C_SETMTU], -TUN_E_PERM, "nobody: set MTU: PERM");
		is_int(res[C_ADDR], -TUN_E_PERM, "nobody: add address: PERM");
		is_int(res[C_ROUTE], -TUN_E_PERM, "nobody: add route: PERM");
		is_int(res[C_ROOTDEV_A], -TUN_E_OWNER,
		    "nobody: ATTACH root's device: OWNER");
		is_int(res[C_ROOTDEV], -TUN_E_OWNER,
		    "nobody: open root's device: OWNER");
		is_int(res[C_NONE_A], -TUN_E_NODEV,
		    "nobody: ATTACH a missing device: NODEV");
		is_int(res[C_NEW], -TUN_E_PERM,
		    "nobody: create a device: PERM");
		is_int(res[C_TAP_A], -TUN_E_NOTTUN,
		    "nobody: ATTACH a TAP device: NOTTUN");
		is_int(res[C_LO_A], -TUN_E_NOTTUN, "nobody: ATTACH lo: NOTTUN");
		is_int(res[C_TAP], -TUN_E_NOTTUN,
		    "nobody: open a TAP device: NOTTUN");
		is_int(res[C_NODEV_CFG], -TUN_E_NODEV,
		    "nobody: configure a missing device: NODEV");
		is_int(res[C_ANON], -TUN_E_PERM,
		    "nobody: open without a name: PERM");
		is_int(res[C_DATA], 1, "nobody: reads a routed datagram");
	} else
		ok(0, "the unprivileged child reported (%zu bytes)", got);

	/* While nobody holds it. */
	is_int(tun_open("ikegp0", TUN_OPEN_ATTACH, &t), -TUN_E_BUSY,
	    "root: ATTACH while nobody holds it: BUSY");
	close(down[1]);
	close(up[0]);
	is_int(waitpid(pid, &st, 0), pid, "child done");
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child exit status %d",
	    WIFEXITED(st) ? WEXITSTATUS(st) : -1);

	ok(if_nametoindex("ikegp0") != 0, "ikegp0 persists after close");
	is_int(tun_open("ikegp0", TUN_OPEN_CREATE, &t), -TUN_E_EXIST,
	    "root: CREATE ikegp0: EXIST");
	is_int(tun_open("ikegp0", 0, &t), 0, "root: default open attaches");
	ok(t != NULL && !tun_created(t), "not created");
	tun_close(t);
	t = NULL;
	ok(if_nametoindex("ikegp0") != 0, "still there");
	is_int(tun_open("ikegtap0", 0, &t), -TUN_E_NOTTUN,
	    "root: open a TAP device: NOTTUN");
	is_int(tun_open("lo", 0, &t), -TUN_E_NOTTUN, "root: open lo: NOTTUN");
	is_int(tun_open("ikegnone", TUN_OPEN_ATTACH, &t), -TUN_E_NODEV,
	    "root: ATTACH a missing device: NODEV");
	ok(if_nametoindex("ikegnone") == 0, "and creates nothing");
}

int
main(void)
{
	if (geteuid() != 0)
		skip_all("needs root (TUN devices in a private network "
		    "namespace)");
	if (access("/dev/net/tun", R_OK | W_OK) != 0)
		skip_all("no /dev/net/tun");
	if (unshare(CLONE_NEWNET) != 0)
		skip_all("cannot create a network namespace: %s",
		    strerror(errno));
	/* New devices get no IPv6 unless a test turns it on, which keeps
	 * router solicitations and MLD reports out of the reads. */
	have6 = sysctl_write("/proc/sys/net/ipv6/conf/default/disable_ipv6",
	    "1") == 0;

	test_args();
	test_v4();
	test_v6();
	test_multi_queue();
	test_persistent();
	test_persistent_mq();
	return done_testing();
}

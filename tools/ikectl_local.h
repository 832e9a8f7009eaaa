/* ikectl_local.h: ikectl commands that run without the daemon. */
#ifndef TOOLS_IKECTL_LOCAL_H
#define TOOLS_IKECTL_LOCAL_H

/* hash-password: reads a password from stdin (one line) and prints its
 * nt_hash for [user] sections. Returns the exit status. */
int	ikectl_hash_password(int argc, char **argv);

#endif /* TOOLS_IKECTL_LOCAL_H */

/* troupe --check for node links: the listening address is free, so that
 * a start would not fail there (see linkd.h). */
#include <stdio.h>
#include <unistd.h>
#include "link_sock.h"
#include "linkd.h"

int tp_linkd_check_listen(const struct tp_topology *t, FILE *errs)
{
	if (!t->node.listen[0])
		return 0;
	char err[256];
	int fd = tp_link_sock_listen(t->node.listen, err, sizeof err);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	fprintf(errs, "%s:%d: [node]: listen: %s: another program, or this node running "
		"already, holds it; choose another port\n", t->file, t->node.listen_line ? t->node.listen_line : t->node.line, err);
	return 1;
}

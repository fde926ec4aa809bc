/* troupectl sub FILTER [COUNT]: the daemon forwards what is published to
 * topics matching FILTER (runtime/daemon/ctl_sub.c); each message is
 * printed decoded by its type, as call prints a reply, with its topic and
 * publisher: text, or one JSON object a line with -j. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "troupe/error.h"
#include "ctl.h"
#include "pbtext.h"

static void sub_show(const struct ctl_opts *o, const troupe_CtlReply *r)
{
	const struct mt_msg *m = pbt_find_id(r->type);
	char err[256], *text = NULL;
	size_t len = 0;
	/* The message as call prints a reply, into memory first: in JSON it
	 * goes inside one object with its topic and sender, one a line. */
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return;
	if (!m || pbt_print(f, m, r->payload.bytes, r->payload.size, o->json, err, sizeof err)) {
		rewind(f);
		fprintf(f, o->json ? "{\"type\":%u,\"payload\":\"" : "type %u payload ", r->type);
		for (pb_size_t k = 0; k < r->payload.size; k++)
			fprintf(f, "%02x", r->payload.bytes[k]);
		fprintf(f, o->json ? "\"}\n" : "\n");
	}
	fclose(f);
	if (len && text[len - 1] == '\n')
		text[--len] = '\0';
	if (o->json)
		printf("{\"topic\":\"%s\",\"sender\":\"%s\",\"message\":%s}\n", r->topic,
		       r->sender, text);
	else
		printf("%s from %s: %s\n", r->topic, r->sender, text);
	free(text);
	fflush(stdout);
}

int ctl_sub_run(struct ctl_opts *o, const char *filter, unsigned count)
{
	static troupe_CtlRequest q = { .cmd = troupe_CtlRequest_Cmd_SUB };
	static troupe_CtlReply r;
	snprintf(q.filter, sizeof q.filter, "%s", filter);
	int fd, code = ctl_open(o, &q, &fd);
	if (code)
		return code;
	if ((code = ctl_read(o, fd, o->timeout_ms, &r)) || (code = ctl_check(o, &r))) {
		close(fd);
		return code;
	}
	uint32_t missed = 0;
	for (unsigned n = 0; !count || n < count; n++) {
		/* With a count, each message within -t; without, until stopped. */
		if ((code = ctl_read(o, fd, count ? o->timeout_ms : -1, &r)))
			break;
		if (r.dropped > missed && !o->quiet)
			fprintf(stderr, "troupectl: %u messages missed (this client did not keep "
				"up, or they were over %u bytes)\n", r.dropped - missed,
				(unsigned)sizeof r.payload.bytes);
		missed = r.dropped;
		sub_show(o, &r);
	}
	close(fd);
	return code;
}

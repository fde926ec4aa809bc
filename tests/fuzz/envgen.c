/* For tests/fuzz/make-seeds: one envelope written by libtroupe's own
 * encoder, so that the seeds follow the envelope when its header changes.
 * Usage: envgen SENDER DEST TYPE FLAGS PRIO CORR SENT_NS [TOPIC] < payload > envelope
 * (with TOPIC: envelope version 3, mail published to that topic) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "troupe/envelope.h"

int main(int argc, char **argv)
{
	static uint8_t buf[1 << 16];
	if (argc != 8 && argc != 9) {
		fprintf(stderr, "usage: envgen SENDER DEST TYPE FLAGS PRIO CORR SENT_NS [TOPIC] "
			"<payload\n");
		return 2;
	}
	struct tp_env env = { 0 };
	snprintf(env.sender, sizeof env.sender, "%s", argv[1]);
	snprintf(env.dest, sizeof env.dest, "%s", argv[2]);
	env.type = (uint32_t)strtoul(argv[3], NULL, 0);
	env.flags = (uint8_t)strtoul(argv[4], NULL, 0);
	env.prio = (uint8_t)strtoul(argv[5], NULL, 0);
	env.corr = strtoull(argv[6], NULL, 0);
	env.sent_ns = strtoull(argv[7], NULL, 0);
	if (argc == 9)
		snprintf(env.topic, sizeof env.topic, "%s", argv[8]);
	int off = tp_env_encode_head(buf, sizeof buf, &env);
	if (off < 0) {
		fprintf(stderr, "envgen: cannot encode (%d)\n", off);
		return 1;
	}
	size_t len = fread(buf + off, 1, sizeof buf - (size_t)off, stdin);
	tp_env_set_len(buf, (uint32_t)len);
	return fwrite(buf, 1, (size_t)off + len, stdout) == (size_t)off + len ? 0 : 1;
}

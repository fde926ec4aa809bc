/* The topology (INI) parser on any file contents.  tp_topology_load takes
 * a path, so the input goes into a memfd read back through /proc/self/fd.
 * Properties: no crash, no read or write out of bounds, no leak (ASan);
 * an error count of 0 only for a topology that is valid by the rules of
 * docs/TOPOLOGY.md; every error counted is written, as one line.
 * Note: resolve looks at the real file system (stat, access), read-only. */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "fuzz.h"
#include "topo.h"
#include "transport.h"

static int fuzz_fd = -1;
static char fuzz_path[64];
static char *errbuf;
static size_t errlen;

static unsigned count_lines(const char *s, size_t n)
{
	unsigned k = 0;
	for (size_t i = 0; i < n; i++)
		k += s[i] == '\n';
	return k;
}

static void check_valid(const struct tp_topology *t)
{
	FUZZ_CHECK(tp_name_is_valid(t->node.name));
	FUZZ_CHECK(t->n_actors >= 1 && t->n_actors <= TP_REG_MAX);
	FUZZ_CHECK((t->node.mode & 0600) == 0600);
	for (unsigned i = 0; i < t->n_actors; i++) {
		const struct tp_actor_conf *a = &t->actors[i];
		FUZZ_CHECK(tp_name_is_valid(a->name));
		FUZZ_CHECK(a->exec[0] != '\0');
		FUZZ_CHECK(a->depth >= 1 && a->depth <= 65535);
		FUZZ_CHECK(a->msg_max >= 64 && a->msg_max <= 1048576);
		FUZZ_CHECK((unsigned)a->restart < TP_RESTART_COUNT);
		FUZZ_CHECK(tp_transport_find(a->transport) != NULL);
		for (unsigned j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(t->actors[j].name, a->name) != 0);
		char buf[TP_TOPO_STR_MAX], *argv[TP_TOPO_ARGV_MAX];
		int argc = 0;
		FUZZ_CHECK(tp_topology_split(a->args, buf, sizeof buf, argv, &argc,
					     TP_TOPO_ARGV_MAX - 2) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tp_topology topo;   /* ~130 KiB: keep it off the stack */
	if (fuzz_fd < 0) {
		fuzz_fd = memfd_create("topology.ini", MFD_CLOEXEC);
		FUZZ_CHECK(fuzz_fd >= 0);
		snprintf(fuzz_path, sizeof fuzz_path, "/proc/self/fd/%d", fuzz_fd);
	}
	FUZZ_CHECK(ftruncate(fuzz_fd, 0) == 0);
	FUZZ_CHECK(pwrite(fuzz_fd, data, size, 0) == (ssize_t)size);

	FILE *errs = open_memstream(&errbuf, &errlen);
	FUZZ_CHECK(errs != NULL);
	/* Some inputs also take the command-line overrides' paths. */
	struct tp_topo_opts opts = { 0 };
	if (size && (data[0] & 1))
		opts.node = "fuzz";
	if (size && (data[0] & 2))
		opts.actor_path = "/nonexistent/troupe-fuzz";
	int n = tp_topology_load(fuzz_path, &opts, &topo, errs);
	if (n == 0) {
		check_valid(&topo);
		n = tp_topology_resolve(&topo, errs);
		FUZZ_CHECK(n >= 0 && n <= (int)topo.n_actors);
	}
	fclose(errs);
	/* One line per error, and one per warning (a deprecated key's). */
	FUZZ_CHECK(n >= 0 && count_lines(errbuf, errlen) == (unsigned)n + topo.n_warnings);
	free(errbuf);
	errbuf = NULL;
	return 0;
}

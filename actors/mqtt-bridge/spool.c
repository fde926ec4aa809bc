/* The bridge's spool (spool.h): a ring in memory, mirrored one file per
 * entry in a directory when configured.  One file per entry, not one log,
 * because an entry leaves by its acknowledgement, which is one unlink; a
 * log would need compaction.  The file is written to a temporary name and
 * renamed, so a bridge killed mid-write leaves a whole entry or none. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "spool.h"

#define SPOOL_MAGIC 0x50535054u   /* "TPSP" */

/* An entry's file: this head, the topic, the payload. */
struct spool_file_head {
	uint32_t magic;
	uint8_t version, qos;
	uint16_t topic_len;
	uint32_t type;
	uint16_t len, pad;
};

static void spool_path(const struct spool *s, uint64_t seq, char *buf, size_t n, bool tmp)
{
	snprintf(buf, n, "%s/%s%016" PRIx64 "%s", s->dir, tmp ? "." : "", seq,
		 tmp ? ".tmp" : ".msg");
}

/* The directory's entry (the rename) is durable only once the directory
 * itself is synced. */
static void spool_sync_dir(const struct spool *s)
{
	int fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

static int spool_file_write(struct spool *s, const struct spool_entry *e)
{
	char tmp[4200], path[4200];
	spool_path(s, e->seq, tmp, sizeof tmp, true);
	spool_path(s, e->seq, path, sizeof path, false);
	struct spool_file_head h = {
		.magic = SPOOL_MAGIC, .version = 1, .qos = e->qos,
		.topic_len = (uint16_t)strlen(e->topic), .type = e->type, .len = e->len,
	};
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	bool ok = write(fd, &h, sizeof h) == (ssize_t)sizeof h &&
		  write(fd, e->topic, h.topic_len) == (ssize_t)h.topic_len &&
		  write(fd, e->payload, e->len) == (ssize_t)e->len &&
		  (!s->fsync || fsync(fd) == 0);
	close(fd);
	if (!ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	if (s->fsync)
		spool_sync_dir(s);
	return 0;
}

static void spool_file_remove(struct spool *s, uint64_t seq)
{
	char path[4200];
	if (!s->dir)
		return;
	spool_path(s, seq, path, sizeof path, false);
	if (unlink(path) != 0 && errno != ENOENT)
		s->file_errors++;
}

struct spool_entry *spool_at(struct spool *s, unsigned i)
{
	return &s->e[(s->head + i) % s->depth];
}

/* Takes the oldest entry out (acknowledged, or dropped for room). */
static void spool_pop(struct spool *s)
{
	spool_file_remove(s, spool_at(s, 0)->seq);
	s->head = (s->head + 1) % s->depth;
	s->n--;
}

/* Puts e at the tail, making room by policy: 1 added, 0 refused. */
static int spool_place(struct spool *s, const struct spool_entry *e, bool write_file)
{
	if (s->n == s->depth) {
		s->dropped++;
		if (s->policy == SPOOL_DROP_NEWEST)
			return 0;
		spool_pop(s);
	}
	struct spool_entry *t = spool_at(s, s->n);
	*t = *e;
	t->mid = 0;
	t->acked = false;
	if (write_file && s->dir && spool_file_write(s, t) != 0)
		s->file_errors++;   /* kept in memory all the same */
	s->n++;
	return 1;
}

int spool_push(struct spool *s, const char *topic, uint8_t qos, uint32_t type,
	       const void *payload, size_t len)
{
	static struct spool_entry e;   /* too big for the actor's stack */
	if (len > SPOOL_PAYLOAD_MAX || strlen(topic) > SPOOL_TOPIC_MAX)
		return -1;
	memset(&e, 0, offsetof(struct spool_entry, payload));
	e.seq = s->next_seq++;
	e.qos = qos;
	e.type = type;
	e.len = (uint16_t)len;
	strcpy(e.topic, topic);
	memcpy(e.payload, payload, len);
	return spool_place(s, &e, true);
}

bool spool_ack(struct spool *s, int mid)
{
	bool found = false;
	for (unsigned i = 0; i < s->n; i++) {
		struct spool_entry *e = spool_at(s, i);
		if (e->mid == mid && mid != 0) {
			e->acked = true;
			found = true;
			break;
		}
	}
	while (s->n && spool_at(s, 0)->acked)
		spool_pop(s);
	return found;
}

void spool_reset_inflight(struct spool *s)
{
	for (unsigned i = 0; i < s->n; i++)
		spool_at(s, i)->mid = 0;
}

/* Reads one entry's file; false when it is not a whole entry. */
static bool spool_file_read(const char *path, struct spool_entry *e)
{
	struct spool_file_head h;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool ok = read(fd, &h, sizeof h) == (ssize_t)sizeof h && h.magic == SPOOL_MAGIC &&
		  h.version == 1 && h.topic_len <= SPOOL_TOPIC_MAX && h.len <= SPOOL_PAYLOAD_MAX &&
		  read(fd, e->topic, h.topic_len) == (ssize_t)h.topic_len &&
		  read(fd, e->payload, h.len) == (ssize_t)h.len;
	close(fd);
	if (ok) {
		e->topic[h.topic_len] = '\0';
		e->qos = h.qos;
		e->type = h.type;
		e->len = h.len;
	}
	return ok;
}

static int seq_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Loads the directory's entries in their order; removes leftovers of a
 * write that was cut (temporary files) and files that do not read whole. */
static int spool_load(struct spool *s)
{
	DIR *d = opendir(s->dir);
	if (!d)
		return -1;
	size_t n = 0, cap = 64;
	uint64_t *seqs = malloc(cap * sizeof *seqs);
	struct dirent *de;
	char path[4200];
	int err = 0;
	while (seqs && (errno = 0, de = readdir(d)) != NULL) {
		uint64_t seq;
		char tail[8];
		if (de->d_name[0] == '.' && strstr(de->d_name, ".tmp")) {
			snprintf(path, sizeof path, "%s/%s", s->dir, de->d_name);
			unlink(path);
			continue;
		}
		if (sscanf(de->d_name, "%16" SCNx64 "%7s", &seq, tail) != 2 || strcmp(tail, ".msg"))
			continue;
		if (n == cap) {
			uint64_t *m = realloc(seqs, 2 * cap * sizeof *seqs);
			if (!m) {
				err = ENOMEM;
				break;
			}
			seqs = m;
			cap *= 2;
		}
		seqs[n++] = seq;
	}
	/* A directory that cannot be read to its end is an error, not an
	 * empty spool: what it holds would be lost silently. */
	if (!err && seqs && !de && errno)
		err = errno;
	closedir(d);
	if (!seqs || err) {
		free(seqs);
		errno = err ? err : ENOMEM;
		return -1;
	}
	qsort(seqs, n, sizeof *seqs, seq_cmp);
	int loaded = 0;
	static struct spool_entry e;
	for (size_t i = 0; i < n; i++) {
		spool_path(s, seqs[i], path, sizeof path, false);
		memset(&e, 0, offsetof(struct spool_entry, payload));
		if (!spool_file_read(path, &e)) {
			unlink(path);
			s->file_errors++;
			continue;
		}
		e.seq = seqs[i];
		s->next_seq = seqs[i] + 1;
		/* Its file is there already; a drop for room removes it. */
		if (spool_place(s, &e, false))
			loaded++;
		else
			unlink(path);   /* drop_newest: this one is the newest */
	}
	free(seqs);
	return loaded;
}

int spool_open(struct spool *s, unsigned depth, enum spool_policy policy,
	       const char *dir, bool do_fsync)
{
	memset(s, 0, sizeof *s);
	s->e = calloc(depth, sizeof *s->e);
	if (!s->e)
		return -1;
	s->depth = depth;
	s->policy = policy;
	s->dir = dir;
	s->fsync = do_fsync;
	s->next_seq = 1;
	if (!dir)
		return 0;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -1;
	return spool_load(s);
}

void spool_close(struct spool *s)
{
	free(s->e);
	s->e = NULL;
}

/* Executables checked against this machine (see topo_exec.h).  The
 * machine is the daemon's own: its ELF header, read from /proc/self/exe,
 * so that no #ifdef per architecture is needed and a daemon under
 * qemu-user checks for the architecture it was built for. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "troupe/error.h"
#include "topo_exec.h"

/* The part of an ELF header that says where it runs. */
struct exec_arch {
	unsigned char cls;       /* ELFCLASS32, ELFCLASS64 */
	unsigned char data;      /* ELFDATA2LSB, ELFDATA2MSB */
	uint16_t machine;        /* EM_*, in the host's byte order */
};

static const struct { uint16_t em; const char *name; } exec_machines[] = {
	{ EM_X86_64, "x86_64" }, { EM_386, "i386" }, { EM_AARCH64, "aarch64" },
	{ EM_ARM, "arm" }, { EM_RISCV, "riscv" }, { EM_MIPS, "mips" },
	{ EM_PPC, "powerpc" }, { EM_PPC64, "powerpc64" }, { EM_S390, "s390" },
};

static const char *exec_machine_name(const struct exec_arch *a, char *buf, size_t n)
{
	for (size_t i = 0; i < sizeof exec_machines / sizeof exec_machines[0]; i++)
		if (exec_machines[i].em == a->machine)
			return exec_machines[i].name;
	snprintf(buf, n, "ELF machine %u", a->machine);
	return buf;
}

/* Reads the first bytes of path: 0, or -errno. */
static int exec_head(const char *path, unsigned char *buf, size_t cap, size_t *got)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t r = read(fd, buf, cap);
	int e = errno;
	close(fd);
	if (r < 0)
		return -e;
	*got = (size_t)r;
	return 0;
}

/* The architecture of an ELF header in buf; false if it is none. */
static bool exec_arch_of(const unsigned char *buf, size_t len, struct exec_arch *a)
{
	if (len < sizeof(Elf32_Ehdr) || memcmp(buf, ELFMAG, SELFMAG) != 0)
		return false;
	a->cls = buf[EI_CLASS];
	a->data = buf[EI_DATA];
	/* e_machine is at the same offset (18) in both classes. */
	uint16_t m = (uint16_t)(a->data == ELFDATA2MSB ? (buf[18] << 8) | buf[19]
						       : buf[18] | (buf[19] << 8));
	a->machine = m;
	return true;
}

static int exec_self(struct exec_arch *a)
{
	unsigned char buf[64];
	size_t len;
	int rc = exec_head("/proc/self/exe", buf, sizeof buf, &len);
	if (rc)
		return rc;
	return exec_arch_of(buf, len, a) ? 0 : -ENOEXEC;
}

static int exec_say(char *why, size_t n, int rc, const char *fmt, const char *a,
		    const char *b, const char *c)
{
	snprintf(why, n, fmt, a, b, c);
	return rc;
}

/* A #! line: its interpreter must be there and executable. */
static int exec_script(const char *path, const unsigned char *buf, size_t len,
		       char *why, size_t n)
{
	char line[256];
	size_t k = 0;
	for (size_t i = 2; i < len && buf[i] != '\n' && k + 1 < sizeof line; i++)
		line[k++] = (char)buf[i];
	line[k] = '\0';
	char *interp = line + strspn(line, " \t");
	interp[strcspn(interp, " \t")] = '\0';
	if (!*interp)
		return exec_say(why, n, -TP_ECONFIG, "%s: its #! line names no interpreter%s%s",
				path, "", "");
	if (access(interp, X_OK))
		return exec_say(why, n, -TP_ECONFIG, "%s: its #! interpreter %s: %s", path,
				interp, strerror(errno));
	return 0;
}

int tp_exec_check(const char *path, char *why, size_t n)
{
	unsigned char buf[256];
	size_t len;
	int rc = exec_head(path, buf, sizeof buf, &len);
	if (rc)
		return exec_say(why, n, rc == -ENOENT ? -TP_ENOENT : rc == -EACCES ?
				-TP_EPERM : -TP_ESYS, "cannot read %s: %s%s", path,
				strerror(-rc), "");
	if (len >= 2 && buf[0] == '#' && buf[1] == '!')
		return exec_script(path, buf, len, why, n);
	struct exec_arch it, self;
	if (!exec_arch_of(buf, len, &it))
		return exec_say(why, n, -TP_ECONFIG, "exec format error: %s is neither an "
				"ELF executable nor a script with #!%s%s", path, "", "");
	if (exec_self(&self))
		return 0;   /* cannot tell what we are: the exec will say */
	if (it.cls == self.cls && it.data == self.data && it.machine == self.machine)
		return 0;
	char b1[32], b2[32];
	const char *its = exec_machine_name(&it, b1, sizeof b1);
	const char *ours = exec_machine_name(&self, b2, sizeof b2);
	if (it.machine == self.machine)   /* same machine, other class or order */
		snprintf(why, n, "exec format error: %s is a %d-bit %s-endian %s binary, "
			 "this machine runs %d-bit %s-endian; build it for this machine "
			 "or set exec_prefix", path, it.cls == ELFCLASS64 ? 64 : 32,
			 it.data == ELFDATA2MSB ? "big" : "little", its,
			 self.cls == ELFCLASS64 ? 64 : 32,
			 self.data == ELFDATA2MSB ? "big" : "little");
	else
		snprintf(why, n, "exec format error: %s is %s %s binary, this machine "
			 "runs %s; set exec_prefix (e.g. qemu-%s) or build it for %s",
			 path, strchr("aeiox", its[0]) ? "an" : "a", its, ours, its, ours);
	return -TP_ECONFIG;
}

int tp_topology_check_execs(const struct tp_topology *t, FILE *errs)
{
	int bad = 0;
	char why[TP_TOPO_PATH_MAX + 200];
	for (unsigned i = 0; i < t->n_actors; i++) {
		const struct tp_actor_conf *a = &t->actors[i];
		if (!a->path[0] || access(a->path, X_OK) ||
		    a->exec_prefix[0] || t->node.exec_prefix[0])
			continue;   /* not resolved (said so), or run by its prefix */
		if (tp_exec_check(a->path, why, sizeof why) == 0)
			continue;
		fprintf(errs, "%s:%d: [actor %s]: %s\n", t->file, a->exec_line, a->name, why);
		bad++;
	}
	return bad;
}

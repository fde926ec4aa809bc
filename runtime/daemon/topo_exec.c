/* Executables checked against this machine (see topo_exec.h): what the
 * daemon is built for (its ELF header, read from /proc/self/exe, so that
 * no #ifdef per architecture is needed), what the kernel runs natively
 * (/proc/sys/kernel/arch), and what binfmt_misc hands to an emulator. */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "troupe/error.h"
#include "topo_exec.h"

/* The part of an ELF header that says where it runs. */
struct exec_arch {
	unsigned char cls;       /* ELFCLASS32, ELFCLASS64 */
	unsigned char data;      /* ELFDATA2LSB, ELFDATA2MSB */
	uint16_t machine;        /* EM_*, in the host's byte order */
};

/* Names as qemu-user's programs have them (qemu-aarch64, qemu-arm...);
 * the kernel's names (/proc/sys/kernel/arch, uname -m) begin with them. */
static const struct { uint16_t em; const char *name; } exec_machines[] = {
	{ EM_X86_64, "x86_64" }, { EM_386, "i386" }, { EM_AARCH64, "aarch64" },
	{ EM_ARM, "arm" }, { EM_RISCV, "riscv64" }, { EM_MIPS, "mips" },
	{ EM_PPC64, "ppc64" }, { EM_PPC, "ppc" }, { EM_S390, "s390x" },
};

static const char *exec_machine_name(uint16_t em, char *buf, size_t n)
{
	for (size_t i = 0; i < sizeof exec_machines / sizeof exec_machines[0]; i++)
		if (exec_machines[i].em == em)
			return exec_machines[i].name;
	snprintf(buf, n, "ELF machine %u", em);
	return buf;
}

/* The machine the kernel runs natively: /proc/sys/kernel/arch, which
 * qemu-user passes through (its uname says the emulated machine), else
 * uname.  0 when unknown. */
static uint16_t exec_kernel_machine(char *name, size_t n)
{
	struct utsname u;
	FILE *f = fopen("/proc/sys/kernel/arch", "re");
	name[0] = '\0';
	if (f) {
		if (!fgets(name, (int)n, f))
			name[0] = '\0';
		fclose(f);
		name[strcspn(name, "\n")] = '\0';
	}
	if (!name[0] && uname(&u) == 0)
		snprintf(name, n, "%.31s", u.machine);
	if (name[0] == 'i' && strlen(name) == 4 && strcmp(name + 2, "86") == 0)
		return EM_386;   /* i386 .. i686 */
	for (size_t i = 0; i < sizeof exec_machines / sizeof exec_machines[0]; i++)
		if (strncmp(name, exec_machines[i].name, strlen(exec_machines[i].name)) == 0 ||
		    (exec_machines[i].em == EM_RISCV && strncmp(name, "riscv", 5) == 0))
			return exec_machines[i].em;
	return 0;
}

static int exec_hex(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Does an enabled binfmt_misc entry run ELF files of machine em (bytes 18
 * and 19 of its magic, in the file's byte order): qemu-user-binfmt, say? */
static bool exec_binfmt(uint16_t em, bool msb)
{
	DIR *d = opendir("/proc/sys/fs/binfmt_misc");
	struct dirent *de;
	bool found = false;
	unsigned char want[2] = { (unsigned char)(msb ? em >> 8 : em),
				  (unsigned char)(msb ? em : em >> 8) };
	while (d && !found && (de = readdir(d))) {
		char path[300], text[1024];
		if (de->d_name[0] == '.' || strcmp(de->d_name, "register") == 0 ||
		    strcmp(de->d_name, "status") == 0)
			continue;
		snprintf(path, sizeof path, "/proc/sys/fs/binfmt_misc/%s", de->d_name);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		size_t len = fread(text, 1, sizeof text - 1, f);
		fclose(f);
		text[len] = '\0';
		const char *m = strstr(text, "\nmagic ");
		if (strncmp(text, "enabled", 7) != 0 || !m)
			continue;
		unsigned char b[20];
		size_t k = 0;
		for (m += 7; k < sizeof b && exec_hex(m[0]) >= 0 && exec_hex(m[1]) >= 0; m += 2)
			b[k++] = (unsigned char)(exec_hex(m[0]) << 4 | exec_hex(m[1]));
		found = k == sizeof b && memcmp(b, ELFMAG, SELFMAG) == 0 &&
			b[18] == want[0] && b[19] == want[1];
	}
	if (d)
		closedir(d);
	return found;
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
	/* Runs here: built as the daemon is, or for the kernel's own machine
	 * (a daemon under qemu-user starting host programs), or through a
	 * binfmt_misc handler. */
	if (it.cls == self.cls && it.data == self.data && it.machine == self.machine)
		return 0;
	char kname[64], b1[32];
	uint16_t kernel = exec_kernel_machine(kname, sizeof kname);
	if ((kernel && it.machine == kernel) || exec_binfmt(it.machine, it.data == ELFDATA2MSB))
		return 0;
	const char *its = exec_machine_name(it.machine, b1, sizeof b1);
	snprintf(why, n, "exec format error: %s is %s %s binary, this machine runs %s; "
		 "set exec_prefix (e.g. qemu-%s) or build it for %s", path,
		 strchr("aeiox", its[0]) ? "an" : "a", its, kname[0] ? kname : "?", its,
		 kname[0] ? kname : "this machine");
	return -TP_ECONFIG;
}

int tp_topology_check_execs(const struct tp_topology *t, FILE *errs)
{
	int bad = 0;
	char why[TP_TOPO_PATH_MAX + 200];
	for (unsigned i = 0; i < t->n_actors + t->n_templates; i++) {
		const struct tp_actor_conf *a = i < t->n_actors ? &t->actors[i]
				: &t->templates[i - t->n_actors];
		if (!a->path[0] || access(a->path, X_OK) ||
		    a->exec_prefix[0] || t->node.exec_prefix[0])
			continue;   /* not resolved (said so), or run by its prefix */
		if (tp_exec_check(a->path, why, sizeof why) == 0)
			continue;
		fprintf(errs, "%s:%d: [%s %s]: %s\n", t->file, a->exec_line,
			i < t->n_actors ? "actor" : "template", a->name, why);
		bad++;
	}
	return bad;
}

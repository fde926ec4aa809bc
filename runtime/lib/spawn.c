/* Dynamic children, actor side (see troupe/spawn.h): one call to the
 * daemon each.  The daemon side is runtime/daemon/ctl_spawn.c. */
#include <string.h>
#include "troupe/spawn.h"
#include "actor-internal.h"
#include "ctlpath.h"
#include "monitor.pb.h"

static int spawn_call(tp_actor *self, const char *tmpl, const char *name, const char *args,
		      int timeout_ms)
{
	troupe_Spawn req = troupe_Spawn_init_zero;
	troupe_Spawned rep = troupe_Spawned_init_zero;
	if (!name || !*name || strlen(name) >= sizeof req.name ||
	    strlen(tmpl) >= sizeof req.template_name ||
	    (args && strlen(args) >= sizeof req.args))
		return -TP_EINVAL;
	strcpy(req.template_name, tmpl);
	strcpy(req.name, name);
	if (args)
		strcpy(req.args, args);
	int rc = tp_call_msg(self, TP_DAEMON_NAME, troupe_Spawn_msgid, troupe_Spawn_fields, &req,
			     troupe_Spawned_msgid, troupe_Spawned_fields, &rep, timeout_ms);
	return rc ? rc : rep.pid;
}

pid_t tp_spawn(tp_actor *self, const char *tmpl, const char *name, const char *args,
	       int timeout_ms)
{
	if (!tmpl || !*tmpl)
		return -TP_EINVAL;
	return spawn_call(self, tmpl, name, args, timeout_ms);
}

int tp_despawn(tp_actor *self, const char *name, int timeout_ms)
{
	return spawn_call(self, "", name, NULL, timeout_ms);
}

/* The default control socket path (see ctlpath.h). */
#include "ctlpath.h"
#include "rundir.h"

int tp_ctl_path(char *path, size_t n, const char *node)
{
	return tp_rundir_path(path, n, node, ".ctl");
}

/* Node links on any bytes, through the link's own in-memory driver
 * (tp_link_fuzz, runtime/link/link_fuzz.h): a stranger's bytes before a
 * handshake (mode 0), bytes injected into a live link (mode 1), and frames
 * a key holder seals and sends, so the parsers behind the MAC are reached
 * too (mode 2).  Properties: no crash, no access outside a frame (ASan),
 * no undefined behaviour (UBSan). */
#include "fuzz.h"
#include "link_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return tp_link_fuzz(data, size);
}

/* Node links on any bytes, through the link's own in-memory driver
 * (tp_link_fuzz, runtime/link/link_fuzz.h): a stranger's bytes before a
 * handshake (mode 0), bytes injected into a live link (mode 1), and frames
 * a key holder seals and sends, so the parsers behind the MAC are reached
 * too (mode 2).  Properties: bytes without the key never bring a link up
 * nor deliver mail (nor any other event that needs the key); modes 1 and 2
 * run on a genuinely live link (a failed handshake is a finding, not a
 * quiet no-op); no crash, no access outside a frame (ASan), no undefined
 * behaviour (UBSan). */
#include "fuzz.h"
#include "link_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return tp_link_fuzz(data, size);
}

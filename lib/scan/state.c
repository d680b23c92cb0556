#include "sockit/scan.h"

const char *sk_port_state_name(enum sk_port_state s)
{
	switch (s) {
	case SK_STATE_OPEN: return "open";
	case SK_STATE_CLOSED: return "closed";
	case SK_STATE_FILTERED: return "filtered";
	case SK_STATE_OPEN_FILTERED: return "open|filtered";
	default: return "unknown";
	}
}

/* 802.11 as captured: the radiotap header in front, the MAC header, and the
 * 802.2 LLC/SNAP header that names what a data frame carries. */
#include "sockit/error.h"
#include "sockit/packet.h"

int sk_radiotap_decode(const uint8_t *p, size_t len, struct sk_radiotap *out)
{
	if (len < 8)
		return SK_ETRUNCATED;
	out->version = p[0];
	out->len = sk_le16(p + 2);
	out->present = sk_le32(p + 4);
	if (out->version != 0 || out->len < 8)
		return SK_EMALFORMED;
	if (out->len > len)
		return SK_ETRUNCATED;
	return out->len;
}

/* Control frames carry one address (CTS, ACK) or two (RTS, PS-Poll,
 * CF-End, block ack and its request: their bodies follow as data). */
static unsigned control_addresses(uint8_t subtype)
{
	return subtype == 12 || subtype == 13 ? 1 : 2;
}

int sk_wifi_decode(const uint8_t *p, size_t len, struct sk_wifi *out)
{
	if (len < 10)
		return SK_ETRUNCATED;
	*out = (struct sk_wifi){ .fc = sk_le16(p) };
	if ((p[0] & 3) != 0)
		return SK_EMALFORMED; /* protocol version 0 is the only one */
	out->type = (p[0] >> 2) & 3;
	out->subtype = p[0] >> 4;
	out->to_ds = p[1] & 0x01;
	out->from_ds = p[1] & 0x02;
	out->more_frag = p[1] & 0x04;
	out->retry = p[1] & 0x08;
	out->protected_frame = p[1] & 0x40;
	out->order = p[1] & 0x80;
	out->duration = sk_le16(p + 2);
	if (out->type == 3)
		return SK_EMALFORMED; /* reserved */
	size_t need;
	if (out->type == 1) {
		out->naddr = control_addresses(out->subtype);
		need = 4 + 6 * out->naddr;
	} else {
		out->naddr = out->type == 2 && out->to_ds && out->from_ds ? 4 : 3;
		out->has_seq = true;
		out->qos = out->type == 2 && (out->subtype & 8);
		need = 24 + (out->naddr == 4 ? 6 : 0) + (out->qos ? 2 : 0);
		/* The HT control field, present with the order bit in QoS data
		 * and management frames. */
		if (out->order && (out->qos || out->type == 0))
			need += 4;
	}
	if (len < need)
		return SK_ETRUNCATED;
	for (unsigned i = 0; i < out->naddr; i++)
		out->addr[i] = i < 3 ? p + 4 + 6 * i : p + 24; /* addr4 after seq */
	if (out->has_seq) {
		uint16_t sc = sk_le16(p + 22);
		out->frag = sc & 15;
		out->seq = sc >> 4;
	}
	if (out->qos)
		out->tid = p[24 + (out->naddr == 4 ? 6 : 0)] & 15;
	return (int)need;
}

void sk_wifi_roles(const struct sk_wifi *w, struct sk_wifi_roles *r)
{
	*r = (struct sk_wifi_roles){ .ra = w->addr[0], .ta = w->naddr > 1 ? w->addr[1] : NULL };
	if (w->type == 1)
		return;
	const uint8_t *a1 = w->addr[0], *a2 = w->addr[1], *a3 = w->addr[2];
	if (!w->to_ds && !w->from_ds) {
		r->da = a1, r->sa = a2, r->bssid = a3;
	} else if (w->to_ds && !w->from_ds) {
		r->bssid = a1, r->sa = a2, r->da = a3;
	} else if (!w->to_ds && w->from_ds) {
		r->da = a1, r->bssid = a2, r->sa = a3;
	} else {
		r->da = a3, r->sa = w->addr[3];
	}
}

const char *sk_wifi_subtype_name(uint8_t type, uint8_t subtype)
{
	static const char *const mgmt[16] = {
		"Association Request", "Association Response", "Reassociation Request",
		"Reassociation Response", "Probe Request", "Probe Response",
		"Timing Advertisement", NULL, "Beacon", "ATIM", "Disassociation",
		"Authentication", "Deauthentication", "Action", "Action No Ack", NULL,
	};
	static const char *const ctrl[16] = {
		NULL, NULL, "Trigger", "TACK", "Beamforming Report Poll", "VHT/HE NDP Announcement",
		"Control Frame Extension", "Control Wrapper", "Block Ack Request", "Block Ack",
		"PS-Poll", "RTS", "CTS", "ACK", "CF-End", "CF-End+CF-Ack",
	};
	static const char *const data[16] = {
		"Data", NULL, NULL, NULL, "Null", NULL, NULL, NULL,
		"QoS Data", "QoS Data+CF-Ack", "QoS Data+CF-Poll", "QoS Data+CF-Ack+CF-Poll",
		"QoS Null", NULL, "QoS CF-Poll", "QoS CF-Ack+CF-Poll",
	};
	subtype &= 15;
	switch (type) {
	case 0: return mgmt[subtype];
	case 1: return ctrl[subtype];
	case 2: return data[subtype];
	default: return NULL;
	}
}

bool sk_wifi_has_llc(const struct sk_wifi *w)
{
	/* Subtypes with bit 2 set (Null, QoS Null, CF-Poll...) carry no data. */
	return w->type == 2 && !(w->subtype & 4) && !w->protected_frame;
}

int sk_llc_decode(const uint8_t *p, size_t len, struct sk_llc *out)
{
	if (len < 3)
		return SK_ETRUNCATED;
	*out = (struct sk_llc){ .dsap = p[0], .ssap = p[1], .control = p[2] };
	if (out->dsap != 0xaa || out->ssap != 0xaa || out->control != 0x03)
		return 3;
	if (len < 8)
		return SK_ETRUNCATED;
	out->snap = true;
	out->oui = (uint32_t)p[3] << 16 | (uint32_t)p[4] << 8 | p[5];
	out->type = sk_be16(p + 6);
	return 8;
}

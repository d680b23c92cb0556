/* libpcap handles: live interfaces and files, filter, default interface,
 * and giving up root once the capture is open. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sockit/capture.h"
#include "sockit/error.h"

int sk_capture_default_iface(char *name, size_t cap, char *err)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	pcap_if_t *all = NULL;
	if (pcap_findalldevs(&all, ebuf) != 0)
		return sk_err_set(err, SK_ECAPTURE, "interfaces: %s", ebuf);
	int rc = SK_ENOIFACE;
	for (pcap_if_t *d = all; d; d = d->next) {
		bpf_u_int32 f = d->flags;
		/* Pseudo-devices (any, nflog, dbus, usbmon...) have no
		 * connection status. */
		if ((f & PCAP_IF_LOOPBACK) || !(f & PCAP_IF_UP) || !(f & PCAP_IF_RUNNING) ||
		    (f & PCAP_IF_CONNECTION_STATUS) == PCAP_IF_CONNECTION_STATUS_NOT_APPLICABLE ||
		    !strcmp(d->name, "any"))
			continue;
		snprintf(name, cap, "%s", d->name);
		rc = 0;
		break;
	}
	pcap_freealldevs(all);
	if (rc)
		sk_err_set(err, rc, "no interface is up");
	return rc;
}

static int activate_error(pcap_t *p, int st, const char *iface, char *err)
{
	const char *why = pcap_geterr(p);
	switch (st) {
	case PCAP_ERROR_PERM_DENIED:
		return sk_err_set(err, SK_ENOPERM, "%s: no permission to capture", iface);
	case PCAP_ERROR_NO_SUCH_DEVICE:
		return sk_err_set(err, -ENODEV, "%s: no such interface", iface);
	case PCAP_ERROR_IFACE_NOT_UP:
		return sk_err_set(err, SK_ECAPTURE, "%s: interface is down", iface);
	case PCAP_ERROR_PROMISC_PERM_DENIED:
		return sk_err_set(err, SK_ENOPERM, "%s: no permission for promiscuous mode",
				  iface);
	default:
		return sk_err_set(err, SK_ECAPTURE, "%s: %s", iface,
				  why && *why ? why : pcap_statustostr(st));
	}
}

static int open_live(const struct sk_capture_opts *o, pcap_t **out, char *err)
{
	char name[256];
	const char *iface = o->iface;
	if (!iface) {
		int rc = sk_capture_default_iface(name, sizeof name, err);
		if (rc)
			return rc;
		iface = name;
	}
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_create(iface, ebuf);
	if (!p)
		return sk_err_set(err, SK_ECAPTURE, "%s: %s", iface, ebuf);
	pcap_set_snaplen(p, o->snaplen ? o->snaplen : 262144);
	pcap_set_promisc(p, o->promisc);
	pcap_set_timeout(p, o->timeout_ms ? o->timeout_ms : 100);
	if (o->immediate)
		pcap_set_immediate_mode(p, 1);
	if (o->buffer_bytes)
		pcap_set_buffer_size(p, o->buffer_bytes);
	int st = pcap_activate(p);
	if (st < 0) {
		int rc = activate_error(p, st, iface, err);
		pcap_close(p);
		return rc;
	}
	*out = p;
	return 0;
}

static int open_file(const struct sk_capture_opts *o, pcap_t **out, char *err)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	FILE *f = strcmp(o->file, "-") ? fopen(o->file, "rb") : stdin;
	if (!f)
		return sk_err_set(err, -errno, "%s", o->file);
	pcap_t *p = pcap_fopen_offline(f, ebuf);
	if (!p) {
		if (f != stdin)
			fclose(f);
		return sk_err_set(err, SK_EMALFORMED, "%s: %s", o->file,
				  *ebuf ? ebuf : "not a pcap or pcapng file");
	}
	*out = p;
	return 0;
}

int sk_capture_open(const struct sk_capture_opts *o, pcap_t **out, char *err)
{
	pcap_t *p = NULL;
	int rc = o->file ? open_file(o, &p, err) : open_live(o, &p, err);
	if (rc)
		return rc;
	if (o->filter && *o->filter) {
		struct bpf_program prog;
		if (pcap_compile(p, &prog, o->filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
			rc = sk_err_set(err, SK_EBADFILTER, "filter '%s': %s", o->filter,
					pcap_geterr(p));
			pcap_close(p);
			return rc;
		}
		int st = pcap_setfilter(p, &prog);
		pcap_freecode(&prog);
		if (st != 0) {
			rc = sk_err_set(err, SK_ECAPTURE, "filter '%s': %s", o->filter,
					pcap_geterr(p));
			pcap_close(p);
			return rc;
		}
	}
	*out = p;
	return 0;
}

int sk_drop_privileges(const char *user, char *err)
{
	if (geteuid() != 0)
		return sk_err_set(err, -EPERM,
				  "user %s: only root can change user", user);
	errno = 0;
	struct passwd *pw = getpwnam(user);
	if (!pw)
		return sk_err_set(err, errno ? -errno : -ENOENT,
				  "user %s: no such user", user);
	if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0)
		return sk_err_set(err, -errno, "user %s: %s", user,
				  strerror(errno));
	/* Make sure there is no way back. */
	if (pw->pw_uid != 0 && setuid(0) == 0)
		return sk_err_set(err, -EPERM, "user %s: could regain root",
				  user);
	return 0;
}

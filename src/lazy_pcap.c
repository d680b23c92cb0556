/* The libpcap functions sockit uses, loaded on first call (see lazy.h).
 * SK_SONAME_PCAP comes from the Makefile. */
#include "lazy.h"

#include <pcap/pcap.h>

static struct lazy_lib lib_pcap = { SK_SONAME_PCAP, NULL };

SK_LAZY(lib_pcap, int, pcap_activate, (pcap_t *p), (p))
SK_LAZY_VOID(lib_pcap, pcap_breakloop, (pcap_t *p), (p))
SK_LAZY_VOID(lib_pcap, pcap_close, (pcap_t *p), (p))
SK_LAZY(lib_pcap, int, pcap_compile, (pcap_t *p, struct bpf_program *prog, const char *text, int optimize, bpf_u_int32 netmask), (p, prog, text, optimize, netmask))
SK_LAZY(lib_pcap, pcap_t *, pcap_create, (const char *device, char *errbuf), (device, errbuf))
SK_LAZY(lib_pcap, int, pcap_datalink, (pcap_t *p), (p))
SK_LAZY(lib_pcap, const char *, pcap_datalink_val_to_name, (int linktype), (linktype))
SK_LAZY(lib_pcap, int, pcap_dispatch, (pcap_t *p, int count, pcap_handler callback, u_char *user), (p, count, callback, user))
SK_LAZY_VOID(lib_pcap, pcap_dump, (u_char *dumper, const struct pcap_pkthdr *h, const u_char *bytes), (dumper, h, bytes))
SK_LAZY_VOID(lib_pcap, pcap_dump_close, (pcap_dumper_t *d), (d))
SK_LAZY(lib_pcap, FILE *, pcap_dump_file, (pcap_dumper_t *d), (d))
SK_LAZY(lib_pcap, int, pcap_dump_flush, (pcap_dumper_t *d), (d))
SK_LAZY(lib_pcap, pcap_dumper_t *, pcap_dump_open, (pcap_t *p, const char *path), (p, path))
SK_LAZY(lib_pcap, int, pcap_findalldevs, (pcap_if_t **devs, char *errbuf), (devs, errbuf))
SK_LAZY(lib_pcap, pcap_t *, pcap_fopen_offline, (FILE *f, char *errbuf), (f, errbuf))
SK_LAZY_VOID(lib_pcap, pcap_freealldevs, (pcap_if_t *devs), (devs))
SK_LAZY_VOID(lib_pcap, pcap_freecode, (struct bpf_program *prog), (prog))
SK_LAZY(lib_pcap, char *, pcap_geterr, (pcap_t *p), (p))
SK_LAZY(lib_pcap, int, pcap_get_selectable_fd, (pcap_t *p), (p))
SK_LAZY(lib_pcap, pcap_t *, pcap_open_dead, (int linktype, int snaplen), (linktype, snaplen))
SK_LAZY(lib_pcap, int, pcap_set_buffer_size, (pcap_t *p, int value), (p, value))
SK_LAZY(lib_pcap, int, pcap_set_immediate_mode, (pcap_t *p, int value), (p, value))
SK_LAZY(lib_pcap, int, pcap_set_promisc, (pcap_t *p, int value), (p, value))
SK_LAZY(lib_pcap, int, pcap_set_snaplen, (pcap_t *p, int value), (p, value))
SK_LAZY(lib_pcap, int, pcap_set_timeout, (pcap_t *p, int value), (p, value))
SK_LAZY(lib_pcap, int, pcap_setfilter, (pcap_t *p, struct bpf_program *prog), (p, prog))
SK_LAZY(lib_pcap, int, pcap_setnonblock, (pcap_t *p, int nonblock, char *errbuf), (p, nonblock, errbuf))
SK_LAZY(lib_pcap, int, pcap_snapshot, (pcap_t *p), (p))
SK_LAZY(lib_pcap, int, pcap_stats, (pcap_t *p, struct pcap_stat *stats), (p, stats))
SK_LAZY(lib_pcap, const char *, pcap_statustostr, (int status), (status))

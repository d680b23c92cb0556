/* libFuzzer: the pcap/pcapng reading path as sniff -r runs it: libpcap
 * opens the bytes as a file, and every record it returns goes through the
 * dissect walk and the summary with the file's link type.  Seeds in
 * fuzz/corpus/pcap are small pcap and pcapng files of the scapy corpus. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockit/capture.h"
#include "sockit/dissect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	FILE *f = fmemopen((void *)(uintptr_t)data, size, "rb");
	if (!f)
		return 0;
	char ebuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_fopen_offline(f, ebuf);
	if (!p) {
		fclose(f);
		return 0;
	}
	int lt = sk_linktype_from_dlt(pcap_datalink(p));
	struct pcap_pkthdr *h;
	const u_char *bytes;
	/* Bounded: a fuzzed file cannot hold more records than bytes / 16. */
	for (int i = 0; i < 4096 && pcap_next_ex(p, &h, &bytes) == 1; i++) {
		struct sk_dissection d;
		if (sk_dissect(lt, bytes, h->caplen, h->len, &d) < 0)
			continue;
		char line[1024];
		sk_dissect_summary(&d, true, line, sizeof line);
		for (unsigned k = 0; k < d.n; k++) {
			struct sk_field fs[SK_FIELDS_MAX];
			sk_layer_fields(&d, k, fs, SK_FIELDS_MAX);
		}
	}
	pcap_close(p);
	return 0;
}

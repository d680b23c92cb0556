/* sockit/sockit.h — the whole libsockit API in one include.
 *
 * Each header below also stands alone; this one exists so a program can
 * write one line.  Every public header is listed here (a test checks it),
 * grouped by the library module that implements it.  The io and capture
 * headers include <uv.h> and <pcap/pcap.h>: `pkg-config --cflags sockit`
 * gives their paths.  docs/API.md describes the model and each module. */
#ifndef SOCKIT_SOCKIT_H
#define SOCKIT_SOCKIT_H

/* lib/core: errors, endpoints, names, data notation, pure helpers */
#include <sockit/error.h>
#include <sockit/append.h>
#include <sockit/array.h>
#include <sockit/bytes.h>
#include <sockit/cidr.h>
#include <sockit/clock.h>
#include <sockit/console.h>
#include <sockit/endpoint.h>
#include <sockit/hexdump.h>
#include <sockit/hostlist.h>
#include <sockit/idna.h>
#include <sockit/lines.h>
#include <sockit/output.h>
#include <sockit/parse.h>
#include <sockit/peers.h>
#include <sockit/progress.h>
#include <sockit/resolve.h>
#include <sockit/responder.h>
#include <sockit/rules.h>
#include <sockit/siphash.h>

/* lib/io: sockets on a libuv loop, TLS */
#include <sockit/conn.h>
#include <sockit/connect.h>
#include <sockit/exec.h>
#include <sockit/fdio.h>
#include <sockit/http_io.h>
#include <sockit/listen.h>
#include <sockit/loop.h>
#include <sockit/outfile.h>
#include <sockit/relay.h>
#include <sockit/server.h>
#include <sockit/tls.h>
#include <sockit/udp.h>
#include <sockit/udp_peer.h>
#include <sockit/udp_session.h>

/* lib/packet: pure decoders and frame builders */
#include <sockit/dissect.h>
#include <sockit/packet.h>
#include <sockit/pktbuild.h>

/* lib/capture: libpcap, AF_PACKET, ARP, vendor registries */
#include <sockit/arpscan.h>
#include <sockit/capture.h>
#include <sockit/oui.h>

/* lib/scan, lib/xfer, lib/http */
#include <sockit/scan.h>
#include <sockit/xfer.h>
#include <sockit/http.h>

#endif

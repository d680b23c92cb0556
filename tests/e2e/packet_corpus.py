"""The packet corpus the unit tests, the fuzz seeds and the sniff tests share:
frames built by scapy (every layer lib/packet decodes, VLAN, fragments,
IPv6 extension headers, bad checksums, truncated frames, the link types),
each with the layers scapy says it holds.  Run as a script it writes
tests/unit/packet_vectors.h and fuzz/corpus/dissect/."""
import pathlib
import subprocess
import sys

from scapy.all import (ARP, ICMP, IP, TCP, UDP, Dot1AD, Dot1Q, Ether, IPv6,
                       IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrRouting, Loopback, Padding, Raw, raw, wrpcap)
from scapy.layers.inet import IPerror, UDPerror, TCPerror, ICMPerror
from scapy.layers.inet6 import (ICMPv6EchoReply, ICMPv6EchoRequest, ICMPv6ND_NA,
                                ICMPv6ND_NS, ICMPv6ND_RA, ICMPv6ND_RS,
                                ICMPv6DestUnreach, ICMPv6NDOptSrcLLAddr,
                                ICMPv6NDOptDstLLAddr, ICMPv6NDOptMTU)
from scapy.layers.l2 import CookedLinux, CookedLinuxV2

MAC1, MAC2 = "02:00:00:00:00:01", "02:00:00:00:00:02"
A1, A2 = "198.18.0.1", "198.18.0.2"
V61, V62 = "2001:db8::1", "2001:db8::2"
E = lambda **kw: Ether(src=MAC1, dst=MAC2, **kw)
TS = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1, 0)), ("NOP", None), ("WScale", 7)]

# name, linktype, scapy packet
FRAMES = [
    ("arp_request", 1, Ether(src=MAC1, dst="ff:ff:ff:ff:ff:ff") /
     ARP(op=1, hwsrc=MAC1, psrc=A1, pdst=A2)),
    ("arp_reply_padded", 1, E() / ARP(op=2, hwsrc=MAC1, psrc=A1, hwdst=MAC2, pdst=A2) /
     Padding(b"\0" * 18)),
    ("tcp_syn_options", 1, E() / IP(src=A1, dst=A2) /
     TCP(sport=40000, dport=8080, flags="S", seq=1000, options=TS)),
    ("tcp_psh_data", 1, E() / IP(src=A1, dst=A2) /
     TCP(sport=40000, dport=8080, flags="PA", seq=1000, ack=55) / b"hello"),
    ("tcp_rst", 1, E() / IP(src=A1, dst=A2) / TCP(sport=40000, dport=8080, flags="R", seq=7)),
    ("tcp_sack", 1, E() / IP(src=A1, dst=A2) /
     TCP(sport=1, dport=2, flags="A", seq=1, ack=2,
         options=[("NOP", None), ("NOP", None), ("SAck", (100, 200, 300, 400))])),
    ("tcp_bad_checksum", 1, E() / IP(src=A1, dst=A2) /
     TCP(sport=40000, dport=8080, flags="S", chksum=0x1234)),
    ("ip_bad_checksum", 1, E() / IP(src=A1, dst=A2, chksum=0x1234) /
     UDP(sport=5000, dport=6000) / b"x"),
    ("ip_options", 1, E() / IP(src=A1, dst=A2, options=[b"\x94\x04\x00\x00"]) /
     UDP(sport=5000, dport=6000) / b"opt"),
    ("udp", 1, E() / IP(src=A1, dst=A2) / UDP(sport=5000, dport=6000) / b"hello"),
    ("udp_padded", 1, E() / IP(src=A1, dst=A2) / UDP(sport=5000, dport=6000) / b"hi" /
     Padding(b"\0" * 16)),
    ("udp_bad_checksum", 1, E() / IP(src=A1, dst=A2) /
     UDP(sport=5000, dport=6000, chksum=0x4321) / b"hello"),
    ("icmp_echo", 1, E() / IP(src=A1, dst=A2) / ICMP(type=8, id=1, seq=2) / (b"x" * 56)),
    ("icmp_echo_reply", 1, E() / IP(src=A2, dst=A1) / ICMP(type=0, id=1, seq=2) / (b"x" * 8)),
    ("icmp_port_unreachable", 1, E() / IP(src=A2, dst=A1) / ICMP(type=3, code=3) /
     IPerror(src=A1, dst=A2) / UDPerror(sport=5000, dport=9)),
    ("icmp_time_exceeded", 1, E() / IP(src=A2, dst=A1) / ICMP(type=11, code=0) /
     IPerror(src=A1, dst=A2) / UDPerror(sport=5000, dport=33434)),
    ("vlan", 1, E() / Dot1Q(vlan=5, prio=3) / IP(src=A1, dst=A2) / UDP(sport=1000, dport=2000)),
    ("qinq", 1, E() / Dot1AD(vlan=100) / Dot1Q(vlan=5) / IP(src=A1, dst=A2) /
     UDP(sport=1000, dport=2000) / b"q"),
    ("ipv4_first_fragment", 1, E() / IP(src=A1, dst=A2, flags="MF", frag=0, id=9) /
     UDP(sport=1000, dport=2000) / (b"a" * 16)),
    ("ipv4_later_fragment", 1, E() / IP(src=A1, dst=A2, frag=3, proto=17, id=9) / Raw(b"a" * 16)),
    ("ipv6_tcp_synack", 1, E() / IPv6(src=V61, dst=V62) /
     TCP(sport=8080, dport=40000, flags="SA", seq=5, ack=1001)),
    ("ipv6_udp", 1, E() / IPv6(src=V61, dst=V62) / UDP(sport=1000, dport=2000) / b"abc"),
    ("ipv6_ext_headers", 1, E() / IPv6(src=V61, dst=V62) / IPv6ExtHdrHopByHop() /
     IPv6ExtHdrDestOpt() / IPv6ExtHdrRouting(addresses=[V62]) / UDP(sport=1000, dport=2000) / b"e"),
    ("ipv6_fragment", 1, E() / IPv6(src=V61, dst=V62) / IPv6ExtHdrFragment(m=1, id=7) /
     UDP(sport=1000, dport=2000) / b"z"),
    ("icmpv6_echo", 1, E() / IPv6(src=V61, dst=V62) / ICMPv6EchoRequest(id=3, seq=4) / b"ping"),
    ("icmpv6_echo_reply", 1, E() / IPv6(src=V62, dst=V61) / ICMPv6EchoReply(id=3, seq=4)),
    ("icmpv6_ns", 1, Ether(src=MAC1, dst="33:33:ff:00:00:02") /
     IPv6(src="fe80::1", dst="ff02::1:ff00:2", hlim=255) / ICMPv6ND_NS(tgt="fe80::2") /
     ICMPv6NDOptSrcLLAddr(lladdr=MAC1)),
    ("icmpv6_na", 1, E() / IPv6(src="fe80::2", dst="fe80::1", hlim=255) /
     ICMPv6ND_NA(tgt="fe80::2", R=0, S=1, O=1) / ICMPv6NDOptDstLLAddr(lladdr=MAC2)),
    ("icmpv6_rs", 1, E() / IPv6(src="fe80::1", dst="ff02::2", hlim=255) / ICMPv6ND_RS()),
    ("icmpv6_ra", 1, E() / IPv6(src="fe80::2", dst="ff02::1", hlim=255) /
     ICMPv6ND_RA(chlim=64, M=1, routerlifetime=1800) / ICMPv6NDOptMTU(mtu=1500)),
    ("icmpv6_port_unreachable", 1, E() / IPv6(src=V62, dst=V61) / ICMPv6DestUnreach(code=4) /
     IPv6(src=V61, dst=V62) / UDP(sport=1000, dport=9)),
    ("sll_tcp", 113, CookedLinux(pkttype=0, lladdrtype=1, lladdrlen=6, src=b"\x02\0\0\0\0\x01\0\0",
                                 proto=0x0800) /
     IP(src=A1, dst=A2) / TCP(sport=1, dport=2, flags="S")),
    ("sll2_udp", 276, CookedLinuxV2(proto=0x86dd, ifindex=3, pkttype=4, lladdrtype=1,
                                    lladdrlen=6, src=b"\x02\0\0\0\0\x02\0\0") /
     IPv6(src=V61, dst=V62) / UDP(sport=1, dport=2) / b"v2"),
    ("null_ipv4", 0, Loopback(type=2) / IP(src="127.0.0.1", dst="127.0.0.1") /
     UDP(sport=1, dport=2) / b"lo"),
    ("raw_ipv6", 101, IPv6(src="::1", dst="::1") / TCP(sport=3, dport=4, flags="F")),
    ("ethertype_unknown", 1, Ether(src=MAC1, dst=MAC2, type=0x88b5) / Raw(b"\x01\x02\x03\x04")),
]

# What sk_build_* must produce for the parameters test_packet.c passes.
BUILDS = [
    ("arp_request", Ether(src=MAC1, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=MAC1, psrc=A1, pdst=A2)),
    ("arp_reply_padded", Ether(src=MAC2, dst=MAC1) /
     ARP(op=2, hwsrc=MAC2, psrc=A2, hwdst=MAC1, pdst=A1) / Padding(b"\0" * 18)),
    ("syn4", Ether(src=MAC1, dst=MAC2) / IP(src=A1, dst=A2, id=0x1234, flags="DF", ttl=64) /
     TCP(sport=40000, dport=80, seq=0xdeadbeef, flags="S", window=1024,
         options=[("MSS", 1460)])),
    ("rst4_noeth", IP(src=A1, dst=A2, id=0, flags="DF", ttl=64) /
     TCP(sport=40000, dport=80, seq=0xdeadbef0, flags="R", window=0)),
    ("syn6", Ether(src=MAC1, dst=MAC2) / IPv6(src=V61, dst=V62, hlim=64) /
     TCP(sport=40000, dport=443, seq=1, flags="S", window=1024)),
    ("udp4", Ether(src=MAC1, dst=MAC2) / IP(src=A1, dst=A2, id=7, flags="DF", ttl=64) /
     UDP(sport=5000, dport=53) / b"probe"),
    ("udp6_noeth", IPv6(src=V61, dst=V62, hlim=64) / UDP(sport=5000, dport=53) / b"probe"),
    ("ns", Ether(src=MAC1, dst="33:33:ff:00:00:02") /
     IPv6(src="fe80::1", dst="ff02::1:ff00:2", hlim=255) / ICMPv6ND_NS(tgt="fe80::2") /
     ICMPv6NDOptSrcLLAddr(lladdr=MAC1)),
]

# Frames cut or corrupted after building: name, linktype, bytes.
def damaged():
    syn = raw(FRAMES[2][2])
    udp = raw(E() / IP(src=A1, dst=A2) / UDP(sport=5000, dport=6000) / b"hello")
    return [
        ("truncated_tcp_header", 1, syn[:14 + 20 + 10]),
        ("truncated_ip_header", 1, syn[:14 + 12]),
        ("truncated_udp_payload", 1, udp[:-2]),
        ("truncated_eth", 1, syn[:9]),
        ("ipv4_bad_version", 1, syn[:14] + b"\x55" + syn[15:]),
        ("ipv4_ihl_too_small", 1, syn[:14] + b"\x44" + syn[15:]),
        ("tcp_bad_offset", 1, syn[:14 + 20 + 12] + b"\x30" + syn[14 + 20 + 13:]),
    ]

NAMES = {"Ether": "eth", "Dot1Q": "vlan", "Dot1AD": "vlan", "ARP": "arp", "IP": "ipv4",
         "IPv6": "ipv6", "IPv6ExtHdrHopByHop": "ipv6-hopopts",
         "IPv6ExtHdrFragment": "ipv6-frag", "IPv6ExtHdrRouting": "ipv6-routing",
         "IPv6ExtHdrDestOpt": "ipv6-dstopts", "TCP": "tcp", "UDP": "udp", "ICMP": "icmp",
         "Raw": "data", "Padding": "padding", "cooked linux": "sll", "CookedLinux": "sll",
         "CookedLinuxV2": "sll2", "Loopback": "null"}


def layers(pkt):
    """(name, offset, length) per layer as scapy sees it; ICMP errors and
    ND options are folded the way lib/packet shows them (quoted datagram as
    data, options inside the ICMPv6 header)."""
    out, off = [], 0
    total = len(raw(pkt))
    layer = pkt
    while layer and not isinstance(layer, type(None)) and layer.name != "NoPayload":
        cls = type(layer).__name__
        if cls.startswith("ICMPv6ND") or cls.startswith("ICMPv6Echo") or cls == "ICMPv6DestUnreach":
            if cls.startswith("ICMPv6ND"):
                out.append(("icmpv6", off, total - off))
                return out
            out.append(("icmpv6", off, 8))
            if total - off - 8:
                out.append(("data", off + 8, total - off - 8))
            return out
        if cls == "ICMP":
            out.append(("icmp", off, 8))
            if total - off - 8:
                out.append(("data", off + 8, total - off - 8))
            return out
        name = NAMES[cls]
        here = len(raw(layer))
        below = len(raw(layer.payload)) if layer.payload else 0
        hl = here - below
        out.append((name, off, hl))
        off += hl
        layer = layer.payload
    return out


def c_bytes(b):
    return "".join(f"\\x{x:02x}" for x in b)


def main(root):
    root = pathlib.Path(root)
    tmp = root / "build" / "vectors.pcap"
    tmp.parent.mkdir(exist_ok=True)
    lines = ["/* Generated by tests/e2e/packet_corpus.py from frames scapy builds;",
             " * summaries are tcpdump -nn -S output for the same frames. */",
             "struct vector {", "\tconst char *name;", "\tint linktype;",
             "\tconst char *bytes;", "\tunsigned len;",
             "\tconst char *layers; /* name@offset+length,... per scapy */",
             "\tconst char *summary; /* tcpdump -nn -S, NULL if not compared */",
             "};", "", "static const struct vector vectors[] = {"]
    seeds = root / "fuzz" / "corpus" / "dissect"
    seeds.mkdir(parents=True, exist_ok=True)
    entries = [(n, lt, raw(p), layers(p)) for n, lt, p in FRAMES]
    entries += [(n, lt, b, None) for n, lt, b in damaged()]
    for name, lt, b, lay in entries:
        summary = None
        if lt == 1 and lay is not None:
            wrpcap(str(tmp), [Ether(b)])
            out = subprocess.run(["tcpdump", "-nn", "-S", "-r", str(tmp)], capture_output=True,
                                 text=True).stdout.strip().split("\n")[0]
            summary = out.split(" ", 1)[1] if out else None
        lay_s = ",".join(f"{n}@{o}+{l}" for n, o, l in lay) if lay else None
        lines.append(f'\t{{ "{name}", {lt}, "{c_bytes(b)}", {len(b)},')
        lines.append(f'\t  {"NULL" if lay_s is None else chr(34) + lay_s + chr(34)},')
        lines.append(f'\t  {"NULL" if summary is None else chr(34) + summary.replace(chr(34), chr(92) + chr(34)) + chr(34)} }},')
        # Fuzz seed: the harness reads a 2-byte link type, then the frame.
        (seeds / name).write_bytes(lt.to_bytes(2, "big") + b)
    lines += ["};", ""]
    # Frames the builders must reproduce byte for byte.
    lines += ["struct built {", "\tconst char *name;", "\tconst char *bytes;", "\tunsigned len;", "};",
              "", "static const struct built builts[] = {"]
    for name, p in BUILDS:
        b = raw(p)
        lines.append(f'\t{{ "{name}", "{c_bytes(b)}", {len(b)} }},')
    lines += ["};", ""]
    (root / "tests" / "unit" / "packet_vectors.h").write_text("\n".join(lines))
    tmp.unlink()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parents[2])

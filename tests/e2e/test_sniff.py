"""sniff: decoding checked against tshark (field by field) and tcpdump
(summary lines) on pcaps scapy writes; damaged frames; the encapsulation
view; live capture on lo; writing pcaps; errors."""
import json
import os
import select
import signal
import socket
import subprocess
import time

import pytest

from conftest import SOCKIT, need_root, need_tool, one_line_error, run
import packet_corpus as corpus

from scapy.all import ARP, ICMP, IP, TCP, UDP, Ether, raw, wrpcap  # noqa: E402


def write_corpus(tmp_path, linktype):
    """The corpus frames of one link type (and the damaged ones) as a pcap."""
    from scapy.all import PcapWriter
    frames = [(n, raw(p)) for n, lt, p in corpus.FRAMES if lt == linktype]
    if linktype == 1:
        frames += [(n, b) for n, lt, b in corpus.damaged() if lt == 1]
    path = tmp_path / f"corpus{linktype}.pcap"
    with PcapWriter(str(path), linktype=linktype, sync=True) as w:
        w.write_header(None)
        for i, (_, b) in enumerate(frames):
            w.write_packet(b, sec=1700000000 + i, usec=i, caplen=len(b), wirelen=len(b))
    return path, [n for n, _ in frames]


def sniff_json(path, *extra):
    p = run("sniff", "-r", path, "--json", *extra, check=0)
    return [json.loads(l) for l in p.stdout.splitlines()]


# (tshark field, sockit layer, sockit field, how sockit's value becomes tshark's text)
FIELDS = [
    ("eth.src", "eth", "src", str), ("eth.dst", "eth", "dst", str),
    ("vlan.id", "vlan", "vid", str), ("vlan.priority", "vlan", "pcp", str),
    ("arp.opcode", "arp", "op", str), ("arp.src.hw_mac", "arp", "sha", str),
    ("arp.src.proto_ipv4", "arp", "spa", str), ("arp.dst.proto_ipv4", "arp", "tpa", str),
    ("ip.src", "ipv4", "src", str), ("ip.dst", "ipv4", "dst", str),
    ("ip.ttl", "ipv4", "ttl", str), ("ip.id", "ipv4", "id", lambda v: f"0x{v:04x}"),
    ("ip.len", "ipv4", "total_len", str), ("ip.proto", "ipv4", "proto", str),
    ("ip.hdr_len", "ipv4", "hl", str), ("ip.frag_offset", "ipv4", "frag_off", lambda v: str(v // 8)),
    ("ip.flags.mf", "ipv4", "mf", lambda v: "1" if v else "0"),
    ("ip.checksum", "ipv4", "checksum", lambda v: f"0x{v:04x}"),
    ("ipv6.src", "ipv6", "src", str), ("ipv6.dst", "ipv6", "dst", str),
    ("ipv6.nxt", "ipv6", "next", str), ("ipv6.hlim", "ipv6", "hlim", str),
    ("ipv6.plen", "ipv6", "payload_len", str),
    ("tcp.srcport", "tcp", "sport", str), ("tcp.dstport", "tcp", "dport", str),
    ("tcp.seq_raw", "tcp", "seq", str), ("tcp.hdr_len", "tcp", "hl", str),
    ("tcp.window_size_value", "tcp", "window", str),
    ("tcp.options.mss_val", "tcp", "mss", str),
    ("tcp.options.wscale.shift", "tcp", "wscale", str),
    ("tcp.checksum", "tcp", "checksum", lambda v: f"0x{v:04x}"),
    ("udp.srcport", "udp", "sport", str), ("udp.dstport", "udp", "dport", str),
    ("udp.length", "udp", "length", str),
    ("udp.checksum", "udp", "checksum", lambda v: f"0x{v:04x}"),
    ("icmp.type", "icmp", "type", str), ("icmp.code", "icmp", "code", str),
    ("icmp.ident", "icmp", "id", str), ("icmp.seq", "icmp", "seq", str),
    ("icmpv6.type", "icmpv6", "type", str), ("icmpv6.code", "icmpv6", "code", str),
    ("icmpv6.nd.ns.target_address", "icmpv6", "target", str),
    ("sll.pkttype", "sll", "pkttype", str), ("sll.etype", "sll", "protocol", lambda v: f"0x{v:04x}"),
]


def tshark_fields(path):
    args = ["tshark", "-r", str(path), "-T", "fields", "-E", "occurrence=f",
            "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE"]
    for f, *_ in FIELDS:
        args += ["-e", f]
    out = subprocess.run(args, capture_output=True, text=True, timeout=60).stdout
    return [dict(zip([f for f, *_ in FIELDS], l.split("\t"))) for l in out.splitlines()]


@pytest.mark.parametrize("linktype", [1, 113, 276, 0, 101])
def test_fields_match_tshark(tmp_path, linktype):
    need_tool("tshark")
    path, names = write_corpus(tmp_path, linktype)
    ours = sniff_json(path)
    theirs = tshark_fields(path)
    assert len(ours) == len(theirs) == len(names)
    compared = 0
    for name, pkt, ref in zip(names, ours, theirs):
        layers = {}
        for l in pkt["layers"]:
            # The outermost of each kind, but the innermost tag: tshark
            # calls an 802.1ad service tag ieee8021ad, not vlan.
            if l["name"] == "vlan":
                layers["vlan"] = l
            layers.setdefault(l["name"], l)
        for tf, lname, field, conv in FIELDS:
            layer = layers.get(lname)
            if layer is None or field not in layer["fields"] or ref.get(tf, "") == "":
                continue
            assert conv(layer["fields"][field]) == ref[tf], (name, tf)
            compared += 1
    assert compared > 10 * len(names) // 2


def summary_pcap(tmp_path):
    m1, m2 = corpus.MAC1, corpus.MAC2
    a, b = corpus.A1, corpus.A2
    frames = [
        Ether(src=m1, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=m1, psrc=a, pdst=b),
        Ether(src=m2, dst=m1) / ARP(op=2, hwsrc=m2, psrc=b, hwdst=m1, pdst=a) / (b"\0" * 18),
        Ether(src=m1, dst=m2) / IP(src=a, dst=b) / TCP(sport=40001, dport=5555, flags="S", seq=1,
                                                      options=corpus.TS),
        Ether(src=m2, dst=m1) / IP(src=b, dst=a) / TCP(sport=5555, dport=40001, flags="SA",
                                                      seq=9, ack=2),
        Ether(src=m1, dst=m2) / IP(src=a, dst=b) / TCP(sport=40001, dport=5555, flags="PA",
                                                      seq=2, ack=10) / b"data",
        Ether(src=m1, dst=m2) / IP(src=a, dst=b) / TCP(sport=40001, dport=5555, flags="FA",
                                                      seq=6, ack=10),
        Ether(src=m2, dst=m1) / IP(src=b, dst=a) / TCP(sport=5555, dport=40001, flags="R", seq=10),
        Ether(src=m1, dst=m2) / IP(src=a, dst=b) / UDP(sport=40002, dport=5556) / b"hello",
        Ether(src=m1, dst=m2) / IP(src=a, dst=b) / ICMP(type=8, id=7, seq=1) / (b"p" * 32),
        Ether(src=m2, dst=m1) / IP(src=b, dst=a) / ICMP(type=0, id=7, seq=1) / (b"p" * 32),
        Ether(src=m2, dst=m1) / IP(src=b, dst=a) / ICMP(type=3, code=3) /
        IP(src=a, dst=b) / UDP(sport=40002, dport=5556),
    ]
    path = tmp_path / "summary.pcap"
    wrpcap(str(path), frames)
    return path


@pytest.mark.parametrize("link", [False, True])
def test_summary_lines_match_tcpdump(tmp_path, link):
    need_tool("tcpdump")
    path = summary_pcap(tmp_path)
    flags = ["-e"] if link else []
    ours = run("sniff", "-r", path, "-t", *flags, check=0).stdout.splitlines()
    theirs = subprocess.run(["tcpdump", "-nn", "-S", "-t", *flags, "-r", str(path)],
                            capture_output=True, text=True, timeout=20).stdout.splitlines()
    assert len(ours) == 11
    assert ours == theirs


def test_filter_and_count(tmp_path):
    path = summary_pcap(tmp_path)
    p = run("sniff", "-r", path, "-t", "-c", "2", "tcp", "port", "5555", check=0)
    assert len(p.stdout.splitlines()) == 2
    assert all("Flags" in l for l in p.stdout.splitlines())
    p = run("sniff", "-r", path, "-t", "arp", check=0)
    assert [l.split(",")[0] for l in p.stdout.splitlines()] == ["ARP"] * 2


def test_damaged_frames_are_shown_not_fatal(tmp_path):
    path, names = write_corpus(tmp_path, 1)
    p = run("sniff", "-r", path, "-t", check=0)
    lines = dict(zip(names, p.stdout.splitlines()))
    assert "[bad tcp cksum]" in lines["tcp_bad_checksum"]
    assert "[bad ipv4 cksum]" in lines["ip_bad_checksum"]
    assert "[bad udp cksum]" in lines["udp_bad_checksum"]
    assert lines["truncated_tcp_header"].endswith("[|tcp]")
    assert lines["truncated_ip_header"] == "IP  [|ip]"
    assert "[malformed tcp]" in lines["tcp_bad_offset"]
    for pkt, name in zip(sniff_json(path), names):
        if name.startswith("truncated_") and name != "truncated_udp_payload":
            assert pkt["layers"][-1]["status"] == "truncated", name
    p = run("sniff", "-r", path, "--layers", check=0)
    assert "TRUNCATED" in p.stdout and "MALFORMED" in p.stdout and "BAD CHECKSUM" in p.stdout


def test_layers_view_shows_the_arp_padding(tmp_path):
    path, names = write_corpus(tmp_path, 1)
    p = run("sniff", "-r", path, "-c", "2", "--layers", "arp", check=0)
    out = p.stdout
    assert "arp           bytes 14-41 (header 28, payload 0)" in out
    assert "padding       bytes 42-59 (18 bytes)" in out
    assert "28 bytes of arp + 18 of padding = 46" in out
    pkts = sniff_json(path, "-c", "2", "arp")
    assert [(l["name"], l["offset"], l["length"]) for l in pkts[1]["layers"]] == \
        [("eth", 0, 14), ("arp", 14, 28), ("padding", 42, 18)]


def test_hex_marks_layer_boundaries(tmp_path):
    path = summary_pcap(tmp_path)
    p = run("sniff", "-r", path, "-c", "1", "--hex", "udp", check=0)
    out = p.stdout
    for marker in ("-- eth: bytes 0-13 --", "-- ipv4: bytes 14-33 --", "-- udp: bytes 34-41 --",
                   "-- data: bytes 42-46 --"):
        assert marker in out
    assert "|hello|" in out


def test_pcapng_and_stdin(tmp_path):
    need_tool("editcap")
    path = summary_pcap(tmp_path)
    ng = tmp_path / "summary.pcapng"
    subprocess.run(["editcap", "-F", "pcapng", str(path), str(ng)], check=True, timeout=20)
    a = run("sniff", "-r", path, "-t", check=0).stdout
    b = run("sniff", "-r", ng, "-t", check=0).stdout
    assert a == b and a
    with open(path, "rb") as f:
        c = subprocess.run([SOCKIT, "sniff", "-r", "-", "-t"], stdin=f, capture_output=True,
                           text=True, timeout=20).stdout
    assert c == a


def test_write_then_read_back_with_tcpdump(tmp_path):
    need_tool("tcpdump")
    path = summary_pcap(tmp_path)
    out = tmp_path / "out.pcap"
    p = run("sniff", "-r", path, "-w", out, "icmp", check=0)
    assert p.stdout == ""
    theirs = subprocess.run(["tcpdump", "-nn", "-r", str(out)], capture_output=True, text=True,
                            timeout=20).stdout.splitlines()
    assert len(theirs) == 3 and all("ICMP" in l for l in theirs)


def test_write_that_fails_is_an_error(tmp_path):
    # pcap_dump reports nothing: a full disk used to end in a short file
    # and exit 0.
    path = summary_pcap(tmp_path)
    one_line_error(run("sniff", "-r", path, "-w", "/dev/full"), 1,
                   "-w /dev/full: no space left on device")
    with open("/dev/full", "wb") as full:
        p = subprocess.run([SOCKIT, "sniff", "-r", str(path), "-w", "-"], stdout=full,
                           stderr=subprocess.PIPE, text=True, timeout=20)
    one_line_error(p, 1, "-w -: no space left on device")


def test_errors(tmp_path):
    path = summary_pcap(tmp_path)
    one_line_error(run("sniff", "-r", path, "tcp", "port", "nope"), 2, "filter", "nope")
    one_line_error(run("sniff", "-r", tmp_path / "missing.pcap"), 1, "missing.pcap",
                   "no such file")
    notpcap = tmp_path / "not.pcap"
    notpcap.write_bytes(b"this is not a capture file at all")
    one_line_error(run("sniff", "-r", notpcap), 1, "not.pcap")
    one_line_error(run("sniff", "-r", path, "-i", "lo"), 2, "exclude")
    one_line_error(run("sniff", "-r", path, "-c", "0"), 2, "--count")
    one_line_error(run("sniff", "-r", path, "--json", "--layers"), 2, "--json")
    one_line_error(run("sniff", "-i", "nosuchif0", "-c", "1"), 1, "nosuchif0")


def test_live_capture_without_privileges_is_a_clear_error():
    need_root()
    need_tool("setpriv")
    p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        "--inh-caps=-all", SOCKIT, "sniff", "-i", "lo", "-c", "1"],
                       capture_output=True, text=True, timeout=20)
    one_line_error(p, 1, "lo", "permission", "CAP_NET_RAW")


@pytest.fixture
def capture():
    """Starts live sniffs that wait for their 'listening on' line; kills
    whatever is still running at the end, so a failure leaves nothing."""
    procs = []

    def start(*args):
        p = subprocess.Popen([SOCKIT, "sniff", *map(str, args)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        procs.append(p)
        ready, _, _ = select.select([p.stderr], [], [], 10)
        assert ready, "sniff did not start"
        line = p.stderr.readline()
        assert line.startswith("listening on "), line
        return p
    yield start
    for p in procs:
        if p.poll() is None:
            p.kill()
        p.communicate(timeout=10)


def test_live_capture_on_loopback_of_a_known_exchange(capture):
    need_root()
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    port = rx.getsockname()[1]
    p = capture("-i", "lo", "-c", "3", "--json", "--timeout", "10s", "udp", "port", port)
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for msg in (b"one", b"two!", b"three"):
        tx.sendto(msg, ("127.0.0.1", port))
    out, err = p.communicate(timeout=15)
    assert p.returncode == 0, err
    pkts = [json.loads(l) for l in out.splitlines()]
    assert [pk["layers"][-1]["length"] for pk in pkts] == [3, 4, 5]
    src = tx.getsockname()[1]
    for pk in pkts:
        udp = next(l for l in pk["layers"] if l["name"] == "udp")
        assert (udp["fields"]["sport"], udp["fields"]["dport"]) == (src, port)
        # The kernel leaves loopback checksums to "offload": not bad.
        assert udp["fields"].get("checksum_ok", True)
    assert "3 packets captured" in err and "dropped by kernel" in err
    rx.close()
    tx.close()


def test_timeout_ends_a_capture_that_sees_nothing(capture):
    # libpcap's own wait on a quiet interface ends only with a packet, so
    # --timeout (as tcpdump users know from `timeout`) once held the
    # capture until the test killed it; SIGINT must end it as well.
    need_root()
    quiet = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    quiet.bind(("127.0.0.1", 0))  # a port nothing sends to
    port = quiet.getsockname()[1]
    p = capture("-i", "lo", "-c", "1", "--timeout", "1s", "udp", "port", port)
    out, err = p.communicate(timeout=30)
    assert p.returncode == 0, err
    assert out == "" and "0 packets captured" in err
    p = capture("-i", "lo", "-c", "1", "--timeout", "1h", "udp", "port", port)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    assert p.returncode == 0, err
    assert "0 packets captured" in err
    quiet.close()


def test_live_capture_drops_root_with_user(capture):
    need_root()
    srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    srv.bind(("127.0.0.1", 0))
    port = srv.getsockname()[1]
    p = capture("-i", "lo", "-c", "1", "-t", "--user", "nobody", "--timeout", "10s",
                      "udp", "port", port)
    # The capture runs as nobody now.
    deadline = time.time() + 5
    uid = None
    while time.time() < deadline:
        with open(f"/proc/{p.pid}/status") as f:
            uid = next(l for l in f if l.startswith("Uid:")).split()[1]
        if uid != "0":
            break
        time.sleep(0.05)
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("127.0.0.1", port))
    out, err = p.communicate(timeout=15)
    assert p.returncode == 0, err
    assert uid == "65534"
    assert out.startswith("IP 127.0.0.1.") and f"127.0.0.1.{port}: UDP, length 1" in out
    srv.close()


def test_tour_step_shows_the_arp_padding_from_sockits_own_frames():
    listed = run("tour", "--list", check=0).stdout
    step = next(l.split()[0].rstrip(".") for l in listed.splitlines() if "Ethernet and ARP" in l)
    p = run("tour", "--step", step, check=0, timeout=60)
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert "sniff -r" in out and "--layers" in out
    assert "arp           bytes 14-41 (header 28, payload 0)" in out
    assert "padding       bytes 42-59 (18 bytes)" in out
    assert "-- padding: bytes 42-59 --" in out
    if os.geteuid() == 0:
        assert "hello, layers" in out and "data          bytes 42-54 (13 bytes)" in out
        assert "length 60: Request who-has 198.18.255.2 tell 198.18.255.1, length 46" in out
        assert "length 42: Reply 198.18.255.2 is-at " in out
        assert "reply from 198.18.255.2 " in out


def test_live_capture_on_any_uses_linux_cooked_headers(capture):
    need_root()
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    port = rx.getsockname()[1]
    p = capture("-i", "any", "-c", "1", "--json", "--timeout", "10s", "udp", "dst", "port", port)
    # Sent until the capture has one (at most 10 s): a datagram sent while
    # a loaded machine is still setting up the "any" capture can be missed.
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(100):
        tx.sendto(b"cooked", ("127.0.0.1", port))
        try:
            p.wait(timeout=0.1)
            break
        except subprocess.TimeoutExpired:
            pass
    tx.close()
    out, err = p.communicate(timeout=15)
    assert p.returncode == 0, err
    pkt = json.loads(out)
    assert pkt["linktype"] in (113, 276)
    names = [l["name"] for l in pkt["layers"]]
    assert names[0] in ("sll", "sll2") and names[1:] == ["ipv4", "udp", "data"]
    assert pkt["layers"][0]["fields"]["protocol"] == 0x0800
    assert pkt["layers"][2]["fields"]["dport"] == port
    rx.close()


def raw_pcap(path, records):
    """A classic pcap (microseconds, Ethernet) of (seconds, fraction, frame)
    records, the header fields written as given, nonsense included."""
    import struct
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    for sec, frac, frame in records:
        out += struct.pack("<IIII", sec, frac, len(frame), len(frame)) + frame
    path.write_bytes(out)


def test_capture_times_after_2038_and_bad_fractions(tmp_path):
    """pcap seconds are unsigned 32-bit: 2040 is not before 1970.  A fraction
    of a million microseconds or more is flagged, never printed as digits.
    tshark agrees on the date (tcpdump 4.99 prints "[Error converting time]")."""
    need_tool("tshark")
    frame = raw(Ether() / IP(src="198.18.0.1", dst="198.18.0.2") / UDP(sport=1, dport=2))
    after_2038 = 2_208_988_800  # 2040-01-01T00:00:00Z
    raw_pcap(tmp_path / "t.pcap", [(after_2038, 123456, frame),
                                   (1_418_145_370, 0x80000000, frame)])
    recs = sniff_json(tmp_path / "t.pcap")
    assert recs[0]["time"] == pytest.approx(after_2038 + 0.123456)
    assert "time_fraction_bad" not in recs[0]
    assert recs[1]["time"] == 1_418_145_370 and recs[1]["time_fraction_bad"] is True
    env = dict(os.environ, TZ="UTC")
    text = subprocess.run([SOCKIT, "sniff", "-r", tmp_path / "t.pcap"], env=env,
                          capture_output=True, timeout=30).stdout.decode().splitlines()
    assert text[0].startswith("00:00:00.123456 IP 198.18.0.1.1 > 198.18.0.2.2")
    assert text[1].split()[0].endswith(".??????")
    ts = subprocess.run(["tshark", "-r", tmp_path / "t.pcap", "-c", "1", "-T", "fields",
                         "-e", "frame.time_epoch"], capture_output=True, timeout=60)
    assert float(ts.stdout) == pytest.approx(recs[0]["time"]), ts


def wifi_frames():
    """802.11 behind radiotap: QoS data to the AP, a beacon, an ACK, a
    four-address data frame and a protected one."""
    from scapy.layers.dot11 import RadioTap, Dot11, Dot11QoS, Dot11Beacon, Dot11Elt
    from scapy.layers.l2 import LLC, SNAP
    from scapy.all import Raw
    a = [f"02:00:00:00:00:0{i}" for i in range(10)]
    return [
        RadioTap() / Dot11(type=2, subtype=8, FCfield="to-DS", addr1=a[1], addr2=a[2],
                           addr3=a[3], SC=0x1230) / Dot11QoS(TID=5) / LLC() / SNAP()
        / IP(src="198.18.0.1", dst="198.18.0.2") / UDP(sport=1000, dport=9) / b"hi",
        RadioTap() / Dot11(type=0, subtype=8, addr1="ff:ff:ff:ff:ff:ff", addr2=a[2],
                           addr3=a[2]) / Dot11Beacon() / Dot11Elt(ID=0, info=b"lab"),
        RadioTap() / Dot11(type=1, subtype=13, addr1=a[2]),
        RadioTap() / Dot11(type=2, subtype=0, FCfield="to-DS+from-DS", addr1=a[1], addr2=a[2],
                           addr3=a[3], addr4=a[4]) / LLC() / SNAP()
        / IP(src="198.18.0.3", dst="198.18.0.4") / ICMP(),
        RadioTap() / Dot11(type=2, subtype=0, FCfield="from-DS+protected", addr1=a[1],
                           addr2=a[2], addr3=a[3]) / Raw(b"\0" * 20),
    ]


def test_wifi_with_radiotap_matches_tshark(tmp_path):
    need_tool("tshark")
    wrpcap(str(tmp_path / "w.pcap"), wifi_frames())
    names = ["wlan.fc.type", "wlan.fc.subtype", "wlan.ra", "wlan.ta", "wlan.da", "wlan.sa",
             "wlan.bssid", "wlan.seq", "radiotap.length", "llc.type", "ip.src"]
    args = ["tshark", "-r", tmp_path / "w.pcap", "-T", "fields"]
    for n in names:
        args += ["-e", n]
    rows = [line.split("\t") for line in
            subprocess.run(args, capture_output=True, text=True, timeout=60).stdout.splitlines()]
    recs = sniff_json(tmp_path / "w.pcap")
    assert len(rows) == len(recs) == 5
    for row, rec in zip(rows, recs):
        layers = {l["name"]: l["fields"] for l in rec["layers"]}
        w = layers["wlan"]
        mine = [str(w["type"]), str(w["subtype"])] + \
            [w.get(k, "") for k in ("ra", "ta", "da", "sa", "bssid")] + \
            [str(w["seq"]) if "seq" in w else "", str(layers["radiotap"]["length"]),
             f"0x{layers['llc']['type']:04x}" if "llc" in layers else "",
             layers["ipv4"]["src"] if "ipv4" in layers else ""]
        # tshark leaves sequence numbers of control frames out, and shows
        # none for a frame whose addresses do not name that role.
        assert mine == row, (rec["summary"], row)
    # Every byte belongs to one layer.
    for rec in recs:
        assert sum(l["length"] for l in rec["layers"]) == rec["caplen"], rec


def test_ppp_and_cisco_hdlc_lines_match_tcpdump(tmp_path):
    need_tool("tcpdump")
    from scapy.layers.ppp import PPP, HDLC
    from scapy.all import Raw
    wrpcap(str(tmp_path / "p.pcap"),
           [PPP() / IP(src="198.18.0.1", dst="198.18.0.2") / ICMP(),
            HDLC() / PPP() / IP(src="198.18.0.5", dst="198.18.0.6") / UDP(sport=1, dport=2)],
           linktype=9)
    chdlc = bytes([0x0F, 0, 0x08, 0]) + raw(IP(src="198.18.0.7", dst="198.18.0.8")
                                           / TCP(sport=5, dport=80, flags="S"))
    wrpcap(str(tmp_path / "c.pcap"), [Raw(chdlc)], linktype=104)
    for name in ("p.pcap", "c.pcap"):
        mine = run("sniff", "-r", tmp_path / name, "-t", check=0).stdout.splitlines()
        theirs = subprocess.run(["tcpdump", "-nn", "-t", "-r", tmp_path / name],
                                capture_output=True, text=True, timeout=30).stdout.splitlines()
        assert mine == theirs
    recs = sniff_json(tmp_path / "p.pcap")
    assert recs[0]["layers"][0]["fields"]["protocol"] == 0x21
    assert recs[1]["layers"][0]["fields"]["address_control"] is True
    assert sniff_json(tmp_path / "c.pcap")[0]["layers"][0]["fields"]["protocol"] == 0x0800


def test_a_link_type_not_decoded_is_said_once_and_shown_as_data(tmp_path):
    from scapy.all import Raw
    wrpcap(str(tmp_path / "u.pcap"), [Raw(b"\x01\x02\x03\x04\x05"), Raw(b"\x06" * 9)],
           linktype=147)
    p = run("sniff", "-r", tmp_path / "u.pcap", check=0)
    assert p.stdout.splitlines()[0].endswith("data, length 5")
    assert p.stderr.count("link type 147") == 1 and "not decoded" in p.stderr, p.stderr
    recs = sniff_json(tmp_path / "u.pcap")
    assert [r["layers"] for r in recs] == [
        [{"name": "data", "offset": 0, "length": n, "payload": 0, "status": "ok",
          "fields": {"length": n}}]
        for n in (5, 9)]


def tcpdump_lines(path):
    return subprocess.run(["tcpdump", "-nn", "-t", "-S", "-r", path], capture_output=True,
                          text=True, timeout=30).stdout.splitlines()


def test_tcp_flags_and_newer_options_in_tcpdumps_words(tmp_path):
    """Flags in tcpdump's order ([SEW], [FP.], [FS]); MD5, user timeout and
    Fast Open options as tcpdump writes them, MPTCP by its subtype."""
    need_tool("tcpdump")
    base = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src="198.18.0.1", dst="198.18.0.2")
    flags = [base / TCP(sport=1, dport=2, flags=f) for f in ("SEC", "FPA", "FS", "RA", "UAPEC")]
    opts = [base / TCP(sport=1, dport=2, flags="S", options=o) for o in (
        [(19, b"\x00" * 16)], [(28, b"\x81\x2c")], [(34, bytes(range(1, 9)))], [(34, b"")],
        [("MSS", 1460), (30, b"\x00\x81" + b"\x01" * 8)])]
    wrpcap(str(tmp_path / "t.pcap"), flags + opts)
    mine = run("sniff", "-r", tmp_path / "t.pcap", "-t", check=0).stdout.splitlines()
    theirs = tcpdump_lines(tmp_path / "t.pcap")
    assert mine[:9] == theirs[:9]
    # tcpdump goes on to decode MPTCP's fields; sockit names the subtype.
    assert theirs[9].startswith(mine[9].split("], length")[0]), (mine[9], theirs[9])
    fields = [r["layers"][2]["fields"] for r in sniff_json(tmp_path / "t.pcap")[5:]]
    assert fields[0]["md5"] == "00" * 16
    assert fields[1]["uto"] == 16534
    assert fields[2]["tfo_cookie"] == "0102030405060708"
    assert fields[3]["tfo_cookie_request"] is True
    assert fields[4]["mptcp"] == "MP_CAPABLE"


MPTCP_NAMES = ["MP_CAPABLE", "MP_JOIN", "DSS", "ADD_ADDR", "REMOVE_ADDR", "MP_PRIO", "MP_FAIL",
               "MP_FASTCLOSE", "MP_TCPRST"]


def mptcp_frames():
    """(flags, MPTCP option) for every subtype, in each length it comes in."""
    import struct

    def opt(sub, low, rest):
        return (30, bytes([sub << 4 | low]) + rest)
    k1, k2 = 0x1122334455667788, 0x99aabbccddeeff00
    return [
        ("S", opt(0, 1, b"\x81")),
        ("SA", opt(0, 1, b"\x81" + struct.pack(">Q", k1))),
        ("A", opt(0, 1, b"\x01" + struct.pack(">QQ", k1, k2))),
        ("PA", opt(0, 1, b"\x81" + struct.pack(">QQHH", k1, k2, 100, 0xbeef))),
        ("PA", opt(0, 0, b"\x21" + struct.pack(">QQH", k1, k2, 7))),
        ("S", opt(1, 1, bytes([3]) + struct.pack(">II", 0xdeadbeef, 0x01020304))),
        ("SA", opt(1, 0, bytes([3]) + struct.pack(">QI", 0x0102030405060708, 0x0a0b0c0d))),
        ("A", opt(1, 0, b"\x00" + bytes(range(20)))),
        ("PA", opt(2, 0, bytes([0x05]) + struct.pack(">IIIHH", 1000, 2000, 3000, 50, 0x1234))),
        ("PA", opt(2, 0, bytes([0x1f]) + struct.pack(">QQIH", 2**40 + 1, 2**41 + 2, 7, 9))),
        ("A", opt(2, 0, bytes([0x01]) + struct.pack(">I", 77))),
        ("A", opt(3, 0, bytes([5, 198, 18, 0, 9]) + struct.pack(">HQ", 8080, 0x1112131415161718))),
        ("A", opt(3, 1, bytes([6, 198, 18, 0, 10]))),
        ("A", opt(3, 0, bytes([7]) + bytes(range(16)) + struct.pack(">Q", 5))),
        ("A", opt(3, 1, bytes([8]) + bytes(range(16, 32)) + struct.pack(">H", 443))),
        ("A", opt(4, 0, bytes([1, 2, 3]))),
        ("A", opt(5, 1, b"")),
        ("A", opt(6, 0, b"\x00" + struct.pack(">Q", 123456789012))),
        ("A", opt(7, 0, b"\x00" + struct.pack(">Q", k2))),
        ("R", opt(8, 0b1010, b"\x03")),
        ("R", opt(8, 0b0101, b"\x06")),
    ]


def tf_bool(v):
    return "1" if v else "0"


# (tshark field, sockit field, how sockit's value becomes tshark's text)
MPTCP_FIELDS = [
    ("subtype", "mptcp", lambda v: str(MPTCP_NAMES.index(v))),
    ("version", "mptcp_version", str),
    ("flags", "mptcp_flags", lambda v: f"0x{v:02x}"),
    ("checksumreq.flags", "mptcp_checksum_required", tf_bool),
    ("extensibility.flag", "mptcp_extensibility", tf_bool),
    ("nomoresubflows.flag", "mptcp_no_more_subflows", tf_bool),
    ("sha256.flag", "mptcp_sha256", tf_bool),
    ("sha1.flag", "mptcp_sha1", tf_bool),
    ("datafin.flag", "mptcp_data_fin", tf_bool),
    ("flag_U.flag", "mptcp_flag_u", tf_bool),
    ("flag_V.flag", "mptcp_flag_v", tf_bool),
    ("flag_W.flag", "mptcp_flag_w", tf_bool),
    ("flag_T.flag", "mptcp_transient", tf_bool),
    ("backup.flag", "mptcp_backup", tf_bool),
    ("echo", "mptcp_echo", tf_bool),
    ("addrid", ("mptcp_addr_id", "mptcp_addr_ids"), str),
    ("sendkey", "mptcp_send_key", str),
    ("recvkey", "mptcp_recv_key", str),
    ("recvtok", "mptcp_token", str),
    ("sendrand", "mptcp_nonce", str),
    ("sendtrunchmac", "mptcp_trunc_hmac", str),
    ("addaddrtrunchmac", "mptcp_trunc_hmac", str),
    ("sendhmac", "mptcp_hmac", str),
    ("rawdataack", "mptcp_data_ack", str),
    ("rawdataseqno", "mptcp_dsn", str),
    ("subflowseqno", "mptcp_ssn", str),
    ("datalvllen", "mptcp_data_len", str),
    ("checksum", "mptcp_checksum", lambda v: f"0x{v:04x}"),
    ("ipv4", "mptcp_addr", str),
    ("ipv6", "mptcp_addr", str),
    ("port", "mptcp_port", str),
    ("rst_reason", "mptcp_reason", lambda v: f"0x{v:02x}"),
]


def test_mptcp_options_match_tsharks_fields(tmp_path):
    """Every MPTCP subtype (RFC 8684) in each of its lengths: sockit's
    --json fields against tshark's tcp.options.mptcp.* ones, value for
    value, and every field sockit gives is one tshark gives too; the
    --layers text names the subtype the same way."""
    need_tool("tshark")
    base = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src="198.18.0.1",
                                                                        dst="198.18.0.2")
    frames = mptcp_frames()
    wrpcap(str(tmp_path / "m.pcap"),
           [base / TCP(sport=40000, dport=443, flags=f, options=[o]) for f, o in frames])
    args = ["tshark", "-r", str(tmp_path / "m.pcap"), "-T", "fields"]
    for f, *_ in MPTCP_FIELDS:
        args += ["-e", "tcp.options.mptcp." + f]
    out = subprocess.run(args, capture_output=True, text=True, timeout=60).stdout.splitlines()
    recs = sniff_json(tmp_path / "m.pcap")
    assert len(out) == len(recs) == len(frames)
    for (flags, o), line, rec in zip(frames, out, recs):
        ref = line.split("\t")
        mine = {k: v for k, v in rec["layers"][2]["fields"].items() if k.startswith("mptcp")}
        assert "mptcp_malformed" not in mine, (o, mine)
        checked = set()
        for (tf, fields, conv), theirs in zip(MPTCP_FIELDS, ref):
            # (tshark has one field for MP_JOIN's address ID and
            # REMOVE_ADDR's list.)
            field = next((f for f in ([fields] if isinstance(fields, str) else fields)
                          if f in mine), None)
            if theirs == "" or field is None:
                continue
            assert conv(mine[field]) == theirs, (o, tf, mine[field], theirs)
            checked.add(field)
        # tshark shows a DSS checksum only once it saw MP_CAPABLE ask for
        # checksums on both sides of the connection.
        unchecked = set(mine) - checked
        if mine["mptcp"] == "DSS":
            unchecked.discard("mptcp_checksum")
        assert not unchecked, (o, unchecked, line)
    dss = recs[8]["layers"][2]["fields"]
    assert (dss["mptcp_data_len"], dss["mptcp_checksum"]) == (50, 0x1234)
    text = run("sniff", "-r", tmp_path / "m.pcap", "--layers", check=0).stdout
    assert [l.split()[1] for l in text.splitlines() if l.split()[:1] == ["mptcp"]] == \
        [MPTCP_NAMES[o[1][0] >> 4] for _, o in frames]


def test_malformed_mptcp_options_are_flagged(tmp_path):
    """A length that does not fit its subtype is flagged (tshark calls
    two of these frames malformed and shows the others without the fields
    their length leaves no room for)."""
    base = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src="198.18.0.1",
                                                                        dst="198.18.0.2")
    bad = [(30, b"\x01\x81\x00"), (30, b"\x10\x01\x02"), (30, b"\x20\x05\x00\x00"),
           (30, b"\x30\x01\x02"), (30, b"\x60\x00")]
    wrpcap(str(tmp_path / "b.pcap"), [base / TCP(options=[o]) for o in bad])
    for rec in sniff_json(tmp_path / "b.pcap"):
        fields = rec["layers"][2]["fields"]
        assert fields.get("mptcp_malformed") is True, fields


def test_rarp_and_inverse_arp_in_tcpdumps_words(tmp_path):
    need_tool("tcpdump")
    a, b = "02:00:00:00:00:01", "02:00:00:00:00:02"
    wrpcap(str(tmp_path / "r.pcap"), [
        Ether(src=a, dst=b, type=0x8035) / ARP(op=3, hwsrc=a, hwdst=a, psrc="0.0.0.0", pdst="0.0.0.0"),
        Ether(src=a, dst=b, type=0x8035) / ARP(op=4, hwsrc=b, hwdst=a, psrc="198.18.0.2", pdst="198.18.0.1"),
        Ether(src=a, dst=b) / ARP(op=8, hwsrc=a, hwdst=b, psrc="198.18.0.1", pdst="0.0.0.0"),
        Ether(src=a, dst=b) / ARP(op=9, hwsrc=b, hwdst=a, psrc="198.18.0.2", pdst="198.18.0.1")])
    assert run("sniff", "-r", tmp_path / "r.pcap", "-t", check=0).stdout.splitlines() == \
        tcpdump_lines(tmp_path / "r.pcap")
    names = [r["layers"][1]["fields"]["op_name"] for r in sniff_json(tmp_path / "r.pcap")]
    assert names == ["reverse-request", "reverse-reply", "inverse-request", "inverse-reply"]


def test_every_icmpv6_type_in_the_iana_registry_is_named(tmp_path):
    from scapy.layers.inet6 import IPv6, ICMPv6Unknown
    types = [1, 2, 3, 4, 100, 101, 127, *range(128, 162), 200, 201, 255]
    wrpcap(str(tmp_path / "i.pcap"),
           [Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
            / IPv6(src="fe80::1", dst="fe80::2") / ICMPv6Unknown(type=t, msgbody=b"\0" * 40)
            for t in types])
    for t, rec in zip(types, sniff_json(tmp_path / "i.pcap")):
        icmp = [l for l in rec["layers"] if l["name"] == "icmpv6"][0]["fields"]
        assert icmp.get("type_name"), (t, icmp)


def test_ipv6_routing_header_checksums_use_the_final_destination(tmp_path):
    """RFC 8200 8.1: with segments left, the transport checksum covers the
    final destination the routing header names, not the IPv6 destination."""
    need_tool("tshark")
    from scapy.layers.inet6 import IPv6, IPv6ExtHdrRouting, IPv6ExtHdrSegmentRouting
    eth = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    ip = IPv6(src="2001:db8::1", dst="2001:db8::2")
    good = [eth / ip / IPv6ExtHdrRouting(addresses=["2001:db8::3", "2001:db8::4"], segleft=2)
            / UDP(sport=1, dport=2) / b"x",
            eth / ip / IPv6ExtHdrSegmentRouting(addresses=["2001:db8::9", "2001:db8::2"],
                                                segleft=1) / TCP(sport=1, dport=2)]
    bad = eth / ip / IPv6ExtHdrRouting(addresses=["2001:db8::3", "2001:db8::4"], segleft=2) \
        / UDP(sport=1, dport=2, chksum=0x1234) / b"x"
    wrpcap(str(tmp_path / "rh.pcap"), good + [bad])
    status = subprocess.run(
        ["tshark", "-r", tmp_path / "rh.pcap", "-o", "udp.check_checksum:TRUE",
         "-o", "tcp.check_checksum:TRUE", "-T", "fields", "-e", "udp.checksum.status",
         "-e", "tcp.checksum.status"], capture_output=True, text=True, timeout=60).stdout
    assert [line.strip() for line in status.splitlines()] == ["1", "1", "0"], status
    oks = [[l["fields"].get("checksum_ok") for l in r["layers"] if l["name"] in ("udp", "tcp")]
           for r in sniff_json(tmp_path / "rh.pcap")]
    assert oks == [[True], [True], [False]]


def test_truncation_is_flagged_as_tcpdump_flags_it(tmp_path):
    """An IP length past the end of the frame is "truncated-ip - N bytes
    missing!"; a cut header still shows what it holds (the ports of a cut
    TCP header; tshark's source address of an IPv4 header cut at 16 bytes)."""
    need_tool("tcpdump")
    from scapy.layers.inet6 import IPv6
    eth = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    tcp = raw(eth / IP(src="198.18.0.1", dst="198.18.0.2") / TCP(sport=1, dport=2))
    long_ip = raw(eth / IP(src="198.18.0.1", dst="198.18.0.2", len=80) / UDP(sport=1, dport=2)
                  / b"abcd")
    v6 = raw(eth / IPv6(src="2001:db8::1", dst="2001:db8::2") / UDP())
    from scapy.all import Raw
    wrpcap(str(tmp_path / "t.pcap"), [Raw(tcp[:14 + 16]), Raw(tcp[:14 + 20 + 10]),
                                      Raw(long_ip), Raw(v6[:14 + 30])])
    assert run("sniff", "-r", tmp_path / "t.pcap", "-t", check=0).stdout.splitlines() == \
        tcpdump_lines(tmp_path / "t.pcap")
    recs = sniff_json(tmp_path / "t.pcap")
    assert recs[0]["layers"][1]["status"] == "truncated"
    assert recs[0]["layers"][1]["fields"]["src"] == "198.18.0.1"
    assert "dst" not in recs[0]["layers"][1]["fields"]
    assert recs[1]["layers"][2]["fields"] == {"sport": 1, "dport": 2, "seq": 0}
    assert recs[2]["layers"][1]["fields"]["missing"] == 48


def test_offloaded_and_jumbo_packets_decode_with_their_real_length(tmp_path):
    """A sender's capture of a TSO or BIG TCP segment has IPv4 total length
    0: the frame gives the length (tshark agrees; tcpdump says bad-len).  An
    IPv6 jumbogram's length is in its hop-by-hop Jumbo Payload option, and
    its UDP length 0 defers to it (RFC 2675)."""
    import struct
    from scapy.all import Raw
    from scapy.layers.inet6 import IPv6, IPv6ExtHdrHopByHop, Jumbo
    from scapy.utils import PcapWriter
    need_tool("tshark")
    eth = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    tso = bytearray(raw(eth / IP(src="198.18.0.1", dst="198.18.0.2")
                        / TCP(sport=1, dport=2, flags="PA") / (b"x" * 3000)))
    tso[16:18] = b"\0\0"  # total length 0, then the header checksum again
    tso[24:26] = b"\0\0"
    s = sum(struct.unpack(">10H", bytes(tso[14:34])))
    s = (s & 0xFFFF) + (s >> 16)
    tso[24:26] = struct.pack(">H", ~((s & 0xFFFF) + (s >> 16)) & 0xFFFF)
    n = 70_000
    jumbo = eth / IPv6(src="2001:db8::1", dst="2001:db8::2", plen=0) \
        / IPv6ExtHdrHopByHop(options=[Jumbo(jumboplen=8 + 8 + n)]) \
        / UDP(sport=1, dport=2, len=0) / (b"y" * n)
    w = PcapWriter(str(tmp_path / "big.pcap"), snaplen=262144, linktype=1)
    w.write(Raw(bytes(tso)))
    w.write(jumbo)
    w.close()
    lines = run("sniff", "-r", tmp_path / "big.pcap", "-t", check=0).stdout.splitlines()
    assert lines[0] == ("IP 198.18.0.1.1 > 198.18.0.2.2: Flags [P.], seq 0:3000, ack 0, "
                        "win 8192, length 3000")
    assert lines[1] == "IP6 2001:db8::1.1 > 2001:db8::2.2: UDP, length 70000"
    tso_rec, jumbo_rec = sniff_json(tmp_path / "big.pcap")
    layers = {l["name"]: l for l in tso_rec["layers"]}
    assert layers["ipv4"]["status"] == "ok" and layers["ipv4"]["payload"] == 3020
    assert layers["ipv4"]["fields"]["length_from_frame"] is True
    assert layers["tcp"]["fields"]["checksum_ok"] is True
    t = subprocess.run(["tshark", "-r", tmp_path / "big.pcap", "-c", "1", "-T", "fields",
                        "-e", "tcp.len"], capture_output=True, text=True, timeout=60).stdout
    assert t.strip() == "3000"
    layers = {l["name"]: l for l in jumbo_rec["layers"]}
    assert layers["ipv6"]["payload"] == 8 + 8 + n and layers["udp"]["payload"] == n
    assert layers["udp"]["status"] == "ok"
    for rec in (tso_rec, jumbo_rec):  # every byte belongs to one layer
        assert sum(l["length"] for l in rec["layers"]) == rec["caplen"], rec["summary"]


def test_every_byte_of_a_frame_is_in_exactly_one_layer(tmp_path):
    """In --json too: the bytes after a header that could not be read are an
    "undecoded" entry, as in the text view.  "payload" is what a header
    says follows it: 802.3's length field, else all that follows on the
    wire (Ethernet II, padding included), an IPv4 fragment's own share."""
    path, names = write_corpus(tmp_path, 1)
    recs = sniff_json(path)
    for name, rec in zip(names, recs):
        spans = sorted((l["offset"], l["length"]) for l in rec["layers"])
        pos = 0
        for off, length in spans:
            assert off == pos, (name, spans)
            pos += length
        assert pos == rec["caplen"], (name, spans)
    undecoded = [r for r in recs if r["layers"][-1]["name"] == "undecoded"]
    assert undecoded, "the corpus has frames with a malformed header"
    text = run("sniff", "-r", path, "--layers", check=0).stdout
    assert text.count("  undecoded     bytes ") == len(undecoded)
    from scapy.all import Dot3, LLC
    eth = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    frames = [eth / ARP(op=1, psrc="198.18.0.1", pdst="198.18.0.2"),
              Dot3(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / LLC() / b"abc",
              eth / IP(src="198.18.0.1", dst="198.18.0.2", flags="MF", frag=0)
              / UDP(sport=1, dport=2) / (b"z" * 100)]
    wrpcap(str(tmp_path / "p.pcap"), frames)
    a, b, c = sniff_json(tmp_path / "p.pcap")
    assert a["layers"][0]["payload"] == a["len"] - 14  # ARP and its padding
    assert b["layers"][0]["payload"] == 6  # the 802.3 length field: LLC + "abc"
    assert c["layers"][1]["payload"] == 8 + 100  # this fragment's bytes

/* What http serve decides from a request without touching the disk: the
 * file path a target names, the byte range asked for, the Content-Type. */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "sockit/bytes.h"
#include "sockit/error.h"
#include "sockit/http.h"

int sk_http_path_clean(const char *target, char *out, size_t cap,
		       bool *dir_slash)
{
	if (target[0] != '/')
		return SK_EURL;
	size_t n = strcspn(target, "?#");
	if (cap == 0)
		return -ENOSPC;
	/* Decode first, then split: "%2e%2e" and "%2f" must be judged as
	 * the bytes they stand for. */
	char dec[SK_URL_TARGETLEN];
	size_t d = 0;
	for (size_t i = 0; i < n; i++) {
		char c = target[i];
		if (c == '%') {
			int hi = i + 2 < n ? sk_hex_digit(target[i + 1]) : -1;
			int lo = hi >= 0 ? sk_hex_digit(target[i + 2]) : -1;
			if (hi < 0 || lo < 0)
				return SK_EURL;
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if (c == 0 || c == '\\')
			return SK_EHTTPFORBIDDEN;
		if (d + 1 >= sizeof dec)
			return -ENOSPC;
		dec[d++] = c;
	}
	dec[d] = 0;
	/* "/file.txt/." names the file as a directory, as "/file.txt/" does. */
	*dir_slash = (d > 0 && dec[d - 1] == '/') ||
		     (d > 1 && dec[d - 1] == '.' && dec[d - 2] == '/');
	size_t o = 0;
	const char *s = dec;
	while (*s) {
		while (*s == '/')
			s++;
		size_t seg = strcspn(s, "/");
		if (seg == 0)
			break;
		if (seg == 2 && s[0] == '.' && s[1] == '.')
			return SK_EHTTPFORBIDDEN;
		if (!(seg == 1 && s[0] == '.')) {
			if (o + seg + 2 > cap)
				return -ENOSPC;
			if (o)
				out[o++] = '/';
			memcpy(out + o, s, seg);
			o += seg;
		}
		s += seg;
	}
	out[o] = 0;
	return 0;
}

/* Parses decimal digits at *s into *v; false on none or overflow. */
static bool digits(const char **s, uint64_t *v)
{
	const char *p = *s;
	uint64_t n = 0;
	if (!isdigit((unsigned char)*p))
		return false;
	for (; isdigit((unsigned char)*p); p++) {
		if (n > (UINT64_MAX - 9) / 10)
			return false;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	*s = p;
	*v = n;
	return true;
}

int sk_http_range_parse(const char *value, uint64_t size, uint64_t *first,
			uint64_t *last)
{
	if (!value)
		return 0;
	const char *s = value;
	while (*s == ' ' || *s == '\t')
		s++;
	if (strncasecmp(s, "bytes=", 6))
		return 0;
	s += 6;
	while (*s == ' ' || *s == '\t')
		s++;
	uint64_t a = 0, b = 0;
	bool has_a = digits(&s, &a);
	if (*s++ != '-')
		return 0;
	bool has_b = digits(&s, &b);
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s) /* several ranges or junk: serve the whole thing */
		return 0;
	if (!has_a && !has_b)
		return 0;
	if (!has_a) { /* suffix: the last b bytes */
		if (b == 0 || size == 0)
			return SK_EHTTPRANGE;
		*first = b >= size ? 0 : size - b;
		*last = size - 1;
		return 1;
	}
	if (has_b && b < a)
		return 0; /* invalid: RFC 9110 says ignore it */
	if (a >= size)
		return SK_EHTTPRANGE;
	*first = a;
	*last = has_b && b < size - 1 ? b : size - 1;
	return 1;
}

const char *sk_http_mime_type(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ "html", "text/html; charset=utf-8" },
		{ "htm", "text/html; charset=utf-8" },
		{ "txt", "text/plain; charset=utf-8" },
		{ "md", "text/markdown; charset=utf-8" },
		{ "c", "text/plain; charset=utf-8" },
		{ "h", "text/plain; charset=utf-8" },
		{ "css", "text/css; charset=utf-8" },
		{ "csv", "text/csv; charset=utf-8" },
		{ "js", "text/javascript; charset=utf-8" },
		{ "mjs", "text/javascript; charset=utf-8" },
		{ "json", "application/json" },
		{ "xml", "application/xml" },
		{ "svg", "image/svg+xml" },
		{ "png", "image/png" },
		{ "jpg", "image/jpeg" },
		{ "jpeg", "image/jpeg" },
		{ "gif", "image/gif" },
		{ "webp", "image/webp" },
		{ "avif", "image/avif" },
		{ "jxl", "image/jxl" },
		{ "apng", "image/apng" },
		{ "bmp", "image/bmp" },
		{ "tif", "image/tiff" },
		{ "tiff", "image/tiff" },
		{ "heic", "image/heic" },
		{ "ico", "image/x-icon" },
		{ "pdf", "application/pdf" },
		{ "zip", "application/zip" },
		{ "gz", "application/gzip" },
		{ "tar", "application/x-tar" },
		{ "wasm", "application/wasm" },
		{ "mp4", "video/mp4" },
		{ "webm", "video/webm" },
		{ "mp3", "audio/mpeg" },
		{ "wav", "audio/wav" },
		{ "m4a", "audio/mp4" },
		{ "aac", "audio/aac" },
		{ "flac", "audio/flac" },
		{ "ogg", "audio/ogg" },
		{ "oga", "audio/ogg" },
		{ "opus", "audio/ogg" },
		{ "ogv", "video/ogg" },
		{ "mkv", "video/x-matroska" },
		{ "mov", "video/quicktime" },
		{ "m3u8", "application/vnd.apple.mpegurl" },
		{ "mpd", "application/dash+xml" },
		{ "vtt", "text/vtt; charset=utf-8" },
		{ "otf", "font/otf" },
		{ "ttf", "font/ttf" },
		{ "webmanifest", "application/manifest+json" },
		{ "jsonld", "application/ld+json" },
		{ "yaml", "application/yaml" },
		{ "yml", "application/yaml" },
		{ "toml", "application/toml" },
		{ "xz", "application/x-xz" },
		{ "zst", "application/zstd" },
		{ "bz2", "application/x-bzip2" },
		{ "7z", "application/x-7z-compressed" },
		{ "epub", "application/epub+zip" },
		{ "woff", "font/woff" },
		{ "woff2", "font/woff2" },
		{ "pcap", "application/vnd.tcpdump.pcap" },
	};
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	const char *dot = strrchr(base, '.');
	if (dot && dot != base)
		for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
			if (!strcasecmp(dot + 1, types[i].ext))
				return types[i].type;
	return "application/octet-stream";
}

const char *sk_http_reason_phrase(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 416: return "Range Not Satisfiable";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "";
	}
}

int sk_http_percent_encode(struct sk_str *out, const char *name)
{
	for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
		int rc;
		if (isalnum(*c) || strchr("-._~/", *c))
			rc = sk_str_append(out, (const char *)c, 1);
		else
			rc = sk_str_printf(out, "%%%02X", *c);
		if (rc)
			return rc;
	}
	return 0;
}

static int html_escape(struct sk_str *out, const char *s)
{
	for (; *s; s++) {
		const char *e = NULL;
		switch (*s) {
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '&': e = "&amp;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		}
		int rc = e ? sk_str_puts(out, e) : sk_str_append(out, s, 1);
		if (rc)
			return rc;
	}
	return 0;
}

int sk_http_listing_html(struct sk_str *out, const char *path,
			 const char *const *names, size_t count)
{
	int rc = sk_str_puts(out, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
				  "<title>Index of /");
	rc = rc ? rc : html_escape(out, path);
	rc = rc ? rc : sk_str_puts(out, "</title></head>\n<body><h1>Index of /");
	rc = rc ? rc : html_escape(out, path);
	rc = rc ? rc : sk_str_puts(out, "</h1>\n<ul>\n");
	if (!rc && path[0])
		rc = sk_str_puts(out, "<li><a href=\"../\">../</a></li>\n");
	for (size_t i = 0; !rc && i < count; i++) {
		rc = sk_str_puts(out, "<li><a href=\"");
		/* "./" keeps a name with a colon from reading as a scheme. */
		rc = rc ? rc : sk_str_puts(out, "./");
		rc = rc ? rc : sk_http_percent_encode(out, names[i]);
		rc = rc ? rc : sk_str_puts(out, "\">");
		rc = rc ? rc : html_escape(out, names[i]);
		rc = rc ? rc : sk_str_puts(out, "</a></li>\n");
	}
	rc = rc ? rc : sk_str_puts(out, "</ul>\n</body></html>\n");
	return rc ? SK_ELIMIT : 0;
}

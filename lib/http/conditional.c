/* Validators and conditional requests for http serve (RFC 9110 sections
 * 8.8 and 13): the ETag of a file, HTTP dates, If-None-Match,
 * If-Modified-Since and If-Range. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sockit/error.h"
#include "sockit/http.h"

int sk_http_etag(char *buf, size_t cap, uint64_t size, int64_t mtime_s, long mtime_ns)
{
	/* Size and modification time to the nanosecond: a file rewritten
	 * within the same second with the same length still changes it. */
	int n = snprintf(buf, cap, "\"%llx-%llx-%lx\"", (unsigned long long)size,
			 (unsigned long long)mtime_s, (unsigned long)mtime_ns);
	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

static int month_of(const char *m)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	for (int i = 0; i < 12; i++)
		if (!strncmp(months + 3 * i, m, 3) && m[3] == 0)
			return i;
	return -1;
}

int sk_http_date_parse(const char *s, int64_t *t)
{
	struct tm tm = { 0 };
	char mon[4] = "";
	int n = 0;
	/* IMF-fixdate, then the two obsolete forms RFC 9110 section 5.6.7
	 * still asks recipients to accept. */
	if (sscanf(s, "%*3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d GMT%n", &tm.tm_mday, mon,
		   &tm.tm_year, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) == 6 && n) {
		tm.tm_year -= 1900;
	} else if (n = 0, sscanf(s, "%*[A-Za-z], %2d-%3[A-Za-z]-%2d %2d:%2d:%2d GMT%n",
				 &tm.tm_mday, mon, &tm.tm_year, &tm.tm_hour, &tm.tm_min,
				 &tm.tm_sec, &n) == 6 && n) {
		if (tm.tm_year < 70)
			tm.tm_year += 100; /* two digits: the nearest century */
	} else if (n = 0, sscanf(s, "%*3[A-Za-z] %3[A-Za-z] %2d %2d:%2d:%2d %4d%n", mon,
				 &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
				 &tm.tm_year, &n) == 6 && n) {
		tm.tm_year -= 1900;
	} else {
		return SK_EHTTPHEADER;
	}
	if (s[n] != 0)
		return SK_EHTTPHEADER;
	tm.tm_mon = month_of(mon);
	if (tm.tm_mon < 0 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
	    tm.tm_min > 59 || tm.tm_sec > 60)
		return SK_EHTTPHEADER;
	*t = (int64_t)timegm(&tm);
	return 0;
}

/* Compares one entity-tag with etag; weak ignores a "W/" on either. */
static bool tag_equal(const char *tag, size_t len, const char *etag, bool weak)
{
	bool tag_weak = len >= 2 && !strncmp(tag, "W/", 2);
	bool our_weak = !strncmp(etag, "W/", 2);
	if (!weak && (tag_weak || our_weak))
		return false;
	if (tag_weak) {
		tag += 2;
		len -= 2;
	}
	if (our_weak)
		etag += 2;
	return strlen(etag) == len && !memcmp(tag, etag, len);
}

bool sk_http_etag_match(const char *list, const char *etag, bool weak)
{
	const char *s = list;
	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		if (!*s)
			return false;
		if (*s == '*')
			return true;
		const char *start = s;
		if (!strncmp(s, "W/", 2))
			s += 2;
		if (*s != '"')
			return false; /* malformed: nothing matches */
		const char *end = strchr(s + 1, '"');
		if (!end)
			return false;
		s = end + 1;
		if (tag_equal(start, (size_t)(s - start), etag, weak))
			return true;
	}
}

int sk_http_conditional(const char *if_none_match, const char *if_modified_since,
			const char *etag, int64_t mtime)
{
	/* If-None-Match wins over If-Modified-Since (section 13.2.2). */
	if (if_none_match)
		return sk_http_etag_match(if_none_match, etag, true) ? 304 : 200;
	int64_t since;
	if (if_modified_since && sk_http_date_parse(if_modified_since, &since) == 0 &&
	    mtime <= since)
		return 304;
	return 200;
}

bool sk_http_if_range(const char *if_range, const char *etag, int64_t mtime)
{
	if (!if_range)
		return true;
	while (*if_range == ' ' || *if_range == '\t')
		if_range++;
	if (*if_range == '"' || !strncmp(if_range, "W/", 2))
		return tag_equal(if_range, strlen(if_range), etag, false);
	int64_t date;
	return sk_http_date_parse(if_range, &date) == 0 && date == mtime;
}

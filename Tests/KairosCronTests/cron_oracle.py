#!/usr/bin/env python3
"""Independent oracle for Kairos's cron next-occurrence function (issue 15): croniter.

Prints one line per case: expr<TAB>zone<TAB>start_epoch_s<TAB>5 next occurrences (epoch s).
Random valid expressions x start instants x zones, from a fixed seed.

Deliberate differences from croniter, encoded here so the comparison is exact:
 1. A wall time that occurs twice (fall back) runs once, at its first occurrence; croniter runs
    it again in the repeated hour. Occurrences that are the second pass of a repeated wall time
    are removed from croniter's list.
 2. Vixie day semantics: a day field that starts with `*` (such as `*/2`) counts as unrestricted
    for the AND/OR choice; croniter counts only a bare `*`. Expressions where the two readings
    differ (one day field `*/n`-like, the other not a bare `*`) are not generated.
 3. A wall time that does not exist (spring forward) runs at the transition, the first valid
    instant after it, whatever the hour field; croniter does so only when the hour is fixed and
    skips it when the hour field matches the skipped hour through `*` or a range. Such transition
    instants are added to croniter's list (`gap_runs`).
 4. croniter 7 reads a one-value range `a-a` (`25-25`) as `*`; Kairos reads it as `a`, like
    Vixie cron. Such ranges are not generated.
"""
import random
import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from croniter import croniter

ZONES = ["Europe/Paris", "America/New_York", "Australia/Lord_Howe", "UTC"]
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]


def item(rng, low, high, names):
    kind = rng.random()
    def val():
        v = rng.randint(low, high)
        if names and rng.random() < 0.3 and v - (1 if low == 1 else 0) < len(names):
            return names[v - (1 if low == 1 else 0)].upper() if rng.random() < 0.2 else names[v - (1 if low == 1 else 0)]
        return str(v)
    if kind < 0.25:
        return str(rng.randint(low, high))
    if kind < 0.45:
        a = rng.randint(low, high - 1)
        b = rng.randint(a + 1, high)
        return f"{a}-{b}"
    if kind < 0.6:
        return f"*/{rng.randint(1, max(1, (high - low) // 2 + 1))}"
    if kind < 0.7:
        a = rng.randint(low, high - 1)
        b = rng.randint(a + 1, high)
        return f"{a}-{b}/{rng.randint(1, max(1, b - a + 1))}"
    if kind < 0.8 and names:
        return val()
    return ",".join(sorted({str(rng.randint(low, high)) for _ in range(rng.randint(2, 4))}, key=int))


def field(rng, low, high, names=None, star=0.4):
    return "*" if rng.random() < star else item(rng, low, high, names)


def expression(rng):
    if rng.random() < 0.03:
        return rng.choice(["@hourly", "@daily", "@weekly", "@monthly", "@yearly"])
    while True:
        dom = field(rng, 1, 31, star=0.6)
        dow = field(rng, 0, 6, DAYS, star=0.6)
        starish = lambda f: f.startswith("*") and f != "*"
        if (starish(dom) and dow != "*") or (starish(dow) and dom != "*"):
            continue
        return " ".join([field(rng, 0, 59, star=0.2), field(rng, 0, 23, star=0.4), dom,
                         field(rng, 1, 12, MONTHS, star=0.7), dow])


def second_pass(dt, zone):
    naive = dt.replace(tzinfo=None)
    first = naive.replace(fold=0, tzinfo=zone)
    return first.utcoffset() != dt.utcoffset() and first.timestamp() < dt.timestamp()


def gap_runs(expr, zone, start, found):
    """Transition instants in (start, last found] whose skipped wall times match `expr`."""
    extra = []
    points = [start] + found
    for a, b in zip(points, points[1:]):
        before = datetime.fromtimestamp(a, zone).utcoffset()
        after = datetime.fromtimestamp(b, zone).utcoffset()
        if after <= before:
            continue
        low, high = a, b
        while high - low > 1:
            mid = (low + high) // 2
            if datetime.fromtimestamp(mid, zone).utcoffset() == before:
                low = mid
            else:
                high = mid
        # The transition may be one of several in (a, b] only for spans of months, where a
        # matching skipped minute would have made croniter stop earlier anyway.
        wall = datetime.fromtimestamp(high, timezone.utc).replace(tzinfo=None) + before
        end = wall + (after - before)
        minute = wall
        while minute < end:
            if croniter.match(expr, minute):
                extra.append(high)
                break
            minute += timedelta(minutes=1)
    return extra


def main():
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    rng = random.Random(seed)
    made = 0
    while made < count:
        expr = expression(rng)
        zone_name = rng.choice(ZONES)
        zone = ZoneInfo(zone_name)
        year = rng.randint(2000, 2039)
        # Half the starts land in the months where DST changes somewhere in these zones.
        month = rng.choice([3, 4, 10, 11]) if rng.random() < 0.5 else rng.randint(1, 12)
        start = int(datetime(year, month, 1, tzinfo=timezone.utc).timestamp()) + rng.randint(0, 30 * 86400)
        try:
            it = croniter(expr, datetime.fromtimestamp(start, zone))
            found = []
            for _ in range(40):
                dt = it.get_next(datetime)
                if not second_pass(dt, zone):
                    found.append(int(dt.timestamp()))
                if len(found) == 5:
                    break
        except Exception:
            continue
        if len(found) < 5:
            continue
        found = sorted(set(found + gap_runs(expr, zone, start, found)))[:5]
        print(f"{expr}\t{zone_name}\t{start}\t{' '.join(map(str, found))}")
        made += 1


if __name__ == "__main__":
    main()

"""Which scheduled runs of the check were missed: the cron's own fire times, not calendar days.

A run belongs to the latest fire time at or before its start (a run starts a little after its
fire time). The runs missed between two checks are the fire times strictly between the fire
time of the previous check and this one's: a weekday cron (`0 9 * * 1-5`) misses nothing over a
weekend, an hourly one misses 24 in a day the machine was off.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from cronsim import CronSim, CronSimError

from rrf.rules.errors import RrfError

DAILY = "0 0 * * *"  # a scheduled check without its cron is taken as daily, at midnight
MOST = 10_000  # fire times counted at most (an every-minute cron over a week off is 10 080)


class ScheduleError(RrfError, ValueError):
    """A cron expression or time zone that cannot be used."""


@dataclass(frozen=True)
class Schedule:
    cron: str = DAILY
    timezone: str = "Europe/Riga"

    def __post_init__(self) -> None:
        try:
            CronSim(self.cron, datetime(2000, 1, 1, tzinfo=self.zone))
        except CronSimError as exc:
            raise ScheduleError(f"cron {self.cron!r}: {exc}") from None

    @property
    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone)
        except (KeyError, ValueError) as exc:
            raise ScheduleError(f"time zone {self.timezone!r}: not a known zone") from exc

    def fire_at_or_before(self, moment: datetime) -> datetime:
        """The latest fire time at or before `moment` (an aware datetime)."""
        after = moment.astimezone(self.zone).replace(microsecond=0) + timedelta(seconds=1)
        return next(CronSim(self.cron, after, reverse=True))


@dataclass(frozen=True)
class Missed:
    """The fire times on which no check ran: how many (at most MOST, then `more`), the first and the last."""

    count: int
    first: datetime
    last: datetime
    more: bool = False  # there were more than `count` (then counting stopped at MOST)
    cron: str = DAILY
    timezone: str = "Europe/Riga"

    def as_dict(self) -> dict:
        return {"count": self.count, "more": self.more, "first": self.first.isoformat(),
                "last": self.last.isoformat(), "cron": self.cron, "timezone": self.timezone}


def missed_runs(schedule: Schedule, previous: datetime | None, now: datetime) -> Missed | None:
    """The fire times strictly between the previous check's (started at `previous`) and this
    check's (starting `now`); None when there were none or there was no previous check."""
    if previous is None:
        return None
    since, until = schedule.fire_at_or_before(previous), schedule.fire_at_or_before(now)
    last = next(CronSim(schedule.cron, until, reverse=True))
    if last <= since:
        return None
    count, first = 0, None
    for fire in CronSim(schedule.cron, since):
        if fire > last or count == MOST:
            break
        first, count = first or fire, count + 1
    return Missed(count, first, last, count == MOST and fire <= last, schedule.cron, schedule.timezone)
